/**
 * `npm run losslens -- <command> ...`: the engine from a terminal, no Electron.
 * Each command lives in src/main/cli/<command>.ts and exports `run(argv): Promise<number>` (the exit code).
 */
import { errorMessage } from './engine/errors'
import { exitCodeFor } from './cli/exit-for'

type Command = { run: (argv: string[]) => Promise<number> }

const commands: Record<string, { about: string; load: () => Promise<Command> }> = {
  analyze: { about: 'run the gap measurements on a model and dataset', load: () => import('./cli/analyze') },
  demo: {
    about: 'analyse the bundled demo experiment and print the summary',
    load: () => import('./cli/demo'),
  },
  compare: { about: 'compare two checkpoints on the same samples', load: () => import('./cli/compare') },
  report: { about: 'write the gap-analysis report of an experiment', load: () => import('./cli/report') },
  'verify-weights': {
    about: 'match a .pth/.safetensors checkpoint against an ONNX model',
    load: () => import('./cli/verify-weights'),
  },
  'check-data': {
    about: 'find evaluation samples in the training data',
    load: () => import('./cli/check-data'),
  },
  'make-eval': { about: 'draw an evaluation set from training data', load: () => import('./cli/make-eval') },
  'parse-log': { about: 'parse a training log into a loss curve', load: () => import('./cli/parse-log') },
}

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length))
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.about}`)
  return `usage: losslens <command> [options]\n\ncommands:\n${lines.join('\n')}\n\n'losslens <command> --help' for a command's options.`
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h') {
    console.log(usage())
    return name ? 0 : 2
  }
  const command = commands[name]
  if (!command) {
    console.error(`losslens: unknown command "${name}"\n\n${usage()}`)
    return 2
  }
  try {
    return await (await command.load()).run(rest)
  } catch (err) {
    console.error(`losslens ${name}: ${errorMessage(err)}`)
    return exitCodeFor(err)
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    console.error(`losslens: ${errorMessage(err)}`)
    process.exitCode = 1
  },
)

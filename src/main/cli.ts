/**
 * `losslens <command> ...` (bin/losslens.js runs the build of this file, out/cli/losslens.js; `npm run
 * losslens -- ...` too): the engine from a terminal, no Electron. Each command lives in
 * src/main/cli/<command>.ts and exports `run(argv): Promise<number>` (the exit code); what it throws is
 * mapped to an exit code here (src/main/cli/exit-codes.ts, documented in the README).
 */
import { EXIT, exitCodeOf } from './cli/exit-codes'
import { errorMessage } from './engine/errors'
import { losslensVersion } from './engine/version'

type Command = { run: (argv: string[]) => Promise<number> }

const commands: Record<string, { about: string; load: () => Promise<Command> }> = {
  analyze: { about: 'run the gap measurements on a model and dataset', load: () => import('./cli/analyze') },
  experiment: { about: 'create, fill and run an experiment folder', load: () => import('./cli/experiment') },
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
  return [
    'usage: losslens <command> [options]',
    '       losslens --version',
    '',
    'commands:',
    ...lines,
    '',
    "'losslens <command> --help' for a command's options.",
    '',
    'exit codes: 0 done; 1 a check found a problem (weights differ, samples not in the training data);',
    '            2 usage error; 3 input error (a file missing or not what it claims); 4 any other failure',
  ].join('\n')
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === '--version' || name === '-V') {
    console.log(`losslens ${losslensVersion()}`)
    return EXIT.ok
  }
  if (name === '--help' || name === '-h') {
    console.log(usage())
    return EXIT.ok
  }
  if (!name) {
    console.error(usage())
    return EXIT.usage
  }
  const command = commands[name]
  if (!command) {
    console.error(`losslens: unknown command "${name}"\n\n${usage()}`)
    return EXIT.usage
  }
  try {
    return await (await command.load()).run(rest)
  } catch (err) {
    const code = exitCodeOf(err)
    const hint = code === EXIT.usage ? ` ('losslens ${name} --help' for its options)` : ''
    console.error(`losslens ${name}: ${errorMessage(err)}${hint}`)
    return code
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    console.error(`losslens: ${errorMessage(err)}`)
    process.exitCode = EXIT.failed
  },
)

/**
 * The command line's contract (README "Exit codes"): 0 done, 1 a check found a problem, 2 a usage
 * error, 3 an input error; `--version`; `--help` for every command; and the built CLI runs without tsx.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EXIT, exitCodeOf } from '../../src/main/cli/exit-codes'
import { InputError, UsageError } from '../../src/main/engine/errors'
import { BIN, REPO, cli, cliSync } from '../helpers/cli'
import { DEMO, tmpDir } from './fixtures'

const FIX = join(REPO, 'test/fixtures/evidence')
const COMMANDS = [
  'analyze',
  'demo',
  'compare',
  'report',
  'verify-weights',
  'check-data',
  'make-eval',
  'parse-log',
]
const pkg = JSON.parse(fs.readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  version: string
  bin: Record<string, string>
}

describe('losslens: version and help', () => {
  it('the package bin is bin/losslens.js, which runs the build in out/cli', () => {
    expect(pkg.bin).toEqual({ losslens: 'bin/losslens.js' })
    expect(fs.readFileSync(BIN, 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/)
  })

  it('--version prints the package version and exits 0', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await cli(flag)
      expect(r).toEqual({ code: EXIT.ok, stdout: `losslens ${pkg.version}\n`, stderr: '' })
    }
  })

  it('--help lists every command and the exit codes; no command at all is a usage error', async () => {
    const help = await cli('--help')
    expect(help.code).toBe(EXIT.ok)
    for (const c of COMMANDS) expect(help.stdout).toContain(`  ${c} `)
    expect(help.stdout).toMatch(/exit codes: 0 done; 1 a check found a problem/)
    const none = await cli()
    expect(none.code).toBe(EXIT.usage)
    expect(none.stdout).toBe('')
    expect(none.stderr).toContain('usage: losslens <command>')
  })

  it.each(COMMANDS)('losslens %s --help prints its usage and exits 0', async (command) => {
    const r = await cli(command, '--help')
    expect(r.stderr).toBe('')
    expect(r.code).toBe(EXIT.ok)
    expect(r.stdout).toMatch(new RegExp(`^usage: losslens ${command} `))
  })
})

describe('exitCodeOf', () => {
  it('maps what a command throws: UsageError 2, InputError 3, anything else 4', () => {
    expect(exitCodeOf(new UsageError('missing --x'))).toBe(2)
    expect(exitCodeOf(new InputError('file not found', 'a.onnx'))).toBe(3)
    expect(exitCodeOf(new Error('onnxruntime: bad alloc'))).toBe(4)
    expect(exitCodeOf('a string')).toBe(EXIT.failed)
  })
})

describe('losslens: exit code 2, usage errors', () => {
  it('an unknown command', async () => {
    const r = await cli('analyse')
    expect(r.code).toBe(EXIT.usage)
    expect(r.stderr).toMatch(/^losslens: unknown command "analyse"/)
  })

  it('an unknown flag, a missing required flag, an out-of-range or non-integer value', async () => {
    const cases: [string[], string][] = [
      [['parse-log', '--log', 'x', '--bogus'], "losslens parse-log: Unknown option '--bogus'"],
      [['make-eval', '--count', '3'], 'losslens make-eval: missing --'],
      [['parse-log', '--log', 'x', '--tail', '0'], 'losslens parse-log: --tail must be an integer from 1'],
      [['make-eval', '--train', 'x', '--out', 'y', '--count', '2.5'], 'losslens make-eval: --count must be'],
      [['compare', '--model', 'a.onnx'], 'losslens compare: give exactly two --model options'],
      [['report', '--experiment', '.', '--lang', 'fr'], 'losslens report: --lang must be en or zh-CN'],
      [
        ['verify-weights', '--checkpoint', 'a', '--model', 'b', '--rtol=-1'],
        'losslens verify-weights: --rtol',
      ],
      [
        ['analyze', '--input-length', '8', '--predict-length', '4', '--lang', 'en'],
        'losslens analyze: --lang only matters with --report',
      ],
    ]
    for (const [args, message] of cases) {
      const r = await cli(...args)
      expect(r.stderr.startsWith(message), `${args.join(' ')}: ${r.stderr}`).toBe(true)
      expect(r.stderr).toContain(`('losslens ${args[0]} --help' for its options)`)
      expect(r.code, args.join(' ')).toBe(EXIT.usage)
    }
  })
})

describe('losslens: exit code 3, input errors', () => {
  it('a missing or unreadable file, named in one line', async () => {
    const dir = tmpDir()
    fs.writeFileSync(join(dir, 'bad.log'), 'nothing that parses\n')
    const cases: [string[], string][] = [
      [['parse-log', '--log', join(dir, 'none.log')], `${join(dir, 'none.log')}: file not found`],
      [
        ['check-data', '--data', join(dir, 'e.json'), '--train', 't.jsonl'],
        `${join(dir, 'e.json')}: file not found`,
      ],
      [
        ['verify-weights', '--checkpoint', join(dir, 'x.pth'), '--model', join(dir, 'y.onnx')],
        'file not found',
      ],
      [['report', '--experiment', join(dir, 'nowhere')], join(dir, 'nowhere')],
      [['demo', '--demo-dir', dir], 'the demo is not there'],
    ]
    for (const [args, message] of cases) {
      const r = await cli(...args)
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1)
      expect(r.stderr, args.join(' ')).toContain(message)
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(EXIT.input)
    }
  })
})

describe('losslens: exit code 1, a check found a problem', () => {
  it('verify-weights: the weights differ (0 when they match)', async () => {
    const differ = await cli(
      'verify-weights',
      '--checkpoint',
      join(FIX, 'tiny_other.pth'),
      '--model',
      join(FIX, 'tiny_tied.onnx'),
    )
    expect(differ.code).toBe(EXIT.problem)
    const match = await cli(
      'verify-weights',
      '--checkpoint',
      join(FIX, 'tiny_tied.pth'),
      '--model',
      join(FIX, 'tiny_tied.onnx'),
    )
    expect(match.code).toBe(EXIT.ok)
  })

  it('check-data: 1 only when the set is not what --expect says, 0 for a confirmed held-out set', async () => {
    const args = (data: string, ...more: string[]) =>
      cli('check-data', '--data', join(DEMO, data), '--train', join(DEMO, 'train.jsonl'), ...more)
    const found = await args('eval_data_from_train.json', '--expect', 'from-training')
    expect(found.code).toBe(EXIT.ok)
    const heldOut = await args('eval_heldout.json')
    expect(heldOut.stdout).toMatch(/^0\/\d+ evaluation samples occur in the training data/)
    expect(heldOut.stdout).toMatch(/the set is held out/)
    expect(heldOut.code).toBe(EXIT.ok)
    expect((await args('eval_heldout.json', '--expect', 'held-out')).code).toBe(EXIT.ok)
    expect((await args('eval_heldout.json', '--expect', 'from-training')).code).toBe(EXIT.problem)
    expect((await args('eval_data_from_train.json', '--expect', 'held-out')).code).toBe(EXIT.problem)
    expect((await args('eval_heldout.json', '--expect', 'sometimes')).code).toBe(EXIT.usage)
  })
})

describe('the built CLI', () => {
  it('is built by bin/losslens.js in a clone that has none, and rebuilt after a source edit', () => {
    const root = tmpDir('losslens-fresh-')
    for (const p of ['bin', 'scripts/build-cli.mjs', 'src/main', 'src/shared', 'package.json']) {
      fs.cpSync(join(REPO, p), join(root, p), { recursive: true })
    }
    fs.symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'))
    const version = () =>
      spawnSync(process.execPath, [join(root, 'bin/losslens.js'), '--version'], {
        cwd: root,
        encoding: 'utf8',
      })
    const first = version()
    expect(first.status, first.stderr).toBe(EXIT.ok)
    expect(first.stdout).toBe(`losslens ${pkg.version}\n`)
    const entry = join(root, 'out/cli/losslens.js')
    const built = fs.statSync(entry).mtimeMs
    expect(fs.existsSync(join(root, 'out/cli/inference-worker.js'))).toBe(true)
    const later = new Date(Date.now() + 60_000)
    fs.utimesSync(join(root, 'src/main/cli.ts'), later, later)
    expect(version().status).toBe(EXIT.ok)
    expect(fs.statSync(entry).mtimeMs).toBeGreaterThan(built)
    fs.rmSync(root, { recursive: true, force: true })
  })

  it('runs the demo with its own inference worker and no tsx installed', () => {
    // A copy of out/cli beside a node_modules that has every dependency but tsx.
    const root = tmpDir('losslens-no-tsx-')
    fs.cpSync(join(REPO, 'out/cli'), join(root, 'out/cli'), { recursive: true })
    fs.writeFileSync(
      join(root, 'package.json'),
      JSON.stringify({ name: 'losslens', version: pkg.version, type: 'module' }),
    )
    fs.mkdirSync(join(root, 'node_modules'))
    for (const name of fs.readdirSync(join(REPO, 'node_modules'))) {
      if (name === 'tsx' || name === '.bin') continue
      fs.symlinkSync(join(REPO, 'node_modules', name), join(root, 'node_modules', name))
    }
    const out = join(root, 'run')
    const r = spawnSync(
      process.execPath,
      [join(root, 'out/cli/losslens.js'), 'demo', '--demo-dir', DEMO, '--limit', '2', '--out', out],
      { cwd: root, encoding: 'utf8', timeout: 120_000 },
    )
    expect(r.status, r.stderr).toBe(EXIT.ok)
    expect(r.stdout).toContain('The story:')
    expect(fs.readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2)
    expect(
      fs
        .readdirSync(join(root, 'out/cli'))
        .filter((f) => f.endsWith('.js'))
        .sort(),
    ).toEqual(['inference-worker.js', 'isolated-child.js', 'losslens.js'])
    expect(cliSync(['--version']).code).toBe(EXIT.ok)
    fs.rmSync(root, { recursive: true, force: true })
  })
})

/**
 * `losslens experiment ...` end to end on the bundled demo's files: built, run once per checkpoint x
 * dataset pair, not run again, a killed run resumed, the data check settling datasetKind, and the
 * exit codes of wrong calls and bad files. Commands run in-process through `run(argv)`; the killed
 * run is a real child process (SIGKILL leaves run.json saying "running").
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { run } from '../../src/main/cli/experiment'
import { ExperimentSchema, RunInfoSchema, type Experiment, type RunInfo } from '../../src/shared/experiment'
import { SampleResultSchema } from '../../src/shared/results'
import { DEMO, REPO, tmpDir } from '../engine/fixtures'

const root = tmpDir('losslens-experiment-')
const dir = join(root, 'experiments', 'demo-cli')
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

/** Runs `losslens experiment ...args` in-process; returns its exit code and what it printed. */
async function call(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = []
  const err: string[] = []
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')))
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')))
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err.push(String(chunk))
    return true
  })
  try {
    const code = await run(args)
    return { code, out: out.join('\n'), err: err.join('') }
  } finally {
    log.mockRestore()
    error.mockRestore()
    write.mockRestore()
  }
}

const experiment = (): Experiment =>
  ExperimentSchema.parse(JSON.parse(fs.readFileSync(join(dir, 'experiment.json'), 'utf8')))

function runs(): RunInfo[] {
  const runsDir = join(dir, 'runs')
  return (
    fs
      .readdirSync(runsDir)
      .sort()
      // A run folder is made just before its run.json is written.
      .filter((id) => fs.existsSync(join(runsDir, id, 'run.json')))
      .map((id) => RunInfoSchema.parse(JSON.parse(fs.readFileSync(join(runsDir, id, 'run.json'), 'utf8'))))
  )
}

const resultLines = (runId: string) =>
  fs
    .readFileSync(join(dir, 'runs', runId, 'results.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => SampleResultSchema.parse(JSON.parse(l)))

describe('losslens experiment on the demo', () => {
  const model = (name: string) => join(DEMO, 'checkpoints', name, 'model.onnx')
  const tokenizer = join(DEMO, 'tokenizer.json')

  beforeAll(async () => {
    expect((await call('create', dir, '--title', 'CLI demo')).code).toBe(0)
    // 64 + 30 tokens on 4 samples, one at a time: small enough to stay fast.
    const set = await call(
      'set',
      dir,
      '--train-log',
      join(DEMO, 'train.log'),
      '--input-length',
      '64',
      '--predict-length',
      '30',
      '--limit',
      '4',
      '--batch-size',
      '1',
      '--threads',
      '2',
      '--provider',
      'cpu',
    )
    expect(set.code, set.err).toBe(0)
    const early = await call(
      'add-checkpoint',
      dir,
      '--model',
      model('early'),
      '--tokenizer',
      tokenizer,
      '--label',
      'Early (first)',
      '--source',
      join(DEMO, 'checkpoints/early/pretrain_96.pth'),
      '--step',
      '250',
    )
    expect(early.code, early.err).toBe(0)
    const final = await call(
      'add-checkpoint',
      dir,
      '--model',
      model('final'),
      '--tokenizer',
      tokenizer,
      '--last',
    )
    expect(final.code, final.err).toBe(0)
    const fromTrain = await call(
      'add-dataset',
      dir,
      '--data',
      join(DEMO, 'eval_data_from_train.json'),
      '--train',
      join(DEMO, 'train.jsonl'),
    )
    expect(fromTrain.code, fromTrain.err).toBe(0)
    const heldOut = await call('add-dataset', dir, '--data', join(DEMO, 'eval_heldout.json'), '--held-out')
    expect(heldOut.code, heldOut.err).toBe(0)
  })

  it('stores what was added: ids from labels, steps, kinds, counts, settings', () => {
    const e = experiment()
    expect(e.id).toBe('demo-cli')
    expect(e.title).toBe('CLI demo')
    expect(e.checkpoints.map((c) => c.id)).toEqual(['early-first', 'final'])
    expect(e.checkpoints[0]!.label).toBe('Early (first)')
    expect(e.checkpoints[0]!.step).toBe(250)
    // --last: the training log's last (global) step.
    expect(e.checkpoints[1]!.step).toBeGreaterThan(250)
    expect(e.checkpoints.every((c) => c.description !== undefined)).toBe(true)
    expect(e.datasets.map((d) => [d.id, d.datasetKind])).toEqual([
      ['eval_data_from_train', 'unknown'],
      ['eval_heldout', 'heldOut'],
    ])
    expect(e.datasets.every((d) => (d.sampleCount ?? 0) > 0)).toBe(true)
    expect(e.settings).toMatchObject({ inputLength: 64, predictLength: 30, limit: 4, batchSize: 1 })
    // Paths outside the experiment folder are stored absolute.
    expect(e.trainingLog).toBe(join(DEMO, 'train.log'))
  })

  it('sets the step of a checkpoint already added, and refuses an unknown one', async () => {
    expect((await call('set', dir, '--checkpoint', 'early-first', '--step', '240')).code).toBe(0)
    expect(experiment().checkpoints[0]!.step).toBe(240)
    expect((await call('set', dir, '--checkpoint', 'early-first', '--step', '250')).code).toBe(0)
    expect(experiment().checkpoints[0]!.step).toBe(250)
    const unknown = await call('set', dir, '--checkpoint', 'nope', '--step', '1')
    expect(unknown.code).toBe(2)
    expect(unknown.err).toMatch(/no checkpoint "nope"/)
    expect((await call('set', dir, '--step', '1')).code).toBe(2)
  })

  it('runs every pair once with the checks, then finds nothing left to do', async () => {
    const first = await call('run', dir)
    expect(first.code, first.err).toBe(0)
    const done = runs()
    expect(done).toHaveLength(4)
    expect(new Set(done.map((r) => `${r.checkpointId}/${r.datasetId}`)).size).toBe(4)
    expect(done.every((r) => r.status === 'finished' && r.inputs !== undefined && r.done === 4)).toBe(true)
    expect(first.err).toMatch(/samples on cpu/)

    const e = experiment()
    const fromTrain = e.datasets.find((d) => d.id === 'eval_data_from_train')!
    // The data check found every sample: the unknown set is now known to be drawn from training.
    expect(fromTrain.consistency?.foundSubstring).toBe(fromTrain.consistency?.total)
    expect(fromTrain.datasetKind).toBe('fromTraining')
    expect(fromTrain.consistency?.trainSha256).toMatch(/^[0-9a-f]{64}$/)
    expect(e.checkpoints[0]!.weights?.matched).toBe(e.checkpoints[0]!.weights?.total)
    expect(e.checkpoints[1]!.weights).toBeUndefined()

    const second = await call('run', dir)
    expect(second.code, second.err).toBe(0)
    expect(runs()).toEqual(done)
    expect(second.out.match(/: done \(run /g)).toHaveLength(4)
    expect(second.out).not.toMatch(/data check|weights/)
  })

  it('a run killed mid-way is resumed by the next experiment run, not started over', async () => {
    // New settings: every pair needs a new run; 20 samples one at a time leave time to kill it.
    expect((await call('set', dir, '--limit', '20')).code).toBe(0)
    const before = runs().length
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(REPO, 'src/main/cli.ts'),
        'experiment',
        'run',
        dir,
        '--checkpoint',
        'final',
        '--dataset',
        'eval_heldout',
      ],
      { cwd: REPO, stdio: 'ignore' },
    )
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    let killedRun: RunInfo | undefined
    for (let waited = 0; waited < 90_000 && child.exitCode === null; waited += 50) {
      const fresh = runs().slice(before)[0]
      if (
        fresh &&
        fs.existsSync(join(dir, 'runs', fresh.runId, 'results.jsonl')) &&
        resultLines(fresh.runId).length >= 1
      ) {
        child.kill('SIGKILL')
        killedRun = fresh
        break
      }
      await new Promise((r) => setTimeout(r, 50))
    }
    await exited
    expect(killedRun, 'the child finished before a sample was written').toBeDefined()
    const kept = resultLines(killedRun!.runId).length
    expect(kept).toBeLessThan(20)
    expect(runs().find((r) => r.runId === killedRun!.runId)?.status).toBe('running')

    const resumed = await call('run', dir, '--checkpoint', 'final', '--dataset', 'eval_heldout')
    expect(resumed.code, resumed.err).toBe(0)
    expect(resumed.err).toContain(`resuming run ${killedRun!.runId}`)
    const after = runs()
    expect(after).toHaveLength(before + 1)
    const finished = after.find((r) => r.runId === killedRun!.runId)!
    expect(finished.status).toBe('finished')
    const indices = resultLines(killedRun!.runId).map((r) => r.index)
    expect(new Set(indices).size).toBe(indices.length)
    expect(indices.length).toBe(finished.done)
    expect(finished.done).toBeGreaterThan(kept)
  })

  it('exit codes: 2 for a wrong call, 3 for a bad file, each with one line naming it', async () => {
    const bad = join(root, 'bad.onnx')
    fs.writeFileSync(bad, 'not a model')
    const badData = join(root, 'bad.json')
    fs.writeFileSync(badData, '{"oops": 1}')
    const cases: [string[], number, RegExp][] = [
      [[], 2, /usage/],
      [['frobnicate', dir], 2, /unknown command "frobnicate"/],
      [['add-checkpoint', dir, '--tokenizer', tokenizer], 2, /missing --model/],
      [
        ['add-checkpoint', dir, '--model', model('final'), '--tokenizer', tokenizer, '--step', '5', '--last'],
        2,
        /not both/,
      ],
      [
        ['add-checkpoint', dir, '--model', model('final'), '--tokenizer', tokenizer, '--step', '-1'],
        2,
        /--step/,
      ],
      [
        ['add-checkpoint', dir, '--model', join(root, 'none.onnx'), '--tokenizer', tokenizer],
        3,
        /none\.onnx: --model: file not found/,
      ],
      [['add-checkpoint', dir, '--model', bad, '--tokenizer', tokenizer], 3, /bad\.onnx/],
      [['add-dataset', dir, '--data', badData], 3, /bad\.json/],
      [
        ['add-checkpoint', dir, '--model', model('final'), '--tokenizer', badData],
        3,
        /bad\.json: not a tokenizer/,
      ],
      [['add-dataset', dir, '--data', badData, '--held-out', '--from-training'], 2, /not both/],
      [['set', dir], 2, /nothing to set/],
      [['set', dir, '--input-length', '0'], 2, /--input-length/],
      [['set', dir, '--bogus'], 2, /bogus/],
      [['run', dir, '--checkpoint', 'nope'], 2, /no checkpoint "nope"/],
      [['run', join(root, 'experiments', 'missing')], 3, /no experiment\.json/],
      [['create', join(root, 'experiments', 'bad id')], 2, /folder name "bad id"/],
      [['create', dir], 3, /already an experiment/],
    ]
    for (const [args, code, message] of cases) {
      const r = await call(...args)
      expect([r.code, r.err], args.join(' ')).toEqual([code, expect.stringMatching(message)])
    }
    // Nothing refused was added.
    expect(experiment().checkpoints).toHaveLength(2)
    expect(experiment().datasets).toHaveLength(2)
  })

  it('every command has --help', async () => {
    for (const sub of ['create', 'add-checkpoint', 'add-dataset', 'set', 'run']) {
      const r = await call(sub, '--help')
      expect(r.code).toBe(0)
      expect(r.out).toContain('usage: losslens experiment')
    }
  })

  it('stores a file inside the experiment folder relative to it; a held-out set the check confirms', async () => {
    fs.mkdirSync(join(dir, 'data'), { recursive: true })
    fs.copyFileSync(join(DEMO, 'eval_heldout.json'), join(dir, 'data', 'heldout.json'))
    const r = await call(
      'add-dataset',
      dir,
      '--data',
      join(dir, 'data', 'heldout.json'),
      '--label',
      'Held out (copy)',
      '--train',
      join(DEMO, 'train.jsonl'),
    )
    expect(r.code, r.err).toBe(0)
    const added = experiment().datasets.at(-1)!
    expect(added).toMatchObject({ id: 'held-out-copy', path: 'data/heldout.json', datasetKind: 'unknown' })
    expect(added.trainPath).toBe(join(DEMO, 'train.jsonl'))
    // The data check runs first, then the one pair asked for.
    const checked = await call('run', dir, '--dataset', 'held-out-copy', '--checkpoint', 'early-first')
    expect(checked.code, checked.err).toBe(0)
    const after = experiment().datasets.at(-1)!
    // The demo's held-out set is not in its training data: the check says so.
    expect(after.consistency?.foundSubstring).toBe(0)
    expect(after.datasetKind).toBe('heldOut')
  })

  it("counts the window's runs (no hashes) by settings and file times, and leaves its live ones alone", async () => {
    const pair = ['run', dir, '--dataset', 'held-out-copy', '--checkpoint', 'early-first']
    const own = runs().filter((r) => r.datasetId === 'held-out-copy')
    expect(own).toHaveLength(1)
    const file = join(dir, 'runs', own[0]!.runId, 'run.json')
    const { inputs: _, ...windowRun } = own[0]!
    fs.writeFileSync(file, JSON.stringify(windowRun))
    const done = await call(...pair)
    expect([done.code, done.out]).toEqual([0, expect.stringContaining(`done (run ${own[0]!.runId})`)])
    fs.writeFileSync(file, JSON.stringify({ ...windowRun, status: 'running' }))
    const skipped = await call(...pair)
    expect([skipped.code, skipped.err]).toEqual([0, expect.stringContaining('(in the window?)')])
    expect(runs().filter((r) => r.datasetId === 'held-out-copy')).toHaveLength(1)
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).status).toBe('running')
  })
})

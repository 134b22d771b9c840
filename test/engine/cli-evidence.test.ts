import { describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'

const ROOT = resolve(__dirname, '../..')
const FIX = resolve(ROOT, 'test/fixtures/evidence')

/** Runs `node --import tsx src/main/cli.ts ...args` from the repo root. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'src/main/cli.ts', ...args],
      {
        cwd: ROOT,
      },
    )
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('losslens verify-weights', () => {
  it('prints the report as JSON and exits 0 when every tensor matches', async () => {
    const r = await cli(
      'verify-weights',
      '--checkpoint',
      join(FIX, 'tiny_tied.pth'),
      '--model',
      join(FIX, 'tiny_tied.onnx'),
      '--json',
    )
    expect(r.code).toBe(0)
    const json = JSON.parse(r.stdout) as Record<string, unknown>
    expect(json).toMatchObject({
      matched: 20,
      total: 20,
      maxAbsDiff: 0,
      unmatchedCheckpoint: [],
      unmatchedModel: [],
      mismatched: [],
    })
  })

  it('exits 1 and names the mismatches for another model', async () => {
    const r = await cli(
      'verify-weights',
      '--checkpoint',
      join(FIX, 'tiny_other.pth'),
      '--model',
      join(FIX, 'tiny_tied.onnx'),
    )
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/^0\/20 unique tensors matched/)
    expect(r.stdout).toMatch(
      /model\.embed_tokens\.weight {2}vs {2}model\.embed_tokens\.weight {2}max \|diff\| 5\.151/,
    )
  })

  it('refuses a malicious pickle with one line naming the global', async () => {
    const r = await cli(
      'verify-weights',
      '--checkpoint',
      join(FIX, 'malicious_os_system.pth'),
      '--model',
      join(FIX, 'tiny_tied.onnx'),
    )
    expect(r.code).toBe(3)
    expect(r.stderr.trim().split('\n')).toEqual([
      `losslens verify-weights: ${join(FIX, 'malicious_os_system.pth')}: refused: pickle calls os.system, which a state_dict never needs`,
    ])
  })

  it('names a missing flag', async () => {
    const r = await cli('verify-weights', '--model', 'x.onnx')
    expect(r.code).toBe(2)
    expect(r.stderr.trim()).toBe('losslens verify-weights: missing --checkpoint')
  })
})

describe('losslens check-data, make-eval, parse-log', () => {
  it('draws an eval set and finds all of it in the training data', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'losslens-cli-'))
    const train = join(dir, 'train.jsonl')
    await writeFile(
      train,
      Array.from({ length: 50 }, (_, i) => JSON.stringify({ text: `训练样本 ${i}` })).join('\n'),
    )
    const out = join(dir, 'eval.json')
    const made = await cli('make-eval', '--train', train, '--count', '5', '--seed', '42', '--out', out)
    expect(made.code).toBe(0)
    expect(made.stdout).toMatch(/wrote 5 samples drawn from 50 training rows \(seed 42\)/)
    expect(JSON.parse(await readFile(out, 'utf8'))).toHaveLength(5)

    const checked = await cli('check-data', '--data', out, '--train', train, '--json')
    expect(checked.code).toBe(0)
    expect(JSON.parse(checked.stdout)).toMatchObject({
      found: 5,
      total: 5,
      foundNormalized: 5,
      foundSubstring: 5,
      notFound: [],
    })
  })

  it('parses a log to JSON with the documented keys', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'losslens-cli-'))
    const log = join(dir, 'train.log')
    await writeFile(
      log,
      'Epoch:[1/1](1/2) loss:4.000 lr:0.1 epoch_Time:1.0min:\nnoise\nEpoch:[1/1](2/2) loss:3.000 lr:0.1 epoch_Time:0.0min:\n',
    )
    const r = await cli('parse-log', '--log', log, '--tail', '50', '--json')
    expect(r.code).toBe(0)
    const json = JSON.parse(r.stdout) as Record<string, unknown>
    expect(json).toMatchObject({
      format: 'minimind-2025',
      steps: 2,
      trailingMean: 3.5,
      tail: 50,
      unparsedLines: [{ line: 2, text: 'noise' }],
    })
    expect(json.points).toHaveLength(2)
  })

  it('gives a one-line message for bad input', async () => {
    const r = await cli('check-data', '--data', '/nonexistent/eval.json', '--train', 'x.jsonl')
    expect(r.code).toBe(3)
    expect(r.stderr.trim()).toBe('losslens check-data: /nonexistent/eval.json: file not found')
    const bad = await cli('make-eval', '--train', 'x', '--count', 'many', '--out', 'y')
    expect(bad.stderr.trim()).toBe(
      'losslens make-eval: --count must be an integer from 1 to 10000000, got "many"',
    )
  })
})

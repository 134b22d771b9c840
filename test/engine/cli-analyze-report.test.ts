/** `analyze ... --report FILE`: evidence and the report in the same step as the analysis. */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SampleResultSchema } from '../../src/shared/results'
import { cliSync } from '../helpers/cli'
import { DEMO, tmpDir } from './fixtures'

const cli = (args: string[]) => cliSync(['analyze', ...args])

const base = (out: string) => [
  '--model',
  join(DEMO, 'checkpoints/final/model.onnx'),
  '--tokenizer',
  join(DEMO, 'tokenizer.json'),
  '--data',
  join(DEMO, 'eval_data_from_train.json'),
  '--input-length',
  '64',
  '--predict-length',
  '30',
  '--limit',
  '4',
  '--out',
  out,
]

describe('losslens analyze --report', () => {
  it('verifies weights and data, then writes a report whose per-sample rows are the stored results', () => {
    const out = tmpDir()
    const report = join(out, 'report.md')
    const r = cli([
      ...base(out),
      '--train-log',
      join(DEMO, 'train.log'),
      '--train-data',
      join(DEMO, 'train.jsonl'),
      '--checkpoint',
      join(DEMO, 'checkpoints/final/pretrain_96.pth'),
      '--report',
      report,
    ])
    expect(r.stderr + r.stdout).toContain('report:')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('weights: 38/38 unique tensors matched')
    expect(r.stdout).toContain('data: 20/20 samples found in the training data')
    const md = readFileSync(report, 'utf8')
    const results = readFileSync(join(out, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => SampleResultSchema.parse(JSON.parse(l)))
    expect(results).toHaveLength(4)
    for (const s of results) {
      expect(md).toContain(s.teacherForcing!.loss.toFixed(3))
      expect(md).toContain(s.keepLastMisaligned!.loss.toFixed(3))
    }
    expect(md).toContain('38/38')
    // Charts live in a folder named after the report, so two reports in one folder never collide.
    const sweep = /\]\((report\.charts\/offset-sweep\.[^)]+\.svg)\)/.exec(md)?.[1]
    expect(sweep, 'the report links its offset-sweep chart').toBeDefined()
    expect(existsSync(join(out, sweep!))).toBe(true)
  })

  it('refuses a bad --lang before running anything', () => {
    const out = tmpDir()
    const r = cli([...base(out), '--report', join(out, 'r.md'), '--lang', 'fr'])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain('--lang must be en or zh-CN, got "fr"')
    expect(existsSync(join(out, 'results.jsonl'))).toBe(false)
  })
})

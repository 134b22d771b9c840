/** The CLI as a user runs it (the built bin/losslens.js): analyze and compare on the demo. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { TokenComparisonSchema } from '../../src/shared/compare'
import { RunSummarySchema, SampleResultSchema } from '../../src/shared/results'
import { cliSync } from '../helpers/cli'
import { DEMO, tmpDir } from './fixtures'

const cli = (args: string[]) => cliSync(args)

const DEMO_ARGS = [
  '--tokenizer',
  join(DEMO, 'tokenizer.json'),
  '--data',
  join(DEMO, 'eval_data_from_train.json'),
  '--input-length',
  '64',
  '--predict-length',
  '30',
]

describe('losslens CLI', () => {
  it('analyze writes results.jsonl and summary.json that parse with the shared schemas', () => {
    const out = tmpDir()
    const r = cli([
      'analyze',
      '--model',
      join(DEMO, 'checkpoints/final/model.onnx'),
      ...DEMO_ARGS,
      '--out',
      out,
      '--limit',
      '5',
    ])
    expect(r.stderr).not.toMatch(/Error:/)
    expect(r.code).toBe(0)
    const lines = readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n')
    expect(lines).toHaveLength(5)
    for (const line of lines) SampleResultSchema.parse(JSON.parse(line))
    const summary = RunSummarySchema.parse(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')))
    expect(summary.counts).toEqual({ total: 5, scored: 5, skipped: 0 })
    expect(summary.settings.limit).toBe(5)
    expect(r.stdout).toMatch(/teacherForcing\s+\d\.\d{4}/)
  })

  it('analyze on SFT conversations needs no --input-length and prints the SFT losses of the reference', () => {
    const out = tmpDir()
    const r = cli([
      'analyze',
      '--model',
      join(DEMO, 'checkpoints/sft/model.onnx'),
      '--tokenizer',
      join(DEMO, 'tokenizer.json'),
      '--data',
      join(DEMO, 'eval_sft.json'),
      '--measures',
      'sft',
      '--limit',
      '4',
      '--out',
      out,
    ])
    expect(r.stderr).not.toMatch(/Error:/)
    expect(r.code).toBe(0)
    const summary = RunSummarySchema.parse(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')))
    expect(summary.settings.format).toBe('sft')
    // The PyTorch reference of the same four conversations (reference.json, MiniMind's mask and one late).
    const ref = JSON.parse(readFileSync(join(DEMO, 'reference.json'), 'utf8')) as {
      sft: { results: { sft: { samples: { loss: number; maskLate: { loss: number } }[] } } }
    }
    const four = ref.sft.results.sft.samples.slice(0, 4)
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    expect(summary.means.sft).toBeCloseTo(mean(four.map((x) => x.loss)), 4)
    expect(summary.means.sftShiftedMask).toBeCloseTo(mean(four.map((x) => x.maskLate.loss)), 4)
    expect(r.stdout).toContain(`sft                 ${summary.means.sft!.toFixed(4)}`)
    expect(r.stdout).not.toContain('teacherForcing')
  })

  it('a bad flag exits 2 and a missing file 3, each with one clear line', () => {
    const r = cli([
      'analyze',
      '--model',
      'm.onnx',
      ...DEMO_ARGS.slice(0, 6),
      '--predict-length',
      '0',
      '--out',
      tmpDir(),
    ])
    expect(r.code).toBe(2) // usage
    expect(r.stderr.trim()).toBe(
      'losslens analyze: --predict-length must be an integer from 1 to 1000000, got "0"' +
        " ('losslens analyze --help' for its options)",
    )
    const missing = cli(['analyze', '--model', '/nonexistent/m.onnx', ...DEMO_ARGS, '--out', tmpDir()])
    expect(missing.code).toBe(3) // input
    expect(missing.stderr.trim().split('\n').pop()).toBe(
      'losslens analyze: /nonexistent/m.onnx: file not found',
    )
  })

  it('compare --json prints the token statistics and the per-sample join', () => {
    const r = cli([
      'compare',
      '--model',
      join(DEMO, 'checkpoints/early/model.onnx'),
      '--model',
      join(DEMO, 'checkpoints/final/model.onnx'),
      ...DEMO_ARGS,
      '--limit',
      '3',
      '--json',
    ])
    expect(r.code).toBe(0)
    const json = JSON.parse(r.stdout) as Record<string, unknown>
    TokenComparisonSchema.parse(json)
    expect(json).toMatchObject({ samples: 3, tokens: 90 })
    expect(json.perSample).toHaveLength(3)
  })
})

/**
 * The bench's graph-path timings measure the same quantities on both paths: sequences packed as a
 * pretraining loader packs them, the same training-format loss from the graph path and from float64
 * logits, and the same teacher-forcing losses (demo model, small sizes so the test stays quick).
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { packSequences, timeContinuation, timeTrainFormat } from '../../bench/bench-graph'
import { TextTokenizer } from '../../src/main/engine/tokenizer'

const DEMO = resolve(import.meta.dirname, '../../resources/demo')
const MODEL = resolve(DEMO, 'checkpoints/final/model.onnx')

async function demoSamples(n: number): Promise<number[][]> {
  const tok = await TextTokenizer.load(resolve(DEMO, 'tokenizer.json'))
  const rows = JSON.parse(readFileSync(resolve(DEMO, 'eval_data_from_train.json'), 'utf8')) as {
    text: string
  }[]
  return rows.slice(0, n).map((r) => tok.encode(r.text))
}

describe('packSequences', () => {
  it('cuts the samples, end to end and cycled, into equal pieces', () => {
    const seqs = packSequences(
      [
        [1, 2, 3],
        [4, 5],
      ],
      4,
      3,
    )
    expect(seqs).toEqual([
      [1, 2, 3, 4],
      [5, 1, 2, 3],
      [4, 5, 1, 2],
    ])
  })
})

describe('graph-path timings on the demo model', () => {
  it('training-format loss is the same on both paths', async () => {
    const seqs = packSequences(await demoSamples(4), 96, 3)
    const t = await timeTrainFormat(MODEL, seqs, 1, 1)
    expect(t.scoringPath).toBe('graph')
    expect(Math.abs(t.graphLoss - t.logitsLoss)).toBeLessThan(1e-5)
    // The demo model was trained on these texts at T = 96: far below chance (ln 6400 = 8.76).
    expect(t.graphLoss).toBeLessThan(6)
    for (const rate of [t.graphOne, t.graphBatch, t.logitsOne, t.logitsBatch]) expect(rate).toBeGreaterThan(0)
  })

  it('teacher forcing gives the same losses on both paths', async () => {
    const samples = (await demoSamples(6)).filter((s) => s.length >= 52).map((s) => s.slice(0, 52))
    const t = await timeContinuation(MODEL, samples, 1, 4, 20, 30, 1)
    expect(t.maxLossDiff).toBeLessThan(1e-5)
    expect(t.graph).toBeGreaterThan(0)
  })
})

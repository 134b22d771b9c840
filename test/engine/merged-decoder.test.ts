/**
 * A Hugging Face Optimum merged decoder (use_cache_branch choosing a with-past or a without-past graph):
 * test/fixtures/merged/tiny_merged.onnx is test/fixtures/weights/tiny.onnx rewritten that way by
 * make_merged.py. Every measure must come out as on the unmerged file.
 */
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_MEASURES } from '../../src/shared/measures'
import type { RunSettings, SampleResult } from '../../src/shared/results'
import type { RunEvent } from '../../src/shared/run-events'
import { describeModel, runAnalysis } from '../../src/main/engine/index'
import { REPO, collect, tmpDir, writeDataset, writeWordTokenizer } from './fixtures'

const PLAIN = join(REPO, 'test/fixtures/weights/tiny.onnx')
const MERGED = join(REPO, 'test/fixtures/merged/tiny_merged.onnx')
const VOCAB = 256
const L = 8
const P = 6
const LENGTHS = [20, 5, 14, 30, 15, 25, 17]

const settings: RunSettings = {
  inputLength: L,
  predictLength: P,
  measures: [...DEFAULT_MEASURES],
  batchSize: 3,
  threads: 1,
  bos: 'no',
  provider: 'cpu',
}

async function analyse(modelPath: string, tokenizerPath: string, dataPath: string): Promise<SampleResult[]> {
  const events = await collect(
    runAnalysis({ runId: 'm', label: 'm', modelPath, tokenizerPath, dataPath, settings }),
  )
  const end = events[events.length - 1]!
  if (end.type !== 'finished') throw new Error(`run did not finish: ${JSON.stringify(end)}`)
  return events
    .flatMap((e: RunEvent) => (e.type === 'sample' ? [e.result] : []))
    .sort((a, b) => a.index - b.index)
}

describe('merged decoder (use_cache_branch)', () => {
  let plain: SampleResult[]
  let merged: SampleResult[]
  beforeAll(async () => {
    const dir = tmpDir()
    const tokenizer = writeWordTokenizer(dir, VOCAB)
    const data = writeDataset(dir, LENGTHS, 'eval.jsonl', VOCAB)
    plain = await analyse(PLAIN, tokenizer, data)
    merged = await analyse(MERGED, tokenizer, data)
  })

  it('is described as a merged decoder with a KV cache', async () => {
    const { model } = await describeModel(MERGED)
    expect(model).toMatchObject({
      form: 'optimum',
      hasKvCache: true,
      hasUseCacheBranch: true,
      vocabSize: VOCAB,
    })
    expect(model.notes.join(' ')).toMatch(/use_cache_branch/)
  })

  it('gives every measure of the unmerged model, the cached greedy path included', () => {
    expect(merged.map((r) => [r.index, r.skipped ?? null])).toEqual(
      plain.map((r) => [r.index, r.skipped ?? null]),
    )
    const scored = merged.filter((r) => !r.skipped)
    expect(scored.length).toBe(6)
    let worst = 0
    for (const m of scored) {
      const p = plain.find((r) => r.index === m.index)!
      const pairs: [number, number][] = [
        [m.teacherForcing!.loss, p.teacherForcing!.loss],
        [m.keepLastMisaligned!.loss, p.keepLastMisaligned!.loss],
        [m.keepLastAligned!.loss, p.keepLastAligned!.loss],
        [m.autoregressive!.loss, p.autoregressive!.loss],
        ...Object.keys(p.offsetSweep!).map((k): [number, number] => [
          m.offsetSweep![k as '0']!,
          p.offsetSweep![k as '0']!,
        ]),
      ]
      for (const [a, b] of pairs) worst = Math.max(worst, Math.abs(a - b))
      expect(m.autoregressive!.usedKvCache).toBe(true)
      expect(m.autoregressive!.generatedIds).toEqual(p.autoregressive!.generatedIds)
      expect(m.kvCache!.maxAbsDiff).toBeLessThanOrEqual(1e-4)
      expect(m.kvCache!.top1Agreement).toBe(1)
    }
    expect(worst).toBeLessThan(1e-5)
  })

  it('the fixture really branches: a decode step on the without-past branch is not the cached one', async () => {
    const session = await ort.InferenceSession.create(MERGED)
    const i64 = (values: number[], dims: number[]) =>
      new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), dims)
    const empty = () => new ort.Tensor('float32', new Float32Array(0), [1, 2, 0, 8])
    const pastNames = session.inputNames.filter((n) => n.startsWith('past_key_values.'))
    const prefill = await session.run({
      input_ids: i64([5, 9, 17, 3], [1, 4]),
      attention_mask: i64([1, 1, 1, 1], [1, 4]),
      position_ids: i64([0, 1, 2, 3], [1, 4]),
      logits_to_keep: i64([0], []),
      use_cache_branch: new ort.Tensor('bool', new Uint8Array([0]), [1]),
      ...Object.fromEntries(pastNames.map((n) => [n, empty()])),
    })
    const step = (flag: number) =>
      session.run({
        input_ids: i64([42], [1, 1]),
        attention_mask: i64([1, 1, 1, 1, 1], [1, 5]),
        position_ids: i64([4], [1, 1]),
        logits_to_keep: i64([0], []),
        use_cache_branch: new ort.Tensor('bool', new Uint8Array([flag]), [1]),
        ...Object.fromEntries(pastNames.map((n) => [n, prefill[n.replace('past_key_values', 'present')]!])),
      })
    const cached = (await step(1)).logits!.data as Float32Array
    const uncached = await step(0).then(
      (r) => r.logits!.data as Float32Array,
      () => null, // a shape error is as good a proof as other numbers
    )
    if (uncached) expect(Math.max(...cached.map((v, i) => Math.abs(v - uncached[i]!)))).toBeGreaterThan(1e-3)
    await session.release()
  })
})

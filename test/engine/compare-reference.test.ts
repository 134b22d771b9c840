/**
 * The token-distribution report of the demo's comparison (early as base, final as other) against
 * resources/demo/reference-kld.json (tools/reference_kld.py: PyTorch float64, llama.cpp's definitions
 * written in numpy) and reference.json's compare block; and the progress it streams.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { CompareProgress, Spread, TokenComparison } from '../../src/shared/compare'
import { compareTokens } from '../../src/main/engine/index'
import { assertClose } from '../helpers/assert-close'
import { DEMO, fixture } from './fixtures'

const TOL = 1e-4

interface RefKld {
  base: string
  other: string
  dataset: string
  inputLength: number
  predictLength: number
  tokens: number
  kld: Spread
  deltaP: Spread
  rmsDeltaP: { value: number; uncertainty: number }
  sameTop1: { value: number; uncertainty: number }
}
const ref = JSON.parse(readFileSync(fixture(join(DEMO, 'reference-kld.json')), 'utf8')) as RefKld
const compareRef = (
  JSON.parse(readFileSync(join(DEMO, 'reference.json'), 'utf8')) as { compare: Record<string, number> }
).compare

describe('token comparison report on the demo', () => {
  let comparison: TokenComparison
  const progress: CompareProgress[] = []
  beforeAll(async () => {
    ;({ comparison } = await compareTokens(
      {
        base: { modelPath: join(DEMO, `checkpoints/${ref.base}/model.onnx`), label: ref.base },
        other: { modelPath: join(DEMO, `checkpoints/${ref.other}/model.onnx`), label: ref.other },
        tokenizerPath: join(DEMO, 'tokenizer.json'),
        dataPath: join(DEMO, ref.dataset),
        inputLength: ref.inputLength,
        predictLength: ref.predictLength,
        provider: 'cpu',
        threads: 2,
        batchSize: 8,
      },
      undefined,
      (p) => progress.push(p),
    ))
  }, 120_000)

  for (const key of ['kld', 'deltaP'] as const) {
    it(`${key}: mean ± uncertainty, median, min, max and percentiles within ${TOL}`, () => {
      const got = comparison.distribution![key]
      const want = ref[key]
      assertClose(
        [got.mean, got.uncertainty, got.median, got.min, got.max],
        [want.mean, want.uncertainty, want.median, want.min, want.max],
        TOL,
        0,
        key,
      )
      expect(got.percentiles.map((p) => p.q)).toEqual(want.percentiles.map((p) => p.q))
      assertClose(
        got.percentiles.map((p) => p.value),
        want.percentiles.map((p) => p.value),
        TOL,
        0,
        `${key} percentiles`,
      )
    })
  }

  it(`RMS Δp and same top-1 with their uncertainties within ${TOL}, and reference.json's compare`, () => {
    const d = comparison.distribution!
    assertClose(
      [d.rmsDeltaP.value, d.rmsDeltaP.uncertainty],
      [ref.rmsDeltaP.value, ref.rmsDeltaP.uncertainty],
      TOL,
    )
    assertClose(
      [d.sameTop1.value, d.sameTop1.uncertainty],
      [ref.sameTop1.value, ref.sameTop1.uncertainty],
      TOL,
    )
    expect(comparison.tokens).toBe(ref.tokens)
    for (const k of ['meanKld', 'medianKld', 'p99Kld', 'maxKld', 'sameTop1', 'rmsDeltaP'] as const)
      assertClose(comparison[k], compareRef[k]!, TOL, 0, k)
  })

  it('streams progress: from 0 after each batch up to every sample', () => {
    const total = compareRef.samples!
    expect(progress[0]).toEqual({ done: 0, total })
    expect(progress.at(-1)).toEqual({ done: total, total })
    // 20 samples in batches of 8: 0, 8, 16, 20.
    expect(progress.map((p) => p.done)).toEqual([0, 8, 16, 20])
  })
})

/** The numerics on hand-computed small arrays: log-softmax, CE, argmax ties, KL, percentiles, slicing. */
import { describe, expect, it } from 'vitest'
import type { Measure } from '../../src/shared/measures'
import type { SampleResult } from '../../src/shared/results'
import { TokenStats } from '../../src/main/engine/compare'
import type { LogitRows } from '../../src/main/engine/decoder-session'
import {
  argmax,
  crossEntropy,
  klDivergence,
  logSoftmax,
  logSumExp,
  percentile,
  rowStats,
} from '../../src/main/engine/math'
import { compareRows, planForward, scoreForward } from '../../src/main/engine/scoring'
import { meansFromResults } from '../../src/shared/diagnosis/means'
import { mean, median } from '../../src/shared/stats'
import { mergeResults } from '../../src/main/engine/summary'
import { assertClose } from '../helpers/assert-close'

describe('log-softmax and cross-entropy', () => {
  it('log-sum-exp of [1, 2, 3] is 3.40760596444438', () => {
    assertClose(logSumExp([1, 2, 3], 0, 3), 3.40760596444438, 1e-12)
    assertClose(logSumExp(new Float32Array([9, 1, 2, 3]), 1, 3), 3.40760596444438, 1e-12)
  })
  it('is stable for large and very negative logits', () => {
    assertClose(logSumExp([1000, 1000], 0, 2), 1000 + Math.LN2, 1e-9)
    assertClose(logSumExp([-1000, -1000], 0, 2), -1000 + Math.LN2, 1e-9)
    expect(logSumExp([-Infinity, -Infinity], 0, 2)).toBe(-Infinity)
    expect(logSumExp([1, NaN], 0, 2)).toBeNaN()
  })
  it('log-softmax of [0, ln 3] is [-ln 4, ln 3 - ln 4]', () => {
    assertClose(logSoftmax([0, Math.log(3)], 0, 2), [-Math.log(4), Math.log(3) - Math.log(4)], 1e-12)
  })
  it('CE of [1, 2, 3] against token 0 is 2.40760596444438', () => {
    assertClose(crossEntropy([1, 2, 3], 0, 3, 0), 2.40760596444438, 1e-12)
    expect(() => crossEntropy([1, 2, 3], 0, 3, 3)).toThrow(RangeError)
  })
  it('rowStats gives logSumExp and argmax in one go', () => {
    const row = Float32Array.from({ length: 257 }, (_, i) => Math.sin(i * 1.7) * 9)
    const r = rowStats(row, 1, 256)
    expect(r.lse).toBe(logSumExp(row, 1, 256))
    expect(r.argmax).toBe(argmax(row, 1, 256))
    expect(rowStats([1, 3, 3, 2], 0, 4)).toEqual({ lse: logSumExp([1, 3, 3, 2], 0, 4), argmax: 1 })
    expect(rowStats([-Infinity, -Infinity], 0, 2)).toEqual({ lse: -Infinity, argmax: 0 })
    expect(rowStats([NaN, 1, 1], 0, 3).argmax).toBe(1)
    expect(rowStats([NaN, 1, 1], 0, 3).lse).toBeNaN()
  })
  it('argmax breaks ties to the lowest id and ignores NaN', () => {
    expect(argmax([1, 3, 3, 2], 0, 4)).toBe(1)
    expect(argmax([NaN, 1, 1], 0, 3)).toBe(1)
    expect(argmax([-Infinity, -Infinity], 0, 2)).toBe(0)
    expect(argmax([5, 0, 7, 7], 1, 3)).toBe(1)
  })
})

describe('KL divergence and percentiles', () => {
  it('KL([.5, .5] || [.25, .75]) = 0.14384103622589042', () => {
    assertClose(
      klDivergence([Math.log(0.5), Math.log(0.5)], [Math.log(0.25), Math.log(0.75)]),
      0.14384103622589042,
      1e-12,
    )
    expect(klDivergence([Math.log(0.5), Math.log(0.5)], [Math.log(0.5), Math.log(0.5)])).toBe(0)
    // p_i = 0 contributes nothing, even against q_i = 0.
    assertClose(klDivergence([0, -Infinity], [Math.log(0.5), -Infinity]), Math.LN2, 1e-12)
  })
  it('percentile interpolates linearly like numpy', () => {
    assertClose(percentile([1, 2, 3, 4], 99), 3.97, 1e-12)
    assertClose(percentile([0.3, 0.1, 0.7, 0.2, 0.9, 0.05, 0.4], 99), 0.888, 1e-12)
    assertClose(median([0.3, 0.1, 0.7, 0.2, 0.9, 0.05, 0.4])!, 0.3, 1e-12)
    assertClose(median([3, 1, 2, 10])!, 2.5, 1e-12)
    expect(percentile([2], 99)).toBe(2)
    expect(percentile([], 50)).toBeNaN()
    expect(mean([])).toBeNull()
    expect(() => percentile([1], 101)).toThrow(RangeError)
  })
  it('token statistics of one row pair', () => {
    const stats = new TokenStats()
    const r = stats.add([0, 0], 0, [0, Math.log(3)], 0, 2, 1)
    assertClose(r.kld, 0.14384103622589042, 1e-12)
    assertClose(r.baseCe, Math.LN2, 1e-12)
    assertClose(r.otherCe, Math.log(4 / 3), 1e-12)
    expect(r.same).toBe(false) // base ties go to id 0, other's argmax is 1
    const s = stats.summary('a', 'b', 1)
    assertClose(
      [s.meanKld, s.medianKld, s.p99Kld, s.maxKld, s.sameTop1, s.rmsDeltaP],
      [r.kld, r.kld, r.kld, r.kld, 0, 0.25],
      1e-12,
    )
    expect(s.tokens).toBe(1)
  })
})

/** Rows whose CE against token 0 encodes the position: row i = [i, 0, 0, 0], so CE = ln(e^i + 3) - i. */
function positionRows(length: number, firstRow: number): LogitRows {
  const vocab = 4
  const rows = length - firstRow
  const data = new Float32Array(rows * vocab)
  for (let r = 0; r < rows; r++) data[r * vocab] = firstRow + r
  return { data, batch: 1, rows, firstRow, vocab }
}
const ceAt = (i: number) => Math.log(Math.exp(i) + 3) - i
const meanCe = (from: number, count: number) => mean(Array.from({ length: count }, (_, j) => ceAt(from + j)))!
const ALL = new Set<Measure>(['teacherForcing', 'keepLastMisaligned', 'keepLastAligned', 'offsetSweep'])

describe('slicing of the teacher-forcing family', () => {
  const L = 4
  const P = 3
  const N = L + P
  const T = new Array(N + 2).fill(0)

  it('plans one forward over T[0:N+2] keeping rows L-3 ..', () => {
    expect(planForward(N + 2, L, P, ALL)).toEqual({ length: N + 2, keep: P + 5 })
    expect(planForward(N, L, P, ALL)).toEqual({ length: N, keep: P + 3 })
    expect(planForward(N + 5, L, P, new Set<Measure>(['teacherForcing']))).toEqual({ length: N, keep: P + 1 })
    expect(planForward(N, L, P, new Set<Measure>(['keepLastMisaligned']))).toEqual({ length: N, keep: P })
    expect(planForward(1 + P, 1, P, ALL)).toEqual({ length: 1 + P, keep: 1 + P })
    expect(planForward(N, L, P, new Set<Measure>(['autoregressive']))).toBeNull()
  })

  it('scores rows L-1+s .. N-2+s against T[L .. N-1]', () => {
    const plan = planForward(N + 2, L, P, ALL)!
    const r = scoreForward(positionRows(plan.length, plan.length - plan.keep), 0, T, plan.length, L, P, ALL)
    assertClose(r.teacherForcing!.tokenLosses, [ceAt(L - 1), ceAt(L), ceAt(L + 1)], 1e-6)
    assertClose(r.teacherForcing!.loss, meanCe(L - 1, P), 1e-6)
    expect(r.teacherForcing!.top1).toBe(1) // token 0 holds the largest logit in every row i >= 1
    assertClose(r.keepLastAligned!.loss, meanCe(L - 1, P), 1e-6)
    assertClose(r.keepLastMisaligned!.loss, meanCe(L, P), 1e-6)
    for (const s of [-2, -1, 0, 1, 2] as const)
      assertClose(r.offsetSweep![`${s}`]!, meanCe(L - 1 + s, P), 1e-6, 0, `shift ${s}`)
  })

  it('gives the same numbers from full rows (no logits_to_keep)', () => {
    const a = scoreForward(positionRows(N + 2, 0), 0, T, N + 2, L, P, ALL)
    const b = scoreForward(positionRows(N + 2, L - 3), 0, T, N + 2, L, P, ALL)
    expect(a).toEqual(b)
  })

  it('leaves out the shift a sample of exactly N tokens lacks', () => {
    const r = scoreForward(positionRows(N, 0), 0, T, N, L, P, ALL)
    expect(Object.keys(r.offsetSweep!).sort()).toEqual(['-1', '-2', '0', '1'])
    expect(r.keepLastMisaligned).toBeDefined()
    const short = scoreForward(positionRows(N, 0), 0, T, N, 1, N - 1, ALL)
    expect(Object.keys(short.offsetSweep!).sort()).toEqual(['0', '1'])
  })

  it('compares two rows: max |diff| and top-1', () => {
    const a = new Float32Array([0, 1, 2, 3])
    const b = new Float32Array([0, 1.5, 2.5, 2.25])
    expect(compareRows(a, 0, b, 0, 4)).toEqual({ maxAbsDiff: 0.75, sameTop1: false })
    expect(compareRows(a, 0, a, 0, 4)).toEqual({ maxAbsDiff: 0, sameTop1: true })
    expect(compareRows(new Float32Array([NaN, 0]), 0, a, 0, 2).maxAbsDiff).toBeNaN()
  })
})

describe('run means', () => {
  const base = { id: 'x', tokens: 10, inputLength: 4, predictLength: 2 }
  const results: SampleResult[] = [
    {
      ...base,
      index: 0,
      teacherForcing: { loss: 1, tokenLosses: [0.5, 1.5], top1: 0.5 },
      offsetSweep: { '0': 1, '1': 3, '2': 4 },
      autoregressive: {
        loss: 2,
        stepLosses: [1, 3],
        generatedIds: [1, 2],
        generatedText: '',
        usedKvCache: true,
      },
      kvCache: { maxAbsDiff: 1e-6, top1Agreement: 1 },
    },
    {
      ...base,
      index: 1,
      teacherForcing: { loss: 3, tokenLosses: [2.5, 3.5], top1: 1 },
      offsetSweep: { '0': 3, '1': 5 },
      autoregressive: {
        loss: 4,
        stepLosses: [3, 5],
        generatedIds: [1, 2],
        generatedText: '',
        usedKvCache: true,
      },
      kvCache: { maxAbsDiff: 3e-6, top1Agreement: 0.5 },
    },
    { ...base, index: 2, skipped: 'too short' },
  ]
  it('averages each measure over the samples that have it', () => {
    const m = meansFromResults(results)
    expect(m.teacherForcing).toBe(2)
    expect(m.teacherForcingTop1).toBe(0.75)
    expect(m.teacherForcingSteps).toEqual([1.5, 2.5])
    expect(m.offsetSweep).toEqual({ '0': 2, '1': 4, '2': 4 })
    expect(m.autoregressiveSteps).toEqual([2, 4])
    expect(m.kvCacheMaxAbsDiff).toBe(3e-6)
    expect(m.kvCacheTop1Agreement).toBe(0.75)
    expect(m.keepLastMisaligned).toBeUndefined()
  })
  it('merges a resumed run by index, the newer result winning', () => {
    const merged = mergeResults(
      [results[2]!, results[0]!],
      [{ ...results[2]!, skipped: undefined, teacherForcing: results[1]!.teacherForcing }],
    )
    expect(merged.map((r) => r.index)).toEqual([0, 2])
    expect(merged[1]!.teacherForcing!.loss).toBe(3)
  })
})

/**
 * The Compare summary's bits-per-byte columns: the demo's very-early and final checkpoints on the
 * held-out set (PyTorch references, resources/demo/reference-gap.json). Each run's value is the mean of
 * its samples' bits per byte ± s.e., and a run's change from the base is the mean ± s.e. of the
 * per-sample differences over the samples both scored, computed here by hand.
 */
import { describe, expect, it } from 'vitest'
import { bpbSummary } from '../../src/renderer/src/lib/compare-bpb'
import type { SampleResult } from '../../src/shared/results'
import ref from '../../resources/demo/reference-gap.json'

const DATASET = 'eval_heldout.json'

function results(checkpoint: 'very-early' | 'final'): SampleResult[] {
  const r = ref.results[checkpoint][DATASET]
  return r.continuation.samples.map((c, i) => {
    const tf = r.trainFormat['no/512'].samples[i]!
    return {
      index: c.index,
      id: `s${c.index}`,
      tokens: tf.tokens + 1,
      inputLength: ref.settings.inputLength,
      predictLength: ref.settings.predictLength,
      teacherForcing: { loss: c.loss, tokenLosses: [], top1: 0, bitsPerByte: c.bitsPerByte, bytes: c.bytes },
      trainFormat: {
        loss: tf.loss,
        tokens: tf.tokens,
        bytes: tf.bytes,
        bitsPerByte: tf.bitsPerByte,
        positionLosses: tf.positionLosses,
      },
    }
  })
}

/** Mean and standard error (sample sd / √n) by hand. */
function meanSe(xs: number[]): { mean: number; se: number } {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length
  const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)
  return { mean: m, se: Math.sqrt(v / xs.length) }
}

describe('Compare summary: bits per byte', () => {
  const early = results('very-early')
  const final = results('final')

  it('shows each run’s mean ± s.e. and the paired change from the base', () => {
    const s = bpbSummary([{ results: early }, { results: final }])
    expect(s.measures).toEqual(['teacherForcingBitsPerByte', 'trainFormatBitsPerByte'])
    const pick = {
      teacherForcingBitsPerByte: (r: SampleResult) => r.teacherForcing!.bitsPerByte!,
      trainFormatBitsPerByte: (r: SampleResult) => r.trainFormat!.bitsPerByte,
    }
    for (const m of ['teacherForcingBitsPerByte', 'trainFormatBitsPerByte'] as const) {
      const [b, o] = [early.map(pick[m]), final.map(pick[m])]
      for (const [k, xs] of [b, o].entries()) {
        const want = meanSe(xs)
        expect(s.cells[k]![m]!.value!.mean).toBeCloseTo(want.mean, 12)
        expect(s.cells[k]![m]!.value!.stderr).toBeCloseTo(want.se, 12)
      }
      expect(s.cells[0]![m]!.change).toBeNull()
      const d = meanSe(o.map((x, i) => x - b[i]!))
      const change = s.cells[1]![m]!.change!
      expect(change.samples).toBe(early.length)
      expect(change.delta).toBeCloseTo(d.mean, 12)
      expect(change.stderr).toBeCloseTo(d.se, 12)
      // Training lowers bits per byte on held-out text, far beyond noise.
      expect(change.delta + 3 * change.stderr!).toBeLessThan(0)
    }
  })

  it('pairs only the samples both runs scored, and shows no columns for runs without bytes', () => {
    const half = final.slice(0, 7)
    const s = bpbSummary([{ results: early }, { results: half }])
    const m = 'teacherForcingBitsPerByte'
    const d = meanSe(
      half.map((x, i) => x.teacherForcing!.bitsPerByte! - early[i]!.teacherForcing!.bitsPerByte!),
    )
    expect(s.cells[1]![m]!.change!.samples).toBe(7)
    expect(s.cells[1]![m]!.change!.delta).toBeCloseTo(d.mean, 12)
    const old = early.map((r) => ({ ...r, teacherForcing: { ...r.teacherForcing!, bitsPerByte: undefined } }))
    const none = bpbSummary([{ results: old.map(({ trainFormat: _, ...r }) => r) }, { results: old }])
    expect(none.measures).toEqual(['trainFormatBitsPerByte'])
    expect(none.cells[0]!.trainFormatBitsPerByte!.value).toBeNull()
    expect(none.cells[1]!.trainFormatBitsPerByte!.change).toBeNull()
  })
})

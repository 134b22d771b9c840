/**
 * Bits per byte across checkpoints: the trajectory over the demo's very-early and final checkpoints on
 * the held-out set (PyTorch references, resources/demo/reference-gap.json) gives per checkpoint the
 * mean of the stored values, and the paired change equals the mean ± s.e. of the per-sample
 * differences computed here by hand. The judged changes stay the nats measures.
 */
import { describe, expect, it } from 'vitest'
import {
  CHANGE_MEASURES,
  measuresWithValues,
  pairedChange,
  trajectoryOf,
  type TrajectoryMeasure,
} from '../../src/shared/diagnosis'
import { trajectoryPoints } from '../../src/shared/charts/eval-points'
import type { SampleResult } from '../../src/shared/results'
import ref from '../../resources/demo/reference-gap.json'

const DATASET = 'eval_heldout.json'

function results(checkpoint: 'very-early' | 'final'): SampleResult[] {
  const r = ref.results[checkpoint][DATASET]
  return r.continuation.samples.map((c, i) => {
    const tf = r.trainFormat['no/512'].samples[i]!
    expect(tf.index).toBe(c.index)
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

/** Mean and standard error (n − 1) of after − before, sample by sample: the hand computation. */
function byHand(before: number[], after: number[]): { mean: number; stderr: number } {
  const d = after.map((a, i) => a - before[i]!)
  const mean = d.reduce((s, x) => s + x, 0) / d.length
  const sd = Math.sqrt(d.reduce((s, x) => s + (x - mean) ** 2, 0) / (d.length - 1))
  return { mean, stderr: sd / Math.sqrt(d.length) }
}

describe('trajectory in bits per byte', () => {
  const early = results('very-early')
  const final = results('final')
  const tr = trajectoryOf(DATASET, [
    { checkpointId: 'very-early', step: 10, results: early },
    { checkpointId: 'final', step: 1000, results: final },
  ])

  it('draws bits per byte and training format per checkpoint as the mean of the references per sample', () => {
    // Like every trajectory point, the mean over samples ± s.e. (summary.json's bits per byte is the
    // set-level ratio Σ nll / (ln 2 × Σ bytes), which weights long samples more).
    const avg = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length
    const r = ref.results
    const [a, b] = tr.points
    expect(a!.values.teacherForcingBitsPerByte!.mean).toBeCloseTo(
      avg(r['very-early'][DATASET].continuation.samples.map((x) => x.bitsPerByte)),
      12,
    )
    expect(b!.values.teacherForcingBitsPerByte!.mean).toBeCloseTo(
      avg(r.final[DATASET].continuation.samples.map((x) => x.bitsPerByte)),
      12,
    )
    expect(b!.values.trainFormatBitsPerByte!.mean).toBeCloseTo(
      avg(r.final[DATASET].trainFormat['no/512'].samples.map((x) => x.bitsPerByte)),
      12,
    )
    // The references' own mean of the per-sample training-format losses.
    expect(b!.values.trainFormat!.mean).toBeCloseTo(r.final[DATASET].trainFormat['no/512'].means.loss, 10)
    expect(b!.values.teacherForcingBitsPerByte!.n).toBe(final.length)
  })

  it('offers each unit only with the measures the runs have', () => {
    expect(measuresWithValues([tr], 'bitsPerByte')).toEqual([
      'teacherForcingBitsPerByte',
      'trainFormatBitsPerByte',
    ])
    expect(measuresWithValues([tr], 'nats')).toEqual(['teacherForcing', 'trainFormat'])
    const legacy = trajectoryOf(DATASET, [
      {
        checkpointId: 'a',
        step: 1,
        results: early.map((r) => ({
          ...r,
          trainFormat: undefined,
          teacherForcing: { ...r.teacherForcing!, bitsPerByte: undefined },
        })),
      },
    ])
    expect(measuresWithValues([legacy], 'bitsPerByte')).toEqual([])
  })

  it('pairs the samples: the change in bits per byte is the mean of the per-sample differences', () => {
    for (const m of [
      'teacherForcingBitsPerByte',
      'trainFormatBitsPerByte',
      'trainFormat',
    ] as TrajectoryMeasure[]) {
      const pick = (r: SampleResult): number =>
        m === 'teacherForcingBitsPerByte'
          ? r.teacherForcing!.bitsPerByte!
          : m === 'trainFormatBitsPerByte'
            ? r.trainFormat!.bitsPerByte
            : r.trainFormat!.loss
      const hand = byHand(early.map(pick), final.map(pick))
      const got = pairedChange(m, early, final)!
      expect(got.samples).toBe(early.length)
      expect(got.delta).toBeCloseTo(hand.mean, 12)
      expect(got.stderr!).toBeCloseTo(hand.stderr, 12)
    }
    // Training improved the model: fewer bits per byte at the final checkpoint.
    expect(pairedChange('teacherForcingBitsPerByte', early, final)!.delta).toBeLessThan(0)
  })

  it('pairs by sample, not by position: a missing sample drops out of both sides', () => {
    const hand = byHand(
      early.slice(1).map((r) => r.teacherForcing!.bitsPerByte!),
      final.slice(1).map((r) => r.teacherForcing!.bitsPerByte!),
    )
    const got = pairedChange('teacherForcingBitsPerByte', early.slice(1), [...final].reverse())!
    expect(got.samples).toBe(early.length - 1)
    expect(got.delta).toBeCloseTo(hand.mean, 12)
  })

  it('judges changes in nats only (bits per byte are compared, not judged)', () => {
    expect(new Set(tr.changes.map((c) => c.measure))).toEqual(
      new Set(CHANGE_MEASURES.filter((m) => m === 'teacherForcing')),
    )
  })

  it('draws one unit per chart: nats by default, bits per byte when asked', () => {
    const input = {
      trajectories: [tr],
      checkpoints: [
        { id: 'very-early', label: 'very-early', step: 10 },
        { id: 'final', label: 'final', step: 1000 },
      ],
      datasetLabel: (id: string) => id,
    }
    const measures = (unit?: 'nats' | 'bitsPerByte'): string[] => [
      ...new Set(trajectoryPoints({ ...input, unit }).map((p) => p.measure)),
    ]
    expect(measures()).toEqual(['teacherForcing', 'trainFormat'])
    expect(measures('bitsPerByte')).toEqual(['teacherForcingBitsPerByte', 'trainFormatBitsPerByte'])
  })
})

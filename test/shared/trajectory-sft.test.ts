/**
 * Trajectory over SFT checkpoints: the SFT loss and the generated reply per checkpoint (mean over
 * conversations ± s.e.) and their changes, judged like teacher forcing and generation are on a
 * pretraining run. The later checkpoint is the demo's SFT reference (reference-sft.json, PyTorch); the
 * earlier one is the same conversations with the SFT loss 0.3–0.32 nats higher and the reply 0.4 lower
 * (a model that was less sure: generation cheaper, teacher forcing dearer), so each change is known.
 */
import { describe, expect, it } from 'vitest'
import { measuresWithValues, trajectoryOf, verdictText } from '../../src/shared/diagnosis'
import { trajectoryPoints } from '../../src/shared/charts/eval-points'
import type { SampleResult } from '../../src/shared/results'
import { readReferenceSft } from '../helpers/reference-sft'

const REF = readReferenceSft()
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
const se = (xs: number[]): number => {
  const m = mean(xs)
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1) / xs.length)
}

const LATE: SampleResult[] = REF.samples.map((s) => ({
  index: s.index,
  id: `c${s.index}`,
  tokens: s.sft.maskedPositions.length,
  inputLength: 0,
  predictLength: 0,
  sft: s.sft,
  sftAutoregressive: s.sftAutoregressive,
}))
const EARLY: SampleResult[] = LATE.map((r, i) => ({
  ...r,
  sft: { ...r.sft!, loss: r.sft!.loss + 0.3 + 0.01 * (i % 3) },
  sftAutoregressive: { ...r.sftAutoregressive!, loss: r.sftAutoregressive!.loss - 0.4 },
}))
const TR = trajectoryOf('eval_sft', [
  { checkpointId: 'early', step: 50, results: EARLY },
  { checkpointId: 'late', step: 100, results: LATE },
])

describe('trajectory over SFT checkpoints', () => {
  it('each checkpoint: the SFT loss and the reply generated, mean over conversations ± s.e.', () => {
    const [a, b] = TR.points
    const late = REF.samples.map((s) => s.sft.loss)
    expect(b!.values.sft!.mean).toBeCloseTo(mean(late), 12)
    expect(b!.values.sft!.stderr!).toBeCloseTo(se(late), 12)
    expect(b!.values.sft!.n).toBe(REF.samples.length)
    expect(a!.values.sftAutoregressive!.mean).toBeCloseTo(
      mean(REF.samples.map((s) => s.sftAutoregressive.loss - 0.4)),
      12,
    )
    expect(b!.values.teacherForcing).toBeUndefined()
    expect(measuresWithValues([TR], 'nats')).toEqual(['sft', 'sftAutoregressive'])
  })

  it('the SFT loss improved beyond noise; the reply rose while it did: a sharper model, not a regression', () => {
    const sft = TR.changes.find((c) => c.measure === 'sft')!
    const diffs = EARLY.map((r, i) => LATE[i]!.sft!.loss - r.sft!.loss)
    expect(sft.delta).toBeCloseTo(mean(diffs), 12)
    expect(sft.stderr!).toBeCloseTo(se(diffs), 12)
    expect(sft.samples).toBe(REF.samples.length)
    expect(sft.status).toBe('improvement')
    const ar = TR.changes.find((c) => c.measure === 'sftAutoregressive')!
    expect(ar.delta).toBeCloseTo(0.4, 12)
    expect(ar.status).toBe('sharperModel')
    expect(TR.changes.map((c) => c.measure).sort()).toEqual(['sft', 'sftAutoregressive'])
  })

  it('the chart draws both SFT series, and the change is worded in SFT terms in both languages', () => {
    const points = trajectoryPoints({
      trajectories: [TR],
      checkpoints: [
        { id: 'early', label: 'early', step: 50 },
        { id: 'late', label: 'late', step: 100 },
      ],
      datasetLabel: (id) => id,
    })
    expect(new Set(points.map((p) => p.measure))).toEqual(new Set(['sft', 'sftAutoregressive']))
    const names = { checkpoint: (id: string) => id, dataset: (id: string) => id }
    const ar = TR.changes.find((c) => c.measure === 'sftAutoregressive')!
    const en = verdictText('en').change(ar, names)
    expect(en).toMatch(/generated-reply loss/)
    expect(en).toMatch(/while its SFT loss improved/)
    expect(en).not.toMatch(/teacher forcing/)
    const zh = verdictText('zh-CN').change(ar, names)
    expect(zh).toMatch(/生成回复的loss/)
    expect(zh).toMatch(/而SFT loss有所改善/)
    expect(
      verdictText('en').change(
        TR.changes.find((c) => c.measure === 'sft')!,
        names,
      ),
    ).toMatch(/late improves on early on eval_sft \(SFT loss\)/)
  })
})

/**
 * SFT runs get their own mode, alignment and KV-cache verdicts (the pretraining ones read teacher
 * forcing and the continuation sweep, which an SFT run never scores). Built on the demo's PyTorch SFT
 * reference (reference-sft.json): the expected figures are recomputed here from its per-conversation
 * values, independently of the verdict code.
 */
import { describe, expect, it } from 'vitest'
import {
  diagnose,
  diagnoseAlignment,
  diagnoseKvCache,
  diagnoseMode,
  explainVerdict,
  meansFromResults,
  verdictText,
} from '../../src/shared/diagnosis'
import type { SampleResult } from '../../src/shared/results'
import { readReferenceSft } from '../helpers/reference-sft'

const REF = readReferenceSft()
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
const stderr = (xs: number[]): number => {
  const m = mean(xs)
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1) / xs.length)
}
const RESULTS: SampleResult[] = REF.samples.map((s) => ({
  index: s.index,
  id: `c${s.index}`,
  tokens: s.ids.length,
  inputLength: s.sftAutoregressive.promptLength,
  predictLength: s.sftAutoregressive.stepLosses.length,
  sft: { ...s.sft },
  sftAutoregressive: {
    loss: s.sftAutoregressive.loss,
    stepLosses: s.sftAutoregressive.stepLosses,
    generatedText: s.sftAutoregressive.generatedText,
  },
}))
const MEANS = meansFromResults(RESULTS)
const SUBJECT = { checkpointId: 'sft', datasetId: 'eval_sft' }

describe('SFT mode verdict: the generated reply against the same reply tokens teacher-forced', () => {
  const v = diagnoseMode(RESULTS, MEANS, SUBJECT, null, 'sft')
  // The reference's own split: each conversation's first k counted tokens, k = its generated steps.
  const forced = REF.samples.map((s) =>
    mean(s.sft.tokenLosses.slice(0, s.sftAutoregressive.stepLosses.length)),
  )
  const gen = REF.samples.map((s) => s.sftAutoregressive.loss)

  it('compares like for like, paired per conversation, with its standard error', () => {
    expect(v.evalMeasure).toBe('sft')
    expect(v.teacherForcing).toBeCloseTo(mean(forced), 10)
    expect(v.autoregressive).toBeCloseTo(REF.means.sftAutoregressive, 10)
    expect(v.gap).toBeCloseTo(mean(gen) - mean(forced), 10)
    expect(v.uncertainty).toBeCloseTo(stderr(gen.map((g, i) => g - forced[i]!)), 10)
  })

  it('is exposure bias (expected), parting where the generation first leaves the true reply', () => {
    expect(v.status).toBe('expected')
    expect(v.reason).toBe('expected')
    // Step 1 sees the true prompt in both modes: the two agree there to float error.
    const first = mean(REF.samples.map((s) => s.sftAutoregressive.stepLosses[0]! - s.sft.tokenLosses[0]!))
    expect(Math.abs(first)).toBeLessThan(1e-4)
    expect(v.divergenceStep).toBeGreaterThan(1)
    const text = explainVerdict(v, 'en')
    expect(text).toContain('exposure bias')
    expect(text).toContain("The trainer's number is the teacher-forced SFT loss")
    expect(explainVerdict(v, 'zh-CN')).toContain('曝光偏差')
  })

  it('without the generated reply it is not measured, in SFT words', () => {
    const noGen = RESULTS.map(({ sftAutoregressive: _g, ...r }) => r)
    const n = diagnoseMode(noGen, meansFromResults(noGen), SUBJECT, null, 'sft')
    expect(n.status).toBe('notMeasured')
    expect(explainVerdict(n, 'en')).toContain('sftAutoregressive')
  })
})

describe('SFT alignment verdict: the sweep over assistant targets and the one-late mask', () => {
  const v = diagnoseAlignment(RESULTS, MEANS, SUBJECT, { format: 'sft' })

  it('passes with shift 0 (the SFT loss) lowest, its margin paired per conversation', () => {
    expect(v.evalMeasure).toBe('sft')
    expect(v.status).toBe('pass')
    expect(v.reason).toBe('minimumAtZero')
    expect(v.argminShift).toBe(0)
    expect(v.sweep[0]).toBeCloseTo(REF.means.sft, 10)
    const plus1 = REF.samples.map((s) => s.sft.offsetSweep['1']!)
    const minus1 = REF.samples.map((s) => s.sft.offsetSweep['-1']!)
    const next = mean(plus1) < mean(minus1) ? plus1 : minus1
    expect(v.figure).toBeCloseTo(mean(next) - REF.means.sft, 10)
    expect(v.uncertainty).toBeCloseTo(stderr(next.map((x, i) => x - REF.samples[i]!.sft.loss)), 10)
  })

  it("reports the one-late mask beside it, paired, and names the trainer's number", () => {
    const d = REF.samples.map((s) => s.sft.shiftedMaskLoss - s.sft.loss)
    expect(v.sftLoss).toBeCloseTo(REF.means.sft, 10)
    expect(v.shiftedMaskLoss).toBeCloseTo(REF.means.sftShiftedMask, 10)
    expect(v.maskLateExcess).toBeCloseTo(mean(d), 10)
    expect(v.maskLateStderr).toBeCloseTo(stderr(d), 10)
    const text = explainVerdict(v, 'en')
    expect(text).toContain("the trainer's number")
    // On the demo the one-late mask is within 2 s.e. of the SFT loss: the text must not call it beyond noise.
    const within = Math.abs(mean(d)) <= 2 * stderr(d)
    expect(text.includes('within the noise')).toBe(within)
    expect(explainVerdict(v, 'zh-CN')).toContain('训练器记录的是SFT loss')
  })

  it('fails when the rows are one late (the sweep s=+1 lowest by far)', () => {
    // A broken export: each shift's loss moved one place, so the right rows now sit at s=+1.
    const shifted = RESULTS.map((r) => {
      const w = r.sft!.offsetSweep!
      return {
        ...r,
        sft: { ...r.sft!, offsetSweep: { '-2': w['-1'], '-1': w['1'], '0': w['1'], '1': w['0'] } },
      }
    }) as SampleResult[]
    const f = diagnoseAlignment(shifted, meansFromResults(shifted), SUBJECT, { format: 'sft' })
    expect(f.status).toBe('fail')
    expect(f.reason).toBe('rowsShifted')
    expect(f.rowOffset).toBe(1)
  })

  it('without the sweep: rows not measured, the mask comparison kept with its noise', () => {
    const noSweep = RESULTS.map((r) => ({ ...r, sft: { ...r.sft!, offsetSweep: undefined } }))
    const n = diagnoseAlignment(noSweep, meansFromResults(noSweep), SUBJECT, { format: 'sft' })
    expect(n.status).toBe('notMeasured')
    expect(n.reason).toBe('sftNoSweep')
    expect(n.uncertainty).toBeCloseTo(v.maskLateStderr!, 12)
  })

  it('a reported number equal to the one-late mask is named, but does not fail the model', () => {
    const d = diagnose({
      checkpoints: [{ id: 'sft', step: 100 }],
      datasets: [{ id: 'eval_sft' }],
      runs: [{ checkpointId: 'sft', datasetId: 'eval_sft', results: RESULTS, format: 'sft' }],
      reportedLoss: REF.means.sftShiftedMask,
    })
    const a = d.runs[0]!.alignment
    expect(a.status).toBe('pass')
    expect(a.reportedValue).toBeCloseTo(REF.means.sftShiftedMask, 10)
    // On the demo the two masks are within the noise of each other: the text must not claim which it is.
    expect(explainVerdict(a, 'en')).toContain('the number alone cannot say which your script computes')
  })
})

describe('SFT KV-cache verdict', () => {
  it('reads "not applicable to SFT scoring", not "not measured"', () => {
    const d = diagnose({
      checkpoints: [{ id: 'sft', step: 100 }],
      datasets: [{ id: 'eval_sft' }],
      runs: [{ checkpointId: 'sft', datasetId: 'eval_sft', results: RESULTS, format: 'sft' }],
    })
    const kv = d.runs[0]!.kvCache
    expect(kv.reason).toBe('sftRun')
    expect(verdictText('en').figure(kv).figure).toBe('not applicable to SFT scoring')
    expect(explainVerdict(kv, 'en')).toMatch(/^Not applicable to SFT scoring/)
    expect(d.runs[0]!.mode.evalMeasure).toBe('sft')
    expect(d.runs[0]!.mode.status).toBe('expected')
  })

  it('a pretraining run without the check still reads not measured', () => {
    expect(diagnoseKvCache({}, SUBJECT, {}).reason).toBe('notMeasured')
  })
})

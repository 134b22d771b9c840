/**
 * An SFT run in the diagnosis: "explain my number" knows MiniMind's SFT loss and the one-late mask,
 * the gap waterfall goes from the logged line through the log window to the `sft` mean and on to the
 * one-late mask by the slicing step, and the headline judges the SFT loss against the log window at
 * the checkpoint's step. Built from the demo's PyTorch reference (reference-sft.json: the SFT
 * checkpoint on eval_sft.json) and its real SFT training log (train_sft.log, checkpoint at step 100).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  candidatesFromMeans,
  diagnose,
  explainReportedLoss,
  gapWaterfall,
  meansFromResults,
  trainingLossAt,
  verdictText,
  type Waterfall,
} from '../../src/shared/diagnosis'
import { parseTrainLog } from '../../src/main/engine/evidence/train-log'
import type { SampleResult } from '../../src/shared/results'
import { readReferenceSft } from '../helpers/reference-sft'

const DEMO = join(__dirname, '../../resources/demo')
const REF = readReferenceSft()
const RESULTS: SampleResult[] = REF.samples.map((s) => ({
  index: s.index,
  id: `c${s.index}`,
  tokens: s.sft.maskedPositions.length,
  inputLength: 0,
  predictLength: 0,
  sft: {
    loss: s.sft.loss,
    tokens: s.sft.tokens,
    shiftedMaskLoss: s.sft.shiftedMaskLoss,
    tokenLosses: s.sft.tokenLosses,
    maskedPositions: s.sft.maskedPositions,
  },
  sftAutoregressive: s.sftAutoregressive,
}))
const LOG_PATH = join(DEMO, 'train_sft.log')
const LOG = parseTrainLog(readFileSync(LOG_PATH, 'utf8'), LOG_PATH)
const STEP = 100
const WINDOW = 10
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
const SHIFTED = mean(REF.samples.map((s) => s.sft.shiftedMaskLoss))
const SFT = mean(REF.samples.map((s) => s.sft.loss))

function waterfallFor(reported: number | null): Waterfall {
  const explanation =
    reported === null ? null : explainReportedLoss(reported, candidatesFromMeans(meansFromResults(RESULTS)))
  return gapWaterfall({
    checkpointId: 'sft',
    datasetId: 'eval_sft',
    step: STEP,
    results: RESULTS,
    trainLog: LOG,
    windowLines: WINDOW,
    reported,
    explanation,
  })!
}

function addsUp(w: Waterfall): void {
  for (const b of w.bars) {
    if (b.status === 'notMeasured') continue
    expect(Math.abs(b.value! - (b.to!.value - b.from!.value))).toBeLessThanOrEqual(1e-12)
  }
  const added = w.bars.filter((b) => b.status === 'measured').reduce((s, b) => s + b.value!, 0)
  expect(Math.abs(w.start.value + added + w.residual.value - w.end.value)).toBeLessThanOrEqual(1e-9)
}

describe('an SFT run in the diagnosis (demo reference)', () => {
  it('the reference per-sample numbers give the reference means', () => {
    const m = meansFromResults(RESULTS)
    expect(Math.abs(m.sft! - REF.means.sft)).toBeLessThanOrEqual(1e-9)
    expect(Math.abs(m.sftShiftedMask! - REF.means.sftShiftedMask)).toBeLessThanOrEqual(1e-9)
    expect(Math.abs(m.sftAutoregressive! - REF.means.sftAutoregressive)).toBeLessThanOrEqual(1e-9)
  })

  it('"explain my number" reproduces the SFT loss and the one-late mask', () => {
    const candidates = candidatesFromMeans(meansFromResults(RESULTS))
    const shifted = explainReportedLoss(SHIFTED, candidates, 1e-4)
    expect(shifted.match?.measure).toBe('sftShiftedMask')
    expect(shifted.match?.rowShift).toBe(1)
    expect(explainReportedLoss(SFT, candidates, 1e-4).match?.measure).toBe('sft')
    expect(verdictText('en').explanation(shifted)).toMatch(/mask one position late/)
    expect(verdictText('zh-CN').explanation(shifted)).toMatch(/掩码错后一个位置/)
  })

  it('the waterfall runs log line → log window → sft → the one-late mask, and adds up', () => {
    const w = waterfallFor(SHIFTED)
    addsUp(w)
    expect(w.bars.map((b) => [b.step, b.status, b.reason])).toEqual([
      ['logNoise', 'measured', null],
      ['auxLoss', 'notMeasured', 'noAuxInLog'],
      ['trainingMix', 'measured', null],
      ['tokenWeighting', 'notMeasured', 'sftRun'],
      ['position', 'notMeasured', 'sftRun'],
      ['bos', 'notMeasured', 'sftRun'],
      ['slicing', 'measured', null],
    ])
    const window = trainingLossAt(LOG, STEP, WINDOW)!
    const [logNoise, , mix, , , , slicing] = w.bars
    expect(w.start.level).toBe('loggedLine')
    expect(logNoise!.to!.value).toBeCloseTo(window.mean, 12)
    // The training mix: the log window against the sft mean over the 20 conversations, independent.
    expect(mix!.from!.level).toBe('logWindow')
    expect(mix!.to).toMatchObject({ level: 'sft', n: 20 })
    expect(mix!.to!.value).toBeCloseTo(REF.means.sft, 12)
    const sftSd = Math.sqrt(
      REF.samples.reduce((s, x) => s + (x.sft.loss - SFT) ** 2, 0) / (REF.samples.length - 1),
    )
    const sftSe = sftSd / Math.sqrt(REF.samples.length)
    expect(mix!.stderr!).toBeCloseTo(Math.sqrt(window.stderr! ** 2 + sftSe ** 2), 12)
    // Slicing: paired over the same conversations, to the one-late mask mean, which is the number.
    expect(slicing!.from).toMatchObject({ level: 'sft', n: 20 })
    expect(slicing!.to!.level).toBe('sftShiftedMask')
    expect(slicing!.to!.value).toBeCloseTo(REF.means.sftShiftedMask, 12)
    const diffs = REF.samples.map((s) => s.sft.shiftedMaskLoss - s.sft.loss)
    const dm = mean(diffs)
    const dSe = Math.sqrt(diffs.reduce((s, d) => s + (d - dm) ** 2, 0) / (diffs.length - 1) / diffs.length)
    expect(slicing!.stderr!).toBeCloseTo(dSe, 12)
    // The number is the slicing step's end: nothing of the SFT-vs-number gap is left to the residual
    // beyond the log's own levels (start → window → sft → number are all measured bars).
    expect(Math.abs(w.residual.value)).toBeLessThanOrEqual(1e-9)
    expect(w.variant?.measure).toBe('sftShiftedMask')
    for (const lang of ['en', 'zh-CN'] as const) {
      const t = verdictText(lang).waterfall
      expect(t.result(w.bars[3]!, w)).toMatch(lang === 'en' ? /Not applicable/ : /不适用/)
      expect(t.result(w.bars[3]!, w)).not.toMatch(/trainFormat/)
    }
  })

  it('without a number it ends at the sft mean', () => {
    const w = waterfallFor(null)
    addsUp(w)
    expect(w.end).toMatchObject({ level: 'sft', n: 20 })
    expect(w.end.value).toBeCloseTo(REF.means.sft, 12)
    expect(w.bars.find((b) => b.step === 'slicing')!.reason).toBe('noReported')
    const slicing = w.bars.find((b) => b.step === 'slicing')!
    expect(verdictText('en').waterfall.result(slicing, w)).toMatch(/ends at the SFT loss/)
    expect(verdictText('zh-CN').waterfall.result(slicing, w)).toMatch(/止于SFT loss/)
    expect(Math.abs(w.residual.value)).toBeLessThanOrEqual(1e-9)
  })

  it('the headline judges the SFT loss against the log window at the step', () => {
    const d = diagnose({
      runs: [{ checkpointId: 'sft', datasetId: 'eval_sft', results: RESULTS }],
      checkpoints: [{ id: 'sft', step: STEP }],
      datasets: [{ id: 'eval_sft', fromTraining: true }],
      trainLog: LOG,
      windowLines: WINDOW,
      reportedLoss: SHIFTED,
    })
    const c = d.conclusions[0]!
    expect(c.cause).not.toBe('notMeasured')
    const te = d.runs[0]!.trainEval[0]!
    const window = trainingLossAt(LOG, STEP, WINDOW)!
    expect(te.evalMeasure).toBe('sft')
    expect(te.evalLoss).toBeCloseTo(REF.means.sft, 12)
    expect(te.trainLoss).toBeCloseTo(window.mean, 12)
    expect(['pass', 'fail', 'expected', 'inconclusive']).toContain(te.status)
    expect(c.verdict).toBe(te)
    const en = verdictText('en').verdict(te)
    expect(en).toMatch(/the SFT loss gives/i)
    expect(en).not.toMatch(/teacher forcing/i)
    expect(verdictText('zh-CN').verdict(te)).toMatch(/SFT loss为/)
    // The one-late mask is a slip of the loss mask, not of the logits' rows: the alignment check does
    // not turn it into a misaligned model.
    expect(d.runs[0]!.alignment.status).not.toBe('fail')
    expect(d.waterfalls[0]!.bars.find((b) => b.step === 'slicing')!.status).toBe('measured')
  })
})

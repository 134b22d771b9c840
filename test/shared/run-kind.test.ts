/**
 * The diagnosis takes a run's path (SFT or pretraining) by the dataset format the run states, not by
 * which measures its samples carry: a run holding both teacher forcing and `sft` goes the way of its
 * kind. Built on the demo's PyTorch SFT reference (reference-sft.json) and its SFT training log, with a
 * continuation teacher forcing added to every conversation (0.5 nats above its SFT loss) so both paths
 * have their level and the two are told apart by value.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  diagnose,
  gapWaterfall,
  isSftRunOf,
  statedFormat,
  type RunFormat,
  type Waterfall,
} from '../../src/shared/diagnosis'
import { chartRun } from '../../src/shared/charts/run-charts'
import { chartText } from '../../src/shared/charts/text'
import { meansFromResults } from '../../src/shared/diagnosis'
import { parseTrainLog } from '../../src/main/engine/evidence/train-log'
import type { SampleResult } from '../../src/shared/results'
import { readReferenceSft } from '../helpers/reference-sft'

const DEMO = join(__dirname, '../../resources/demo')
const REF = readReferenceSft()
const LOG = parseTrainLog(readFileSync(join(DEMO, 'train_sft.log'), 'utf8'), 'train_sft.log')
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
const SFT = mean(REF.samples.map((s) => s.sft.loss))
const TF = SFT + 0.5

const sftOnly = (s: (typeof REF.samples)[number]): SampleResult => ({
  index: s.index,
  id: `c${s.index}`,
  tokens: s.sft.maskedPositions.length,
  inputLength: 0,
  predictLength: 0,
  sft: { ...s.sft },
})
const BOTH: SampleResult[] = REF.samples.map((s) => ({
  ...sftOnly(s),
  teacherForcing: { loss: s.sft.loss + 0.5, tokenLosses: [s.sft.loss + 0.5], top1: 0 },
}))
const PRETRAIN: SampleResult[] = BOTH.map(({ sft: _sft, ...r }) => r)

function waterfall(results: SampleResult[], format: RunFormat | null): Waterfall {
  return gapWaterfall({
    checkpointId: 'c',
    datasetId: 'd',
    step: 100,
    results,
    trainLog: LOG,
    windowLines: 10,
    reported: null,
    explanation: null,
    format,
  })!
}
const sftRunBars = (w: Waterfall): string[] => w.bars.filter((b) => b.reason === 'sftRun').map((b) => b.step)

describe('statedFormat: the format a run states', () => {
  it("the summary's applied format first, else the requested one; 'auto' says nothing", () => {
    expect(statedFormat({ settings: { format: 'sft' } }, { format: 'auto' })).toBe('sft')
    expect(statedFormat({ settings: { format: 'pretrain' } }, { format: 'sft' })).toBe('pretrain')
    expect(statedFormat(null, { format: 'sft' })).toBe('sft')
    expect(statedFormat({ settings: { format: 'auto' } }, { format: 'auto' })).toBeNull()
    expect(statedFormat({ settings: {} }, undefined)).toBeNull()
  })
})

describe('the waterfall path is the dataset kind, not the measures present', () => {
  it('a stated SFT run carrying teacher forcing too takes the SFT path and ends at the SFT loss', () => {
    const w = waterfall(BOTH, 'sft')
    expect(w.end).toMatchObject({ level: 'sft', n: REF.samples.length })
    expect(w.end.value).toBeCloseTo(SFT, 12)
    expect(sftRunBars(w)).toEqual(['tokenWeighting', 'position', 'bos'])
    expect(w.bars.find((b) => b.step === 'trainingMix')!.to).toMatchObject({ level: 'sft' })
  })

  it('a stated pretraining run carrying `sft` takes the pretraining path and ends at teacher forcing', () => {
    const w = waterfall(BOTH, 'pretrain')
    expect(w.end.level).toBe('teacherForcing')
    expect(w.end.value).toBeCloseTo(TF, 12)
    expect(sftRunBars(w)).toEqual([])
  })

  it('a run that states no format: its samples decide (only the SFT loop writes `sft`)', () => {
    expect(waterfall(BOTH, null).end.level).toBe('sft')
    expect(waterfall(PRETRAIN, null).end.level).toBe('teacherForcing')
    expect(isSftRunOf(null, PRETRAIN)).toBe(false)
    expect(isSftRunOf('sft', PRETRAIN)).toBe(true)
  })

  it('train vs eval and the waterfall follow the run format given to diagnose', () => {
    const run = (format: RunFormat) =>
      diagnose({
        runs: [{ checkpointId: 'c', datasetId: 'd', results: BOTH, format }],
        checkpoints: [{ id: 'c', step: 100 }],
        datasets: [{ id: 'd', fromTraining: true }],
        trainLog: LOG,
        windowLines: 10,
      })
    const sft = run('sft')
    expect(sft.runs[0]!.trainEval[0]!.evalMeasure).toBe('sft')
    expect(sft.runs[0]!.trainEval[0]!.evalLoss).toBeCloseTo(SFT, 12)
    expect(sft.waterfalls[0]!.end.level).toBe('sft')
    const pre = run('pretrain')
    expect(pre.runs[0]!.trainEval[0]!.evalMeasure).toBeUndefined()
    expect(pre.runs[0]!.trainEval[0]!.evalLoss).toBeCloseTo(TF, 12)
    expect(pre.waterfalls[0]!.end.level).toBe('teacherForcing')
  })
})

describe("the run's charts follow the same rule", () => {
  const facts = (format: RunFormat | null) => ({
    results: BOTH,
    means: meansFromResults(BOTH),
    checkpointLabel: 'c',
    datasetLabel: 'd',
    step: 100,
    checkpoint: 0,
    L: null,
    P: null,
    divergenceStep: null,
    format,
  })
  it('a stated SFT run is charted as one though it carries teacher forcing; a stated pretraining run is not', () => {
    expect(chartRun(facts('sft'), chartText('en')).sft).toBe(true)
    expect(chartRun(facts('pretrain'), chartText('en')).sft).toBe(false)
    expect(chartRun(facts(null), chartText('en')).sft).toBe(true)
  })
})

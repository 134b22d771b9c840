/**
 * The gap waterfall: every bar is the difference of the two means it names (to 1e-9), the bars and the
 * residual add up to the distance from the logged line to the end, and nothing missing is estimated.
 * Checked on a synthetic log and sample set whose every step is known by construction, and on the
 * demo's PyTorch reference numbers with its real training log.
 */
import { describe, expect, it } from 'vitest'
import {
  diagnose,
  diagnosisJson,
  explainReportedLoss,
  fmtSignedLoss,
  verdictText,
  candidatesFromMeans,
  gapWaterfall,
  inferBosUsed,
  meansFromResults,
  trainingLossAt,
  waterfallLevels,
  type Waterfall,
  type WaterfallInput,
} from '../../src/shared/diagnosis'
import type { TrainLog } from '../../src/shared/evidence'
import { statedBos, type SampleResult } from '../../src/shared/results'
import { parseTrainLog } from '../../src/main/engine/evidence/train-log'
import { buildReportModel } from '../../src/main/report'
import { inputFromReference } from '../main/report-reference'

const N = 8
// Known per-sample values: trainFormat loss and tokens, continuation teacher forcing (run convention:
// with BOS), the other convention, and the misaligned slice.
const TRAIN = [2.0, 2.2, 1.8, 2.4, 2.1, 1.9, 2.3, 2.05]
const TOKENS = [100, 60, 120, 40, 90, 110, 50, 80]
const TF = TRAIN.map((x, i) => x + 0.3 + 0.01 * i)
const NO_BOS = TF.map((x, i) => x + 0.5 + 0.02 * (i % 3))
const MISALIGNED = TF.map((x, i) => x * 3 + 0.1 * (i % 2))

function sample(i: number): SampleResult {
  return {
    index: i,
    id: `s${i}`,
    tokens: TOKENS[i]! + 1,
    inputLength: 16,
    predictLength: 8,
    teacherForcing: { loss: TF[i]!, tokenLosses: Array(8).fill(TF[i]!), top1: 0.5 },
    keepLastMisaligned: { loss: MISALIGNED[i]! },
    keepLastAligned: { loss: TF[i]! },
    trainFormat: {
      loss: TRAIN[i]!,
      tokens: TOKENS[i]!,
      bytes: TOKENS[i]! * 3,
      bitsPerByte: (TRAIN[i]! * TOKENS[i]!) / (Math.LN2 * TOKENS[i]! * 3),
      positionLosses: Array(TOKENS[i]!).fill(TRAIN[i]!),
    },
    bosBoth: { withBos: TF[i]!, withoutBos: NO_BOS[i]! },
  }
}

const RESULTS = Array.from({ length: N }, (_, i) => sample(i))
// 2026-style log: loss = logits_loss + aux_loss; the window at step 100 holds steps 60..100 (5 lines).
const LOG_TEXT = [
  [10, 5.0, 0.02],
  [60, 2.6, 0.03],
  [70, 2.5, 0.01],
  [80, 2.7, 0.02],
  [90, 2.4, 0.04],
  [100, 2.55, 0.02],
  [110, 2.1, 0.02],
]
  .map(
    ([s, logits, aux]) =>
      `Epoch:[1/1](${s}/200), loss: ${(logits! + aux!).toFixed(4)}, logits_loss: ${logits!.toFixed(4)}, aux_loss: ${aux!.toFixed(4)}, lr: 0.00049000, epoch_time: 1.0min`,
  )
  .join('\n')
const LOG = parseTrainLog(LOG_TEXT, 'train.log')
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length

function build(over: Partial<WaterfallInput> = {}): Waterfall {
  return gapWaterfall({
    checkpointId: 'c',
    datasetId: 'd',
    step: 100,
    results: RESULTS,
    trainLog: LOG,
    windowLines: 5,
    reported: null,
    explanation: null,
    ...over,
  })!
}

function invariants(w: Waterfall): void {
  for (const b of w.bars) {
    if (b.status === 'notMeasured') {
      expect(b.value, b.step).toBeNull()
      expect(b.reason, b.step).not.toBeNull()
      continue
    }
    // Each bar IS the difference of the two means it names.
    expect(Math.abs(b.value! - (b.to!.value - b.from!.value)), b.step).toBeLessThanOrEqual(1e-9)
  }
  const measured = w.bars.filter((b) => b.status === 'measured').reduce((s, b) => s + b.value!, 0)
  expect(Math.abs(w.start.value + measured + w.residual.value - w.end.value)).toBeLessThanOrEqual(1e-9)
  expect(waterfallLevels(w).at(-1)! + w.residual.value).toBeCloseTo(w.end.value, 9)
}

const bar = (w: Waterfall, step: string) => w.bars.find((b) => b.step === step)!

describe('parse-log reads the loss parts of 2026 lines', () => {
  it('logits_loss and aux_loss beside loss; 2025 lines carry neither', () => {
    expect(LOG.format).toBe('minimind-2026')
    expect(LOG.points[1]).toMatchObject({ step: 60, loss: 2.63, logitsLoss: 2.6, auxLoss: 0.03 })
    const old = parseTrainLog('Epoch:[1/1](5/10) loss:3.512 lr:0.000549 epoch_Time:85.0min:', 'x.log')
    expect(old.points[0]!.loss).toBe(3.512)
    expect('logitsLoss' in old.points[0]! || 'auxLoss' in old.points[0]!).toBe(false)
    const csv = parseTrainLog('step,loss,logits_loss,aux_loss\n1,2.5,2.4,0.1\n', 'x.csv')
    expect(csv.points[0]).toMatchObject({ loss: 2.5, logitsLoss: 2.4, auxLoss: 0.1 })
    const jsonl = parseTrainLog('{"step":3,"loss":2.5,"train/aux_loss":0.2}\n', 'x.jsonl')
    expect(jsonl.points[0]).toMatchObject({ loss: 2.5, auxLoss: 0.2 })
  })
})

describe('gap waterfall on a synthetic set whose every step is known', () => {
  it('ends at teacher forcing without a number; each step has its hand-computed value', () => {
    const w = build()
    invariants(w)
    const window = [2.63, 2.51, 2.72, 2.44, 2.57]
    const logits = [2.6, 2.5, 2.7, 2.4, 2.55]
    expect(w.start).toMatchObject({ level: 'loggedLine', value: 2.57 })
    expect(w.end).toMatchObject({ level: 'teacherForcing' })
    expect(w.end.value).toBeCloseTo(mean(TF), 12)
    expect(bar(w, 'logNoise').value).toBeCloseTo(mean(window) - 2.57, 12)
    expect(bar(w, 'logNoise').to!.value).toBeCloseTo(trainingLossAt(LOG, 100, 5)!.mean, 12)
    expect(bar(w, 'auxLoss').value).toBeCloseTo(mean(logits) - mean(window), 12)
    const weighted = TRAIN.reduce((s, x, i) => s + x * TOKENS[i]!, 0) / TOKENS.reduce((a, b) => a + b, 0)
    expect(bar(w, 'trainingMix').value).toBeCloseTo(weighted - mean(logits), 12)
    expect(bar(w, 'tokenWeighting').value).toBeCloseTo(mean(TRAIN) - weighted, 12)
    expect(bar(w, 'position').value).toBeCloseTo(mean(TF) - mean(TRAIN), 12)
    // Without a number there is no slicing step, and the other convention is measured but aside.
    expect(bar(w, 'slicing')).toMatchObject({ status: 'notMeasured', reason: 'noReported' })
    expect(bar(w, 'bos')).toMatchObject({ status: 'aside', reason: 'runConvention' })
    expect(bar(w, 'bos').value).toBeCloseTo(mean(NO_BOS) - mean(TF), 12)
    expect(w.bosUsed).toBe('yes')
    // Every step from the log to teacher forcing is measured: nothing is left over.
    expect(Math.abs(w.residual.value)).toBeLessThan(1e-12)
  })

  it('matches the stored means of the engine summary (meansFromResults) to 1e-9', () => {
    const w = build()
    const m = meansFromResults(RESULTS) as Record<string, number | undefined>
    expect(Math.abs(bar(w, 'position').to!.value - m.teacherForcing!)).toBeLessThanOrEqual(1e-9)
    // Summary means the gap engine adds (trainFormat, trainFormatTokenWeighted): checked when present.
    if (m.trainFormat !== undefined) {
      expect(Math.abs(bar(w, 'position').from!.value - m.trainFormat)).toBeLessThanOrEqual(1e-9)
      expect(
        Math.abs(bar(w, 'tokenWeighting').from!.value - m.trainFormatTokenWeighted!),
      ).toBeLessThanOrEqual(1e-9)
    }
  })

  it("the script's misaligned slice is the last step; the residual is exactly what it leaves", () => {
    const reported = mean(MISALIGNED) + 0.04
    const candidates = candidatesFromMeans(meansFromResults(RESULTS), { checkpointId: 'c', datasetId: 'd' })
    const explanation = explainReportedLoss(reported, candidates)
    expect(explanation.match?.measure).toBe('keepLastMisaligned')
    const w = build({ reported, explanation })
    invariants(w)
    expect(w.end).toMatchObject({ level: 'reported', value: reported })
    expect(bar(w, 'slicing')).toMatchObject({ status: 'measured', to: { level: 'keepLastMisaligned' } })
    expect(bar(w, 'slicing').value).toBeCloseTo(mean(MISALIGNED) - mean(TF), 12)
    expect(w.residual.value).toBeCloseTo(0.04, 12)
    // The paired standard error of the slicing step is that of the per-sample differences.
    const d = MISALIGNED.map((x, i) => x - TF[i]!)
    const sd = Math.sqrt(d.reduce((s, x) => s + (x - mean(d)) ** 2, 0) / (N - 1))
    expect(bar(w, 'slicing').stderr).toBeCloseTo(sd / Math.sqrt(N), 12)
  })

  it('a number reproduced only without BOS puts the BOS step on the path', () => {
    const reported = mean(NO_BOS) + 0.01
    const explanation = explainReportedLoss(
      reported,
      candidatesFromMeans(meansFromResults(RESULTS), { checkpointId: 'c', datasetId: 'd' }),
    )
    expect(explanation.status).toBe('noMatch')
    const w = build({ reported, explanation })
    invariants(w)
    expect(bar(w, 'bos')).toMatchObject({ status: 'measured', from: { level: 'bosBothWithBos' } })
    expect(bar(w, 'slicing')).toMatchObject({ status: 'notMeasured', reason: 'otherConvention' })
    expect(w.residual.value).toBeCloseTo(0.01, 12)
  })

  it("a number that is the samples' training-format loss ends the path there", () => {
    const reported = mean(TRAIN) + 0.01
    const explanation = explainReportedLoss(
      reported,
      candidatesFromMeans(meansFromResults(RESULTS), { checkpointId: 'c', datasetId: 'd' }),
    )
    expect(explanation.status).toBe('noMatch')
    const w = build({ reported, explanation })
    invariants(w)
    expect(bar(w, 'tokenWeighting').status).toBe('measured')
    for (const s of ['position', 'bos']) {
      expect(bar(w, s)).toMatchObject({ status: 'aside', reason: 'numberIsTrainFormat' })
    }
    expect(bar(w, 'slicing')).toMatchObject({ status: 'notMeasured', reason: 'numberIsTrainFormat' })
    expect(w.residual.value).toBeCloseTo(0.01, 12)
  })

  it('missing measures are named, never estimated: the residual holds their share', () => {
    const bare = RESULTS.map(({ trainFormat: _t, bosBoth: _b, ...r }) => r)
    const w = build({ results: bare })
    invariants(w)
    for (const s of ['tokenWeighting', 'position']) {
      expect(bar(w, s)).toMatchObject({ status: 'notMeasured', reason: 'noTrainFormat' })
    }
    expect(bar(w, 'trainingMix').reason).toBe('noTrainFormat')
    expect(bar(w, 'bos').reason).toBe('noBosBoth')
    // The residual is everything from the logits window mean to teacher forcing.
    expect(w.residual.value).toBeCloseTo(mean(TF) - mean([2.6, 2.5, 2.7, 2.4, 2.55]), 12)
    const oldLog: TrainLog = { ...LOG, points: LOG.points.map(({ logitsLoss: _l, auxLoss: _a, ...p }) => p) }
    expect(bar(build({ trainLog: oldLog }), 'auxLoss')).toMatchObject({ reason: 'noAuxInLog' })
    const noLog = build({ trainLog: null })
    invariants(noLog)
    expect(noLog.start.level).toBe('trainFormatTokenWeighted')
    expect(bar(noLog, 'logNoise').reason).toBe('noLog')
    expect(bar(build({ step: null }), 'logNoise').reason).toBe('noStep')
    expect(bar(build({ step: 5 }), 'logNoise').reason).toBe('noLogAtStep')
  })

  it('log noise: one line against the window mean, with the spread of a single line', () => {
    const w = build()
    const window = [2.63, 2.51, 2.72, 2.44, 2.57]
    const sd = Math.sqrt(window.reduce((s, x) => s + (x - mean(window)) ** 2, 0) / 4)
    expect(bar(w, 'logNoise').sd).toBeCloseTo(sd, 12)
    expect(bar(w, 'logNoise').stderr).toBeCloseTo(sd * Math.sqrt(4 / 5), 12)
  })

  it('the convention teacher forcing used is read off bosBoth when the run does not say', () => {
    expect(inferBosUsed(RESULTS)).toBe('yes')
    const flipped = RESULTS.map((r) => ({
      ...r,
      bosBoth: { withBos: r.bosBoth!.withoutBos, withoutBos: r.bosBoth!.withBos },
    }))
    expect(inferBosUsed(flipped)).toBe('no')
    expect(inferBosUsed(RESULTS, 'no')).toBe('no')
  })
})

describe('waterfall wording and JSON', () => {
  const reported = mean(MISALIGNED) + 0.04
  const w = build({
    reported,
    explanation: explainReportedLoss(
      reported,
      candidatesFromMeans(meansFromResults(RESULTS), { checkpointId: 'c', datasetId: 'd' }),
    ),
  })
  for (const lang of ['en', 'zh-CN'] as const) {
    it(`${lang}: every bar has a method and a result that prints its own numbers`, () => {
      const t = verdictText(lang).waterfall
      for (const b of w.bars) {
        expect(t.method(b.step, w).length).toBeGreaterThan(20)
        const r = t.result(b, w)
        if (b.status !== 'notMeasured') {
          expect(r).toContain(fmtSignedLoss(b.value))
          expect(r).toContain(`± ${b.stderr!.toFixed(3)}`)
        }
        expect(r).not.toMatch(/undefined|NaN|null/)
      }
      expect(t.residual(w)).toContain(fmtSignedLoss(w.residual.value))
      expect(t.summary(w)).toContain(fmtSignedLoss(w.end.value - w.start.value))
      if (lang === 'zh-CN') {
        // Full-width punctuation in Chinese prose: no ASCII comma, colon or full stop after a CJK character.
        for (const text of [...w.bars.map((b) => t.result(b, w)), t.residual(w), t.summary(w)]) {
          expect(text).not.toMatch(/[\u4e00-\u9fff][,:;.]/)
        }
      }
    })
  }

  it('diagnosisJson carries each waterfall with bars that add up', () => {
    const d = diagnose({
      runs: [{ checkpointId: 'c', datasetId: 'd', results: RESULTS }],
      checkpoints: [{ id: 'c', step: 100 }],
      datasets: [{ id: 'd', fromTraining: true }],
      trainLog: LOG,
      windowLines: 5,
      reportedLoss: reported,
    })
    const json = diagnosisJson(d, () => '')
    expect(json.waterfalls).toHaveLength(1)
    const j = json.waterfalls[0]!
    expect(j).toMatchObject({ checkpoint: 'c', dataset: 'd', step: 100, bosUsed: 'yes' })
    expect(j.bars.map((b) => b.step)).toEqual([
      'logNoise',
      'auxLoss',
      'trainingMix',
      'tokenWeighting',
      'position',
      'bos',
      'slicing',
    ])
    const added = j.bars.filter((b) => b.status === 'measured').reduce((s, b) => s + b.value!, 0)
    expect(Math.abs(j.start.value + added + j.residual.value - j.end.value)).toBeLessThanOrEqual(1e-9)
    expect(j.residual.value).toBeCloseTo(0.04, 12)
    expect(JSON.parse(JSON.stringify(json)).waterfalls).toEqual(json.waterfalls)
  })
})

describe('gap waterfall on the demo (PyTorch reference numbers, its real training log)', () => {
  it("from the logged line at the checkpoint's step to the user's misaligned number", async () => {
    const plain = await inputFromReference()
    const headline = buildReportModel(plain, { fileBase: 'x' }).primary
    const reported = Math.round(headline.means.keepLastMisaligned! * 100) / 100
    const input = await inputFromReference({ reportedLoss: reported })
    const model = buildReportModel(input, { fileBase: 'x' })
    const d = model.diagnosis
    expect(d.waterfalls.length).toBe(d.conclusions.length)
    const w = d.waterfalls.find(
      (x) => x.checkpointId === model.primary.checkpoint.id && x.datasetId === model.primary.dataset.id,
    )!
    invariants(w)
    expect(w.start.level).toBe('loggedLine')
    const ref = trainingLossAt(input.trainLog!, model.primary.step!, d.windowLines)!
    expect(Math.abs(bar(w, 'logNoise').to!.value - ref.mean)).toBeLessThanOrEqual(1e-9)
    expect(w.end).toMatchObject({ level: 'reported', value: reported })
    const means = model.primary.means
    const slicing = bar(w, 'slicing')
    expect(slicing.status).toBe('measured')
    expect(Math.abs(slicing.from!.value - means.teacherForcing!)).toBeLessThanOrEqual(1e-9)
    expect(Math.abs(slicing.to!.value - means.keepLastMisaligned!)).toBeLessThanOrEqual(1e-9)
    // The demo's 2025-style log has no aux_loss, and the reference has no trainFormat yet: named, not filled.
    expect(bar(w, 'auxLoss').reason).toBe('noAuxInLog')
    expect(['noTrainFormat', null]).toContain(bar(w, 'position').reason)
    // The other datasets' waterfalls end at their own teacher forcing.
    for (const other of d.waterfalls.filter((x) => x !== w)) {
      invariants(other)
      expect(other.end.level).toBe('teacherForcing')
    }
    // The same waterfall whichever way the diagnosis is reached.
    const again = diagnose({
      runs: model.runs.map((r) => ({
        checkpointId: r.checkpoint.id,
        datasetId: r.dataset.id,
        results: r.stored.results,
        bosUsed: statedBos(r.stored.summary, r.stored.run.settings),
      })),
      checkpoints: input.experiment.checkpoints,
      datasets: input.experiment.datasets,
      trainLog: input.trainLog,
      reportedLoss: reported,
      primary: { checkpointId: model.primary.checkpoint.id, datasetId: model.primary.dataset.id },
    })
    expect(
      again.waterfalls.find((x) => x.datasetId === w.datasetId && x.checkpointId === w.checkpointId),
    ).toEqual(w)
  })
})

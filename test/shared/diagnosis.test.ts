/**
 * The diagnosis on synthetic runs whose every number is known: each verdict's status at the edges of
 * its thresholds and noise band, the step-aware training reference, dataset kinds, trajectories and the
 * version-1 JSON. The demo's verdict matrix lives in test/main/verdict-matrix.test.ts.
 */
import { describe, expect, it } from 'vitest'
import {
  THRESHOLDS,
  crossingStep,
  diagnose,
  diagnoseAlignment,
  diagnoseData,
  diagnoseKvCache,
  diagnoseMode,
  diagnoseTrainEval,
  diagnoseWeights,
  diagnosisJson,
  explainReportedLoss,
  explainVerdict,
  meansFromResults,
  orderCheckpoints,
  trainingLossAt,
  verdictText,
  verdictsOf,
  type Verdict,
} from '../../src/shared/diagnosis'
import type { DataConsistency, TrainLog, WeightReport } from '../../src/shared/evidence'
import type { SampleResult } from '../../src/shared/results'
import { estimate, pairedDifference, samplesToDecide, separation } from '../../src/shared/stats'

const SUBJECT = { checkpointId: 'c', datasetId: 'd' }

function consistency(total: number, found: number): DataConsistency {
  return {
    evalPath: 'eval.json',
    trainPath: 'train.jsonl',
    total,
    found,
    foundNormalized: found,
    foundSubstring: found,
    notFound: Array.from({ length: total - found }, (_, i) => ({ index: found + i, preview: 'x' })),
    trainRows: 1000,
    bytesScanned: 1e6,
  }
}

function weights(matched: number, total: number, extra: Partial<WeightReport> = {}): WeightReport {
  return {
    checkpointPath: 'a.pth',
    modelPath: 'a.onnx',
    matched,
    total,
    maxAbsDiff: 0,
    unmatchedCheckpoint: [],
    unmatchedModel: [],
    mismatched: [],
    matches: [],
    tolerance: 1e-3,
    ...extra,
  }
}

/** A log whose loss at step s is `at(s)`, one line every `every` steps up to `last`. */
function log(at: (step: number) => number, last = 1000, every = 10): TrainLog {
  const points = []
  for (let s = every; s <= last; s += every) points.push({ step: s, epoch: 1, loss: at(s), lr: null })
  return {
    path: 'train.log',
    format: 'minimind-2025',
    steps: points.length,
    trailingMean: null,
    tail: 10,
    unparsedLines: [],
    points,
    caveat: 'one micro-batch',
  }
}

/** Alternating ±spread around a value: a mean of exactly `value` for an even count, sd ≈ spread. */
const around = (value: number, spread: number, n: number): number[] =>
  Array.from({ length: n }, (_, i) => value + (i % 2 === 0 ? spread : -spread))

interface SampleSpec {
  tf?: number
  mis?: number
  aligned?: number
  sweep?: Partial<Record<'-2' | '-1' | '0' | '1' | '2', number>>
  ar?: number
}

function results(specs: SampleSpec[]): SampleResult[] {
  return specs.map((s, index) => ({
    index,
    id: `s${index}`,
    tokens: 100,
    inputLength: 64,
    predictLength: 30,
    ...(s.tf !== undefined ? { teacherForcing: { loss: s.tf, tokenLosses: [s.tf], top1: 0.5 } } : {}),
    ...(s.mis !== undefined ? { keepLastMisaligned: { loss: s.mis } } : {}),
    ...(s.aligned !== undefined ? { keepLastAligned: { loss: s.aligned } } : {}),
    ...(s.sweep ? { offsetSweep: s.sweep } : {}),
    ...(s.ar !== undefined
      ? {
          autoregressive: {
            loss: s.ar,
            stepLosses: [s.ar],
            generatedIds: [1],
            generatedText: 'x',
            usedKvCache: true,
          },
        }
      : {}),
  }))
}

/** n samples whose sweep is `sweep` plus a per-sample offset (the same on every shift: paired noise cancels). */
function sweepRun(
  sweep: Record<'-2' | '-1' | '0' | '1' | '2', number>,
  n = 20,
  spread = 0.3,
): SampleResult[] {
  return results(
    Array.from({ length: n }, (_, i) => {
      const o = (i % 2 === 0 ? 1 : -1) * spread
      const s = Object.fromEntries(Object.entries(sweep).map(([k, v]) => [k, v + o]))
      return { tf: sweep['0'] + o, aligned: sweep['0'] + o, mis: sweep['1'] + o, sweep: s }
    }),
  )
}

const alignmentOf = (r: SampleResult[], trainLoss: number | null = null) =>
  diagnoseAlignment(r, meansFromResults(r), SUBJECT, { trainLoss })

describe('statistics', () => {
  it('gives the mean, the sample sd (n - 1) and sd/√n', () => {
    const e = estimate([1, 2, 3, 4])!
    expect(e.mean).toBe(2.5)
    expect(e.sd).toBeCloseTo(Math.sqrt(5 / 3), 12)
    expect(e.stderr).toBeCloseTo(Math.sqrt(5 / 3) / 2, 12)
    expect(estimate([7])).toEqual({ mean: 7, sd: null, stderr: null, n: 1 })
    expect(estimate([])).toBeNull()
  })
  it('pairs differences by key, so a constant per-sample offset cancels', () => {
    const before = new Map([
      ['a', 1],
      ['b', 5],
      ['c', 9],
    ])
    const after = new Map([
      ['a', 1.5],
      ['b', 5.5],
      ['c', 9.5],
      ['z', 100],
    ])
    const d = pairedDifference(before, after)!
    expect(d.mean).toBeCloseTo(0.5, 12)
    expect(d.n).toBe(3)
    expect(d.stderr).toBeCloseTo(0, 12)
  })
  it('separates a difference by a minimum effect and a noise band', () => {
    expect(separation(0.05, 0.001, 0.1, 2)).toBe('within')
    expect(separation(0.3, 0.1, 0.1, 2)).toBe('above')
    expect(separation(-0.3, 0.1, 0.1, 2)).toBe('below')
    expect(separation(0.3, 0.2, 0.1, 2)).toBe('unclear')
    expect(separation(0.3, null, 0.1, 2)).toBe('unclear')
    // 2 standard errors of 0.2 need (2*0.2/0.3)^2 = 1.78 times the samples.
    expect(samplesToDecide(0.3, 0.2, 20, 2)).toBe(Math.ceil(20 * (0.4 / 0.3) ** 2))
  })
})

describe('training loss at a checkpoint step', () => {
  const l = log((s) => 10 - s / 200, 1000, 10)
  it('averages the lines up to the step, never after it', () => {
    const t = trainingLossAt(l, 500, 5)!
    expect(t.lines).toBe(5)
    expect(t.fromStep).toBe(460)
    expect(t.toStep).toBe(500)
    expect(t.mean).toBeCloseTo(10 - 480 / 200, 12)
  })
  it('takes fewer lines near the start, none before the first', () => {
    expect(trainingLossAt(l, 25, 50)!.lines).toBe(2)
    expect(trainingLossAt(l, 5, 50)).toBeNull()
  })
  it('finds where the smoothed curve comes down to a loss', () => {
    const c = crossingStep(l, 7, 1)
    expect(c).toBe(600)
    expect(crossingStep(l, 0.1)).toBeNull()
    expect(crossingStep(l, 20)).toBe('before')
  })
})

describe('data verdict and dataset kinds', () => {
  it('is not measured without a check, keeping what the user claimed', () => {
    const v = diagnoseData(undefined, { id: 'd', fromTraining: true })
    expect([v.status, v.kind, v.claimedKind]).toEqual(['notMeasured', 'fromTraining', 'fromTraining'])
    expect(diagnoseData(undefined, {}).claimedKind).toBe('unknown')
  })
  it('passes a training-drawn set, confirms a held-out one, reports a mixed one', () => {
    expect(diagnoseData(consistency(20, 20), { datasetKind: 'fromTraining' })).toMatchObject({
      status: 'pass',
      reason: 'allFound',
      kind: 'fromTraining',
    })
    for (const claim of [{}, { datasetKind: 'heldOut' as const }]) {
      expect(diagnoseData(consistency(10, 0), claim)).toMatchObject({
        status: 'expected',
        reason: 'confirmedHeldOut',
        kind: 'heldOut',
      })
    }
    expect(diagnoseData(consistency(10, 4))).toMatchObject({
      status: 'expected',
      reason: 'mixed',
      kind: 'mixed',
    })
  })
  it('fails a claim the check contradicts, in both directions', () => {
    // Old files' fromTraining: true is a claim too.
    expect(diagnoseData(consistency(20, 19), { fromTraining: true })).toMatchObject({
      status: 'fail',
      reason: 'claimedNotFound',
    })
    expect(diagnoseData(consistency(20, 0), { datasetKind: 'fromTraining' }).status).toBe('fail')
    expect(diagnoseData(consistency(20, 2), { datasetKind: 'heldOut' })).toMatchObject({
      status: 'fail',
      reason: 'heldOutFound',
    })
  })
})

describe('weights and KV cache verdicts', () => {
  it('passes at all tensors matched, fails one short', () => {
    expect(diagnoseWeights(weights(74, 74), 'c').status).toBe('pass')
    expect(diagnoseWeights(weights(73, 74), 'c').status).toBe('fail')
    expect(diagnoseWeights(undefined).status).toBe('notMeasured')
  })
  it('holds the KV cache to its tolerance and top-1 agreement', () => {
    const at = (d: number, t: number) =>
      diagnoseKvCache({ kvCacheMaxAbsDiff: d, kvCacheTop1Agreement: t }, SUBJECT).status
    expect(at(THRESHOLDS.kvMaxAbsDiff, 1)).toBe('pass')
    expect(at(THRESHOLDS.kvMaxAbsDiff * 1.01, 1)).toBe('fail')
    expect(at(0, THRESHOLDS.kvTop1Agreement - 0.001)).toBe('fail')
    expect(diagnoseKvCache({}, SUBJECT, { hasKvCache: false }).reason).toBe('noCache')
  })
})

describe('train/infer mode verdict', () => {
  const r = results(Array.from({ length: 10 }, (_, i) => ({ tf: 2 + (i % 2) * 0.2, ar: 9 + (i % 3) * 0.1 })))
  it('calls autoregressive above teacher forcing exposure bias: expected, with a paired uncertainty', () => {
    const v = diagnoseMode(r, meansFromResults(r), SUBJECT)
    expect(v.status).toBe('expected')
    expect(v.reason).toBe('expected')
    const d = pairedDifference(
      new Map(r.map((x) => [x.id, x.teacherForcing!.loss])),
      new Map(r.map((x) => [x.id, x.autoregressive!.loss])),
    )!
    expect(v.uncertainty).toBeCloseTo(d.stderr!, 12)
  })
  it('fails only when the reported number is this run’s autoregressive loss', () => {
    const m = meansFromResults(r)
    const e = explainReportedLoss(m.autoregressive!, [
      { measure: 'autoregressive', value: m.autoregressive!, ...SUBJECT },
    ])
    expect(diagnoseMode(r, m, SUBJECT, e).status).toBe('fail')
    expect(diagnoseMode(r, m, { checkpointId: 'other', datasetId: 'd' }, e).status).toBe('expected')
  })
  it('passes when AR never parts from TF', () => {
    const flat = results([
      { tf: 2, ar: 2.1 },
      { tf: 2, ar: 2.2 },
    ])
    expect(diagnoseMode(flat, meansFromResults(flat), SUBJECT).status).toBe('pass')
  })
})

describe('alignment verdict', () => {
  const healthy = { '-2': 9.7, '-1': 8.96, '0': 2.12, '1': 8.42, '2': 9.74 }
  it('passes a trained model whose sweep is lowest at 0, with the margin and its uncertainty', () => {
    const v = alignmentOf(sweepRun(healthy), 2.3)
    expect(v.status).toBe('pass')
    expect(v.reason).toBe('minimumAtZero')
    expect(v.figure).toBeCloseTo(8.42 - 2.12, 9)
    expect(v.uncertainty).toBeCloseTo(0, 9)
  })
  it('is inconclusive, not a fail, for an under-trained model whose +1 row leaks its target', () => {
    // Near the no-context level: the rows behind +1 are only 0.6 nats worse.
    const v = alignmentOf(sweepRun({ '-2': 7.0, '-1': 6.9, '0': 6.6, '1': 6.4, '2': 7.0 }), 6.5)
    expect(v.status).toBe('inconclusive')
    expect(v.reason).toBe('tooLittleLearned')
    expect(v.learnedDepth).toBeCloseTo(0.6, 9)
    expect(v.argminShift).toBe(1)
  })
  it('fails an export whose rows are one position late, with the offset that fixes it', () => {
    // The demo's final model with its logits moved one row later: every shift moves by one.
    const shifted = { '-2': 9.8, '-1': 9.7, '0': 8.96, '1': 2.12, '2': 8.42 }
    const v = alignmentOf(sweepRun(shifted), 2.3)
    expect(v.status).toBe('fail')
    expect(v.reason).toBe('rowsShifted')
    expect(v.rowOffset).toBe(1)
    expect(v.dip).toBeCloseTo(8.96 - 2.12, 9)
    // Without a training log the sweep's shape alone decides it.
    expect(alignmentOf(sweepRun(shifted)).status).toBe('fail')
  })
  it('fails rows one position early too', () => {
    const v = alignmentOf(sweepRun({ '-2': 8.4, '-1': 2.1, '0': 8.9, '1': 9.7, '2': 9.8 }))
    expect(v).toMatchObject({ status: 'fail', rowOffset: -1 })
  })
  it('calls a wide +1 dip leakage when shift 0 already reproduces the training loss', () => {
    const v = alignmentOf(sweepRun({ '-2': 9, '-1': 8, '0': 3.0, '1': 1.5, '2': 8 }), 3.0)
    expect(v).toMatchObject({ status: 'inconclusive', reason: 'leakage' })
  })
  it('is inconclusive when the dip is within the noise band', () => {
    // Dip 1.2 nats, but the per-sample dips scatter by ±3: two standard errors ≈ 1.4.
    const r = results(
      Array.from({ length: 20 }, (_, i) => {
        const e = i % 2 === 0 ? 3 : -3
        return { tf: 8, sweep: { '-2': 9.9, '-1': 9.8, '0': 8 + e, '1': 6.8, '2': 9 } }
      }),
    )
    expect(alignmentOf(r)).toMatchObject({ status: 'inconclusive', reason: 'withinNoise' })
  })
  it('fails when logits_to_keep=P+1 does not reproduce teacher forcing', () => {
    const r = results([
      { tf: 2, aligned: 2.5 },
      { tf: 2, aligned: 2.5 },
    ])
    expect(alignmentOf(r)).toMatchObject({ status: 'fail', reason: 'keepLastDiffers' })
  })
  it('fails the script, not the model, when the reported number is a shifted slice', () => {
    const r = sweepRun(healthy)
    const m = meansFromResults(r)
    const e = explainReportedLoss(m.keepLastMisaligned!, [
      { measure: 'keepLastMisaligned', value: m.keepLastMisaligned!, ...SUBJECT },
    ])
    const v = diagnoseAlignment(r, m, SUBJECT, { explanation: e })
    expect(v).toMatchObject({ status: 'fail', reason: 'explainsReported', reportedShift: 1, argminShift: 0 })
  })
})

describe('train vs eval verdict', () => {
  const l = log((s) => (s <= 250 ? 6 - (s / 250) * 1.2 : 4.8 - ((s - 250) / 586) * 2.5), 840, 5)
  const run = (value: number, spread = 0.2, n = 20) => results(around(value, spread, n).map((tf) => ({ tf })))
  const te = (r: SampleResult[], kind: 'fromTraining' | 'heldOut' | 'unknown', step: number | null = 836) =>
    diagnoseTrainEval({ results: r, subject: SUBJECT, kind, step, trainLog: l })

  it('compares an early checkpoint with the log at its step, not with the end of training', () => {
    const at250 = trainingLossAt(l, 250)!.mean
    const v = te(run(at250 * 1.02), 'fromTraining', 250)
    expect(v.status).toBe('pass')
    expect(v.trainLoss).toBeCloseTo(at250, 12)
    expect(v.training!.toStep).toBe(250)
    expect(v.training!.lines).toBe(50)
  })
  it('fails eval above training beyond noise on training-drawn samples', () => {
    const train = trainingLossAt(l, 836)!.mean
    const v = te(run(train * 1.3), 'fromTraining')
    expect(v).toMatchObject({ status: 'fail', reason: 'above' })
    expect(v.uncertainty).toBeGreaterThan(0)
    expect(v.figure).toBeCloseTo(0.3, 9)
  })
  it('calls eval below training expected on trained samples, never a fail', () => {
    const train = trainingLossAt(l, 836)!.mean
    expect(te(run(train * 0.85), 'fromTraining')).toMatchObject({ status: 'expected', reason: 'below' })
  })
  it('is inconclusive when a difference beyond 10% is inside the noise band, and says how many samples would decide', () => {
    const train = trainingLossAt(l, 836)!.mean
    const v = te(run(train * 1.15, 2.5, 10), 'fromTraining')
    expect(v).toMatchObject({ status: 'inconclusive', reason: 'noisy' })
    expect(v.samplesToDecide).toBeGreaterThan(10)
  })
  it('calls a held-out set’s gap the generalisation gap, and is inconclusive on a set of unknown kind', () => {
    const train = trainingLossAt(l, 836)!.mean
    expect(te(run(train * 2), 'heldOut')).toMatchObject({ status: 'expected', reason: 'generalisation' })
    expect(te(run(train * 2), 'unknown')).toMatchObject({ status: 'inconclusive', reason: 'unknownKind' })
  })
  it('gives no verdict without the checkpoint’s step, only where the curve meets the eval loss', () => {
    const v = te(run(4.8), 'fromTraining', null)
    expect(v.status).toBe('inconclusive')
    expect(v.reason).toBe('noStep')
    expect(typeof v.crossingStep).toBe('number')
    expect(v.trainLoss).toBeNull()
  })
  it('is not measured before the log starts or without a log', () => {
    expect(te(run(3), 'fromTraining', 1).reason).toBe('noLogAtStep')
    expect(diagnoseTrainEval({ results: run(3), subject: SUBJECT, kind: 'unknown', step: 5 }).reason).toBe(
      'noTrainLoss',
    )
  })
})

describe('diagnose', () => {
  const l = log(() => 2.3, 900, 10)
  const tfRun = (value: number, n = 10, spread = 0.05) =>
    results(around(value, spread, n).map((tf) => ({ tf })))

  it('orders checkpoints by step and states regressions beyond noise between consecutive ones', () => {
    const d = diagnose({
      runs: [
        { checkpointId: 'final', datasetId: 'ood', results: tfRun(6.4) },
        { checkpointId: 'early', datasetId: 'ood', results: tfRun(6.0) },
        { checkpointId: 'mid', datasetId: 'ood', results: tfRun(6.02) },
        { checkpointId: 'final', datasetId: 'train', results: tfRun(2.2) },
        { checkpointId: 'early', datasetId: 'train', results: tfRun(4.0) },
      ],
      checkpoints: [
        { id: 'final', step: 900 },
        { id: 'early', step: 250 },
        { id: 'mid', step: 500 },
      ],
      datasets: [
        { id: 'train', datasetKind: 'fromTraining' },
        { id: 'ood', datasetKind: 'heldOut' },
      ],
      trainLog: l,
    })
    expect(
      orderCheckpoints([
        { id: 'a', step: 9 },
        { id: 'b', step: 1 },
      ]).map((c) => c.id),
    ).toEqual(['b', 'a'])
    const ood = d.trajectories.find((t) => t.datasetId === 'ood')!
    expect(ood.points.map((p) => p.checkpointId)).toEqual(['early', 'mid', 'final'])
    const tf = ood.changes.filter((c) => c.measure === 'teacherForcing')
    expect(tf.map((c) => [c.from, c.to, c.status])).toEqual([
      ['early', 'mid', 'withinNoise'],
      ['mid', 'final', 'regression'],
    ])
    expect(tf[1]!.delta).toBeCloseTo(0.38, 9)
    // The training set's trajectory skips mid (no run there): early -> final, an improvement.
    const train = d.trajectories.find((t) => t.datasetId === 'train')!
    expect(train.changes[0]).toMatchObject({ from: 'early', to: 'final', status: 'improvement' })
    // One headline per dataset: its latest checkpoint.
    expect(d.conclusions.map((c) => [c.datasetId, c.checkpointId, c.cause])).toEqual([
      ['train', 'final', 'none'],
      ['ood', 'final', 'generalisation'],
    ])
    expect(d.conclusions[1]!.regressions).toHaveLength(1)
    const json = diagnosisJson(d, (c) =>
      verdictText('en').conclusion(c, { checkpoint: (x) => x, dataset: (x) => x }),
    )
    expect(json.version).toBe(1)
    expect(json.regressions).toEqual([
      {
        dataset: 'ood',
        measure: 'teacherForcing',
        from: 'mid',
        to: 'final',
        delta: tf[1]!.delta,
        stderr: tf[1]!.stderr,
      },
    ])
    expect(json.runs.find((r) => r.checkpoint === 'early' && r.dataset === 'train')).toEqual({
      runId: null,
      checkpoint: 'early',
      step: 250,
      dataset: 'train',
      datasetKind: 'fromTraining',
    })
    expect(json.verdicts).toHaveLength(verdictsOf(d).length)
    expect(json.conclusions[1]!.text).toMatch(/final is worse than mid on ood/)
  })

  it('calls a rising autoregressive loss beside a better teacher forcing a sharper model, not a regression', () => {
    const run = (tf: number, ar: number) =>
      results(around(tf, 0.05, 10).map((x, i) => ({ tf: x, ar: ar + (i % 2) * 0.1 })))
    const d = diagnose({
      runs: [
        { checkpointId: 'early', datasetId: 't', results: run(4.8, 7.9) },
        { checkpointId: 'final', datasetId: 't', results: run(2.1, 9.2) },
      ],
      checkpoints: [
        { id: 'early', step: 250 },
        { id: 'final', step: 836 },
      ],
      datasets: [{ id: 't', datasetKind: 'fromTraining' }],
    })
    const changes = d.trajectories[0]!.changes
    expect(changes.map((c) => [c.measure, c.status])).toEqual([
      ['teacherForcing', 'improvement'],
      ['autoregressive', 'sharperModel'],
    ])
    expect(d.conclusions[0]!.regressions).toEqual([])
    expect(verdictText('en').change(changes[1]!, { checkpoint: (x) => x, dataset: (x) => x })).toMatch(
      /exposure bias/,
    )
  })

  it('keeps a checkpoint of unknown step out of the comparisons and the headline while others have steps', () => {
    const d = diagnose({
      runs: [
        { checkpointId: 'early', datasetId: 't', results: tfRun(4.8) },
        { checkpointId: 'final', datasetId: 't', results: tfRun(2.1) },
        { checkpointId: 'nostep', datasetId: 't', results: tfRun(3.9) },
      ],
      checkpoints: [{ id: 'early', step: 250 }, { id: 'final', step: 836 }, { id: 'nostep' }],
      datasets: [{ id: 't', datasetKind: 'fromTraining' }],
      trainLog: l,
    })
    expect(d.trajectories[0]!.points.map((p) => p.checkpointId)).toEqual(['early', 'final', 'nostep'])
    expect(d.trajectories[0]!.changes.map((c) => [c.from, c.to])).toEqual([['early', 'final']])
    expect(d.conclusions.map((c) => c.checkpointId)).toEqual(['final'])
    expect(d.runs.find((r) => r.checkpointId === 'nostep')!.trainEval[0]).toMatchObject({ reason: 'noStep' })
  })

  it('guesses a step only from samples drawn from training, and says when the log ends before the step', () => {
    const noStep = (kind: 'fromTraining' | 'heldOut') =>
      diagnoseTrainEval({ results: tfRun(2.3), subject: SUBJECT, kind, step: null, trainLog: l })
    expect(noStep('fromTraining').crossingStep).not.toBeNull()
    expect(noStep('heldOut').crossingStep).toBeNull()
    expect(verdictText('en').verdict(noStep('heldOut'))).toMatch(/cannot tell which step/)
    const late = diagnoseTrainEval({
      results: tfRun(2.3),
      subject: SUBJECT,
      kind: 'fromTraining',
      step: 1200,
      trainLog: l,
    })
    expect(late.logEndsAt).toBe(900)
    expect(verdictText('en').verdict(late)).toMatch(/log ends at step 900/)
    // Within one logging interval of the last line (the log's median step gap) there is no note.
    const gap = l.points[l.points.length - 1]!.step - l.points[l.points.length - 2]!.step
    const justAfter = diagnoseTrainEval({
      results: tfRun(2.3),
      subject: SUBJECT,
      kind: 'fromTraining',
      step: 900 + gap - 1,
      trainLog: l,
    })
    expect(justAfter.logEndsAt).toBeNull()
  })

  it('never compares two exports of the same step as stages of training, and answers for each', () => {
    const d = diagnose({
      runs: [
        { checkpointId: 'early', datasetId: 't', results: tfRun(4.8) },
        { checkpointId: 'final', datasetId: 't', results: tfRun(2.1) },
        { checkpointId: 'shifted', datasetId: 't', results: tfRun(9.0) },
      ],
      checkpoints: [
        { id: 'early', step: 250 },
        { id: 'final', step: 836 },
        { id: 'shifted', step: 836 },
      ],
      datasets: [{ id: 't', datasetKind: 'fromTraining' }],
      trainLog: l,
    })
    expect(d.trajectories[0]!.changes.map((c) => [c.from, c.to])).toEqual([
      ['early', 'final'],
      ['early', 'shifted'],
    ])
    expect(d.conclusions.map((c) => c.checkpointId)).toEqual(['final', 'shifted'])
    // Each answer carries only the changes along its own chain of checkpoints.
    expect(d.conclusions[0]!.improvements.map((c) => c.to)).toEqual(['final'])
  })

  it('blames a change on a broken export, not on training', () => {
    const healthy = { '-2': 9.7, '-1': 8.96, '0': 2.12, '1': 8.42, '2': 9.74 }
    const d = diagnose({
      runs: [
        { checkpointId: 'early', datasetId: 't', results: sweepRun({ ...healthy, '0': 4.8 }) },
        {
          checkpointId: 'shifted',
          datasetId: 't',
          results: sweepRun({ '-2': 9.8, '-1': 9.7, '0': 8.96, '1': 2.12, '2': 8.42 }),
        },
      ],
      checkpoints: [
        { id: 'early', step: 250 },
        { id: 'shifted', step: 836 },
      ],
      datasets: [{ id: 't', datasetKind: 'fromTraining' }],
      trainLog: l,
    })
    expect(d.trajectories[0]!.changes[0]).toMatchObject({
      from: 'early',
      to: 'shifted',
      status: 'brokenExport',
    })
    expect(d.conclusions[0]).toMatchObject({ cause: 'alignment', regressions: [] })
  })

  it('judges a mixed set in two parts, and never names data as the cause of a set meant to be held out', () => {
    const d = diagnose({
      runs: [
        {
          checkpointId: 'final',
          datasetId: 'mix',
          results: results([...around(2.3, 0.05, 6), ...around(5, 0.05, 4)].map((tf) => ({ tf }))),
        },
      ],
      checkpoints: [{ id: 'final', step: 900 }],
      datasets: [{ id: 'mix', datasetKind: 'heldOut', consistency: consistency(10, 6) }],
      trainLog: l,
    })
    const [found, missing] = d.runs[0]!.trainEval
    expect(found).toMatchObject({ subset: 'found', samples: 6, status: 'pass' })
    expect(missing).toMatchObject({
      subset: 'notFound',
      samples: 4,
      status: 'expected',
      reason: 'generalisation',
    })
    expect(d.data[0]).toMatchObject({ status: 'fail', reason: 'heldOutFound' })
    expect(d.conclusions[0]!.cause).not.toBe('data')
    // The answer states both parts, never "the set is held out".
    expect(d.conclusions[0]).toMatchObject({ cause: 'none', verdict: found, related: [missing] })
  })

  it('names data as the cause where samples said to come from training do not', () => {
    const d = diagnose({
      runs: [{ checkpointId: 'c', datasetId: 't', results: tfRun(5) }],
      checkpoints: [{ id: 'c', step: 900 }],
      datasets: [{ id: 't', datasetKind: 'fromTraining', consistency: consistency(10, 0) }],
      trainLog: l,
    })
    expect(d.conclusions[0]!.cause).toBe('data')
    // The set is judged as what the check found: held out, so its gap is generalisation, not a fail.
    expect(d.runs[0]!.trainEval[0]).toMatchObject({ kind: 'heldOut', status: 'expected' })
  })

  it('explains the reported number on the primary run first, and the alignment verdict blames the script', () => {
    const r = sweepRun({ '-2': 9.7, '-1': 8.96, '0': 2.12, '1': 8.42, '2': 9.74 })
    const d = diagnose({
      runs: [{ checkpointId: 'final', datasetId: 't', results: r }],
      checkpoints: [{ id: 'final', step: 900 }],
      datasets: [{ id: 't', datasetKind: 'fromTraining' }],
      trainLog: l,
      reportedLoss: 8.42,
    })
    expect(d.explanation?.match?.measure).toBe('keepLastMisaligned')
    expect(d.runs[0]!.alignment.reason).toBe('explainsReported')
    expect(d.conclusions[0]!.cause).toBe('alignment')
    // Training-drawn eval 7.8% below the logged loss: within 10%, not a second failure beside the answer.
    expect(d.runs[0]!.trainEval[0]!.status).toBe('pass')
  })
})

describe('verdict wording', () => {
  const l = log((s) => 6 - s / 200, 1000, 10)
  const r = sweepRun({ '-2': 9.7, '-1': 8.96, '0': 2.12, '1': 8.42, '2': 9.74 })
  const m = meansFromResults(r)
  const tfOnly = (v: number) => results(around(v, 0.2, 20).map((tf) => ({ tf })))
  const te = (
    value: number,
    kind: 'fromTraining' | 'heldOut' | 'unknown',
    step: number | null = 800,
    n = 20,
  ) => diagnoseTrainEval({ results: tfOnly(value).slice(0, n), subject: SUBJECT, kind, step, trainLog: l })
  const verdicts: Verdict[] = [
    diagnoseData(undefined, { fromTraining: true }),
    diagnoseData(undefined, {}),
    diagnoseData(consistency(20, 20)),
    diagnoseData(consistency(20, 3)),
    diagnoseData(consistency(20, 0)),
    diagnoseData(consistency(20, 3), { datasetKind: 'fromTraining' }),
    diagnoseData(consistency(20, 3), { datasetKind: 'heldOut' }),
    diagnoseWeights(undefined),
    diagnoseWeights(weights(74, 74)),
    diagnoseWeights(weights(70, 74, { unmatchedCheckpoint: ['a', 'b', 'c', 'd'] })),
    diagnoseMode([], {}, SUBJECT),
    diagnoseMode(
      results([
        { tf: 2, ar: 9 },
        { tf: 2.1, ar: 9.5 },
      ]),
      { teacherForcing: 2, autoregressive: 9, teacherForcingSteps: [2, 2], autoregressiveSteps: [2, 16] },
      SUBJECT,
    ),
    diagnoseMode(
      [],
      { teacherForcing: 2, autoregressive: 2.1, teacherForcingSteps: [2], autoregressiveSteps: [2.1] },
      SUBJECT,
    ),
    diagnoseMode(
      [],
      { teacherForcing: 2, autoregressive: 9 },
      SUBJECT,
      explainReportedLoss(9, [{ measure: 'autoregressive', value: 9 }]),
    ),
    diagnoseKvCache({}, SUBJECT),
    diagnoseKvCache({}, SUBJECT, { hasKvCache: false }),
    diagnoseKvCache({ kvCacheMaxAbsDiff: 0, kvCacheTop1Agreement: 1 }, SUBJECT),
    diagnoseKvCache({ kvCacheMaxAbsDiff: 2, kvCacheTop1Agreement: 0.5 }, SUBJECT),
    diagnoseKvCache({ kvCacheMaxAbsDiff: 2e-5, kvCacheTop1Agreement: 0.5 }, SUBJECT),
    alignmentOf([]),
    alignmentOf(r, 2.3),
    alignmentOf(sweepRun({ '-2': 9.8, '-1': 9.7, '0': 8.96, '1': 2.12, '2': 8.42 }), 2.3),
    alignmentOf(sweepRun({ '-2': 7.0, '-1': 6.9, '0': 6.6, '1': 6.4, '2': 7.0 })),
    alignmentOf(sweepRun({ '-2': 9, '-1': 8, '0': 3.0, '1': 1.5, '2': 8 }), 3),
    alignmentOf(sweepRun({ '-2': 9, '-1': 8, '0': 3.0, '1': 2.8, '2': 8 })),
    alignmentOf(results([{ tf: 2, aligned: 3 }])),
    alignmentOf(results([{ tf: 2, mis: 9 }])),
    alignmentOf(
      results([
        { tf: 9, mis: 2 },
        { tf: 9.2, mis: 2.1 },
      ]),
    ),
    alignmentOf(results([{ tf: 4, mis: 3.8 }])),
    diagnoseAlignment(r, m, SUBJECT, {
      explanation: explainReportedLoss(8.42, [{ measure: 'keepLastMisaligned', value: 8.42 }]),
    }),
    diagnoseTrainEval({ results: tfOnly(2), subject: SUBJECT, kind: 'unknown', step: 5 }),
    diagnoseTrainEval({ results: [], subject: SUBJECT, kind: 'unknown', step: 5, trainLog: l }),
    te(3.2, 'fromTraining'),
    te(4.5, 'fromTraining'),
    te(1.5, 'fromTraining'),
    te(3.6, 'fromTraining', 800, 2),
    te(5, 'heldOut'),
    te(5, 'unknown'),
    te(3, 'fromTraining', null),
    te(3, 'fromTraining', 1),
  ]
  it('covers every status and reason it can take', () => {
    const reasons = new Set(verdicts.map((v) => `${v.hypothesis}/${v.reason}`))
    const all = {
      data: ['notChecked', 'allFound', 'confirmedHeldOut', 'mixed', 'claimedNotFound', 'heldOutFound'],
      weights: ['notChecked', 'allMatched', 'notAllMatched'],
      mode: ['notMeasured', 'expected', 'noGap', 'explainsReported'],
      kvCache: ['notMeasured', 'noCache', 'agrees', 'logitsDiffer', 'top1Differs'],
      alignment: [
        'notMeasured',
        'minimumAtZero',
        'rowsShifted',
        'tooLittleLearned',
        'leakage',
        'withinNoise',
        'keepLastDiffers',
        'correctBeatsShifted',
        'shiftedBeatsCorrect',
        'explainsReported',
      ],
      trainEval: [
        'noTrainLoss',
        'noStep',
        'noLogAtStep',
        'noTeacherForcing',
        'within',
        'above',
        'below',
        'noisy',
        'generalisation',
        'unknownKind',
      ],
    }
    expect([...reasons].sort()).toEqual(
      Object.entries(all)
        .flatMap(([h, rs]) => rs.map((r) => `${h}/${r}`))
        .sort(),
    )
    expect(new Set(verdicts.map((v) => v.status))).toEqual(
      new Set(['pass', 'fail', 'expected', 'inconclusive', 'notMeasured']),
    )
  })
  for (const lang of ['en', 'zh-CN'] as const) {
    it(`gives every verdict a sentence, a figure and a threshold in ${lang}`, () => {
      const text = verdictText(lang)
      for (const v of verdicts) {
        const sentence = explainVerdict(v, lang)
        const { figure, threshold } = text.figure(v)
        for (const s of [
          sentence,
          figure,
          threshold,
          text.badge(v.status),
          text.status(v.status),
          text.hypothesis(v.hypothesis),
        ]) {
          expect(s.length, `${v.hypothesis}/${v.reason}`).toBeGreaterThan(0)
          expect(s, `${v.hypothesis}/${v.reason}`).not.toMatch(/undefined|NaN|null|\[object/)
        }
        if (lang === 'zh-CN') {
          expect(sentence).toMatch(/[\u4e00-\u9fff]/)
          // Chinese prose takes full-width punctuation: no ASCII , : ; ( ) beside a CJK character.
          expect(sentence, `${v.hypothesis}/${v.reason}: ${sentence}`).not.toMatch(
            /[\u4e00-\u9fff][,:;()]|[,:;()][\u4e00-\u9fff]/,
          )
        }
      }
    })
  }
})

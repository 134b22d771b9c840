import { describe, expect, it } from 'vitest'
import {
  THRESHOLDS,
  diagnoseAlignment,
  diagnoseData,
  diagnoseKvCache,
  diagnoseMode,
  diagnoseTrainEval,
  diagnoseWeights,
  explainReportedLoss,
  candidatesFromMeans,
  meansFromResults,
  diagnose,
  explainVerdict,
  verdictText,
  type Verdict,
} from '../../src/shared/diagnosis'
import type { DataConsistency, TrainLog, WeightReport } from '../../src/shared/evidence'
import type { Means, SampleResult } from '../../src/shared/results'

function consistency(total: number, found: number, extra: Partial<DataConsistency> = {}): DataConsistency {
  return {
    evalPath: 'eval.json',
    trainPath: 'train.jsonl',
    total,
    found,
    foundNormalized: found,
    foundSubstring: found,
    notFound: Array.from({ length: total - found }, (_, i) => ({ index: i, preview: 'x' })),
    trainRows: 1000,
    bytesScanned: 1e6,
    ...extra,
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

function trainLog(trailingMean: number | null): TrainLog {
  return {
    path: 'train.log',
    format: 'minimind-2025',
    steps: 100,
    trailingMean,
    tail: 20,
    unparsedLines: [],
    points: [],
    caveat: 'one micro-batch',
  }
}

describe('data verdict', () => {
  it('is not measured without a consistency check, even when the user says the samples come from training', () => {
    const v = diagnoseData(undefined, { id: 'd', fromTraining: true })
    expect(v.status).toBe('notMeasured')
    expect(v.figure).toBeNull()
  })
  it('passes when every sample is found, and fails one short of that', () => {
    expect(diagnoseData(consistency(20, 20)).status).toBe('pass')
    const short = diagnoseData(consistency(20, 19))
    expect(short.status).toBe('fail')
    expect(short.reason).toBe('notAllFound')
    expect(short.figure).toBeCloseTo(19 / 20)
  })
  it('counts a sample found by any of the three matches', () => {
    const v = diagnoseData(consistency(20, 15, { foundNormalized: 18, foundSubstring: 20, notFound: [] }))
    expect(v.status).toBe('pass')
    expect(v.exact).toBe(15)
  })
  it('words a held-out set as held out', () => {
    const v = diagnoseData(consistency(20, 0), { id: 'h', fromTraining: false })
    expect(v.status).toBe('fail')
    expect(v.reason).toBe('heldOut')
  })
})

describe('weights verdict', () => {
  it('is not measured without a weight report', () => {
    expect(diagnoseWeights(undefined).status).toBe('notMeasured')
  })
  it('passes at all tensors matched, fails one short or with a value mismatch', () => {
    expect(diagnoseWeights(weights(74, 74)).status).toBe('pass')
    expect(diagnoseWeights(weights(73, 74)).status).toBe('fail')
    const mism = weights(74, 74, { mismatched: [{ checkpointName: 'a', modelName: 'b', maxAbsDiff: 0.1 }] })
    expect(diagnoseWeights(mism).status).toBe('fail')
  })
})

describe('train/infer mode verdict', () => {
  const tfSteps = [2, 2, 2, 2]
  it('is not measured without both measures', () => {
    expect(diagnoseMode({ teacherForcing: 2 }).status).toBe('notMeasured')
  })
  it('finds the first step where autoregressive exceeds teacher forcing by more than the threshold', () => {
    const t = THRESHOLDS.modeStepDivergenceNats
    const atEdge = diagnoseMode({
      teacherForcing: 2,
      autoregressive: 2 + t,
      teacherForcingSteps: tfSteps,
      autoregressiveSteps: [2, 2 + t, 2 + t, 2 + t],
    })
    expect(atEdge.divergenceStep).toBeNull()
    expect(atEdge.reason).toBe('noGap')
    const beyond = diagnoseMode({
      teacherForcing: 2,
      autoregressive: 3,
      teacherForcingSteps: tfSteps,
      autoregressiveSteps: [2, 2 + t, 2 + t + 1e-6, 4],
    })
    expect(beyond.divergenceStep).toBe(3)
    expect(beyond.maxStepGapAt).toBe(4)
    expect(beyond.status).toBe('pass')
    expect(beyond.reason).toBe('expected')
    expect(beyond.gap).toBeCloseTo(1)
  })
  it('fails only when the user number is the autoregressive loss', () => {
    const means: Means = { teacherForcing: 2.26, autoregressive: 10.4, keepLastMisaligned: 12.31 }
    const ar = diagnoseMode(means, explainReportedLoss(10.5, candidatesFromMeans(means)))
    expect(ar.status).toBe('fail')
    expect(ar.reason).toBe('explainsReported')
    const mis = diagnoseMode(means, explainReportedLoss(12.34, candidatesFromMeans(means)))
    expect(mis.status).toBe('pass')
    expect(mis.reported).toBe(12.34)
  })
})

describe('KV cache verdict', () => {
  const t = THRESHOLDS.kvMaxAbsDiff
  it('passes at the tolerance and fails just beyond it', () => {
    expect(diagnoseKvCache({ kvCacheMaxAbsDiff: t, kvCacheTop1Agreement: 1 }).status).toBe('pass')
    const over = diagnoseKvCache({ kvCacheMaxAbsDiff: t * 1.001, kvCacheTop1Agreement: 1 })
    expect(over.status).toBe('fail')
    expect(over.reason).toBe('logitsDiffer')
  })
  it('checks top-1 agreement at its edge', () => {
    const a = THRESHOLDS.kvTop1Agreement
    expect(diagnoseKvCache({ kvCacheMaxAbsDiff: 1e-5, kvCacheTop1Agreement: a }).status).toBe('pass')
    const low = diagnoseKvCache({ kvCacheMaxAbsDiff: 1e-5, kvCacheTop1Agreement: a - 1e-4 })
    expect(low.status).toBe('fail')
    expect(low.reason).toBe('top1Differs')
  })
  it('says why it is not measured', () => {
    expect(diagnoseKvCache({}).reason).toBe('notMeasured')
    expect(diagnoseKvCache({}, { hasKvCache: false }).reason).toBe('noCache')
  })
})

describe('alignment verdict', () => {
  const sweep = { '-2': 9, '-1': 7, '0': 2.3, '1': 12.3, '2': 11 }
  it('passes when the sweep is lowest at shift 0 and reports what one position late costs', () => {
    const v = diagnoseAlignment({
      offsetSweep: sweep,
      teacherForcing: 2.3,
      keepLastAligned: 2.3,
      keepLastMisaligned: 12.3,
    })
    expect(v.status).toBe('pass')
    expect(v.argminShift).toBe(0)
    expect(v.misalignedExcess).toBeCloseTo(10)
  })
  it('fails when the minimum sits elsewhere', () => {
    const v = diagnoseAlignment({ offsetSweep: { ...sweep, '1': 2.2 } })
    expect(v.status).toBe('fail')
    expect(v.argminShift).toBe(1)
  })
  it('holds keepLastAligned to teacher forcing within the tolerance', () => {
    const inside = 2 + 0.0009765625 // 2^-10 < 1e-3, exact in binary
    expect(diagnoseAlignment({ offsetSweep: sweep, teacherForcing: 2, keepLastAligned: inside }).status).toBe(
      'pass',
    )
    const v = diagnoseAlignment({ offsetSweep: sweep, teacherForcing: 2, keepLastAligned: 2.0010001 })
    expect(v.status).toBe('fail')
    expect(v.reason).toBe('keepLastDiffers')
  })
  it('falls back to the one-off slice without a sweep, and is not measured with nothing', () => {
    expect(diagnoseAlignment({ teacherForcing: 2, keepLastMisaligned: 9 }).reason).toBe('correctBeatsShifted')
    expect(diagnoseAlignment({ teacherForcing: 9, keepLastMisaligned: 2 }).status).toBe('fail')
    expect(diagnoseAlignment({ teacherForcing: 2 }).status).toBe('notMeasured')
  })
})

describe('train vs eval verdict', () => {
  it('passes at exactly the relative threshold and fails just beyond', () => {
    // 2.75 - 2.5 = 0.25 exactly; 0.25 / 2.5 rounds to the same double as 0.1.
    const edge = diagnoseTrainEval({
      trainLog: trainLog(2.5),
      means: { teacherForcing: 2.75 },
      verified: true,
    })
    expect(edge.status).toBe('pass')
    expect(diagnoseTrainEval({ trainLog: trainLog(2.5), means: { teacherForcing: 2.7501 } }).status).toBe(
      'fail',
    )
    expect(diagnoseTrainEval({ trainLog: trainLog(2.5), means: { teacherForcing: 2.2501 } }).status).toBe(
      'pass',
    )
    expect(diagnoseTrainEval({ trainLog: trainLog(2.5), means: { teacherForcing: 2.2499 } }).status).toBe(
      'fail',
    )
  })
  it('matches the seed: 2.26 against 2.43 is -7.0%, a pass', () => {
    const v = diagnoseTrainEval({ trainLog: trainLog(2.43), means: { teacherForcing: 2.26 } })
    expect(v.status).toBe('pass')
    expect(v.relative).toBeCloseTo(-0.07, 3)
  })
  it('is not measured without a training loss or training-drawn samples', () => {
    expect(diagnoseTrainEval({ trainLog: null, means: { teacherForcing: 2 } }).reason).toBe('noTrainLoss')
    expect(diagnoseTrainEval({ trainLog: trainLog(null), means: { teacherForcing: 2 } }).reason).toBe(
      'noTrainLoss',
    )
    expect(diagnoseTrainEval({ trainLog: trainLog(2), means: null }).reason).toBe('noTrainingSamples')
  })
})

describe('means from results', () => {
  it('averages scored samples only, the sweep per shift over the samples that have it', () => {
    const base = { id: 'x', tokens: 50, inputLength: 10, predictLength: 2 }
    const results: SampleResult[] = [
      {
        ...base,
        index: 0,
        teacherForcing: { loss: 2, tokenLosses: [1, 3], top1: 0.5 },
        offsetSweep: { '0': 2, '1': 10 },
        kvCache: { maxAbsDiff: 1e-5, top1Agreement: 1 },
      },
      {
        ...base,
        index: 1,
        teacherForcing: { loss: 4, tokenLosses: [3, 5], top1: 1 },
        offsetSweep: { '0': 4 },
        kvCache: { maxAbsDiff: 3e-5, top1Agreement: 0.5 },
      },
      { ...base, index: 2, skipped: 'too short', teacherForcing: { loss: 100, tokenLosses: [100], top1: 0 } },
    ]
    const m = meansFromResults(results)
    expect(m.teacherForcing).toBe(3)
    expect(m.teacherForcingSteps).toEqual([2, 4])
    expect(m.offsetSweep).toEqual({ '0': 3, '1': 10 })
    expect(m.kvCacheMaxAbsDiff).toBe(3e-5)
    expect(m.kvCacheTop1Agreement).toBe(0.75)
  })
})

describe('diagnose', () => {
  it('compares training loss on the training-drawn dataset and explains the number over every run', () => {
    const d = diagnose({
      runs: [
        {
          checkpointId: 'final',
          datasetId: 'train',
          means: { teacherForcing: 2.3, keepLastMisaligned: 12.31 },
        },
        { checkpointId: 'final', datasetId: 'held', means: { teacherForcing: 3.1 } },
        { checkpointId: 'early', datasetId: 'train', means: { teacherForcing: 8.7 } },
      ],
      primary: { checkpointId: 'final', datasetId: 'held' },
      checkpoints: [{ id: 'early' }, { id: 'final', weights: weights(74, 74) }],
      datasets: [
        { id: 'held', fromTraining: false, consistency: consistency(10, 0) },
        { id: 'train', fromTraining: true },
      ],
      trainLog: trainLog(2.43),
      reportedLoss: 12.34,
    })
    expect(d.trainingDataset).toEqual({ id: 'train', verified: false })
    expect(d.trainEval.evalLoss).toBe(2.3)
    expect(d.trainEval.verifiedFromTraining).toBe(false)
    expect(d.explanation?.match?.measure).toBe('keepLastMisaligned')
    expect(d.explanation?.match?.datasetId).toBe('train')
    expect(d.weights.map((w) => w.status)).toEqual(['notMeasured', 'pass'])
    expect(d.data.map((v) => v.reason)).toEqual(['heldOut', 'notChecked'])
  })
})

describe('verdict wording', () => {
  const verdicts: Verdict[] = [
    diagnoseData(undefined, { fromTraining: true }),
    diagnoseData(consistency(20, 20)),
    diagnoseData(consistency(20, 3)),
    diagnoseData(consistency(20, 0), { fromTraining: false }),
    diagnoseWeights(undefined),
    diagnoseWeights(weights(74, 74)),
    diagnoseWeights(weights(70, 74, { unmatchedCheckpoint: ['a', 'b', 'c', 'd'] })),
    diagnoseMode({}),
    diagnoseMode({
      teacherForcing: 2,
      autoregressive: 9,
      teacherForcingSteps: [2, 2],
      autoregressiveSteps: [2, 16],
    }),
    diagnoseMode({
      teacherForcing: 2,
      autoregressive: 2.1,
      teacherForcingSteps: [2, 2],
      autoregressiveSteps: [2, 2.2],
    }),
    diagnoseMode(
      { teacherForcing: 2, autoregressive: 9 },
      explainReportedLoss(9, [{ measure: 'autoregressive', value: 9 }]),
    ),
    diagnoseKvCache({}),
    diagnoseKvCache({}, { hasKvCache: false }),
    diagnoseKvCache({ kvCacheMaxAbsDiff: 2e-5, kvCacheTop1Agreement: 1 }),
    diagnoseKvCache({ kvCacheMaxAbsDiff: 2, kvCacheTop1Agreement: 0.5 }),
    diagnoseKvCache({ kvCacheMaxAbsDiff: 2e-5, kvCacheTop1Agreement: 0.5 }),
    diagnoseAlignment({}),
    diagnoseAlignment({ offsetSweep: { '0': 2, '1': 9 }, keepLastMisaligned: 9, teacherForcing: 2 }),
    diagnoseAlignment({ offsetSweep: { '0': 9, '1': 2 } }),
    diagnoseAlignment({ teacherForcing: 2, keepLastAligned: 3 }),
    diagnoseAlignment({ teacherForcing: 2, keepLastMisaligned: 9 }),
    diagnoseAlignment({ teacherForcing: 9, keepLastMisaligned: 2 }),
    diagnoseTrainEval({}),
    diagnoseTrainEval({ trainLog: trainLog(2) }),
    diagnoseTrainEval({ trainLog: trainLog(2), means: {} }),
    diagnoseTrainEval({ trainLog: trainLog(2), means: { teacherForcing: 2.1 }, verified: true }),
    diagnoseTrainEval({ trainLog: trainLog(2), means: { teacherForcing: 5 }, verified: false }),
  ]
  for (const lang of ['en', 'zh-CN'] as const) {
    it(`gives every verdict a sentence, a figure and a threshold in ${lang}`, () => {
      const text = verdictText(lang)
      for (const v of verdicts) {
        const sentence = explainVerdict(v, lang)
        const { figure, threshold } = text.figure(v)
        for (const s of [sentence, figure, threshold, text.badge(v.status), text.hypothesis(v.hypothesis)]) {
          expect(s.length, `${v.hypothesis}/${v.reason}`).toBeGreaterThan(0)
          expect(s, `${v.hypothesis}/${v.reason}`).not.toMatch(/undefined|NaN|null|\[object/)
          if (lang === 'zh-CN') expect(sentence).toMatch(/[\u4e00-\u9fff]/)
        }
      }
    })
  }
})

/**
 * One function per hypothesis of the seed report. Each returns a verdict from measured evidence only:
 * without the evidence a verdict is "not measured", never a guess.
 */
import type { DataConsistency, TrainLog, WeightReport } from '../evidence'
import type { Means } from '../results'
import { sweepEntries } from './means'
import { THRESHOLDS } from './thresholds'
import type {
  AlignmentVerdict,
  DataVerdict,
  Explanation,
  KvCacheVerdict,
  ModeVerdict,
  TrainEvalVerdict,
  WeightsVerdict,
} from './types'

/** Samples found in the training data by any of the consistency check's three matches. */
export function foundInTraining(c: DataConsistency): number {
  return Math.max(c.found, c.foundNormalized, c.foundSubstring, c.total - c.notFound.length)
}

/** Data: are the evaluation samples in the training data? */
export function diagnoseData(
  consistency: DataConsistency | undefined | null,
  dataset: { id?: string; fromTraining?: boolean } = {},
): DataVerdict {
  const claimed = dataset.fromTraining ?? null
  const base = { hypothesis: 'data' as const, datasetId: dataset.id ?? null, claimedFromTraining: claimed }
  if (!consistency) {
    return {
      ...base,
      status: 'notMeasured',
      reason: 'notChecked',
      figure: null,
      threshold: THRESHOLDS.dataFoundFraction,
      found: null,
      total: null,
      exact: null,
      normalized: null,
      substring: null,
    }
  }
  const found = Math.min(foundInTraining(consistency), consistency.total)
  const figure = consistency.total > 0 ? found / consistency.total : 0
  const pass = consistency.total > 0 && figure >= THRESHOLDS.dataFoundFraction
  return {
    ...base,
    status: pass ? 'pass' : 'fail',
    reason: pass ? 'allFound' : claimed === false ? 'heldOut' : 'notAllFound',
    figure,
    threshold: THRESHOLDS.dataFoundFraction,
    found,
    total: consistency.total,
    exact: consistency.found,
    normalized: consistency.foundNormalized,
    substring: consistency.foundSubstring,
  }
}

/** Weights: did every checkpoint tensor reach the ONNX model unchanged? */
export function diagnoseWeights(
  report: WeightReport | undefined | null,
  checkpointId?: string,
): WeightsVerdict {
  const base = { hypothesis: 'weights' as const, checkpointId: checkpointId ?? null }
  if (!report) {
    return {
      ...base,
      status: 'notMeasured',
      reason: 'notChecked',
      figure: null,
      threshold: THRESHOLDS.weightsMatchedFraction,
      matched: null,
      total: null,
      maxAbsDiff: null,
      tolerance: null,
      mismatched: null,
      unmatchedCheckpoint: null,
      unmatchedModel: null,
    }
  }
  const figure = report.total > 0 ? report.matched / report.total : 0
  const pass =
    report.total > 0 &&
    figure >= THRESHOLDS.weightsMatchedFraction &&
    report.mismatched.length === 0 &&
    report.unmatchedCheckpoint.length === 0
  return {
    ...base,
    status: pass ? 'pass' : 'fail',
    reason: pass ? 'allMatched' : 'notAllMatched',
    figure,
    threshold: THRESHOLDS.weightsMatchedFraction,
    matched: report.matched,
    total: report.total,
    maxAbsDiff: report.maxAbsDiff,
    tolerance: report.tolerance,
    mismatched: report.mismatched.length,
    unmatchedCheckpoint: report.unmatchedCheckpoint.length,
    unmatchedModel: report.unmatchedModel.length,
  }
}

/**
 * Train/infer mode. Autoregressive loss above teacher forcing is expected (exposure bias: the model
 * conditions on its own guesses), so this fails only when the user's reported number IS the
 * autoregressive loss, i.e. their script scores free-running generation against training loss.
 */
export function diagnoseMode(means: Means, explanation?: Explanation | null): ModeVerdict {
  const tf = means.teacherForcing ?? null
  const ar = means.autoregressive ?? null
  const tfSteps = means.teacherForcingSteps ?? []
  const arSteps = means.autoregressiveSteps ?? []
  const steps = Math.min(tfSteps.length, arSteps.length)
  let divergenceStep: number | null = null
  let maxStepGap: number | null = null
  let maxStepGapAt: number | null = null
  for (let i = 0; i < steps; i++) {
    const d = arSteps[i]! - tfSteps[i]!
    if (divergenceStep === null && d > THRESHOLDS.modeStepDivergenceNats) divergenceStep = i + 1
    if (maxStepGap === null || d > maxStepGap) {
      maxStepGap = d
      maxStepGapAt = i + 1
    }
  }
  const reported = explanation?.reported ?? null
  const base = {
    hypothesis: 'mode' as const,
    teacherForcing: tf,
    autoregressive: ar,
    gap: tf !== null && ar !== null ? ar - tf : null,
    divergenceStep,
    steps: steps > 0 ? steps : null,
    maxStepGap,
    maxStepGapAt,
    reported,
  }
  if (tf === null || ar === null) {
    return { ...base, status: 'notMeasured', reason: 'notMeasured', figure: null, threshold: null }
  }
  const match = explanation?.match
  if (match && match.measure === 'autoregressive') {
    return {
      ...base,
      status: 'fail',
      reason: 'explainsReported',
      figure: match.relative,
      threshold: explanation.tolerance,
    }
  }
  const gap = ar - tf
  const parted = divergenceStep !== null || (steps === 0 && gap > THRESHOLDS.modeStepDivergenceNats)
  return {
    ...base,
    status: 'pass',
    reason: parted ? 'expected' : 'noGap',
    figure: steps > 0 ? maxStepGap : gap,
    threshold: THRESHOLDS.modeStepDivergenceNats,
  }
}

/** KV cache: do incremental steps reproduce the full forward's logits? */
export function diagnoseKvCache(means: Means, opts: { hasKvCache?: boolean } = {}): KvCacheVerdict {
  const maxAbsDiff = means.kvCacheMaxAbsDiff ?? null
  const top1 = means.kvCacheTop1Agreement ?? null
  const base = {
    hypothesis: 'kvCache' as const,
    maxAbsDiff,
    top1Agreement: top1,
    maxAbsDiffThreshold: THRESHOLDS.kvMaxAbsDiff,
    top1Threshold: THRESHOLDS.kvTop1Agreement,
  }
  if (maxAbsDiff === null) {
    const reason = opts.hasKvCache === false ? 'noCache' : 'notMeasured'
    return { ...base, status: 'notMeasured', reason, figure: null, threshold: THRESHOLDS.kvMaxAbsDiff }
  }
  if (!(maxAbsDiff <= THRESHOLDS.kvMaxAbsDiff)) {
    return {
      ...base,
      status: 'fail',
      reason: 'logitsDiffer',
      figure: maxAbsDiff,
      threshold: THRESHOLDS.kvMaxAbsDiff,
    }
  }
  if (top1 !== null && !(top1 >= THRESHOLDS.kvTop1Agreement)) {
    return {
      ...base,
      status: 'fail',
      reason: 'top1Differs',
      figure: top1,
      threshold: THRESHOLDS.kvTop1Agreement,
    }
  }
  return { ...base, status: 'pass', reason: 'agrees', figure: maxAbsDiff, threshold: THRESHOLDS.kvMaxAbsDiff }
}

/**
 * Alignment: position i's logits predict token i+1, so scoring rows L-1 .. N-2 must beat every shifted
 * slice, and logits_to_keep=P+1 minus its last row must reproduce teacher forcing. Fails first of all
 * when the user's reported number is a shifted slice (the seed's root cause).
 */
export function diagnoseAlignment(means: Means, explanation?: Explanation | null): AlignmentVerdict {
  const sweep = sweepEntries(means.offsetSweep)
  const tf = means.teacherForcing ?? null
  const aligned = means.keepLastAligned ?? null
  const misaligned = means.keepLastMisaligned ?? null
  const correct = tf ?? aligned
  const argmin = sweep.length > 0 ? sweep.reduce((best, e) => (e[1] < best[1] ? e : best))[0] : null
  const alignedVsTf = aligned !== null && tf !== null ? Math.abs(aligned - tf) : null
  const base = {
    hypothesis: 'alignment' as const,
    argminShift: argmin,
    sweep: Object.fromEntries(sweep),
    teacherForcing: tf,
    keepLastAligned: aligned,
    keepLastMisaligned: misaligned,
    misalignedExcess: misaligned !== null && correct !== null ? misaligned - correct : null,
    misalignedExcessRelative: misaligned !== null && correct ? (misaligned - correct) / correct : null,
    alignedVsTeacherForcing: alignedVsTf,
    reported: explanation?.reported ?? null,
    reportedShift: null,
    reportedValue: null,
  }
  const match = explanation?.match
  if (match && match.rowShift !== null && match.rowShift !== 0) {
    // The model may be perfectly aligned; the user's script is not, and that explains their number.
    return {
      ...base,
      status: 'fail',
      reason: 'explainsReported',
      figure: match.relative,
      threshold: explanation.tolerance,
      reportedShift: match.rowShift,
      reportedValue: match.value,
    }
  }
  if (alignedVsTf !== null && !(alignedVsTf <= THRESHOLDS.keepLastAlignedNats)) {
    return {
      ...base,
      status: 'fail',
      reason: 'keepLastDiffers',
      figure: alignedVsTf,
      threshold: THRESHOLDS.keepLastAlignedNats,
    }
  }
  if (argmin !== null && sweep.some(([s]) => s === 0) && sweep.length > 1) {
    const atZero = argmin === 0
    return {
      ...base,
      status: atZero ? 'pass' : 'fail',
      reason: atZero ? 'minimumAtZero' : 'minimumElsewhere',
      figure: argmin,
      threshold: 0,
    }
  }
  if (misaligned !== null && correct !== null) {
    const better = correct < misaligned
    return {
      ...base,
      status: better ? 'pass' : 'fail',
      reason: better ? 'correctBeatsShifted' : 'shiftedBeatsCorrect',
      figure: misaligned - correct,
      threshold: 0,
    }
  }
  return { ...base, status: 'notMeasured', reason: 'notMeasured', figure: null, threshold: null }
}

/**
 * Train vs eval: teacher forcing on samples drawn from the training data against the logged training
 * loss (a trailing mean: MiniMind logs one micro-batch's loss per line).
 */
export function diagnoseTrainEval(args: {
  trainLog?: TrainLog | null
  /** Means of the run on training-drawn samples; null when no dataset is training-drawn. */
  means?: Means | null
  /** Whether "training-drawn" was verified by a consistency check rather than taken from the user. */
  verified?: boolean | null
}): TrainEvalVerdict {
  const trainLoss = args.trainLog?.trailingMean ?? null
  const evalLoss = args.means?.teacherForcing ?? null
  const base = {
    hypothesis: 'trainEval' as const,
    trainLoss,
    evalLoss,
    tail: args.trainLog ? Math.min(args.trainLog.tail, args.trainLog.steps) : null,
    verifiedFromTraining: args.means ? (args.verified ?? null) : null,
    difference: trainLoss !== null && evalLoss !== null ? evalLoss - trainLoss : null,
    relative:
      trainLoss !== null && evalLoss !== null && trainLoss !== 0 ? (evalLoss - trainLoss) / trainLoss : null,
    threshold: THRESHOLDS.trainEvalRelative,
  }
  if (trainLoss === null) return { ...base, status: 'notMeasured', reason: 'noTrainLoss', figure: null }
  if (!args.means) return { ...base, status: 'notMeasured', reason: 'noTrainingSamples', figure: null }
  if (evalLoss === null || base.relative === null) {
    return { ...base, status: 'notMeasured', reason: 'noTeacherForcing', figure: null }
  }
  const figure = Math.abs(base.relative)
  const within = figure <= THRESHOLDS.trainEvalRelative
  return { ...base, status: within ? 'pass' : 'fail', reason: within ? 'within' : 'outside', figure }
}

/**
 * One function per hypothesis of the seed report. Each returns a verdict from measured evidence only:
 * without the evidence a verdict is "not measured", never a guess. Every verdict that compares two
 * losses carries the standard error of their difference and says "beyond noise" only past
 * THRESHOLDS.noiseStderrs of it and a stated minimum effect.
 */
import type { DataConsistency, TrainLog, WeightReport } from '../evidence'
import { claimedKind, type DatasetKind } from '../experiment'
import { SWEEP_SHIFTS } from '../measures'
import type { Means, SampleResult } from '../results'
import { estimate, pairedDifference, samplesToDecide, separation, type Estimate } from '../stats'
import { isScored, meanPerPosition, sweepEntries } from './means'
import { isSftRunOf, type RunFormat } from './run-kind'
import { THRESHOLDS } from './thresholds'
import { crossingStep, trainingLossAt, DEFAULT_WINDOW_LINES } from './training-reference'
import type {
  AlignmentVerdict,
  DataVerdict,
  Explanation,
  KvCacheVerdict,
  ModeVerdict,
  SampleSubset,
  TrainEvalVerdict,
  WeightsVerdict,
} from './types'

/** The checkpoint × dataset a run verdict is about. */
export interface Subject {
  checkpointId: string | null
  datasetId: string | null
}

/** Per-sample values of one measure, keyed by sample (index and id, so a changed file never pairs). */
export function perSample(
  results: readonly SampleResult[],
  pick: (r: SampleResult) => number | undefined,
): Map<string, number> {
  const out = new Map<string, number>()
  for (const r of results) {
    if (!isScored(r)) continue
    const v = pick(r)
    if (v !== undefined && Number.isFinite(v)) out.set(`${r.index}:${r.id}`, v)
  }
  return out
}

/** Samples found in the training data by any of the consistency check's three matches. */
export function foundInTraining(c: DataConsistency): number {
  return Math.max(c.found, c.foundNormalized, c.foundSubstring, c.total - c.notFound.length)
}

/** What a consistency check says the set is: all found, none found, or some. */
export function kindFromConsistency(c: DataConsistency): DatasetKind {
  const found = Math.min(foundInTraining(c), c.total)
  if (c.total > 0 && found >= c.total) return 'fromTraining'
  return found === 0 ? 'heldOut' : 'mixed'
}

/** The kind the diagnosis reasons with: the data check's finding where there is one, else the claim. */
export function effectiveKind(dataset: {
  datasetKind?: DatasetKind
  fromTraining?: boolean
  consistency?: DataConsistency | null
}): DatasetKind {
  return dataset.consistency ? kindFromConsistency(dataset.consistency) : claimedKind(dataset)
}

/** Data: are the evaluation samples in the training data, and is that what the user said? */
export function diagnoseData(
  consistency: DataConsistency | undefined | null,
  dataset: { id?: string; datasetKind?: DatasetKind; fromTraining?: boolean } = {},
): DataVerdict {
  const claimed = claimedKind(dataset)
  const base = {
    hypothesis: 'data' as const,
    checkpointId: null,
    datasetId: dataset.id ?? null,
    claimedKind: claimed,
    threshold: THRESHOLDS.dataFoundFraction,
    uncertainty: null,
  }
  if (!consistency) {
    return {
      ...base,
      status: 'notMeasured',
      reason: 'notChecked',
      kind: claimed,
      figure: null,
      found: null,
      total: null,
      exact: null,
      normalized: null,
      substring: null,
    }
  }
  const found = Math.min(foundInTraining(consistency), consistency.total)
  const kind = kindFromConsistency(consistency)
  const counts = {
    kind,
    figure: consistency.total > 0 ? found / consistency.total : 0,
    found,
    total: consistency.total,
    exact: consistency.found,
    normalized: consistency.foundNormalized,
    substring: consistency.foundSubstring,
  }
  if (claimed === 'fromTraining' && kind !== 'fromTraining') {
    return { ...base, ...counts, status: 'fail', reason: 'claimedNotFound' }
  }
  if (claimed === 'heldOut' && found > 0) {
    return { ...base, ...counts, status: 'fail', reason: 'heldOutFound' }
  }
  if (kind === 'fromTraining') return { ...base, ...counts, status: 'pass', reason: 'allFound' }
  if (kind === 'heldOut') return { ...base, ...counts, status: 'expected', reason: 'confirmedHeldOut' }
  return { ...base, ...counts, status: 'expected', reason: 'mixed' }
}

/** Weights: did every checkpoint tensor reach the ONNX model unchanged? */
export function diagnoseWeights(
  report: WeightReport | undefined | null,
  checkpointId?: string,
): WeightsVerdict {
  const base = {
    hypothesis: 'weights' as const,
    checkpointId: checkpointId ?? null,
    datasetId: null,
    threshold: THRESHOLDS.weightsMatchedFraction,
    uncertainty: null,
  }
  if (!report) {
    return {
      ...base,
      status: 'notMeasured',
      reason: 'notChecked',
      figure: null,
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
 * Train/infer mode. Autoregressive loss above teacher forcing is exposure bias (the model conditions on
 * its own guesses): expected, not a pass or a fail. It fails only when the user's reported number IS
 * the autoregressive loss, i.e. their script scores free-running generation against training loss.
 * An SFT run (isSftRunOf) compares its generated reply with the SFT loss on the same reply tokens.
 */
export function diagnoseMode(
  results: readonly SampleResult[],
  means: Means,
  subject: Subject,
  explanation?: Explanation | null,
  format?: RunFormat | null,
): ModeVerdict {
  if (isSftRunOf(format, results)) return diagnoseSftMode(results, subject, explanation)
  return modeVerdict(
    {
      teacherForcing: means.teacherForcing ?? null,
      autoregressive: means.autoregressive ?? null,
      teacherForcingSteps: means.teacherForcingSteps ?? [],
      autoregressiveSteps: means.autoregressiveSteps ?? [],
      paired: pairedDifference(
        perSample(results, (r) => r.teacherForcing?.loss),
        perSample(results, (r) => r.autoregressive?.loss),
      ),
      arMeasure: 'autoregressive',
    },
    subject,
    explanation,
  )
}

/**
 * SFT mode: the generated reply (`sftAutoregressive`: greedy, min(P, reply) steps of the first reply)
 * against the same reply tokens teacher-forced, which are the first of `sft.tokenLosses` (the mask's
 * counted positions in order start with the first reply's first token). Like for like, per
 * conversation: the SFT loss over every assistant token would mix in later turns and reply tails the
 * generation never scored.
 */
function diagnoseSftMode(
  results: readonly SampleResult[],
  subject: Subject,
  explanation?: Explanation | null,
): ModeVerdict {
  const both = results.filter((r) => isScored(r) && r.sft && r.sftAutoregressive)
  const forced = (r: SampleResult): number[] =>
    r.sft!.tokenLosses.slice(0, r.sftAutoregressive!.stepLosses.length)
  const tfOf = (r: SampleResult): number | undefined => {
    if (!r.sft || !r.sftAutoregressive) return undefined
    const xs = forced(r)
    return xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined
  }
  const tf = estimate([...perSample(both, tfOf).values()])
  const ar = estimate([...perSample(both, (r) => r.sftAutoregressive?.loss).values()])
  const v = modeVerdict(
    {
      teacherForcing: tf?.mean ?? null,
      autoregressive: ar?.mean ?? null,
      teacherForcingSteps: meanPerPosition(both.map(forced)),
      autoregressiveSteps: meanPerPosition(both.map((r) => r.sftAutoregressive!.stepLosses)),
      paired: pairedDifference(
        perSample(both, tfOf),
        perSample(both, (r) => r.sftAutoregressive?.loss),
      ),
      arMeasure: 'sftAutoregressive',
    },
    subject,
    explanation,
  )
  return { ...v, evalMeasure: 'sft' }
}

/** The mode verdict's one rule, for a continuation's teacher forcing and an SFT reply alike. */
function modeVerdict(
  m: {
    teacherForcing: number | null
    autoregressive: number | null
    teacherForcingSteps: readonly number[]
    autoregressiveSteps: readonly number[]
    paired: Estimate | null
    /** The measure a reported number must match for the user's script to be the generation. */
    arMeasure: 'autoregressive' | 'sftAutoregressive'
  },
  subject: Subject,
  explanation?: Explanation | null,
): ModeVerdict {
  const tf = m.teacherForcing
  const ar = m.autoregressive
  const tfSteps = m.teacherForcingSteps
  const arSteps = m.autoregressiveSteps
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
    ...subject,
    teacherForcing: tf,
    autoregressive: ar,
    gap: tf !== null && ar !== null ? ar - tf : null,
    divergenceStep,
    steps: steps > 0 ? steps : null,
    maxStepGap,
    maxStepGapAt,
    reported,
    uncertainty: m.paired?.stderr ?? null,
  }
  if (tf === null || ar === null) {
    return { ...base, status: 'notMeasured', reason: 'notMeasured', figure: null, threshold: null }
  }
  const match = explanation?.match
  if (match && match.measure === m.arMeasure && sameSubject(match, subject)) {
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
    status: parted ? 'expected' : 'pass',
    reason: parted ? 'expected' : 'noGap',
    figure: steps > 0 ? maxStepGap : gap,
    threshold: THRESHOLDS.modeStepDivergenceNats,
  }
}

/** KV cache: do incremental steps reproduce the full forward's logits? */
export function diagnoseKvCache(
  means: Means,
  subject: Subject,
  opts: { hasKvCache?: boolean; sftRun?: boolean } = {},
): KvCacheVerdict {
  const maxAbsDiff = means.kvCacheMaxAbsDiff ?? null
  const top1 = means.kvCacheTop1Agreement ?? null
  const base = {
    hypothesis: 'kvCache' as const,
    ...subject,
    maxAbsDiff,
    top1Agreement: top1,
    maxAbsDiffThreshold: THRESHOLDS.kvMaxAbsDiff,
    top1Threshold: THRESHOLDS.kvTop1Agreement,
    uncertainty: null,
  }
  if (maxAbsDiff === null && opts.sftRun) {
    // The SFT loss is one full forward per conversation: no cache enters it, so there is nothing the
    // check could find in the number; the generated reply uses the cache, and kvCache on it would say.
    return {
      ...base,
      status: 'notMeasured',
      reason: 'sftRun',
      figure: null,
      threshold: THRESHOLDS.kvMaxAbsDiff,
      evalMeasure: 'sft',
    }
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

/** Per-sample losses of one sweep shift. */
function sweepSamples(results: readonly SampleResult[], shift: number): Map<string, number> {
  const key = String(shift) as '-2' | '-1' | '0' | '1' | '2'
  return perSample(results, (r) => r.offsetSweep?.[key])
}

/** An offset sweep's shape: its best shift, each shift's mean, and the depth and dip read from them. */
interface SweepShape {
  sweep: [number, number][]
  argmin: number | null
  at: (shift: number) => number | undefined
  /**
   * The worst row behind the best one (shifts below argmin) minus the best. Behind the best row the
   * model has no access to the target, so this is what it learned to do with context.
   */
  learnedDepth: number | null
  /** Shift 0 minus the best shift. */
  dip: number | null
}

function sweepShape(sweep: [number, number][]): SweepShape {
  const argmin = sweep.length > 0 ? sweep.reduce((best, e) => (e[1] < best[1] ? e : best))[0] : null
  const at = (s: number): number | undefined => sweep.find((e) => e[0] === s)?.[1]
  const behind = argmin === null ? [] : sweep.filter(([s]) => s < argmin).map(([, v]) => v)
  const learnedDepth = argmin !== null && behind.length > 0 ? Math.max(...behind) - at(argmin)! : null
  const dip = argmin !== null && at(0) !== undefined ? at(0)! - at(argmin)! : null
  return { sweep, argmin, at, learnedDepth, dip }
}

/** The verdict's fields a sweep fills, for the continuation and the SFT sweep alike. */
function sweepFields(shape: SweepShape) {
  return {
    argminShift: shape.argmin,
    sweep: Object.fromEntries(shape.sweep),
    learnedDepth: shape.learnedDepth,
    dip: shape.dip,
  }
}

/**
 * What a sweep says of the rows, the same for the continuation sweep and the SFT sweep over assistant
 * targets (`samplesAt`: one shift's per-sample losses, for the paired uncertainties); null when there
 * is no sweep with shift 0 to judge. Shift 0 lowest passes (figure: its margin to the next best).
 * Otherwise the lower shift counts only on a model that has learned enough, past the noise and the
 * minimum dip, and (with a training log) when shift 0 does not already reproduce training: a later
 * row that wins there is leakage, not a shift.
 */
function sweepVerdict(
  base: Omit<AlignmentVerdict, 'status' | 'reason' | 'figure' | 'threshold'>,
  { sweep, argmin, at, learnedDepth }: SweepShape,
  samplesAt: (shift: number) => Map<string, number>,
  trainLoss: number | null,
): AlignmentVerdict | null {
  if (argmin === null || at(0) === undefined || sweep.length <= 1) return null
  const zero = samplesAt(0)
  if (argmin === 0) {
    // Margin to the next-best shift, paired over samples: how clearly 0 wins.
    const next = sweep.filter(([s]) => s !== 0).reduce((b, e) => (e[1] < b[1] ? e : b))
    const margin = pairedDifference(zero, samplesAt(next[0]))
    return {
      ...base,
      status: 'pass',
      reason: 'minimumAtZero',
      figure: next[1] - at(0)!,
      threshold: 0,
      uncertainty: margin?.stderr ?? null,
    }
  }
  const dipEstimate = pairedDifference(samplesAt(argmin), zero)
  const dip = at(0)! - at(argmin)!
  const withUncertainty = { uncertainty: dipEstimate?.stderr ?? null }
  if (learnedDepth !== null && learnedDepth < THRESHOLDS.alignmentMinDepthNats) {
    return {
      ...base,
      ...withUncertainty,
      status: 'inconclusive',
      reason: 'tooLittleLearned',
      figure: learnedDepth,
      threshold: THRESHOLDS.alignmentMinDepthNats,
    }
  }
  const sep = separation(
    dip,
    dipEstimate?.stderr ?? null,
    THRESHOLDS.alignmentMinDipNats,
    THRESHOLDS.noiseStderrs,
  )
  if (sep !== 'above') {
    return {
      ...base,
      ...withUncertainty,
      status: 'inconclusive',
      reason: 'withinNoise',
      figure: dip,
      threshold: THRESHOLDS.alignmentMinDipNats,
    }
  }
  // A later row that wins by a wide margin is still leakage if shift 0 already reproduces training.
  if (argmin > 0 && trainLoss !== null && reproducesTraining(at(0)!, trainLoss)) {
    return {
      ...base,
      ...withUncertainty,
      status: 'inconclusive',
      reason: 'leakage',
      figure: dip,
      threshold: THRESHOLDS.alignmentMinDipNats,
    }
  }
  return {
    ...base,
    ...withUncertainty,
    status: 'fail',
    reason: 'rowsShifted',
    figure: dip,
    threshold: THRESHOLDS.alignmentMinDipNats,
    rowOffset: argmin,
  }
}

/**
 * Alignment, reasoned rather than read off the sweep's argmin. Position i's logits predict token i+1,
 * so rows L-1 .. N-2 are right. But row +1 has already been fed its target: a model with any copy
 * tendency (typical early in training) scores lower there, so +1 alone never shows misalignment. The
 * verdict weighs: keepLastAligned = teacher forcing (the export's own slicing); how much the model has
 * learned (the rows behind its best row must score clearly worse); the size of the dip at the best row
 * against the noise; and, with a training log, whether shift 0 or the best shift reproduces the
 * training loss at the checkpoint's step. A real shift (an export whose logits are one row late) shows
 * teacher forcing far above the training loss and the best shift collapsing onto it.
 */
export function diagnoseAlignment(
  results: readonly SampleResult[],
  means: Means,
  subject: Subject,
  opts: { explanation?: Explanation | null; trainLoss?: number | null; format?: RunFormat | null } = {},
): AlignmentVerdict {
  if (isSftRunOf(opts.format, results)) return diagnoseSftAlignment(results, subject, opts.explanation)
  const shape = sweepShape(sweepEntries(means.offsetSweep))
  const tf = means.teacherForcing ?? null
  const aligned = means.keepLastAligned ?? null
  const misaligned = means.keepLastMisaligned ?? null
  const correct = tf ?? aligned
  const alignedVsTf = aligned !== null && tf !== null ? Math.abs(aligned - tf) : null
  const trainLoss = opts.trainLoss ?? null
  const base = {
    hypothesis: 'alignment' as const,
    ...subject,
    ...sweepFields(shape),
    rowOffset: null,
    trainLoss,
    teacherForcing: tf,
    keepLastAligned: aligned,
    keepLastMisaligned: misaligned,
    misalignedExcess: misaligned !== null && correct !== null ? misaligned - correct : null,
    misalignedExcessRelative: misaligned !== null && correct ? (misaligned - correct) / correct : null,
    alignedVsTeacherForcing: alignedVsTf,
    reported: opts.explanation?.reported ?? null,
    reportedShift: null,
    reportedValue: null,
    uncertainty: null,
  }
  const match = opts.explanation?.match
  // The SFT one-late mask is a slip of the loss mask, not of the logits' rows: this check's fix (the
  // logits slice) does not apply to it, and "explain my number" names it on its own.
  const rowSlice = match !== undefined && match !== null && !match.measure.startsWith('sft')
  if (rowSlice && match.rowShift !== null && match.rowShift !== 0 && sameSubject(match, subject)) {
    // The model may be perfectly aligned; the user's script is not, and that explains their number.
    return {
      ...base,
      status: 'fail',
      reason: 'explainsReported',
      figure: match.relative,
      threshold: opts.explanation!.tolerance,
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
  const bySweep = sweepVerdict(base, shape, (shift) => sweepSamples(results, shift), trainLoss)
  if (bySweep) return bySweep
  if (misaligned !== null && correct !== null) {
    const diff = pairedDifference(
      perSample(results, (r) => r.teacherForcing?.loss ?? r.keepLastAligned?.loss),
      perSample(results, (r) => r.keepLastMisaligned?.loss),
    )
    const better = correct < misaligned
    const dip = correct - misaligned
    const shown =
      !better &&
      separation(dip, diff?.stderr ?? null, THRESHOLDS.alignmentMinDipNats, THRESHOLDS.noiseStderrs) ===
        'above' &&
      !(trainLoss !== null && reproducesTraining(correct, trainLoss))
    return {
      ...base,
      status: better ? 'pass' : shown ? 'fail' : 'inconclusive',
      reason: better ? 'correctBeatsShifted' : 'shiftedBeatsCorrect',
      figure: misaligned - correct,
      threshold: 0,
      uncertainty: diff?.stderr ?? null,
      rowOffset: shown ? 1 : null,
    }
  }
  return { ...base, status: 'notMeasured', reason: 'notMeasured', figure: null, threshold: null }
}

/** Mean per shift of the sweep over the assistant targets, over the conversations having that shift. */
function sftSweepMeans(results: readonly SampleResult[]): [number, number][] {
  const out: [number, number][] = []
  for (const s of SWEEP_SHIFTS) {
    const e = estimate([...sftSweepSamples(results, s).values()])
    if (e) out.push([s, e.mean])
  }
  return out
}

function sftSweepSamples(results: readonly SampleResult[], shift: number): Map<string, number> {
  const key = String(shift) as '-2' | '-1' | '0' | '1' | '2'
  return perSample(results, (r) => r.sft?.offsetSweep?.[key])
}

/**
 * SFT alignment. The sweep over the assistant targets tests the rows as the pretraining sweep does
 * (shift 0 is the SFT loss; it must be the lowest, and a lower shift counts only past the noise and
 * the minimum dip). The mask one position late (`shiftedMaskLoss`, the common evaluation bug) is
 * reported beside it, paired per conversation, with the SFT loss named as the trainer's number: it
 * still pairs each row with its own next token, only over the tokens one position later (the reply's
 * first token dropped, the one after its end counted), so it shows a wrong script, not wrong rows.
 */
function diagnoseSftAlignment(
  results: readonly SampleResult[],
  subject: Subject,
  explanation?: Explanation | null,
): AlignmentVerdict {
  const sft = perSample(results, (r) => r.sft?.loss)
  const late = perSample(results, (r) => r.sft?.shiftedMaskLoss)
  const sftMean = estimate([...sft.values()])?.mean ?? null
  const lateMean = estimate([...late.values()])?.mean ?? null
  const excess = pairedDifference(sft, late)
  const shape = sweepShape(sftSweepMeans(results))
  const base = {
    hypothesis: 'alignment' as const,
    ...subject,
    ...sweepFields(shape),
    rowOffset: null,
    trainLoss: null,
    teacherForcing: null,
    keepLastAligned: null,
    keepLastMisaligned: null,
    misalignedExcess: null,
    misalignedExcessRelative: null,
    alignedVsTeacherForcing: null,
    reported: explanation?.reported ?? null,
    reportedShift: null,
    reportedValue: null as number | null,
    uncertainty: null,
    evalMeasure: 'sft' as const,
    sftLoss: sftMean,
    shiftedMaskLoss: lateMean,
    maskLateExcess: excess?.mean ?? null,
    maskLateStderr: excess?.stderr ?? null,
  }
  // A reported number that is the one-late mask is a slip of the user's loss mask, not of the model's
  // rows: it is named beside the verdict (and in the gap waterfall's slicing step), never a fail here.
  const match = explanation?.match
  if (match && match.measure === 'sftShiftedMask' && sameSubject(match, subject)) {
    base.reportedValue = match.value
  }
  // No training loss: an SFT run's leakage check has no log to compare with here.
  const bySweep = sweepVerdict(base, shape, (shift) => sftSweepSamples(results, shift), null)
  if (bySweep) return bySweep
  if (excess) {
    // The two masks pair every row with its own next token: they cannot test the rows, so the
    // hypothesis is not measured; the mask's excess is still stated, with its noise.
    return {
      ...base,
      status: 'notMeasured',
      reason: 'sftNoSweep',
      figure: excess.mean,
      threshold: null,
      uncertainty: excess.stderr,
    }
  }
  return { ...base, status: 'notMeasured', reason: 'notMeasured', figure: null, threshold: null }
}

/** A loss "reproduces" training when it is no more than the train-vs-eval minimum effect above it. */
function reproducesTraining(loss: number, trainLoss: number): boolean {
  return (loss - trainLoss) / trainLoss <= THRESHOLDS.trainEvalRelative
}

/**
 * Train vs eval: teacher forcing against the logged training loss just before the checkpoint's step
 * (a window of log lines, trainingLossAt). One-sided on training-drawn samples: above training beyond
 * noise fails; below is expected (the samples were trained on since; each logged value was measured
 * before the update on it; the training mix differs from these samples). A held-out set's gap is its
 * generalisation gap: expected. Without the checkpoint's step: no verdict, only where the curve meets
 * the evaluation loss.
 */
export function diagnoseTrainEval(args: {
  results: readonly SampleResult[]
  subject: Subject
  kind: DatasetKind
  subset?: SampleSubset
  step: number | null | undefined
  trainLog?: TrainLog | null
  windowLines?: number
  /** The dataset format the run states (statedFormat); the samples decide when it does not. */
  format?: RunFormat | null
}): TrainEvalVerdict {
  const windowLines = args.windowLines ?? DEFAULT_WINDOW_LINES
  // Teacher forcing plays the part of the training loss on a continuation set; on an SFT run
  // (conversations scored with MiniMind's SFT loss) the SFT loss is that loss itself.
  const sftRun = isSftRunOf(args.format, args.results)
  const ev: Estimate | null = estimate([
    ...perSample(args.results, (r) => (sftRun ? r.sft?.loss : r.teacherForcing?.loss)).values(),
  ])
  const step = args.step ?? null
  const log = args.trainLog && args.trainLog.points.length > 0 ? args.trainLog : null
  const training = log && step !== null ? trainingLossAt(log, step, windowLines) : null
  const trainLoss = training?.mean ?? null
  const evalLoss = ev?.mean ?? null
  const difference = trainLoss !== null && evalLoss !== null ? evalLoss - trainLoss : null
  const uncertainty =
    difference === null
      ? null
      : ev!.stderr === null
        ? null
        : Math.sqrt(ev!.stderr ** 2 + (training!.stderr ?? 0) ** 2)
  const base = {
    hypothesis: 'trainEval' as const,
    ...args.subject,
    kind: args.kind,
    subset: args.subset ?? 'all',
    step,
    training,
    trainLoss,
    evalLoss,
    evalStderr: ev?.stderr ?? null,
    samples: ev?.n ?? 0,
    difference,
    relative: difference !== null && trainLoss ? difference / trainLoss : null,
    uncertainty,
    threshold: THRESHOLDS.trainEvalRelative,
    crossingStep: null,
    samplesToDecide: null,
    logEndsAt: null as number | null,
    ...(sftRun ? { evalMeasure: 'sft' as const } : {}),
  }
  if (!log) return { ...base, status: 'notMeasured', reason: 'noTrainLoss', figure: null }
  if (evalLoss === null) return { ...base, status: 'notMeasured', reason: 'noTeacherForcing', figure: null }
  if (step === null) {
    // Only samples from training sit on the training curve: a held-out set sits above it by its
    // generalisation gap, so where it "crosses" the curve says nothing about the checkpoint's step.
    return {
      ...base,
      status: 'inconclusive',
      reason: 'noStep',
      figure: null,
      crossingStep: args.kind === 'fromTraining' ? crossingStep(log, evalLoss, windowLines) : null,
    }
  }
  if (!training || base.relative === null) {
    return { ...base, status: 'notMeasured', reason: 'noLogAtStep', figure: null }
  }
  // The log ending before the step is worth a note only past one logging interval: a log written
  // every 5 steps ends at 833 for a run saved at 836 (the demo), and that is no sign of a wrong step.
  const lastLogged = log.points[log.points.length - 1]!.step
  if (step - lastLogged > logInterval(log)) base.logEndsAt = lastLogged
  const figure = base.relative
  // Relative terms on both sides: the minimum effect is a fraction of the training loss.
  const sep = separation(
    figure,
    uncertainty !== null ? uncertainty / trainLoss! : null,
    THRESHOLDS.trainEvalRelative,
    THRESHOLDS.noiseStderrs,
  )
  const toDecide = samplesToDecide(difference!, uncertainty, base.samples, THRESHOLDS.noiseStderrs)
  if (sep === 'within') return { ...base, status: 'pass', reason: 'within', figure }
  if (difference! < 0) return { ...base, status: 'expected', reason: 'below', figure }
  if (args.kind === 'heldOut') return { ...base, status: 'expected', reason: 'generalisation', figure }
  if (args.kind === 'fromTraining' && sep === 'above') {
    return { ...base, status: 'fail', reason: 'above', figure }
  }
  if (args.kind === 'fromTraining') {
    return { ...base, status: 'inconclusive', reason: 'noisy', figure, samplesToDecide: toDecide }
  }
  // unknown (or a mixed set's whole): cannot tell a defect from generalisation without the data check.
  return { ...base, status: 'inconclusive', reason: 'unknownKind', figure, samplesToDecide: toDecide }
}

function sameSubject(c: { checkpointId?: string; datasetId?: string }, s: Subject): boolean {
  return (
    (c.checkpointId === undefined || c.checkpointId === s.checkpointId) &&
    (c.datasetId === undefined || c.datasetId === s.datasetId)
  )
}

/** The log's usual distance between lines (the median step difference; 1 for a log of one line). */
function logInterval(log: TrainLog): number {
  const gaps = log.points
    .slice(1)
    .map((p, i) => p.step - log.points[i]!.step)
    .filter((g) => g > 0)
    .sort((a, b) => a - b)
  return gaps.length > 0 ? gaps[Math.floor(gaps.length / 2)]! : 1
}

/**
 * Verdicts on the seed report's hypotheses. Pure data: the sentences that explain them live in
 * text.ts (en and zh-CN), so the window and the report word them the same way.
 */

/** pass: this check rules the hypothesis out as a defect; fail: it is (part of) the cause; or not measured. */
export type VerdictStatus = 'pass' | 'fail' | 'notMeasured'

export type Hypothesis = 'data' | 'weights' | 'mode' | 'kvCache' | 'alignment' | 'trainEval'

interface VerdictBase {
  status: VerdictStatus
  /** The figure that decided the verdict; null when not measured. */
  figure: number | null
  /** The threshold the figure was compared with (see thresholds.ts); null when none applies. */
  threshold: number | null
}

export interface DataVerdict extends VerdictBase {
  hypothesis: 'data'
  reason: 'notChecked' | 'allFound' | 'notAllFound' | 'heldOut'
  datasetId: string | null
  /** Samples found by any of the three matches (exact, normalised, substring); figure = found / total. */
  found: number | null
  total: number | null
  exact: number | null
  normalized: number | null
  substring: number | null
  /** The user marked the dataset as drawn from training (DatasetRef.fromTraining). */
  claimedFromTraining: boolean | null
}

export interface WeightsVerdict extends VerdictBase {
  hypothesis: 'weights'
  reason: 'notChecked' | 'allMatched' | 'notAllMatched'
  checkpointId: string | null
  /** figure = matched / total. */
  matched: number | null
  total: number | null
  maxAbsDiff: number | null
  tolerance: number | null
  mismatched: number | null
  unmatchedCheckpoint: number | null
  unmatchedModel: number | null
}

export interface ModeVerdict extends VerdictBase {
  hypothesis: 'mode'
  /**
   * expected: AR above TF is exposure bias, not a defect, and does not explain the reported number;
   * noGap: AR never parts from TF by the threshold; explainsReported: the user's number is the AR loss.
   */
  reason: 'notMeasured' | 'expected' | 'noGap' | 'explainsReported'
  teacherForcing: number | null
  autoregressive: number | null
  /** AR - TF (nats). */
  gap: number | null
  /** First step (1-based) where the AR step mean exceeds TF's by more than modeStepDivergenceNats. */
  divergenceStep: number | null
  steps: number | null
  /** Largest AR - TF per-step difference, and its step (1-based). */
  maxStepGap: number | null
  maxStepGapAt: number | null
  reported: number | null
}

export interface KvCacheVerdict extends VerdictBase {
  hypothesis: 'kvCache'
  reason: 'notMeasured' | 'noCache' | 'agrees' | 'logitsDiffer' | 'top1Differs'
  maxAbsDiff: number | null
  top1Agreement: number | null
  maxAbsDiffThreshold: number
  top1Threshold: number
}

export interface AlignmentVerdict extends VerdictBase {
  hypothesis: 'alignment'
  /**
   * minimumAtZero: the sweep's lowest loss is at shift 0 (figure: that shift); minimumElsewhere;
   * keepLastDiffers: logits_to_keep=P+1 minus its last row does not reproduce teacher forcing (figure: |diff|);
   * correctBeatsShifted: no sweep, but the correct slice beats the one-off slice;
   * explainsReported: the user's number is a shifted slice (figure: its relative distance): the cause.
   */
  reason:
    | 'notMeasured'
    | 'minimumAtZero'
    | 'minimumElsewhere'
    | 'keepLastDiffers'
    | 'correctBeatsShifted'
    | 'shiftedBeatsCorrect'
    | 'explainsReported'
  /** Shift with the lowest mean loss in the sweep. */
  argminShift: number | null
  sweep: Partial<Record<number, number>>
  teacherForcing: number | null
  keepLastAligned: number | null
  keepLastMisaligned: number | null
  /** keepLastMisaligned - correct (nats), and as a fraction of correct: what the one-off slice costs. */
  misalignedExcess: number | null
  misalignedExcessRelative: number | null
  alignedVsTeacherForcing: number | null
  /** With explainsReported: the user's number, the shift of the slice that reproduces it, and its loss. */
  reported: number | null
  reportedShift: number | null
  reportedValue: number | null
}

export interface TrainEvalVerdict extends VerdictBase {
  hypothesis: 'trainEval'
  reason: 'noTrainLoss' | 'noTrainingSamples' | 'noTeacherForcing' | 'within' | 'outside'
  trainLoss: number | null
  evalLoss: number | null
  /** eval - train (nats) and (eval - train) / train; figure = |relative|. */
  difference: number | null
  relative: number | null
  /** How many logged points the training loss averages (TrainLog.tail). */
  tail: number | null
  /** Whether "training-drawn" rests on a consistency check (true) or on the user's word (false). */
  verifiedFromTraining: boolean | null
}

export type Verdict =
  DataVerdict | WeightsVerdict | ModeVerdict | KvCacheVerdict | AlignmentVerdict | TrainEvalVerdict

/** A measured variant the user's number could be ("explain my number"). */
export interface Candidate {
  measure: 'teacherForcing' | 'keepLastMisaligned' | 'keepLastAligned' | 'offsetSweep' | 'autoregressive'
  /** The sweep's shift, for offsetSweep. */
  shift?: number
  value: number
  checkpointId?: string
  datasetId?: string
}

export interface RankedCandidate extends Candidate {
  /** |value - reported| / reported. */
  relative: number
  /**
   * Row shift of the slice this variant scores relative to the right one: 0 for teacherForcing,
   * keepLastAligned and sweep 0; +1 for keepLastMisaligned; s for sweep s; null for autoregressive.
   */
  rowShift: number | null
}

export interface Explanation {
  reported: number
  tolerance: number
  status: 'matched' | 'noMatch' | 'noCandidates'
  /** Nearest variant within tolerance; null when none is. */
  match: RankedCandidate | null
  /** Nearest variant overall (even outside tolerance). */
  nearest: RankedCandidate | null
  /** Every candidate, nearest first. */
  ranked: RankedCandidate[]
  /** Another variant with a different slice is also within tolerance. */
  ambiguous: boolean
}

/**
 * Verdicts on the seed report's hypotheses, per checkpoint × dataset. Pure data: the sentences that
 * explain them live in text-en.ts / text-zh.ts, so the window, the report and the CLI word them alike.
 */
import type { DatasetKind } from '../experiment'
import type { TrainingReference } from './training-reference'

/**
 * pass: this check rules the hypothesis out as a defect; fail: it is (part of) the cause;
 * expected: a difference the method predicts (exposure bias, held-out generalisation, lower loss on
 * trained samples), not a defect; inconclusive: the evidence cannot tell (the text says what would);
 * notMeasured: no evidence.
 */
export type VerdictStatus = 'pass' | 'fail' | 'expected' | 'inconclusive' | 'notMeasured'

export const VERDICT_STATUSES: readonly VerdictStatus[] = [
  'pass',
  'fail',
  'expected',
  'inconclusive',
  'notMeasured',
]

export type Hypothesis = 'data' | 'weights' | 'mode' | 'kvCache' | 'alignment' | 'trainEval'

interface VerdictBase {
  status: VerdictStatus
  /** The figure that decided the verdict; null when not measured. */
  figure: number | null
  /** The threshold the figure was compared with (see thresholds.ts); null when none applies. */
  threshold: number | null
  /** Standard error of the compared difference (nats); null where the verdict compares no two losses. */
  uncertainty: number | null
}

/** The checkpoint and dataset a verdict is about (null where it has none: a weights verdict's dataset). */
interface Subject {
  checkpointId: string | null
  datasetId: string | null
}

export interface DataVerdict extends VerdictBase, Subject {
  hypothesis: 'data'
  /**
   * allFound: every sample is in the training data (drawn from training, as claimed or as found);
   * confirmedHeldOut: none is, and nobody claimed otherwise; mixed: some are (reported separately);
   * claimedNotFound: the user says drawn from training but samples are missing;
   * heldOutFound: the user says held out but samples occur in training (contamination).
   */
  reason: 'notChecked' | 'allFound' | 'confirmedHeldOut' | 'mixed' | 'claimedNotFound' | 'heldOutFound'
  /** What the check found (or, unchecked, what the user said). */
  kind: DatasetKind
  /** What the user said the set is ('unknown' when nothing). */
  claimedKind: DatasetKind
  /** Samples found by any of the three matches (exact, normalised, substring); figure = found / total. */
  found: number | null
  total: number | null
  exact: number | null
  normalized: number | null
  substring: number | null
}

export interface WeightsVerdict extends VerdictBase, Subject {
  hypothesis: 'weights'
  reason: 'notChecked' | 'allMatched' | 'notAllMatched'
  /** figure = matched / total. */
  matched: number | null
  total: number | null
  maxAbsDiff: number | null
  tolerance: number | null
  mismatched: number | null
  unmatchedCheckpoint: number | null
  unmatchedModel: number | null
}

export interface ModeVerdict extends VerdictBase, Subject {
  hypothesis: 'mode'
  /**
   * expected: AR parts from TF (exposure bias, not a defect); noGap: AR never parts from TF by the
   * threshold; explainsReported: the user's number is the AR loss.
   */
  reason: 'notMeasured' | 'expected' | 'noGap' | 'explainsReported'
  teacherForcing: number | null
  autoregressive: number | null
  /** AR - TF (nats), paired over samples; its standard error is the verdict's uncertainty. */
  gap: number | null
  /** First step (1-based) where the AR step mean exceeds TF's by more than modeStepDivergenceNats. */
  divergenceStep: number | null
  steps: number | null
  /** Largest AR - TF per-step difference, and its step (1-based). */
  maxStepGap: number | null
  maxStepGapAt: number | null
  reported: number | null
  /**
   * 'sft' on an SFT run: teacherForcing is then the SFT loss on the tokens the generation scored (the
   * first reply's first min(P, reply) tokens, teacher-forced) and autoregressive the generated reply's
   * loss (`sftAutoregressive`), paired per conversation.
   */
  evalMeasure?: 'sft'
}

export interface KvCacheVerdict extends VerdictBase, Subject {
  hypothesis: 'kvCache'
  /** sftRun: an SFT run without the check: its SFT loss is one full forward, no cache to differ. */
  reason: 'notMeasured' | 'noCache' | 'agrees' | 'logitsDiffer' | 'top1Differs' | 'sftRun'
  evalMeasure?: 'sft'
  maxAbsDiff: number | null
  top1Agreement: number | null
  maxAbsDiffThreshold: number
  top1Threshold: number
}

export interface AlignmentVerdict extends VerdictBase, Subject {
  hypothesis: 'alignment'
  /**
   * minimumAtZero: shift 0 scores lowest (figure: its margin to the next-best shift);
   * rowsShifted: another shift scores lower by far, on a model that has learned enough for it to mean
   *   something, and (with a log) shift 0 sits far above the training loss: the model's rows are
   *   `rowOffset` positions out of step (figure: the dip, sweep[0] - sweep[best]);
   * tooLittleLearned: the model is too close to its no-context level for the sweep to test alignment
   *   (figure: learnedDepth); leakage: +1 beats 0 while 0 reproduces the training loss: row +1 has seen
   *   its target; withinNoise: another shift is lower, but not beyond the noise band;
   * keepLastDiffers: logits_to_keep=P+1 minus its last row does not reproduce teacher forcing;
   * correctBeatsShifted / shiftedBeatsCorrect: no sweep, only the two logits_to_keep slices;
   * explainsReported: the user's number is a shifted slice: their script is misaligned, the cause.
   */
  reason:
    | 'notMeasured'
    | 'minimumAtZero'
    | 'rowsShifted'
    | 'tooLittleLearned'
    | 'leakage'
    | 'withinNoise'
    | 'keepLastDiffers'
    | 'correctBeatsShifted'
    | 'shiftedBeatsCorrect'
    | 'explainsReported'
    | 'sftNoSweep'
  /** Shift with the lowest mean loss in the sweep. */
  argminShift: number | null
  sweep: Partial<Record<number, number>>
  /** Worst row behind the best one minus the best (nats): how much context the model has learned to use. */
  learnedDepth: number | null
  /** sweep[0] - sweep[argmin] (nats, paired); 0 when the minimum is at 0. */
  dip: number | null
  /** With rowsShifted: rows must be taken this many positions later (+) or earlier (-) to be right. */
  rowOffset: number | null
  /** The training loss at the checkpoint's step, when known: where each shift lands against it. */
  trainLoss: number | null
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
  /**
   * An SFT run ('sft'): the sweep is over the assistant targets (`sft.offsetSweep`, shift 0 = the SFT
   * loss), and explainsReported means the user's number is the one-late mask. sftLoss is the trainer's
   * number (mask shifted with [1:]); shiftedMaskLoss the same mean with the mask one position late, and
   * maskLateExcess its paired excess over the SFT loss (maskLateStderr its standard error).
   * sftNoSweep (not measured): only the two masks were measured, which pair every row with its own next token and so
   * cannot show rows out of step.
   */
  evalMeasure?: 'sft'
  sftLoss?: number | null
  shiftedMaskLoss?: number | null
  maskLateExcess?: number | null
  maskLateStderr?: number | null
}

/** Which samples of a mixed set a train-vs-eval verdict covers. */
export type SampleSubset = 'all' | 'found' | 'notFound'

export interface TrainEvalVerdict extends VerdictBase, Subject {
  hypothesis: 'trainEval'
  /**
   * within: eval within the minimum effect of training; above: eval above training beyond noise on
   * training-drawn samples (fail); below: below it (expected: trained-on samples, loss logged before the
   * update); noisy: a difference beyond the minimum effect that the noise cannot confirm;
   * generalisation: held-out samples above training (expected); unknownKind: above training on a set
   * nobody has said or checked is drawn from training; noStep: the checkpoint's step is unknown, so no
   * verdict against the log (crossingStep says where the curve meets the eval loss); noLogAtStep: the
   * log has nothing at or before the step.
   */
  reason:
    | 'noTrainLoss'
    | 'noStep'
    | 'noLogAtStep'
    | 'noTeacherForcing'
    | 'within'
    | 'above'
    | 'below'
    | 'noisy'
    | 'generalisation'
    | 'unknownKind'
  /** The dataset's kind the verdict reasoned with, and which of its samples it covers. */
  kind: DatasetKind
  subset: SampleSubset
  step: number | null
  training: TrainingReference | null
  /** Window mean of the logged loss (training.mean), for convenience. */
  trainLoss: number | null
  evalLoss: number | null
  evalStderr: number | null
  samples: number
  /** eval - train (nats) and (eval - train) / train; figure = relative. */
  difference: number | null
  relative: number | null
  /** With noStep: where the smoothed training curve comes down to the eval loss. */
  crossingStep: number | 'before' | null
  /** With noisy / unknownKind: samples that would let the noise band decide. */
  samplesToDecide: number | null
  /** The log's last step, when it ends before the checkpoint's step (the window then ends early). */
  logEndsAt: number | null
  /**
   * 'sft' when evalLoss is the SFT loss (an SFT run: conversations scored as MiniMind's SFT trainer
   * scores them, no continuation teacher forcing); absent when it is teacher forcing.
   */
  evalMeasure?: 'sft'
}

export type Verdict =
  DataVerdict | WeightsVerdict | ModeVerdict | KvCacheVerdict | AlignmentVerdict | TrainEvalVerdict

/** A measured variant the user's number could be ("explain my number"). */
export interface Candidate {
  measure:
    | 'teacherForcing'
    | 'keepLastMisaligned'
    | 'keepLastAligned'
    | 'offsetSweep'
    | 'autoregressive'
    | 'sft'
    | 'sftShiftedMask'
    | 'sftAutoregressive'
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

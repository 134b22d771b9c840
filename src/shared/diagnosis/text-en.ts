/** English wording of verdicts (see text.ts). */
import type { DatasetKind } from '../experiment'
import type { Cause, Conclusion } from './diagnose'
import {
  fmtKvDiff,
  fmtLoss,
  fmtPct,
  fmtPm,
  fmtRatio,
  fmtSci,
  fmtShift,
  fmtSignedLoss,
  fmtSignedPct,
} from './format'
import { sweepRunnerUp } from './means'
import { separation } from '../stats'
import type { Names, VerdictText, WaterfallText } from './text'
import { THRESHOLDS } from './thresholds'
import type { CheckpointChange } from './trajectory'
import type { Waterfall, WaterfallBar, WaterfallLevel, WaterfallReason, WaterfallStep } from './waterfall'
import type {
  AlignmentVerdict,
  Candidate,
  DataVerdict,
  ModeVerdict,
  TrainEvalVerdict,
  Verdict,
  VerdictStatus,
} from './types'

const STATUSES: Record<VerdictStatus, string> = {
  pass: 'pass',
  fail: 'fail',
  expected: 'expected',
  inconclusive: 'inconclusive',
  notMeasured: 'not measured',
}

const BADGES: Record<VerdictStatus, string> = {
  pass: '✅ pass',
  fail: '❌ fail',
  expected: '🔵 expected',
  inconclusive: '❔ inconclusive',
  notMeasured: '➖ not measured',
}

const KINDS: Record<DatasetKind, string> = {
  fromTraining: 'drawn from training',
  heldOut: 'held out',
  mixed: 'partly drawn from training',
  unknown: 'of unknown origin',
}

const HYPOTHESES = {
  data: 'Data: evaluation samples come from the training data',
  weights: 'Weights: the checkpoint reached the ONNX model intact',
  mode: 'Train/infer mode: teacher forcing vs free-running generation',
  kvCache: 'KV cache: incremental decoding matches a full forward',
  alignment: 'Alignment: logits scored against the right targets',
  trainEval: "Train vs eval: evaluation loss against the training loss at the checkpoint's step",
} as const

function candidate(c: Candidate): string {
  switch (c.measure) {
    case 'teacherForcing':
      return 'teacher forcing (the right slice)'
    case 'keepLastMisaligned':
      return 'logits_to_keep=P scored as the last P rows (one position late)'
    case 'keepLastAligned':
      return 'logits_to_keep=P+1 without its last row (the right slice)'
    case 'offsetSweep': {
      const s = c.shift ?? 0
      const n = Math.abs(s)
      if (s === 0) return 'offset sweep, shift 0 (the right rows)'
      return `offset sweep, rows shifted by ${fmtShift(s)} (${n} position${n > 1 ? 's' : ''} ${s > 0 ? 'late' : 'early'})`
    }
    case 'autoregressive':
      return 'autoregressive generation (greedy, free-running)'
    case 'sft':
      return "the SFT loss (assistant tokens only, as MiniMind's SFT trainer scores them)"
    case 'sftShiftedMask':
      return 'the SFT loss with its mask one position late (the mask of the input row put on the labels)'
    case 'sftAutoregressive':
      return "generation on the conversations' assistant turns (greedy, free-running)"
  }
}

function dataVerdict(v: DataVerdict): string {
  const total = v.total ?? 0
  const found = v.found ?? 0
  const counts = `${v.exact} verbatim, ${v.normalized} after whitespace normalisation, ${v.substring} as part of a training row`
  switch (v.reason) {
    case 'notChecked':
      return v.claimedKind === 'unknown'
        ? 'No consistency check has been run, and nobody has said whether these samples come from the training data.'
        : `No consistency check has been run; the set is marked ${KINDS[v.claimedKind]}, which nothing has verified yet.`
    case 'allFound':
      return `All ${total} evaluation samples occur in the training data (${counts}): the set is drawn from training, so its loss can be compared with the training loss like for like.`
    case 'confirmedHeldOut':
      return `None of the ${total} samples occurs in the training data: the set is confirmed held out, so its loss measures generalisation and is expected to sit above the training loss.`
    case 'mixed':
      return `${found} of ${total} samples occur in the training data and ${total - found} do not: the two parts are compared with training separately.`
    case 'claimedNotFound':
      return `The set is marked drawn from training, but ${total - found} of ${total} samples were not found in the training data: on those the loss measures generalisation, not the evaluation's fidelity to training.`
    case 'heldOutFound':
      return `The set is marked held out, but ${found} of ${total} samples occur in the training data: it is contaminated, and its loss understates the generalisation gap.`
  }
}

/** The one-late mask beside the SFT loss, paired, with the trainer's number named. */
function maskLateEn(v: AlignmentVerdict): string {
  if (v.shiftedMaskLoss === null || v.shiftedMaskLoss === undefined) return ''
  const sep = separation(v.maskLateExcess ?? 0, v.maskLateStderr ?? null, 0, THRESHOLDS.noiseStderrs)
  const size =
    sep === 'above' || sep === 'below'
      ? `${fmtSignedLoss(v.maskLateExcess)}${fmtPm(v.maskLateStderr)} nats, beyond the noise`
      : `${fmtSignedLoss(v.maskLateExcess)}${fmtPm(v.maskLateStderr)} nats, within the noise (${THRESHOLDS.noiseStderrs} s.e.)`
  const mine = v.reportedValue !== null && v.reportedValue !== undefined
  // The mask's excess within the noise: the number alone cannot tell the two masks apart.
  const reported = !mine
    ? ''
    : sep === 'above' || sep === 'below'
      ? ` Your reported ${fmtLoss(v.reported)} is this one-late mask (${fmtLoss(v.reportedValue)} here): your script shifts the labels but not the loss mask; the model's rows are not at fault.`
      : ` Your reported ${fmtLoss(v.reported)} is nearest this one-late mask (${fmtLoss(v.reportedValue)} here), but the two masks are within the noise of each other on these conversations: the number alone cannot say which your script computes, and either way the model's rows are not at fault.`
  return ` The loss mask one position late (the common evaluation bug: labels shifted, mask not) gives ${fmtLoss(v.shiftedMaskLoss)}, ${size} against the SFT loss ${fmtLoss(v.sftLoss)}, which is the trainer's number (mask shifted with the labels). It still pairs each row with its own next token, only over the tokens one later, so it moves the number little and cannot be caught by its value: only the script shows it.${reported}`
}

function sftAlignmentVerdict(v: AlignmentVerdict): string {
  const zero = v.sweep[0]
  const best = v.argminShift ?? 0
  const pm = fmtPm(v.uncertainty)
  const mask = maskLateEn(v)
  switch (v.reason) {
    case 'minimumAtZero': {
      const next = sweepRunnerUp(v.sweep, 0)
      const nextText = next
        ? ` (next best: shift ${fmtShift(next[0])} at ${fmtLoss(next[1])}, ${fmtLoss(v.figure)}${pm} nats higher)`
        : ''
      return `The offset sweep over the assistant targets is lowest at shift 0, the SFT loss, ${fmtLoss(zero)} nats${nextText}: row p − 1 predicts reply token p, as in training.${mask}`
    }
    case 'rowsShifted': {
      const n = Math.abs(best)
      return `The model's rows are ${n} position${n > 1 ? 's' : ''} ${best > 0 ? 'late' : 'early'} on the assistant targets: shift ${fmtShift(best)} scores ${fmtLoss(v.sweep[best])} where shift 0 (the SFT loss) scores ${fmtLoss(zero)}, ${fmtLoss(v.dip)}${pm} nats lower, on a model that has learned ${fmtLoss(v.learnedDepth)} nats of context. Fix the export that moved its logits.${mask}`
    }
    case 'tooLittleLearned':
      return `Inconclusive: too little learned to test alignment. On the assistant targets the lowest shift is ${fmtShift(best)} (${fmtLoss(v.sweep[best])}; shift 0, the SFT loss: ${fmtLoss(zero)}), but the rows behind it score only ${fmtLoss(v.learnedDepth)} nats worse, less than the ${fmtLoss(v.threshold)} nats needed before the sweep means anything.${mask}`
    case 'withinNoise':
      return `Inconclusive: on the assistant targets shift ${fmtShift(best)} (${fmtLoss(v.sweep[best])}) is lower than shift 0, the SFT loss (${fmtLoss(zero)}), by ${fmtLoss(v.dip)}${pm} nats, within the noise or below the ${fmtLoss(v.threshold)}-nat minimum that would show rows out of step.${mask}`
    case 'explainsReported':
      return `Your reported ${fmtLoss(v.reported)} is the SFT loss with the mask one position late (${fmtLoss(v.reportedValue)} on these conversations): your script shifts the labels but not the loss mask. The trainer's number is the SFT loss, ${fmtLoss(v.sftLoss)}.${v.argminShift === 0 ? ` The model itself is aligned: the sweep over the assistant targets is lowest at shift 0 (${fmtLoss(zero)}).` : ''}`
    case 'sftNoSweep':
      return `No offset sweep over the assistant targets was measured, so the rows are not tested.${mask}`
    default:
      return 'Neither the offset sweep over the assistant targets nor the SFT loss was measured.'
  }
}

function alignmentVerdict(v: AlignmentVerdict): string {
  if (v.evalMeasure === 'sft') return sftAlignmentVerdict(v)
  const excess =
    v.misalignedExcess !== null && v.misalignedExcess > 0
      ? ` Scoring one position late (logits_to_keep=P, last P rows) gives ${fmtLoss(v.keepLastMisaligned)}: ${fmtRatio(v.keepLastMisaligned, v.teacherForcing)} teacher forcing.`
      : ''
  const zero = v.sweep[0]
  const best = v.argminShift ?? 0
  const pm = fmtPm(v.uncertainty)
  const train = v.trainLoss !== null ? ` The training loss at this step is ${fmtLoss(v.trainLoss)}.` : ''
  switch (v.reason) {
    case 'notMeasured':
      return 'Neither the offset sweep nor the logits_to_keep variants were measured.'
    case 'minimumAtZero': {
      const next = sweepRunnerUp(v.sweep, 0)
      const nextText = next
        ? ` (next best: shift ${fmtShift(next[0])} at ${fmtLoss(next[1])}, ${fmtLoss(v.figure)}${pm} nats higher)`
        : ''
      return `The offset sweep is lowest at shift 0, ${fmtLoss(zero)} nats${nextText}: row i's logits predict token i+1, as they should.${excess}`
    }
    case 'rowsShifted': {
      const n = Math.abs(best)
      const dir = best > 0 ? 'late' : 'early'
      return `The model's rows are ${n} position${n > 1 ? 's' : ''} ${dir}: shift ${fmtShift(best)} scores ${fmtLoss(v.sweep[best])} where shift 0 scores ${fmtLoss(zero)} (${fmtLoss(v.dip)}${pm} nats lower), on a model that has learned ${fmtLoss(v.learnedDepth)} nats of context.${train} Score rows L−1${best > 0 ? '+' : '−'}${n} … N−2${best > 0 ? '+' : '−'}${n} (offset ${fmtShift(best)}) or fix the export that moved its logits.`
    }
    case 'tooLittleLearned':
      return `Inconclusive: too little learned to test alignment. The lowest shift is ${fmtShift(best)} (${fmtLoss(v.sweep[best])}; shift 0: ${fmtLoss(zero)}), but the rows behind it score only ${fmtLoss(v.learnedDepth)} nats worse, less than the ${fmtLoss(v.threshold)} nats a model needs to have learned before the sweep means anything. Row +1 has already been fed its target, so a model near its no-context level wins there on any copy tendency. A later checkpoint will decide.`
    case 'leakage':
      return `Inconclusive: shift ${fmtShift(best)} scores ${fmtLoss(v.sweep[best])}, lower than shift 0 (${fmtLoss(zero)}), but shift 0 already reproduces the training loss (${fmtLoss(v.trainLoss)}): the lower row has been fed its own target (leakage), which by itself never shows misalignment.`
    case 'withinNoise':
      return `Inconclusive: shift ${fmtShift(best)} (${fmtLoss(v.sweep[best])}) is lower than shift 0 (${fmtLoss(zero)}) by ${fmtLoss(v.dip)}${pm} nats, within the noise or below the ${fmtLoss(v.threshold)}-nat minimum that would show rows out of step. More samples, or a later checkpoint, would decide.`
    case 'sftNoSweep':
      return sftAlignmentVerdict(v)
    case 'keepLastDiffers':
      return `logits_to_keep=P+1 without its last row gives ${fmtLoss(v.keepLastAligned)} where teacher forcing gives ${fmtLoss(v.teacherForcing)}: the graph's logits_to_keep path computes different logits, not just fewer.`
    case 'correctBeatsShifted':
      return `The right slice (${fmtLoss(v.teacherForcing ?? v.keepLastAligned)}) beats the one-off slice (${fmtLoss(v.keepLastMisaligned)}); no offset sweep was run.${excess}`
    case 'shiftedBeatsCorrect':
      return v.status === 'fail'
        ? `The one-off slice (${fmtLoss(v.keepLastMisaligned)}) scores far lower than the right one (${fmtLoss(v.teacherForcing ?? v.keepLastAligned)}): the model's rows are one position late.${train}`
        : `The one-off slice (${fmtLoss(v.keepLastMisaligned)}) scores lower than the right one (${fmtLoss(v.teacherForcing ?? v.keepLastAligned)}), but that row has been fed its target: without an offset sweep and a clear margin this cannot show misalignment.`
    case 'explainsReported': {
      const n = Math.abs(v.reportedShift ?? 0)
      const model =
        v.argminShift === 0
          ? ` The model itself is aligned: the offset sweep is lowest at shift 0 (${fmtLoss(zero)}).`
          : ''
      const late = (v.reportedShift ?? 0) > 0
      const row =
        n === 1
          ? `the row ${late ? 'after' : 'before'}`
          : `the row ${n} positions ${late ? 'after' : 'before'}`
      return `Your script is off by ${n}: your reported ${fmtLoss(v.reported)} is the loss of rows shifted by ${fmtShift(v.reportedShift ?? 0)} (${fmtLoss(v.reportedValue)} on these samples), so it pairs each target with ${row} the one that predicts it.${model}`
    }
  }
}

function trainEvalVerdict(v: TrainEvalVerdict): string {
  const part =
    v.subset === 'found'
      ? 'On the samples found in the training data, '
      : v.subset === 'notFound'
        ? 'On the samples not found in the training data, '
        : ''
  const t = v.training
  const window = t
    ? `the mean of the ${t.lines} logged losses up to step ${v.step} (steps ${t.fromStep}–${t.toStep}, sd ${fmtLoss(t.sd)})`
    : ''
  const figures = `${v.evalMeasure === 'sft' ? 'the SFT loss' : 'teacher forcing'} gives ${fmtLoss(v.evalLoss)}${fmtPm(v.evalStderr)} against a training loss of ${fmtLoss(v.trainLoss)}, ${window}: ${fmtSignedLoss(v.difference)}${fmtPm(v.uncertainty)} nats, ${fmtSignedPct(v.relative)} vs training loss`
  const cap = (x: string): string => (part ? x : x.charAt(0).toUpperCase() + x.slice(1))
  const ends =
    v.logEndsAt !== null
      ? ` Note: the training log ends at step ${v.logEndsAt}, before this checkpoint's step ${v.step}; the window is the log's last lines, and the step may be wrong.`
      : ''
  switch (v.reason) {
    case 'noTrainLoss':
      return 'No training loss is available (no training log, or no loss found in it).'
    case 'noTeacherForcing':
      return 'Teacher forcing was not measured on this set.'
    case 'noStep': {
      const c = v.crossingStep
      const where =
        v.kind !== 'fromTraining'
          ? 'only samples drawn from training sit on the training curve, so this set cannot tell which step the checkpoint is'
          : c === null
            ? 'the logged curve never comes down to it'
            : c === 'before'
              ? 'the logged curve is already below it at its start'
              : `the smoothed training curve comes down to it at step ~${c}: the checkpoint looks like step ~${c}`
      return `The checkpoint's training step is unknown, so it is not judged against the log (the end of training would be another model). Its teacher-forcing loss is ${fmtLoss(v.evalLoss)}; ${where}. Give the step (--step, or the checkpoint's Step field) for a verdict.`
    }
    case 'noLogAtStep':
      return `The training log has no line at or before step ${v.step}.`
    case 'within':
      return `${part}${cap(figures)}: within ${fmtPct(v.threshold, 0)} of training, so the evaluation reproduces training.${ends}`
    case 'above':
      return `${part}${cap(figures)}: above training beyond the noise on samples drawn from training, so the evaluation does not reproduce training.${ends}`
    case 'below':
      return v.kind === 'fromTraining'
        ? `${part}${cap(figures)}: lower than training, which is expected on samples the model has been trained on (each logged value is one micro-batch measured before the update on it; these samples have been seen since; the training mix differs from this set).${ends}`
        : `${part}${cap(figures)}: lower than training, so the evaluation does not overstate the loss; ${v.kind === 'heldOut' ? 'this held-out set is easier than the training mix' : 'on samples drawn from training that is expected, on others it means they are easier than the training mix (the data check would say which)'}.${ends}`
    case 'noisy':
      return `${part}${cap(figures)}: more than ${fmtPct(v.threshold, 0)} above training, but within the noise band of ${THRESHOLDS.noiseStderrs} standard errors. Inconclusive${v.samplesToDecide !== null ? `: about ${v.samplesToDecide} samples would decide` : ''}.`
    case 'generalisation':
      return `${part}${cap(figures)}: the set is held out, so this is the generalisation gap, expected rather than a defect.${ends}`
    case 'unknownKind':
      return `${part}${cap(figures)}. Inconclusive: nobody has checked whether these samples come from the training data. On training-drawn samples this would be a failure; on held-out ones an expected generalisation gap. Run the data check (or mark the set) to decide.${ends}`
  }
}

/** SFT mode: the generated reply against the same reply tokens teacher-forced (the SFT loss's first). */
function sftModeEn(v: ModeVerdict): string {
  const ar = fmtLoss(v.autoregressive)
  const tf = fmtLoss(v.teacherForcing)
  if (v.reason === 'notMeasured')
    return 'The generated reply (sftAutoregressive) was not measured: only the SFT loss, which is teacher-forced.'
  if (v.reason === 'explainsReported')
    return `Your reported ${fmtLoss(v.reported)} is the generated reply's loss (${ar}): your script scores free-running generation, which sits above the SFT loss the trainer logs (exposure bias) and cannot be compared with it.`
  const same = `the same reply tokens teacher-forced (the SFT loss on them: ${tf})`
  if (v.reason === 'noGap')
    return `The generated reply (${ar}) stays within ${fmtLoss(v.threshold)} nats of ${same} at every step.`
  const where = v.divergenceStep !== null ? `, parting from step ${v.divergenceStep} of ${v.steps}` : ''
  return `Expected (exposure bias): the greedy generated reply scores ${ar}, ${fmtLoss(v.gap)}${fmtPm(v.uncertainty)} nats above ${same}${where}. The trainer's number is the teacher-forced SFT loss; a reply loss explains a reported number only if that number is the generation's.`
}

function verdict(v: Verdict): string {
  switch (v.hypothesis) {
    case 'data':
      return dataVerdict(v)
    case 'weights':
      if (v.reason === 'notChecked') {
        return 'The checkpoint has not been matched tensor by tensor against the ONNX model (no source .pth/.safetensors, or no verification yet).'
      }
      if (v.reason === 'allMatched') {
        return `All ${v.total} unique tensors of the checkpoint match the ONNX model (max |diff| ${fmtSci(v.maxAbsDiff)}, tolerance ${fmtSci(v.tolerance)}): the model evaluated is the model trained.`
      }
      return `Only ${v.matched} of ${v.total} unique tensors match (${v.mismatched} differ in value, ${v.unmatchedCheckpoint} are missing from the ONNX model): the model evaluated is not the model trained.`
    case 'mode': {
      const ar = fmtLoss(v.autoregressive)
      const tf = fmtLoss(v.teacherForcing)
      if (v.evalMeasure === 'sft') return sftModeEn(v)
      if (v.reason === 'notMeasured')
        return 'Teacher forcing and autoregressive generation were not both measured.'
      if (v.reason === 'explainsReported') {
        return `Your reported ${fmtLoss(v.reported)} is the autoregressive loss (${ar}): your script scores free-running generation, which is expected to sit above the training loss (exposure bias) and cannot be compared with it; teacher forcing (${tf}) can.`
      }
      const notYours =
        v.reported !== null && v.autoregressive !== null
          ? ` It does not explain your ${fmtLoss(v.reported)} (${fmtPct(Math.abs(v.autoregressive - v.reported) / v.reported)} away).`
          : ''
      if (v.reason === 'noGap') {
        return `Autoregressive generation (${ar}) stays within ${fmtLoss(v.threshold)} nats of teacher forcing (${tf}) at every step.${notYours}`
      }
      const where = v.divergenceStep !== null ? `, parting from step ${v.divergenceStep} of ${v.steps}` : ''
      return `Expected (exposure bias): autoregressive generation (${ar}) is ${fmtLoss(v.gap)}${fmtPm(v.uncertainty)} nats above teacher forcing (${tf})${where}, as it is once a model conditions on its own guesses. It explains a reported number only if that number is the autoregressive loss.${notYours}`
    }
    case 'kvCache':
      if (v.reason === 'sftRun')
        return 'Not applicable to SFT scoring: the SFT loss is one full forward per conversation, with no KV cache in it. The SFT loop does not run the cache check; kvCache in a pretraining run of the same model (a text dataset) checks the cache the generated reply decodes with.'
      if (v.reason === 'noCache')
        return 'The model has no KV-cache inputs, so there is no cache to check; generation recomputed the whole prefix at each step.'
      if (v.reason === 'notMeasured') return 'The KV-cache check was not run.'
      if (v.reason === 'agrees') {
        return `Decoding step by step with the KV cache reproduces the full forward (max |logit diff| ${fmtKvDiff(v.maxAbsDiff)}, top-1 agreement ${fmtPct(v.top1Agreement, 2)}): the cache cannot explain the gap.`
      }
      if (v.reason === 'logitsDiffer') {
        return `Incremental logits differ from the full forward by up to ${fmtSci(v.maxAbsDiff)}, far beyond float32 reordering: the cache path computes something else (positions, stale entries or layout).`
      }
      return `Logits stay close (max |diff| ${fmtSci(v.maxAbsDiff)}) but the cache changes the predicted token on ${fmtPct(1 - (v.top1Agreement ?? 0), 2)} of steps.`
    case 'alignment':
      return alignmentVerdict(v)
    case 'trainEval':
      return trainEvalVerdict(v)
  }
}

const CAUSES: Record<Cause, string> = {
  weights: 'the checkpoint did not reach the ONNX model intact',
  alignment: 'the logits are scored against the wrong targets',
  mode: 'the number scores free-running generation, not teacher forcing',
  kvCache: 'the KV-cache path computes different logits',
  data: 'the samples are not the training data they were said to be',
  trainEval: 'the evaluation sits above training beyond the noise, and no check explains why',
  generalisation: 'above training, as a held-out set should be',
  none: 'the evaluation is consistent with training; no defect found',
  inconclusive: 'the evidence cannot decide yet',
  notMeasured: 'nothing that decides it has been measured yet',
}

function conclusion(c: Conclusion, names: Names): string {
  const head = `${names.dataset(c.datasetId)} (${names.checkpoint(c.checkpointId)}): ${CAUSES[c.cause]}.`
  const why = [c.verdict, ...c.related].map((v) => (v ? ` ${verdict(v)}` : '')).join('')
  const changes = [...c.regressions, ...c.improvements].map((x) => ` ${change(x, names)}`).join('')
  return head + why + changes
}

const CHANGE_NAMES: Record<CheckpointChange['measure'], string> = {
  teacherForcing: 'teacher forcing',
  autoregressive: 'autoregressive loss',
  sft: 'SFT loss',
  sftAutoregressive: 'generated-reply loss',
}

function change(c: CheckpointChange, names: Names): string {
  const m = CHANGE_NAMES[c.measure]
  // What a sharper model improved: the teacher-forced loss beside the generation measure.
  const forced = c.measure === 'sftAutoregressive' ? 'SFT loss' : 'teacher forcing'
  const amount = `${fmtSignedLoss(c.delta)}${fmtPm(c.stderr)} nats on ${c.samples} samples`
  const on = names.dataset(c.datasetId)
  if (c.status === 'regression') {
    return `${names.checkpoint(c.to)} is worse than ${names.checkpoint(c.from)} on ${on} (${m}): ${amount}: over-fitting or forgetting.`
  }
  if (c.status === 'brokenExport') {
    return `${names.checkpoint(c.to)} vs ${names.checkpoint(c.from)} on ${on} (${m}): ${amount}, not a change made by training: one of the two fails alignment or weight verification, and the difference is that defect's.`
  }
  if (c.status === 'sharperModel') {
    return `${names.checkpoint(c.to)}'s ${m} on ${on} rose over ${names.checkpoint(c.from)} (${amount}) while its ${forced} improved: a sharper model pays more for the true tokens off its own greedy path (exposure bias growing with training), expected rather than over-fitting.`
  }
  if (c.status === 'improvement') {
    return `${names.checkpoint(c.to)} improves on ${names.checkpoint(c.from)} on ${on} (${m}): ${amount}.`
  }
  return `${names.checkpoint(c.to)} vs ${names.checkpoint(c.from)} on ${on} (${m}): ${amount}, within noise${c.unclear ? ' (more samples would decide)' : ''}.`
}

export const textEn: VerdictText = {
  badge: (s) => BADGES[s],
  status: (s) => STATUSES[s],
  kind: (k) => KINDS[k],
  hypothesis: (h) => HYPOTHESES[h],
  conclusion,
  change,
  candidate,
  verdict,
  figure(v) {
    if (v.hypothesis === 'kvCache' && v.reason === 'sftRun')
      return { figure: 'not applicable to SFT scoring', threshold: '—' }
    if (v.figure === null && v.status === 'notMeasured') return { figure: '—', threshold: thresholdEn(v) }
    switch (v.hypothesis) {
      case 'data':
        return { figure: `${v.found}/${v.total} found`, threshold: thresholdEn(v) }
      case 'weights':
        return { figure: `${v.matched}/${v.total} matched`, threshold: thresholdEn(v) }
      case 'mode':
        if (v.reason === 'explainsReported') {
          return {
            figure: `${fmtPct(v.figure, 2)} from the AR loss`,
            threshold: `≤ ${fmtPct(v.threshold, 0)}`,
          }
        }
        return {
          figure:
            v.evalMeasure === 'sft' && v.maxStepGapAt !== null
              ? `largest generated − SFT (teacher-forced) per reply token ${fmtSignedLoss(v.maxStepGap)} nats, at step ${v.maxStepGapAt}`
              : v.maxStepGapAt !== null
                ? `largest AR − TF per step ${fmtSignedLoss(v.maxStepGap)} nats, at step ${v.maxStepGapAt}`
                : `AR − TF ${fmtSignedLoss(v.gap)} nats`,
          threshold: thresholdEn(v),
        }
      case 'kvCache':
        if (v.reason === 'top1Differs')
          return {
            figure: `top-1 agreement ${fmtPct(v.figure, 2)}`,
            threshold: `≥ ${fmtPct(v.threshold, 0)}`,
          }
        return { figure: `max |diff| ${fmtKvDiff(v.figure)}`, threshold: thresholdEn(v) }
      case 'alignment':
        if (v.reason === 'keepLastDiffers')
          return {
            figure: `|aligned − TF| ${fmtSci(v.figure)} nats`,
            threshold: `≤ ${fmtSci(v.threshold)} nats`,
          }
        if (v.reason === 'correctBeatsShifted' || v.reason === 'shiftedBeatsCorrect') {
          return { figure: `misaligned − correct ${fmtSignedLoss(v.figure)} nats`, threshold: '> 0' }
        }
        if (v.reason === 'explainsReported') {
          if (v.evalMeasure === 'sft')
            return {
              figure: `your number is ${fmtPct(v.figure, 2)} from the mask one late`,
              threshold: `≤ ${fmtPct(v.threshold, 0)}`,
            }
          return {
            figure: `your number is ${fmtPct(v.figure, 2)} from the rows shifted by ${fmtShift(v.reportedShift ?? 0)}`,
            threshold: `≤ ${fmtPct(v.threshold, 0)}`,
          }
        }
        if (v.reason === 'minimumAtZero') {
          return {
            figure: `next-best shift ${fmtSignedLoss(v.figure)}${fmtPm(v.uncertainty)} nats above shift 0`,
            threshold: 'shift 0 lowest',
          }
        }
        if (v.reason === 'sftNoSweep') {
          return {
            figure: `mask one late − SFT loss ${fmtSignedLoss(v.figure)}${fmtPm(v.uncertainty)} nats`,
            threshold: 'no sweep: rows untested',
          }
        }
        if (v.reason === 'tooLittleLearned') {
          return {
            figure: `learned depth ${fmtLoss(v.figure)} nats`,
            threshold: `≥ ${fmtLoss(v.threshold)} nats to test`,
          }
        }
        return {
          figure: `shift ${fmtShift(v.argminShift ?? 0)} ${fmtLoss(v.figure)}${fmtPm(v.uncertainty)} nats below shift 0`,
          threshold: `> ${fmtLoss(v.threshold)} nats and ${THRESHOLDS.noiseStderrs} s.e.`,
        }
      case 'trainEval':
        if (v.reason === 'noStep')
          return { figure: `eval ${fmtLoss(v.evalLoss)}, step unknown`, threshold: '—' }
        return {
          figure: `${fmtSignedLoss(v.difference)}${fmtPm(v.uncertainty)} nats (${fmtSignedPct(v.figure)} vs training loss)`,
          threshold: thresholdEn(v),
        }
    }
  },
  explanation(e, runName) {
    const on = (c: Candidate): string => {
      const name = runName?.(c)
      return name ? ` on ${name}` : ''
    }
    if (e.status === 'noCandidates')
      return `Nothing was measured that could be compared with your ${fmtLoss(e.reported)}.`
    if (e.status === 'noMatch' || !e.match) {
      const n = e.nearest!
      return `No variant matches your ${fmtLoss(e.reported)} within ${fmtPct(e.tolerance, 0)}: the nearest is ${candidate(n)}${on(n)} at ${fmtLoss(n.value)} (${fmtPct(n.relative, 2)} away). Check that your script scored the same samples with the same input and predict lengths.`
    }
    const m = e.match
    const head = `Your ${fmtLoss(e.reported)} is reproduced by ${candidate(m)}${on(m)}: ${fmtLoss(m.value)}, ${fmtPct(m.relative, 2)} away (tolerance ${fmtPct(e.tolerance, 0)}).`
    let tail = ''
    if (m.measure === 'sftShiftedMask') {
      tail =
        ' Your script shifts the labels but not the loss mask, so it scores the token after each assistant token (the first one of the answer is dropped, the one after its end is counted).'
    } else if (m.rowShift !== null && m.rowShift !== 0) {
      const n = Math.abs(m.rowShift)
      tail = ` Your script scores the slice ${n === 1 ? 'one position' : `${n} positions`} ${m.rowShift > 0 ? 'late' : 'early'}.`
    } else if (m.rowShift === 0) {
      tail = ' Your script already scores the right slice.'
    }
    // Another slice, or the same slice on another checkpoint or dataset: either could be the user's number.
    const others = e.ranked.filter(
      (c) =>
        c.relative <= e.tolerance &&
        (c.rowShift !== m.rowShift || c.checkpointId !== m.checkpointId || c.datasetId !== m.datasetId),
    )
    const amb =
      e.ambiguous && others.length > 0
        ? ` Also within tolerance: ${others
            .slice(0, 3)
            .map((c) => `${candidate(c)}${on(c)} at ${fmtLoss(c.value)} (${fmtPct(c.relative, 2)})`)
            .join('; ')}; the nearest is taken, but the numbers alone cannot rule these out.`
        : ''
    return head + tail + amb
  },
  waterfall: waterfallEn(),
}

function thresholdEn(v: Verdict): string {
  switch (v.hypothesis) {
    case 'data':
      return v.claimedKind === 'heldOut'
        ? 'none found'
        : v.claimedKind === 'fromTraining'
          ? 'all found'
          : 'all (drawn from training) or none (held out)'
    case 'weights':
      return 'all tensors'
    case 'mode':
      return `a step parts when ${v.evalMeasure === 'sft' ? 'generated − teacher-forced' : 'AR − TF'} > ${fmtLoss(v.threshold ?? THRESHOLDS.modeStepDivergenceNats)} nats`
    case 'kvCache':
      return `≤ ${fmtSci(v.maxAbsDiffThreshold)} and top-1 ≥ ${fmtPct(v.top1Threshold, 0)}`
    case 'alignment':
      return 'shift 0 lowest'
    case 'trainEval':
      return `±${fmtPct(v.threshold, 0)} and ${THRESHOLDS.noiseStderrs} s.e.`
  }
}

const WF_STEPS: Record<WaterfallStep, string> = {
  logNoise: 'Log noise',
  auxLoss: 'aux_loss in the logged loss',
  trainingMix: 'Training mix vs these samples',
  tokenWeighting: 'Token weighting',
  position: 'Training format vs the continuation window',
  bos: 'BOS convention',
  slicing: "Your script's slicing",
}

const WF_SHORT: Record<WaterfallStep, string> = {
  logNoise: 'log noise',
  auxLoss: 'aux_loss',
  trainingMix: 'training mix',
  tokenWeighting: 'token weighting',
  position: 'positions',
  bos: 'BOS',
  slicing: 'slicing',
}

function wfLevel(m: { level: WaterfallLevel; shift?: number }): string {
  switch (m.level) {
    case 'loggedLine':
      return 'the logged line'
    case 'logWindow':
      return 'the window mean of loss'
    case 'logWindowLogits':
      return 'the window mean of logits_loss'
    case 'trainFormatTokenWeighted':
      return 'training-format loss, token-weighted'
    case 'trainFormat':
      return 'training-format loss, mean over samples'
    case 'teacherForcing':
      return 'continuation teacher forcing'
    case 'bosBothWithBos':
      return 'teacher forcing after a BOS'
    case 'bosBothWithoutBos':
      return 'teacher forcing without a BOS'
    case 'reported':
      return 'your number'
    default:
      return candidate({ measure: m.level, value: 0, ...(m.shift === undefined ? {} : { shift: m.shift }) })
  }
}

/** `end`: where the path ends without the user's number (teacher forcing, or an SFT run's SFT loss). */
function wfReason(r: WaterfallReason, end = 'teacher forcing'): string {
  switch (r) {
    case 'noLog':
      return "Not measured: no training log. Add the log (--train-log, or the experiment's training log) to measure it."
    case 'noStep':
      return "Not measured: the checkpoint's step is unknown. Set it (--step, or the checkpoint's step) to compare with the log there."
    case 'noLogAtStep':
      return "Not measured: the log has no line at or before the checkpoint's step."
    case 'noAuxInLog':
      return "Not measured: the log's lines do not print logits_loss and aux_loss (MiniMind logs before 2026). For a dense model aux_loss is 0; a MoE model's share cannot be read from this log."
    case 'noTrainFormat':
      return 'Not measured: run the trainFormat measure on this dataset (--measures trainFormat).'
    case 'noTeacherForcing':
      return 'Not measured: run the teacherForcing measure on this dataset.'
    case 'noBosBoth':
      return 'Not measured: score both BOS conventions (--measures bosBoth, or --bos auto).'
    case 'bosUnknown':
      return 'Not measured: neither side of bosBoth reproduces teacher forcing, so the convention the run used cannot be told.'
    case 'runConvention':
      return "Shown, not added: your number is reproduced in the run's own convention, or there is none and the path ends at the run's teacher forcing."
    case 'noReported':
      return `No step: no number from your script, so the path ends at ${end}. Enter the number your script printed to see this step.`
    case 'numberElsewhere':
      return `No step here: your number is explained on another checkpoint or dataset (see "explain my number"), so this path ends at ${end}.`
    case 'noMatch':
      return `Not measured: no measured variant reproduces your number within ${fmtPct(THRESHOLDS.explainRelativeTolerance, 0)}, so its distance from teacher forcing stays in the residual.`
    case 'otherRun':
      return 'Not measured here: the variant that reproduces your number was measured on another checkpoint or dataset (see "explain my number").'
    case 'otherConvention':
      return 'No step: teacher forcing in the other BOS convention already reproduces your number (the BOS step), not a slice.'
    case 'numberIsTrainFormat':
      return "Shown, not added: your number is these samples' training-format loss (whole samples scored as the trainer scores them), so the path ends there."
    case 'sftRun':
      return "Not applicable: an SFT run's SFT loss already is the trainer's own loss (whole conversations, assistant tokens only), so there is no continuation to bring back to the training format."
  }
}

const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1)

function wfNoise(b: WaterfallBar): string {
  if (b.step === 'logNoise' && b.stderr !== null) {
    return b.separation === 'above' || b.separation === 'below'
      ? `an unusual line (beyond ${THRESHOLDS.noiseStderrs} standard errors of a single line)`
      : "within a single line's usual scatter"
  }
  switch (b.separation) {
    case 'above':
    case 'below':
      return `beyond noise (more than ${THRESHOLDS.noiseStderrs} standard errors)`
    case 'within':
      return 'exactly zero'
    case 'unclear':
      return b.stderr === null
        ? 'no standard error (fewer than two values)'
        : `within noise (no more than ${THRESHOLDS.noiseStderrs} standard errors): more samples would decide`
    default:
      return ''
  }
}

function waterfallEn(): WaterfallText {
  // An SFT run (its continuation steps carry reason sftRun) scores conversations, not samples.
  const count = (b: WaterfallBar, w: Waterfall): string => {
    const items = w.bars.some((x) => x.reason === 'sftRun') ? 'conversations' : 'samples'
    return b.step === 'logNoise' || b.step === 'auxLoss'
      ? `${b.n} log lines`
      : b.step === 'trainingMix'
        ? `${b.n} ${items} against the log window`
        : `${b.n} ${items}, paired`
  }
  return {
    step: (s) => WF_STEPS[s],
    stepShort: (s, w) =>
      s === 'start'
        ? w.start.level === 'loggedLine'
          ? w.step !== null
            ? `logged (step ${w.window?.toStep ?? w.step})`
            : 'logged'
          : wfLevel(w.start).replace(/,.*$/, '')
        : s === 'end'
          ? w.end.level === 'reported'
            ? 'your number'
            : w.end.level === 'sft'
              ? 'SFT loss'
              : 'teacher forcing'
          : s === 'residual'
            ? 'unexplained'
            : WF_SHORT[s],
    level: wfLevel,
    method: (s, w) => {
      switch (s) {
        case 'logNoise':
          return w.window
            ? `MiniMind logs the loss of one micro-batch: the line at step ${w.window.toStep} against the mean of the ${w.window.lines} lines from step ${w.window.fromStep} to ${w.window.toStep}.`
            : "MiniMind logs the loss of one micro-batch: the line at the checkpoint's step against the mean of the log window there."
        case 'auxLoss':
          return 'MiniMind (2026) logs loss = logits_loss + aux_loss: the window mean of logits_loss against that of loss, since an evaluation scores no load-balancing term.'
        case 'trainingMix':
          if (w.bars.some((b) => b.reason === 'sftRun'))
            return "The log window (the training mix at this step) against the SFT loss on these conversations, scored as MiniMind's SFT trainer scores them; the two are independent, so their standard errors combine."
          return 'The log window (the training mix at this step) against the training-format loss on these samples, token-weighted as one batch averages it; the two are independent, so their standard errors combine.'
        case 'tokenWeighting':
          return 'The training-format loss token-weighted against its mean over samples (each sample counting once, as a continuation does), on the same samples.'
        case 'position':
          return 'Training format (every target position up to max_seq_len) against the continuation window (the P positions after L), on the same samples, paired.'
        case 'bos':
          return `The continuation scored after a BOS and without one, on the same samples, paired${w.bosUsed ? `; the run's convention is ${w.bosUsed === 'yes' ? 'with BOS' : 'without BOS'}` : ''}.`
        case 'slicing':
          if (w.bars.some((b) => b.reason === 'sftRun'))
            return 'The SFT loss against the variant that reproduces your number ("explain my number"), on the same conversations, paired.'
          return 'Teacher forcing against the variant that reproduces your number ("explain my number"), on the same samples, paired.'
      }
    },
    result: (b, w) => {
      if (b.status === 'notMeasured')
        return wfReason(b.reason!, w.end.level === 'sft' ? 'the SFT loss' : undefined)
      const head = `${capital(wfLevel(b.from!))} ${fmtLoss(b.from!.value)} → ${wfLevel(b.to!)} ${fmtLoss(b.to!.value)}: ${fmtSignedLoss(b.value)}${fmtPm(b.stderr)} nats (${count(b, w)}), ${wfNoise(b)}.`
      const spread =
        b.step === 'logNoise' && b.sd !== null
          ? ` One logged line scatters by ${b.sd.toFixed(3)} nats (sd) around the window mean, so a single line is no reference on its own.`
          : ''
      const aside =
        b.status === 'aside'
          ? b.reason === 'numberIsTrainFormat'
            ? ` ${wfReason(b.reason)}`
            : w.end.level === 'reported'
              ? " Shown, not added: your number is reproduced in the run's own convention."
              : w.bars.some((x) => x.reason === 'numberElsewhere')
                ? " Shown, not added: your number is explained on another run, so this path ends at the run's own teacher forcing."
                : " Shown, not added: without a number from your script the path ends at the run's own teacher forcing."
          : ''
      return head + spread + aside
    },
    residual: (w) => {
      const r = w.residual
      const noise =
        r.stderr === null
          ? ''
          : Math.abs(r.value) > THRESHOLDS.noiseStderrs * r.stderr
            ? `, beyond the bars' combined noise (± ${r.stderr.toFixed(3)})`
            : `, within the bars' combined noise (± ${r.stderr.toFixed(3)})`
      return `Unexplained residual: ${fmtSignedLoss(r.value)} nats${noise}: what no measured step accounts for${w.bars.some((b) => b.status === 'notMeasured' && b.reason !== 'noReported' && b.reason !== 'numberElsewhere' && b.reason !== 'otherConvention' && b.reason !== 'sftRun') ? ', including the steps not measured' : ''}.`
    },
    summary: (w) => {
      const measured = w.bars.filter((b) => b.status === 'measured')
      const sum = measured.reduce((s, b) => s + b.value!, 0)
      const from =
        w.start.level === 'loggedLine' && w.window
          ? `the loss logged at step ${w.window.toStep} (${fmtLoss(w.start.value)})`
          : `${wfLevel(w.start)} (${fmtLoss(w.start.value)}; no logged loss at the step)`
      const to = `${wfLevel(w.end)} (${fmtLoss(w.end.value)})`
      return `From ${from} to ${to}: ${fmtSignedLoss(w.end.value - w.start.value)} nats, of which ${measured.length} measured step${measured.length === 1 ? ' accounts' : 's account'} for ${fmtSignedLoss(sum)} and ${fmtSignedLoss(w.residual.value)} is unexplained.`
    },
    words: {
      title: 'The gap, step by step',
      step: 'Step',
      from: 'From',
      to: 'To',
      change: 'Change (nats)',
      status: 'Status',
      measured: 'measured',
      aside: 'shown, not added',
      notMeasured: 'not measured',
      notApplicable: 'not applicable',
      residual: 'Unexplained residual',
      start: 'Start',
      end: 'End',
      lossAxis: 'Loss (nats)',
      up: 'raises the loss',
      down: 'lowers the loss',
      level: 'start and end',
      errorBar: '± 2 s.e.',
    },
  }
}

/** English wording of verdicts (see text.ts). */
import { fmtLoss, fmtPct, fmtSci, fmtShift, fmtSignedLoss, fmtSignedPct } from './format'
import { sweepRunnerUp } from './means'
import type { VerdictText } from './text'
import type { Candidate, Verdict } from './types'

const HYPOTHESES = {
  data: 'Data: evaluation samples come from the training data',
  weights: 'Weights: the checkpoint reached the ONNX model intact',
  mode: 'Train/infer mode: teacher forcing vs free-running generation',
  kvCache: 'KV cache: incremental decoding matches a full forward',
  alignment: 'Alignment: logits scored against the right targets',
  trainEval: 'Train vs eval: loss on training samples matches the training loss',
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
  }
}

function verdict(v: Verdict): string {
  switch (v.hypothesis) {
    case 'data': {
      const claimed = v.claimedFromTraining
        ? ' It is marked as drawn from training, which nothing has verified yet.'
        : ''
      if (v.reason === 'notChecked') return `No consistency check has been run on this dataset.${claimed}`
      const total = v.total ?? 0
      const found = v.found ?? 0
      if (v.reason === 'allFound') {
        return `All ${total} evaluation samples occur in the training data (${v.exact} verbatim, ${v.normalized} after whitespace normalisation, ${v.substring} as part of a training row), so a data difference cannot explain the gap.`
      }
      if (v.reason === 'heldOut') {
        const some =
          found === 0 ? `None of the ${total} samples occurs` : `Only ${found} of ${total} samples occur`
        return `${some} in the training data: the set is held out, so its loss measures generalisation and is expected to sit above the training loss.`
      }
      return `${total - found} of ${total} evaluation samples were not found in the training data: on those the loss measures generalisation, so part of the gap may be real rather than an evaluation error.`
    }
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
      return `Autoregressive generation (${ar}) is ${fmtLoss(v.gap)} nats above teacher forcing (${tf})${where}: that is exposure bias, expected once the model conditions on its own guesses, not a defect.${notYours}`
    }
    case 'kvCache':
      if (v.reason === 'noCache')
        return 'The model has no KV-cache inputs, so there is no cache to check; generation recomputed the whole prefix at each step.'
      if (v.reason === 'notMeasured') return 'The KV-cache check was not run.'
      if (v.reason === 'agrees') {
        return `Decoding step by step with the KV cache reproduces the full forward (max |logit diff| ${fmtSci(v.maxAbsDiff)}, top-1 agreement ${fmtPct(v.top1Agreement, 2)}): the cache cannot explain the gap.`
      }
      if (v.reason === 'logitsDiffer') {
        return `Incremental logits differ from the full forward by up to ${fmtSci(v.maxAbsDiff)}, far beyond float32 reordering: the cache path computes something else (positions, stale entries or layout).`
      }
      return `Logits stay close (max |diff| ${fmtSci(v.maxAbsDiff)}) but the cache changes the predicted token on ${fmtPct(1 - (v.top1Agreement ?? 0), 2)} of steps.`
    case 'alignment': {
      const excess =
        v.misalignedExcess !== null && v.misalignedExcess > 0
          ? ` Scoring one position late (logits_to_keep=P, last P rows) raises the loss by ${fmtLoss(v.misalignedExcess)} nats (${fmtPct(v.misalignedExcessRelative)}).`
          : ''
      const zero = v.sweep[0]
      switch (v.reason) {
        case 'notMeasured':
          return 'Neither the offset sweep nor the logits_to_keep variants were measured.'
        case 'minimumAtZero': {
          const next = sweepRunnerUp(v.sweep, 0)
          const nextText = next ? ` (next best: shift ${fmtShift(next[0])} at ${fmtLoss(next[1])})` : ''
          return `The offset sweep is lowest at shift 0, ${fmtLoss(zero)} nats${nextText}: row i's logits predict token i+1, as they should.${excess}`
        }
        case 'minimumElsewhere':
          return `The offset sweep is lowest at shift ${fmtShift(v.argminShift ?? 0)} (${fmtLoss(v.sweep[v.argminShift ?? 0])}), not at 0 (${fmtLoss(zero)}): the model's rows are out of step with its targets; check the export and whether a BOS token was expected.`
        case 'keepLastDiffers':
          return `logits_to_keep=P+1 without its last row gives ${fmtLoss(v.keepLastAligned)} where teacher forcing gives ${fmtLoss(v.teacherForcing)}: the graph's logits_to_keep path computes different logits, not just fewer.`
        case 'correctBeatsShifted':
          return `The right slice (${fmtLoss(v.teacherForcing ?? v.keepLastAligned)}) beats the one-off slice (${fmtLoss(v.keepLastMisaligned)}); no offset sweep was run.${excess}`
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
          return `Your reported ${fmtLoss(v.reported)} is the loss of rows shifted by ${fmtShift(v.reportedShift ?? 0)} (${fmtLoss(v.reportedValue)} on these samples): your script pairs each target with ${row} the one that predicts it.${model}`
        }
        case 'shiftedBeatsCorrect':
          return `The one-off slice (${fmtLoss(v.keepLastMisaligned)}) scores lower than the right one (${fmtLoss(v.teacherForcing ?? v.keepLastAligned)}): the model's rows are out of step with its targets.`
      }
      return ''
    }
    case 'trainEval':
      switch (v.reason) {
        case 'noTrainLoss':
          return 'No training loss is available (no training log, or no loss found in it).'
        case 'noTrainingSamples':
          return 'No evaluated dataset is known to come from the training data, so nothing can be compared with the training loss like for like.'
        case 'noTeacherForcing':
          return 'Teacher forcing was not measured on the training-drawn samples.'
        case 'within':
        case 'outside': {
          const verdictText =
            v.reason === 'within'
              ? 'the evaluation reproduces training'
              : 'more than the threshold: the evaluation does not reproduce training'
          const unverified =
            v.verifiedFromTraining === false ? ' (as marked; no consistency check has verified it)' : ''
          return `Teacher forcing on training-drawn samples${unverified} gives ${fmtLoss(v.evalLoss)} against a training loss of ${fmtLoss(v.trainLoss)} (mean of the last ${v.tail} logged steps): ${fmtSignedLoss(v.difference)} nats, ${fmtSignedPct(v.relative)}, ${verdictText}.`
        }
      }
  }
}

export const textEn: VerdictText = {
  badge: (s) => (s === 'pass' ? '✅ pass' : s === 'fail' ? '❌ fail' : '➖ not measured'),
  hypothesis: (h) => HYPOTHESES[h],
  candidate,
  verdict,
  figure(v) {
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
            v.maxStepGapAt !== null
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
        return { figure: `max |diff| ${fmtSci(v.figure)}`, threshold: thresholdEn(v) }
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
          return {
            figure: `your number is ${fmtPct(v.figure, 2)} from the rows shifted by ${fmtShift(v.reportedShift ?? 0)}`,
            threshold: `≤ ${fmtPct(v.threshold, 0)}`,
          }
        }
        return { figure: `minimum at shift ${fmtShift(v.figure ?? 0)}`, threshold: 'shift 0' }
      case 'trainEval':
        return { figure: `|difference| ${fmtPct(v.figure)}`, threshold: thresholdEn(v) }
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
    if (m.rowShift !== null && m.rowShift !== 0) {
      const n = Math.abs(m.rowShift)
      tail = ` Your script scores the slice ${n === 1 ? 'one position' : `${n} positions`} ${m.rowShift > 0 ? 'late' : 'early'}.`
    } else if (m.rowShift === 0) {
      tail = ' Your script already scores the right slice.'
    }
    const others = e.ranked.filter((c) => c.relative <= e.tolerance && c.rowShift !== m.rowShift)
    const amb =
      e.ambiguous && others.length > 0
        ? ` Also within tolerance: ${others
            .slice(0, 3)
            .map((c) => `${candidate(c)}${on(c)} at ${fmtLoss(c.value)} (${fmtPct(c.relative, 2)})`)
            .join('; ')}; the nearest is taken, but the numbers alone cannot rule these out.`
        : ''
    return head + tail + amb
  },
}

function thresholdEn(v: Verdict): string {
  switch (v.hypothesis) {
    case 'data':
      return 'all samples'
    case 'weights':
      return 'all tensors'
    case 'mode':
      return `parts when > ${fmtLoss(v.threshold)} nats`
    case 'kvCache':
      return `≤ ${fmtSci(v.maxAbsDiffThreshold)} and top-1 ≥ ${fmtPct(v.top1Threshold, 0)}`
    case 'alignment':
      return 'shift 0'
    case 'trainEval':
      return `≤ ${fmtPct(v.threshold, 0)}`
  }
}

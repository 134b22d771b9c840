/**
 * The gap waterfall (issue 13, item 2): from the training loss logged at a checkpoint's step to the
 * number the user's script printed (or, without one, the continuation teacher forcing), one measured
 * step at a time. Every bar is the difference of two means this run or the log actually holds, with
 * its standard error; nothing is solved for. What the bars do not account for is the explicit
 * residual, and a step whose measure is missing is "not measured" with the reason, never estimated.
 *
 * Steps, in order (docs/measurements.md and FACTS.md say why each exists):
 *   logNoise       one logged micro-batch -> the mean of the log window (MiniMind logs one micro-batch)
 *   auxLoss        window mean of loss -> window mean of logits_loss (2026 logs: loss = logits + aux)
 *   trainingMix    the log window (the training mix) -> trainFormat token-weighted on these samples
 *   tokenWeighting trainFormat token-weighted (as a batch averages) -> the mean over samples
 *   position       trainFormat -> continuation teacher forcing on the same samples (which positions count)
 *   bos            teacher forcing in the run's BOS convention -> the other convention (bosBoth)
 *   slicing        teacher forcing -> the variant "explain my number" matched (misaligned, AR, ...)
 *
 * An SFT run (its dataset is conversations: isSftRunOf) takes a shorter path: the SFT loss is
 * MiniMind's own training loss on the conversations (assistant tokens only), so the training mix is
 * the log window against the `sft` mean, and the slicing step goes from `sft` to the variant matched
 * (the one-late mask or generation). The format, token-weighting, position and BOS steps, which bridge
 * a continuation to the trainer's format, have nothing to bridge there: they carry reason `sftRun`.
 */
import type { TrainLog } from '../evidence'
import type { SampleResult } from '../results'
import { combinedStderr, estimate, mean, separation, type Separation } from '../stats'
import { scoredResults } from './means'
import { isSftRunOf, type RunFormat } from './run-kind'
import { THRESHOLDS } from './thresholds'
import { trainingWindow } from './training-reference'
import type { Candidate, Explanation, RankedCandidate } from './types'

export const WATERFALL_STEPS = [
  'logNoise',
  'auxLoss',
  'trainingMix',
  'tokenWeighting',
  'position',
  'bos',
  'slicing',
] as const
export type WaterfallStep = (typeof WATERFALL_STEPS)[number]

/**
 * The means a bar can be made of. Log levels: one logged line, the window mean of `loss`, the window
 * mean of `logits_loss`. Sample levels: the run's measures (bosBoth's two sides by convention) and the
 * variants "explain my number" ranks (offsetSweep with its shift).
 */
export type WaterfallLevel =
  | 'loggedLine'
  | 'logWindow'
  | 'logWindowLogits'
  | 'trainFormatTokenWeighted'
  | 'trainFormat'
  | 'teacherForcing'
  | 'bosBothWithBos'
  | 'bosBothWithoutBos'
  | 'keepLastMisaligned'
  | 'keepLastAligned'
  | 'offsetSweep'
  | 'autoregressive'
  | 'sft'
  | 'sftShiftedMask'
  | 'sftAutoregressive'
  | 'reported'

/** One mean: which, its value, over how many log lines or samples. */
export interface WaterfallMean {
  level: WaterfallLevel
  value: number
  n: number
  /** offsetSweep only: the shift. */
  shift?: number
}

/**
 * Why a step has no number (or, for 'aside', why its number is not on the path):
 * noLog / noStep / noLogAtStep: no logged loss at the checkpoint's step;
 * noAuxInLog: the log's lines at the step do not print logits_loss / aux_loss (2025 logs);
 * noTrainFormat: the run has no trainFormat measure; noTeacherForcing: no continuation measure;
 * noBosBoth: the run did not score both BOS conventions; bosUnknown: which convention teacher forcing used
 *   cannot be told (neither side of bosBoth reproduces it);
 * runConvention: (aside) the user's number is reproduced in the run's own convention, or there is no
 *   number and the waterfall ends at the run's teacher forcing: the other convention is shown, not added;
 * noReported: no number from the user's script, so there is no slicing step (the waterfall ends at
 *   teacher forcing); numberElsewhere: the user gave a number, but it is explained on another checkpoint
 *   or dataset, so this run's path ends at its teacher forcing (a reader told "no number" would be misled); noMatch: no measured variant reproduces the number; otherRun: the variant that
 *   reproduces it was measured on another checkpoint or dataset; otherConvention: the number is
 *   reproduced by teacher forcing in the other BOS convention (the bos step), not by a slice;
 *   numberIsTrainFormat: the number is these samples' training-format loss (mean over samples or
 *   token-weighted): the steps after that level are shown, not added; sftRun: an SFT run, whose
 *   `sft` loss already is the trainer's format: the steps that bridge a continuation to it do not apply.
 */
export type WaterfallReason =
  | 'noLog'
  | 'noStep'
  | 'noLogAtStep'
  | 'noAuxInLog'
  | 'noTrainFormat'
  | 'noTeacherForcing'
  | 'noBosBoth'
  | 'bosUnknown'
  | 'runConvention'
  | 'noReported'
  | 'numberElsewhere'
  | 'noMatch'
  | 'otherRun'
  | 'otherConvention'
  | 'numberIsTrainFormat'
  | 'sftRun'

export interface WaterfallBar {
  step: WaterfallStep
  /**
   * measured: on the path, added; aside: measured but not on the path from the log to the user's
   * number (drawn hollow, not added); notMeasured: no number (`reason` says which measure to run).
   */
  status: 'measured' | 'aside' | 'notMeasured'
  /** The two means the bar is the difference of: value = to.value - from.value exactly. */
  from: WaterfallMean | null
  to: WaterfallMean | null
  value: number | null
  /** Standard error of the difference (paired over samples or log lines where both sides share them). */
  stderr: number | null
  /** logNoise only: the spread (sd) of one logged line around the window mean. */
  sd: number | null
  /** Samples (or log lines) the difference is over. */
  n: number | null
  /** Where the difference stands against its noise (noiseStderrs standard errors). */
  separation: Separation | null
  reason: WaterfallReason | null
}

export interface Waterfall {
  checkpointId: string
  datasetId: string
  step: number | null
  /** Where the path starts: one logged line at the step, or (without a log there) the first measured level. */
  start: WaterfallMean
  /** Where it ends: the user's number, or teacher forcing when there is none. */
  end: WaterfallMean
  bars: WaterfallBar[]
  /** end - start - Σ measured bars: what no bar accounts for, shown as its own bar, never folded in. */
  residual: { value: number; stderr: number | null; separation: Separation | null }
  /** The BOS convention the run's teacher forcing was scored with ('yes' = after a BOS), when known. */
  bosUsed: 'yes' | 'no' | null
  /** The variant "explain my number" matched on this run (the slicing step's target), when any. */
  variant: RankedCandidate | null
  /** The log window: lines, first and last step (null without a log at the step). */
  window: { lines: number; fromStep: number; toStep: number; windowLines: number } | null
}

export interface WaterfallInput {
  checkpointId: string
  datasetId: string
  step: number | null
  results: readonly SampleResult[]
  trainLog?: Pick<TrainLog, 'points'> | null
  windowLines: number
  /** The user's number, when it is about this run; null ends the waterfall at teacher forcing. */
  reported: number | null
  /** reported is null because the user's number is about another run (not because there is none). */
  reportedElsewhere?: boolean
  /** "Explain my number" over every run (its match is used when it was measured on this run). */
  explanation: Explanation | null
  /** The convention the run applied, when the run says so (RunSummary.bosUsed); inferred from bosBoth otherwise. */
  bosUsed?: 'yes' | 'no' | null
  /** The dataset format the run states (statedFormat): it picks the SFT path, not the measures present. */
  format?: RunFormat | null
}

type Pick1 = (r: SampleResult) => number | undefined

const PICK: Partial<Record<WaterfallLevel, Pick1>> = {
  trainFormat: (r) => r.trainFormat?.loss,
  teacherForcing: (r) => r.teacherForcing?.loss,
  bosBothWithBos: (r) => r.bosBoth?.withBos,
  bosBothWithoutBos: (r) => r.bosBoth?.withoutBos,
  keepLastMisaligned: (r) => r.keepLastMisaligned?.loss,
  keepLastAligned: (r) => r.keepLastAligned?.loss,
  autoregressive: (r) => r.autoregressive?.loss,
  sft: (r) => r.sft?.loss,
  sftShiftedMask: (r) => r.sft?.shiftedMaskLoss,
  sftAutoregressive: (r) => r.sftAutoregressive?.loss,
}

/** The per-sample value of a variant "explain my number" ranks (offsetSweep by its shift). */
function candidatePick(c: Candidate): Pick1 {
  if (c.measure === 'offsetSweep') {
    const key = String(c.shift ?? 0) as '-2' | '-1' | '0' | '1' | '2'
    return (r) => r.offsetSweep?.[key]
  }
  return PICK[c.measure]!
}

/** Σ loss × tokens / Σ tokens over the samples' trainFormat (the mean over every scored token). */
export function tokenWeightedMean(items: readonly { loss: number; tokens: number }[]): number | null {
  let sum = 0
  let tokens = 0
  for (const x of items) {
    sum += x.loss * x.tokens
    tokens += x.tokens
  }
  return tokens > 0 ? sum / tokens : null
}

/**
 * Standard error of a token-weighted mean (a ratio of sums) and of its difference from the plain mean
 * over the same samples, by the delta method: the ratio's linearised per-sample terms t_i/t̄·(l_i − R)
 * and, for the difference, (l_i − m) − t_i/t̄·(l_i − R); each is a mean-zero list whose sd / √n is the
 * standard error.
 */
function tokenWeightedStderrs(
  items: readonly { loss: number; tokens: number }[],
  weighted: number,
  plain: number,
): { weighted: number | null; difference: number | null } {
  const tbar = mean(items.map((x) => x.tokens))!
  const ratio = items.map((x) => (x.tokens / tbar) * (x.loss - weighted))
  const diff = items.map((x, i) => x.loss - plain - ratio[i]!)
  return {
    weighted: estimate(ratio)?.stderr ?? null,
    difference: estimate(diff)?.stderr ?? null,
  }
}

/** Paired means of two per-sample values over the samples that have both, and the spread of their differences. */
function paired(
  scored: readonly SampleResult[],
  from: Pick1,
  to: Pick1,
): { from: number; to: number; n: number; stderr: number | null } | null {
  const a: number[] = []
  const b: number[] = []
  for (const r of scored) {
    const x = from(r)
    const y = to(r)
    if (x === undefined || y === undefined || !Number.isFinite(x) || !Number.isFinite(y)) continue
    a.push(x)
    b.push(y)
  }
  if (a.length === 0) return null
  return {
    from: mean(a)!,
    to: mean(b)!,
    n: a.length,
    stderr: estimate(b.map((y, i) => y - a[i]!))?.stderr ?? null,
  }
}

function sep(value: number, stderr: number | null): Separation {
  return separation(value, stderr, 0, THRESHOLDS.noiseStderrs)
}

function measuredBar(
  step: WaterfallStep,
  from: WaterfallMean,
  to: WaterfallMean,
  stderr: number | null,
  n: number,
  extra: { status?: 'measured' | 'aside'; sd?: number | null; reason?: WaterfallReason | null } = {},
): WaterfallBar {
  const value = to.value - from.value
  return {
    step,
    status: extra.status ?? 'measured',
    from,
    to,
    value,
    stderr,
    sd: extra.sd ?? null,
    n,
    separation: sep(value, stderr),
    reason: extra.reason ?? null,
  }
}

function missing(step: WaterfallStep, reason: WaterfallReason): WaterfallBar {
  return {
    step,
    status: 'notMeasured',
    from: null,
    to: null,
    value: null,
    stderr: null,
    sd: null,
    n: null,
    separation: null,
    reason,
  }
}

/**
 * Which BOS convention teacher forcing was scored in: the run's own word when it gives it, else the
 * side of bosBoth that reproduces teacher forcing on the same samples (to 1e-4 nats, the engine's
 * contract with PyTorch; the two conventions differ by far more on any trained model).
 */
export function inferBosUsed(
  results: readonly SampleResult[],
  stated?: 'yes' | 'no' | null,
): 'yes' | 'no' | null {
  if (stated) return stated
  const scored = scoredResults(results)
  const tf = PICK.teacherForcing!
  const withBos = paired(scored, tf, PICK.bosBothWithBos!)
  const withoutBos = paired(scored, tf, PICK.bosBothWithoutBos!)
  if (!withBos || !withoutBos) return null
  const dWith = Math.abs(withBos.to - withBos.from)
  const dWithout = Math.abs(withoutBos.to - withoutBos.from)
  if (dWith <= 1e-4 && dWith < dWithout) return 'yes'
  if (dWithout <= 1e-4 && dWithout < dWith) return 'no'
  return null
}

/** The gap waterfall of one checkpoint × dataset; null when the run has neither teacher forcing nor a number to end at. */
export function gapWaterfall(input: WaterfallInput): Waterfall | null {
  const scored = scoredResults(input.results)
  const bars: WaterfallBar[] = []

  // An SFT run (conversations scored with MiniMind's SFT loss) by its dataset's format, so a run that
  // also carries teacher forcing still takes the path of its kind.
  const isSft = isSftRunOf(input.format, scored)
  // --- the end: the user's number, else teacher forcing (the SFT loss on an SFT run) over every
  // sample that has it.
  const baseLevel: 'teacherForcing' | 'sft' = isSft ? 'sft' : 'teacherForcing'
  const tfValues = scored.map((r) => PICK[baseLevel]!(r)).filter((x): x is number => x !== undefined)
  const tfMean = mean(tfValues)
  const end: WaterfallMean | null =
    input.reported !== null
      ? { level: 'reported', value: input.reported, n: tfValues.length }
      : tfMean !== null
        ? { level: baseLevel, value: tfMean, n: tfValues.length }
        : null
  if (!end) return null

  // --- the log: one line at the step, the window mean, its logits part.
  const logReason: WaterfallReason | null = !input.trainLog ? 'noLog' : input.step === null ? 'noStep' : null
  const window =
    !logReason && input.trainLog ? trainingWindow(input.trainLog, input.step!, input.windowLines) : []
  const noLog: WaterfallReason | null = logReason ?? (window.length === 0 ? 'noLogAtStep' : null)
  let start: WaterfallMean | null = null
  let logLevel: WaterfallMean | null = null
  let logStderr: number | null = null
  if (noLog) {
    bars.push(missing('logNoise', noLog), missing('auxLoss', noLog), missing('trainingMix', noLog))
  } else {
    const last = window[window.length - 1]!
    const losses = window.map((p) => p.loss)
    const e = estimate(losses)!
    start = { level: 'loggedLine', value: last.loss, n: 1 }
    const windowMean: WaterfallMean = { level: 'logWindow', value: e.mean, n: window.length }
    // mean - x_last with x_last one of the n lines: variance σ²(n-1)/n.
    const noiseSe = e.sd === null ? null : e.sd * Math.sqrt((window.length - 1) / window.length)
    bars.push(measuredBar('logNoise', start, windowMean, noiseSe, window.length, { sd: e.sd }))
    logLevel = windowMean
    logStderr = e.stderr
    const logits = window.map((p) =>
      p.logitsLoss !== undefined ? p.logitsLoss : p.auxLoss !== undefined ? p.loss - p.auxLoss : undefined,
    )
    if (logits.every((x): x is number => x !== undefined && Number.isFinite(x))) {
      const le = estimate(logits)!
      const to: WaterfallMean = { level: 'logWindowLogits', value: le.mean, n: window.length }
      const diffSe = estimate(logits.map((x, i) => x - losses[i]!))?.stderr ?? null
      bars.push(measuredBar('auxLoss', windowMean, to, diffSe, window.length))
      logLevel = to
      logStderr = le.stderr
    } else {
      bars.push(missing('auxLoss', 'noAuxInLog'))
    }
  }

  // --- the variant that reproduces the user's number on this run, if any.
  const match = input.explanation?.match ?? null
  const onThisRun =
    match !== null &&
    (match.checkpointId ?? input.checkpointId) === input.checkpointId &&
    (match.datasetId ?? input.datasetId) === input.datasetId
  const variant = input.reported !== null && onThisRun ? match : null

  const tolerance = input.explanation?.tolerance ?? THRESHOLDS.explainRelativeTolerance
  const reproduces = (x: number | null): boolean =>
    x !== null && input.reported !== null && Math.abs(x - input.reported) / input.reported <= tolerance

  const finish = (
    from: WaterfallMean,
    all: WaterfallBar[],
    bosUsed: 'yes' | 'no' | null,
    matched: RankedCandidate | null,
  ): Waterfall => {
    const onPath = all.filter((b) => b.status === 'measured')
    const explained = onPath.reduce((sum, b) => sum + b.value!, 0)
    const residualValue = end.value - from.value - explained
    const residualSe = onPath.length > 0 ? combinedStderr(...onPath.map((b) => b.stderr)) : null
    const first = window[0]
    const lastLine = window[window.length - 1]
    return {
      checkpointId: input.checkpointId,
      datasetId: input.datasetId,
      step: input.step,
      start: from,
      end,
      bars: all,
      residual: { value: residualValue, stderr: residualSe, separation: sep(residualValue, residualSe) },
      bosUsed,
      variant: matched,
      window:
        first && lastLine
          ? {
              lines: window.length,
              fromStep: first.step,
              toStep: lastLine.step,
              windowLines: input.windowLines,
            }
          : null,
    }
  }

  if (isSft) {
    // --- the training mix: the log window against the SFT loss over these conversations (the
    // trainer's own loss, so nothing between them is a format difference); independent, so the
    // standard errors combine.
    const sftEst = estimate(tfValues)
    // Stated SFT, yet no conversation scored with the SFT loss: there is no level to draw a path from.
    if (!sftEst) return null
    const sftMean: WaterfallMean = { level: 'sft', value: sftEst.mean, n: sftEst.n }
    if (logLevel) {
      bars.push(
        measuredBar('trainingMix', logLevel, sftMean, combinedStderr(logStderr, sftEst.stderr), sftEst.n),
      )
    }
    bars.push(missing('tokenWeighting', 'sftRun'), missing('position', 'sftRun'), missing('bos', 'sftRun'))
    // --- the script's slicing: the SFT loss -> the matched variant (one-late mask, generation), paired.
    const sftVariant = variant !== null && variant.measure.startsWith('sft') ? variant : null
    if (input.reported === null)
      bars.push(missing('slicing', input.reportedElsewhere ? 'numberElsewhere' : 'noReported'))
    else if (!match) bars.push(missing('slicing', 'noMatch'))
    else if (!onThisRun) bars.push(missing('slicing', 'otherRun'))
    else if (!sftVariant) bars.push(missing('slicing', 'noMatch'))
    else {
      const s = paired(scored, PICK.sft!, candidatePick(sftVariant))!
      bars.push(
        measuredBar(
          'slicing',
          { level: 'sft', value: s.from, n: s.n },
          { level: sftVariant.measure as WaterfallLevel, value: s.to, n: s.n },
          s.stderr,
          s.n,
        ),
      )
    }
    return finish(start ?? sftMean, bars, null, sftVariant)
  }

  // --- training format on these samples.
  const tfmt = scored.flatMap((r) =>
    r.trainFormat ? [{ loss: r.trainFormat.loss, tokens: r.trainFormat.tokens }] : [],
  )
  const weighted = tokenWeightedMean(tfmt)
  const plain = mean(tfmt.map((x) => x.loss))
  // A number no continuation variant reproduces may be the training-format loss itself (a script that
  // scores whole samples as the trainer does): the path then ends there, and the later steps are aside.
  const numberAt: 'trainFormat' | 'trainFormatTokenWeighted' | null =
    variant !== null || input.reported === null
      ? null
      : reproduces(plain) &&
          (!reproduces(weighted) || Math.abs(plain! - input.reported) <= Math.abs(weighted! - input.reported))
        ? 'trainFormat'
        : reproduces(weighted)
          ? 'trainFormatTokenWeighted'
          : null
  const beyondNumber = { status: 'aside' as const, reason: 'numberIsTrainFormat' as const }
  if (weighted !== null && plain !== null) {
    const se = tokenWeightedStderrs(tfmt, weighted, plain)
    const wMean: WaterfallMean = { level: 'trainFormatTokenWeighted', value: weighted, n: tfmt.length }
    const pMean: WaterfallMean = { level: 'trainFormat', value: plain, n: tfmt.length }
    if (logLevel) {
      bars.push(
        measuredBar('trainingMix', logLevel, wMean, combinedStderr(logStderr, se.weighted), tfmt.length),
      )
    }
    start ??= wMean
    bars.push(
      measuredBar(
        'tokenWeighting',
        wMean,
        pMean,
        se.difference,
        tfmt.length,
        numberAt === 'trainFormatTokenWeighted' ? beyondNumber : {},
      ),
    )
    const pos = paired(scored, PICK.trainFormat!, PICK.teacherForcing!)
    if (pos) {
      bars.push(
        measuredBar(
          'position',
          { level: 'trainFormat', value: pos.from, n: pos.n },
          { level: 'teacherForcing', value: pos.to, n: pos.n },
          pos.stderr,
          pos.n,
          numberAt ? beyondNumber : {},
        ),
      )
    } else bars.push(missing('position', 'noTeacherForcing'))
  } else {
    if (logLevel) bars.push(missing('trainingMix', 'noTrainFormat'))
    bars.push(missing('tokenWeighting', 'noTrainFormat'), missing('position', 'noTrainFormat'))
  }
  if (!start) {
    if (tfMean === null) return null
    start = { level: 'teacherForcing', value: tfMean, n: tfValues.length }
  }

  // --- BOS: the run's convention -> the other one.
  const bosUsed = inferBosUsed(input.results, input.bosUsed)
  let bosOnPath = false
  const hasBoth = scored.some((r) => r.bosBoth)
  if (!hasBoth) bars.push(missing('bos', 'noBosBoth'))
  else if (!bosUsed) bars.push(missing('bos', 'bosUnknown'))
  else {
    const own: WaterfallLevel = bosUsed === 'yes' ? 'bosBothWithBos' : 'bosBothWithoutBos'
    const other: WaterfallLevel = bosUsed === 'yes' ? 'bosBothWithoutBos' : 'bosBothWithBos'
    const b = paired(scored, PICK[own]!, PICK[other]!)!
    // On the path only when the user's number is not reproduced in the run's convention but teacher
    // forcing in the other convention reproduces it (the same tolerance "explain my number" uses).
    bosOnPath = variant === null && numberAt === null && reproduces(b.to)
    bars.push(
      measuredBar(
        'bos',
        { level: own, value: b.from, n: b.n },
        { level: other, value: b.to, n: b.n },
        b.stderr,
        b.n,
        bosOnPath ? {} : numberAt ? beyondNumber : { status: 'aside', reason: 'runConvention' },
      ),
    )
  }

  // --- the script's slicing: teacher forcing -> the matched variant, paired.
  if (input.reported === null)
    bars.push(missing('slicing', input.reportedElsewhere ? 'numberElsewhere' : 'noReported'))
  else if (numberAt) bars.push(missing('slicing', 'numberIsTrainFormat'))
  else if (bosOnPath) bars.push(missing('slicing', 'otherConvention'))
  else if (!match) bars.push(missing('slicing', 'noMatch'))
  else if (!variant) bars.push(missing('slicing', 'otherRun'))
  else {
    const s = paired(scored, PICK.teacherForcing!, candidatePick(variant))
    if (!s) bars.push(missing('slicing', 'noTeacherForcing'))
    else {
      const level = variant.measure as WaterfallLevel
      bars.push(
        measuredBar(
          'slicing',
          { level: 'teacherForcing', value: s.from, n: s.n },
          {
            level,
            value: s.to,
            n: s.n,
            ...(variant.measure === 'offsetSweep' ? { shift: variant.shift ?? 0 } : {}),
          },
          s.stderr,
          s.n,
        ),
      )
    }
  }

  return finish(start, bars, bosUsed, variant)
}

/** The running level before each bar (measured bars move it; aside and missing bars do not). */
export function waterfallLevels(w: Waterfall): number[] {
  const out: number[] = []
  let at = w.start.value
  for (const b of w.bars) {
    out.push(at)
    if (b.status === 'measured') at += b.value!
  }
  out.push(at)
  return out
}

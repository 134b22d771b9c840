/**
 * The training loss a checkpoint is compared with: the logged losses just before its step. Lines after
 * the step come from later weights, and the end of training is another model: an early checkpoint is
 * compared with the log where it was saved, never with the last lines of the run.
 */
import type { TrainLog } from '../evidence'
import { estimate, mean } from '../stats'

/** Log lines in the window (the default; `--tail N` sets it): enough lines for a spread. */
export const DEFAULT_WINDOW_LINES = 50

export interface TrainingReference {
  /** The checkpoint's step the window ends at. */
  step: number
  /** Mean of the logged losses in the window. */
  mean: number
  /** Their sample standard deviation: one micro-batch to the next (MiniMind logs single micro-batches). */
  sd: number | null
  /** Standard error of the window mean: the training side's share of a comparison's noise. */
  stderr: number | null
  /** Lines in the window (fewer than asked near the start of the log). */
  lines: number
  /** The steps of the window's first and last line. */
  fromStep: number
  toStep: number
  /** Lines asked for. */
  windowLines: number
}

/**
 * The window of `windowLines` logged points ending at `step` (points with step ≤ it); null when the log
 * has no point at or before the step.
 */
export function trainingLossAt(
  log: Pick<TrainLog, 'points'>,
  step: number,
  windowLines: number = DEFAULT_WINDOW_LINES,
): TrainingReference | null {
  const window = trainingWindow(log, step, windowLines)
  if (window.length === 0) return null
  const e = estimate(window.map((p) => p.loss))!
  return {
    step,
    mean: e.mean,
    sd: e.sd,
    stderr: e.stderr,
    lines: window.length,
    fromStep: window[0]!.step,
    toStep: window[window.length - 1]!.step,
    windowLines,
  }
}

/**
 * The logged points the window at `step` averages: the last `windowLines` points with step ≤ it (the
 * one definition trainingLossAt and the gap waterfall share); empty when the log has none there.
 */
export function trainingWindow<P extends TrainLog['points'][number]>(
  log: { points: readonly P[] },
  step: number,
  windowLines: number = DEFAULT_WINDOW_LINES,
): P[] {
  const before = log.points.filter((p) => p.step <= step && Number.isFinite(p.loss))
  return before.slice(-Math.max(1, windowLines))
}

/**
 * Without a step: the first step at which the trailing mean of the log (same window) comes down to
 * `loss`, i.e. where in training a model with this loss "looks like" it was saved. 'before' when the
 * log starts below it, null when it never gets there.
 */
export function crossingStep(
  log: Pick<TrainLog, 'points'>,
  loss: number,
  windowLines: number = DEFAULT_WINDOW_LINES,
): number | 'before' | null {
  const pts = log.points.filter((p) => Number.isFinite(p.loss))
  if (pts.length === 0) return null
  const width = Math.max(1, Math.min(windowLines, Math.ceil(pts.length / 10)))
  for (let i = 0; i < pts.length; i++) {
    const smoothed = mean(pts.slice(Math.max(0, i - width + 1), i + 1).map((p) => p.loss))!
    if (smoothed <= loss) return i < width ? 'before' : pts[i]!.step
  }
  return null
}

/** The log's last step: the step of a checkpoint the user says was saved at the end of training. */
export function lastLoggedStep(log: Pick<TrainLog, 'points'>): number | null {
  return log.points.length > 0 ? log.points[log.points.length - 1]!.step : null
}

/**
 * The statistics every number of LossLens is made with: means, medians, standard errors and paired
 * differences. One home, used by the engine's summary, the diagnosis, the report and the window.
 */

/** Arithmetic mean; null for an empty list. */
export function mean(values: ArrayLike<number>): number | null {
  if (values.length === 0) return null
  let sum = 0
  for (let i = 0; i < values.length; i++) sum += values[i]!
  return sum / values.length
}

/** Median (mean of the two middle values for an even count); null for an empty list. */
export function median(values: ArrayLike<number>): number | null {
  return values.length === 0
    ? null
    : quantileSorted(
        Array.from(values).sort((a, b) => a - b),
        0.5,
      )
}

/** Quantile with linear interpolation between closest ranks (numpy's default); xs sorted ascending. */
export function quantileSorted(xs: readonly number[], q: number): number | null {
  if (xs.length === 0) return null
  const pos = (xs.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return xs[lo]! + (xs[hi]! - xs[lo]!) * (pos - lo)
}

/** Mean at each position over arrays of possibly different lengths (each position over the arrays that reach it). */
export function meanPerPosition(arrays: readonly (readonly number[])[]): number[] {
  const sums: number[] = []
  const counts: number[] = []
  for (const arr of arrays) {
    arr.forEach((v, i) => {
      sums[i] = (sums[i] ?? 0) + v
      counts[i] = (counts[i] ?? 0) + 1
    })
  }
  return sums.map((s, i) => s / counts[i]!)
}

/**
 * A mean with its spread: sample standard deviation (n - 1) and standard error of the mean (sd / √n),
 * as lm-evaluation-harness reports `acc` beside `acc_stderr`. sd and stderr are null below 2 values:
 * one value says nothing about noise.
 */
export interface Estimate {
  mean: number
  sd: number | null
  stderr: number | null
  n: number
}

/** The estimate of a list of values; null when empty. */
export function estimate(values: ArrayLike<number>): Estimate | null {
  const m = mean(values)
  if (m === null) return null
  const n = values.length
  if (n < 2) return { mean: m, sd: null, stderr: null, n }
  let ss = 0
  for (let i = 0; i < n; i++) ss += (values[i]! - m) ** 2
  const sd = Math.sqrt(ss / (n - 1))
  return { mean: m, sd, stderr: sd / Math.sqrt(n), n }
}

/**
 * The paired difference after - before over the keys both sides have (the same samples scored twice):
 * per-key differences cancel the samples' own difficulty, so its standard error is far smaller than
 * that of two independent means. null when no key is shared.
 */
export function pairedDifference<K>(
  before: ReadonlyMap<K, number>,
  after: ReadonlyMap<K, number>,
): Estimate | null {
  const diffs: number[] = []
  for (const [k, a] of after) {
    const b = before.get(k)
    if (b !== undefined) diffs.push(a - b)
  }
  return estimate(diffs)
}

/** Standard error of a difference of independent estimates: √(Σ se²); null when any is unknown. */
export function combinedStderr(...stderrs: (number | null)[]): number | null {
  let sum = 0
  for (const se of stderrs) {
    if (se === null || !Number.isFinite(se)) return null
    sum += se * se
  }
  return Math.sqrt(sum)
}

/**
 * Where a difference stands against its noise and a minimum effect that matters:
 * 'above' / 'below': beyond `stderrs` standard errors AND larger than `minEffect` in that direction;
 * 'within': no larger than `minEffect` (too small to matter, however precise);
 * 'unclear': larger than `minEffect` but within the noise band (more samples would decide).
 * With an unknown standard error, a difference beyond `minEffect` is 'unclear'.
 */
export type Separation = 'above' | 'below' | 'within' | 'unclear'

export function separation(
  difference: number,
  stderr: number | null,
  minEffect: number,
  stderrs: number,
): Separation {
  if (Math.abs(difference) <= minEffect) return 'within'
  if (stderr === null || Math.abs(difference) <= stderrs * stderr) return 'unclear'
  return difference > 0 ? 'above' : 'below'
}

/**
 * Samples needed for a difference this size to clear `stderrs` standard errors, from the spread seen
 * on `n` samples (the standard error shrinks as 1/√n). null when it cannot be said.
 */
export function samplesToDecide(
  difference: number,
  stderr: number | null,
  n: number,
  stderrs: number,
): number | null {
  if (stderr === null || difference === 0 || n < 2) return null
  return Math.ceil(n * ((stderrs * stderr) / Math.abs(difference)) ** 2)
}

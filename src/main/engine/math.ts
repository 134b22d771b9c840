/**
 * The numerics every measurement rests on, in float64: log-sum-exp with max subtraction, cross-entropy,
 * argmax (ties go to the lowest id), KL divergence and numpy-style percentiles.
 * Rows are addressed as (data, offset, length) so callers never copy a logits row out of its tensor.
 */

import { quantileSorted } from '../../shared/stats'

/** A view of one row of logits: `length` values of `data` starting at `offset`. */
export type Row = { data: ArrayLike<number>; offset: number; length: number }

/** log Σ exp(x) over a row, computed stably in float64. NaN in, NaN out; all -Infinity gives -Infinity. */
export function logSumExp(data: ArrayLike<number>, offset: number, length: number): number {
  if (length <= 0) throw new RangeError(`logSumExp: length must be positive, got ${length}`)
  let max = -Infinity
  for (let i = offset, end = offset + length; i < end; i++) {
    const v = data[i]!
    if (v !== v) return NaN
    if (v > max) max = v
  }
  if (max === -Infinity || max === Infinity) return max
  let sum = 0
  for (let i = offset, end = offset + length; i < end; i++) sum += Math.exp(data[i]! - max)
  return max + Math.log(sum)
}

/**
 * log-sum-exp and argmax of a row in two passes (one max/argmax pass, one exp pass): what scoring
 * needs from every row. Same results as logSumExp and argmax separately.
 */
export function rowStats(
  data: ArrayLike<number>,
  offset: number,
  length: number,
): { lse: number; argmax: number } {
  let max = -Infinity
  let best = -1
  let nan = false
  for (let i = 0; i < length; i++) {
    const v = data[offset + i]!
    if (v !== v) nan = true
    else if (v > max || best < 0) {
      max = v
      best = i
    }
  }
  if (nan) return { lse: NaN, argmax: best }
  if (max === -Infinity || max === Infinity) return { lse: max, argmax: best }
  let sum = 0
  for (let i = offset, end = offset + length; i < end; i++) sum += Math.exp(data[i]! - max)
  return { lse: max + Math.log(sum), argmax: best }
}

/** Cross-entropy -log softmax(row)[target], given the row's log-sum-exp (computed once per row). */
export function crossEntropyWithLse(
  data: ArrayLike<number>,
  offset: number,
  lse: number,
  target: number,
): number {
  return lse - data[offset + target]!
}

/** Cross-entropy of `target` under softmax of the row. */
export function crossEntropy(
  data: ArrayLike<number>,
  offset: number,
  length: number,
  target: number,
): number {
  if (!Number.isInteger(target) || target < 0 || target >= length) {
    throw new RangeError(`crossEntropy: target ${target} is outside the row of ${length} logits`)
  }
  return logSumExp(data, offset, length) - data[offset + target]!
}

/** Index of the largest value; ties go to the lowest index; NaN values never win. -1 for an all-NaN row. */
export function argmax(data: ArrayLike<number>, offset: number, length: number): number {
  let best = -1
  let bestValue = -Infinity
  for (let i = 0; i < length; i++) {
    const v = data[offset + i]!
    if (v > bestValue || (best < 0 && v === bestValue)) {
      best = i
      bestValue = v
    }
  }
  return best
}

/** log-softmax of a row into `out` (float64), returning `out`. */
export function logSoftmax(
  data: ArrayLike<number>,
  offset: number,
  length: number,
  out: Float64Array = new Float64Array(length),
): Float64Array {
  const lse = logSumExp(data, offset, length)
  for (let i = 0; i < length; i++) out[i] = data[offset + i]! - lse
  return out
}

/**
 * KL(p || q) = Σ p_i (log p_i - log q_i) from two log-probability rows, in nats.
 * Terms with p_i = 0 contribute 0 (the limit), whatever q_i is.
 */
export function klDivergence(logP: ArrayLike<number>, logQ: ArrayLike<number>): number {
  if (logP.length !== logQ.length) {
    throw new RangeError(`klDivergence: rows differ in length (${logP.length} vs ${logQ.length})`)
  }
  let kl = 0
  for (let i = 0; i < logP.length; i++) {
    const lp = logP[i]!
    if (lp === -Infinity) continue
    kl += Math.exp(lp) * (lp - logQ[i]!)
  }
  // Rounding can leave a tiny negative value for identical rows; KL is never negative.
  return kl < 0 && kl > -1e-12 ? 0 : kl
}

/**
 * q-th percentile (0..100) with linear interpolation between the closest ranks, as numpy's default
 * `np.percentile(a, q)`. NaN for an empty list. The interpolation itself is src/shared/stats.ts's.
 */
export function percentile(values: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 100)) throw new RangeError(`percentile: q must be within 0..100, got ${q}`)
  return quantileSorted(Array.from(Float64Array.from(values).sort()), q / 100) ?? NaN
}

/** Largest value (NaN for an empty list). */
export function max(values: ArrayLike<number>): number {
  if (values.length === 0) return NaN
  let m = -Infinity
  for (let i = 0; i < values.length; i++) if (values[i]! > m) m = values[i]!
  return m
}

/** Chart-only series arithmetic (smoothing, thinning, box plots); quantiles come from src/shared/stats.ts. */
import { quantileSorted } from '../stats'

/** [min, q1, median, q3, max] of the values (ECharts' boxplot order). */
export function fiveNumbers(values: readonly number[]): [number, number, number, number, number] | null {
  if (values.length === 0) return null
  const xs = [...values].sort((a, b) => a - b)
  return [
    xs[0]!,
    quantileSorted(xs, 0.25)!,
    quantileSorted(xs, 0.5)!,
    quantileSorted(xs, 0.75)!,
    xs[xs.length - 1]!,
  ]
}

/** Exponential moving average with TensorBoard's debiasing; weight in [0, 1). 0 returns the input. */
export function ema(values: readonly number[], weight: number): number[] {
  if (weight <= 0) return [...values]
  const out: number[] = []
  let last = 0
  let n = 0
  for (const v of values) {
    last = last * weight + (1 - weight) * v
    n++
    out.push(last / (1 - Math.pow(weight, n)))
  }
  return out
}

/** Every k-th index so that at most `max` items are kept (first and last included). */
export function strideIndices(length: number, max: number): number[] {
  if (length <= max) return Array.from({ length }, (_, i) => i)
  const out: number[] = []
  const step = (length - 1) / (max - 1)
  for (let i = 0; i < max; i++) out.push(Math.round(i * step))
  return out
}

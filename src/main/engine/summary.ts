/** Merging a resumed run's results (its means come from src/shared/diagnosis/means.ts, meansFromResults). */
import type { SampleResult } from '../../shared/results'

/** Results of a resumed run: earlier ones, replaced by this call's where an index repeats; by index. */
export function mergeResults(
  previous: readonly SampleResult[],
  current: readonly SampleResult[],
): SampleResult[] {
  const byIndex = new Map<number, SampleResult>()
  for (const r of previous) byIndex.set(r.index, r)
  for (const r of current) byIndex.set(r.index, r)
  return [...byIndex.values()].sort((a, b) => a.index - b.index)
}

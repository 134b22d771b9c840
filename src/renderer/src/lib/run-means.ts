/** A run's means: its summary's once finished, else computed (shared code, as the report does) from the samples so far. */
import { meansFromResults } from '../../../shared/diagnosis'
import type { RunStatus } from '../../../shared/experiment'
import type { Means, RunSummary, SampleResult } from '../../../shared/results'

/** What of a run buffer (stores/run.ts) the means need; structural, so lib/ stays free of stores. */
export interface MeansSource {
  status: RunStatus
  summary: RunSummary | null
  results: readonly SampleResult[]
}

/** Live means per run (keyed by its results array, which snapshots share), recomputed when its sample count changes. */
const cache = new WeakMap<readonly unknown[], { count: number; means: Means }>()

export function runMeans(run: Readonly<MeansSource>): Means {
  if (run.status === 'finished' && run.summary) return run.summary.means
  const hit = cache.get(run.results)
  if (hit && hit.count === run.results.length) return hit.means
  const means = meansFromResults(run.results)
  cache.set(run.results, { count: run.results.length, means })
  return means
}

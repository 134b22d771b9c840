/** A run's summary.json, and merging a resumed run's results (means: src/shared/diagnosis/means.ts). */
import { meansFromResults } from '../../shared/diagnosis/means'
import type { ModelDescription, ProviderReport } from '../../shared/model'
import type { RunSettings, RunSummary, SampleResult } from '../../shared/results'
import { losslensVersion } from './version'

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

/**
 * The summary both run loops (pretraining: analysis-core.ts; SFT: sft/run-sft.ts) write when a run
 * finishes: counts and means over every result of the run, earlier calls' included (`merged`), so a
 * resumed run's summary covers the whole run. The loop supplies what only it knows: its settings as
 * applied, its throughput, and the BOS convention where it applies one.
 */
export function runSummary(o: {
  run: { label: string; modelPath: string; tokenizerPath: string; dataPath: string }
  settings: RunSettings
  model: ModelDescription
  provider: ProviderReport
  merged: readonly SampleResult[]
  bosUsed?: 'yes' | 'no'
  /** performance.now() when the call started. */
  t0: number
  tokensPerSecond: number
  startedAt: Date
  invalidUtf8: number
}): RunSummary {
  const skipped = o.merged.filter((r) => r.skipped).length
  return {
    label: o.run.label,
    modelPath: o.run.modelPath,
    tokenizerPath: o.run.tokenizerPath,
    dataPath: o.run.dataPath,
    settings: o.settings,
    model: o.model,
    provider: o.provider,
    counts: { total: o.merged.length, scored: o.merged.length - skipped, skipped },
    means: meansFromResults([...o.merged]),
    ...(o.bosUsed ? { bosUsed: o.bosUsed } : {}),
    wallSeconds: (performance.now() - o.t0) / 1000,
    tokensPerSecond: o.tokensPerSecond,
    startedAt: o.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    losslensVersion: losslensVersion(),
    ...(o.invalidUtf8 > 0 ? { invalidUtf8Samples: o.invalidUtf8 } : {}),
  }
}

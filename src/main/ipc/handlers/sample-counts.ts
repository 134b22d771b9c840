/**
 * Fills in each dataset's sample count, which the experiment page shows. Counted once, when a dataset
 * first appears without one (the store drops the count when the file changes); a file that cannot be
 * read or parsed is left uncounted here: the run that uses it reports the problem with its line number.
 */
import fs from 'node:fs'
import type { Experiment } from '../../../shared/experiment'
import type { HandlerContext } from '../context'

/** Eval sets are small; a file this large is counted by the run that reads it, not on every save. */
const MAX_COUNT_BYTES = 256 * 1024 * 1024

export async function withSampleCounts(ctx: HandlerContext, experiment: Experiment): Promise<Experiment> {
  const ws = ctx.current().workspace
  const counts = new Map<string, number>()
  for (const d of experiment.datasets) {
    if (d.sampleCount !== undefined) continue
    const path = ws.resolvePath(experiment.id, d.path)
    try {
      if ((await fs.promises.stat(path)).size > MAX_COUNT_BYTES) continue
      counts.set(d.id, await ctx.services.countSamples(path))
    } catch {
      // Unreadable or malformed: not counted (see above).
    }
  }
  if (counts.size === 0) return experiment
  return ws.updateExperiment(experiment.id, (current) => ({
    ...current,
    datasets: current.datasets.map((d) =>
      counts.has(d.id) && d.sampleCount === undefined ? { ...d, sampleCount: counts.get(d.id)! } : d,
    ),
  }))
}

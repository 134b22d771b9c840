/**
 * The runs the Overview and the report are made from: for each checkpoint × dataset, the newest
 * finished run with the experiment's current input and predict lengths (the shared rule,
 * src/shared/reference-runs.ts), unless the user picked
 * another run (or none) for that pair. The Overview states them; the Report tab's picker passes the
 * same ids to report generation, so both read the same runs.
 */
import type { Experiment } from '../../../shared/experiment'
import { hasLengths, newestFirst } from '../../../shared/reference-runs'
import type { RunBuffer } from '../stores/run'

/** One checkpoint × dataset of the experiment and the run chosen for it (null: none). */
export interface ReferencePair {
  key: string
  checkpointId: string
  datasetId: string
  /** Finished runs of this pair, newest first: what a picker offers. */
  candidates: Readonly<RunBuffer>[]
  /** The newest finished run with the experiment's current L and P, or null. */
  defaultRun: Readonly<RunBuffer> | null
  /** The run in use: the user's pick where there is one, else the default. */
  run: Readonly<RunBuffer> | null
  /** The user chose this pair's run by hand (a run, or none). */
  overridden: boolean
}

export const pairKey = (checkpointId: string, datasetId: string): string =>
  `${checkpointId}\u0000${datasetId}`

/**
 * Every checkpoint × dataset pair in the experiment's order, with its default and chosen run.
 * `overrides` maps pairKey to a run id, or to null for "leave this pair out".
 */
export function referencePairs(
  experiment: Pick<Experiment, 'checkpoints' | 'datasets' | 'settings'> | null | undefined,
  runs: readonly Readonly<RunBuffer>[],
  overrides: Readonly<Record<string, string | null>> = {},
): ReferencePair[] {
  if (!experiment) return []
  const pairs: ReferencePair[] = []
  for (const c of experiment.checkpoints) {
    for (const d of experiment.datasets) {
      const key = pairKey(c.id, d.id)
      const candidates = newestFirst(
        runs.filter(
          (r) => r.checkpointId === c.id && r.datasetId === d.id && r.status === 'finished' && r.summary,
        ),
        (r) => r,
      )
      const defaultRun = candidates.find((r) => hasLengths(r, experiment.settings)) ?? null
      const overridden = Object.prototype.hasOwnProperty.call(overrides, key)
      const picked = overridden ? overrides[key] : undefined
      const run = overridden
        ? picked === null
          ? null
          : (candidates.find((r) => r.runId === picked) ?? defaultRun)
        : defaultRun
      pairs.push({ key, checkpointId: c.id, datasetId: d.id, candidates, defaultRun, run, overridden })
    }
  }
  return pairs
}

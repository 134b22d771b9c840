/**
 * Bits per byte in the Compare summary (issue 13, item 5): per UTF-8 byte of the scored text, so
 * checkpoints with different tokenizers compare. Each run's value is the trajectory's (mean over
 * samples ± s.e., trajectoryOf), and its change from the base is trajectory.ts's pairedChange (mean of
 * other − base over the samples both scored), so a change equals the difference the two values would
 * show on the paired samples.
 */
import {
  pairedChange,
  trajectoryOf,
  TRAJECTORY_UNIT,
  TRAJECTORY_MEASURES,
  type TrajectoryMeasure,
} from '../../../shared/diagnosis'
import type { SampleResult } from '../../../shared/results'
import type { Estimate } from '../../../shared/stats'

/** The bits-per-byte measures, continuation teacher forcing then the training format. */
export const BPB_MEASURES = TRAJECTORY_MEASURES.filter((m) => TRAJECTORY_UNIT[m] === 'bitsPerByte')

export interface BpbCell {
  /** This run's mean over samples, with its standard error; null when it did not score the measure. */
  value: Estimate | null
  /** Paired change from the base run (null for the base, or when no sample was scored by both). */
  change: { delta: number; stderr: number | null; samples: number } | null
}

export interface BpbSummary {
  /** The measures some selected run scored, in BPB_MEASURES order (the summary's extra columns). */
  measures: TrajectoryMeasure[]
  /** Per run (the base first), per measure shown. */
  cells: Partial<Record<TrajectoryMeasure, BpbCell>>[]
}

export function bpbSummary(runs: readonly { results: readonly SampleResult[] }[]): BpbSummary {
  const values = runs.map(
    (r) => trajectoryOf('', [{ checkpointId: '', step: null, results: r.results }]).points[0]!.values,
  )
  const measures = BPB_MEASURES.filter((m) => values.some((v) => v[m]))
  const base = runs[0]
  const cells = runs.map((r, k) =>
    Object.fromEntries(
      measures.map((m) => [
        m,
        {
          value: values[k]![m] ?? null,
          change: k > 0 && base ? pairedChange(m, base.results, r.results) : null,
        },
      ]),
    ),
  )
  return { measures, cells }
}

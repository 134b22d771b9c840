/**
 * Evaluations as points with their spread (mean ± standard error over samples), where they belong on
 * the training axis: at their checkpoint's step. Shared by the training-curve and trajectory charts.
 */
import type { TrainLog } from '../evidence'
import {
  orderCheckpoints,
  TRAJECTORY_MEASURES,
  TRAJECTORY_UNIT,
  type Trajectory,
  type TrajectoryMeasure,
  type TrajectoryUnit,
} from '../diagnosis/trajectory'

export interface EvalPoint {
  datasetId: string
  datasetLabel: string
  checkpointId: string
  checkpointLabel: string
  /** The checkpoint's training step; null when unknown (such a point has no place on a step axis). */
  step: number | null
  measure: TrajectoryMeasure
  mean: number
  stderr: number | null
  n: number
}

/** Checkpoints as the charts name them, in training order. */
export type ChartCheckpoint = { id: string; label: string; step: number | null }

export interface TrajectoryInput {
  trajectories: readonly Trajectory[]
  /** Checkpoints in training order (as the diagnosis orders them). */
  checkpoints: readonly ChartCheckpoint[]
  datasetLabel: (id: string) => string
  log?: TrainLog | null
  measures?: readonly TrajectoryMeasure[]
  /** The unit drawn (one axis holds one unit): nats unless bits per byte are asked for. */
  unit?: TrajectoryUnit
}

/** The trajectories as points (one per dataset × checkpoint × measure). */
export function trajectoryPoints(input: TrajectoryInput): EvalPoint[] {
  const measures =
    input.measures ?? TRAJECTORY_MEASURES.filter((m) => TRAJECTORY_UNIT[m] === (input.unit ?? 'nats'))
  return input.trajectories.flatMap((tr) =>
    tr.points.flatMap((p) =>
      measures.flatMap((m) => {
        const e = p.values[m]
        if (!e) return []
        const c = input.checkpoints.find((x) => x.id === p.checkpointId)
        return [
          {
            datasetId: tr.datasetId,
            datasetLabel: input.datasetLabel(tr.datasetId),
            checkpointId: p.checkpointId,
            checkpointLabel: c?.label ?? p.checkpointId,
            step: p.step,
            measure: m,
            mean: e.mean,
            stderr: e.stderr,
            n: e.n,
          },
        ]
      }),
    ),
  )
}

/** Every point's mean with its error bar, as values an axis must show. */
export function evalValues(points: readonly EvalPoint[]): number[] {
  return points.flatMap((p) => [p.mean - (p.stderr ?? 0), p.mean + (p.stderr ?? 0)])
}

/** Points grouped into series: one per dataset × measure, in first-seen order. */
export function evalGroups(points: readonly EvalPoint[]): EvalPoint[][] {
  const groups = new Map<string, EvalPoint[]>()
  for (const p of points) {
    const key = `${p.datasetId}\u0000${p.measure}`
    groups.set(key, [...(groups.get(key) ?? []), p])
  }
  return [...groups.values()]
}

/** An experiment's checkpoints as the charts name them, in training order. */
export function chartCheckpoints(
  checkpoints: readonly { id: string; label: string; step?: number | null }[] | undefined,
): ChartCheckpoint[] {
  return orderCheckpoints(
    (checkpoints ?? []).map((c) => ({ id: c.id, label: c.label, step: c.step ?? null })),
  )
}

/** Evaluation points for the training-curve charts: from the runs in use, or from one run. */
import { computed } from 'vue'
import { trajectoryOf, type TrajectoryMeasure } from '../../../shared/diagnosis'
import type { Experiment } from '../../../shared/experiment'
import { chartCheckpoints, trajectoryPoints, type EvalPoint } from '../../../shared/charts/eval-points'
import { useExperimentStore } from '../stores/experiment'
import { useReferenceStore } from '../stores/reference'
import type { RunBuffer } from '../stores/run'

/**
 * Teacher forcing of every run in use, per dataset, at its checkpoint's step: what the Overview's
 * training curve shows (the measure that can be compared with the training loss).
 */
export function useReferenceEvalPoints() {
  const experiment = useExperimentStore()
  const reference = useReferenceStore()
  return computed<EvalPoint[]>(() =>
    reference.diagnosis
      ? trajectoryPoints({
          trajectories: reference.diagnosis.trajectories,
          checkpoints: chartCheckpoints(experiment.current?.checkpoints),
          datasetLabel: reference.names.dataset,
          measures: ['teacherForcing'],
        })
      : [],
  )
}

/** One run's measures (mean ± s.e. over its samples so far) at its checkpoint's step. */
export function runEvalPoints(
  run: Pick<RunBuffer, 'checkpointId' | 'datasetId' | 'results'> | null,
  exp: Experiment | null | undefined,
  measures: readonly TrajectoryMeasure[] = ['teacherForcing', 'keepLastMisaligned', 'autoregressive'],
): EvalPoint[] {
  if (!run?.checkpointId || !run.datasetId) return []
  const c = exp?.checkpoints.find((x) => x.id === run.checkpointId)
  const tr = trajectoryOf(run.datasetId, [
    { checkpointId: run.checkpointId, step: c?.step ?? null, results: run.results },
  ])
  return trajectoryPoints({
    trajectories: [tr],
    checkpoints: chartCheckpoints(exp?.checkpoints),
    datasetLabel: (id) => exp?.datasets.find((d) => d.id === id)?.label ?? id,
    measures,
  })
}

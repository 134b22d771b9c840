/**
 * The window's runs as the shared chart builders take them, made with the same chartRun as the
 * report's (src/main/report/charts.ts reportChartRun): means from runMeans (the summary once finished,
 * else the samples so far), the divergence step from the mode verdict, colour from the checkpoint's
 * position in the experiment.
 */
import { diagnoseMode, statedFormat } from '../../../shared/diagnosis'
import type { Experiment } from '../../../shared/experiment'
import { chartRun, type ChartRun } from '../../../shared/charts/run-charts'
import { checkpointPosition } from '../../../shared/charts/style'
import type { ChartText } from '../../../shared/charts/text'
import type { RunSettings } from '../../../shared/results'
import { runMeans, type MeansSource } from '../lib/run-means'

/** What of a run buffer (stores/run.ts) its charts need. */
export interface WindowRun extends MeansSource {
  label: string
  checkpointId: string | null
  datasetId: string | null
  settings: RunSettings | null
}

export function windowChartRun(
  run: Readonly<WindowRun>,
  exp: Experiment | null | undefined,
  text: ChartText,
  withDataset = false,
): ChartRun {
  const means = runMeans(run)
  const checkpoint = exp?.checkpoints.find((c) => c.id === run.checkpointId)
  const dataset = exp?.datasets.find((d) => d.id === run.datasetId)
  const subject = { checkpointId: run.checkpointId, datasetId: run.datasetId }
  return chartRun(
    {
      results: run.results,
      means,
      checkpointLabel: checkpoint?.label ?? run.label,
      datasetLabel: dataset?.label ?? run.datasetId ?? '—',
      step: checkpoint?.step ?? null,
      checkpoint: checkpointPosition(exp?.checkpoints, run.checkpointId),
      L: run.settings?.inputLength ?? null,
      P: run.settings?.predictLength ?? null,
      divergenceStep: diagnoseMode(run.results, means, subject).divergenceStep,
      maxSeqLen: run.settings?.maxSeqLen ?? null,
      withDataset,
      format: statedFormat(run.summary, run.settings),
    },
    text,
  )
}

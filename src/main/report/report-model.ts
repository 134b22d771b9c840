/**
 * Turns a ReportInput into what the report says: one view per checkpoint x dataset (means from the
 * stored per-sample results), the diagnosis, and per dataset its headline run (the latest checkpoint
 * with a run on it), its trajectory and its conclusion. Pure: both languages and every chart read
 * the same model.
 */
import {
  diagnose,
  isSftRunOf,
  meansFromResults,
  orderCheckpoints,
  scoredResults,
  statedFormat,
  type Conclusion,
  type DataVerdict,
  type Diagnosis,
  type Names,
  type RunDiagnosis,
  type Trajectory,
  type WeightsVerdict,
} from '../../shared/diagnosis'
import type { DataConsistency, WeightReport } from '../../shared/evidence'
import type { CheckpointRef, DatasetKind, DatasetRef, Experiment } from '../../shared/experiment'
import { statedBos, type Means, type SampleResult } from '../../shared/results'
import { InputError } from '../engine/errors'
import type { BuildOptions, ReportInput, ReportRun } from './input'

/** One checkpoint x dataset as the report shows it. */
export interface RunView {
  checkpoint: CheckpointRef
  dataset: DatasetRef
  stored: ReportRun
  /** Means over the stored per-sample results (not the summary), so every number traces to a sample. */
  means: Means
  scored: SampleResult[]
  skipped: SampleResult[]
  /** Input length L and predict length P of the run. */
  L: number
  P: number
  step: number | null
  /** Every verdict about this checkpoint on this dataset. */
  verdicts: RunDiagnosis
  /** An SFT run (conversations scored with MiniMind's SFT loss), by the format the run states. */
  sft: boolean
}

/** One dataset: its runs in training order, the headline (latest checkpoint), trajectory and conclusion. */
export interface DatasetView {
  dataset: DatasetRef
  /** The kind the diagnosis reasons with (the data check's finding, else the user's claim). */
  kind: DatasetKind
  data: DataVerdict
  consistency: DataConsistency | undefined
  runs: RunView[]
  headline: RunView
  trajectory: Trajectory | null
  /** The answer for each of the dataset's latest checkpoints (several when they share a step). */
  conclusions: Conclusion[]
}

export interface ReportModel {
  experiment: Experiment
  input: ReportInput
  /** Every run, checkpoints in training order, datasets in the experiment's order within each. */
  runs: RunView[]
  /** Datasets with at least one run, in the experiment's order. */
  datasets: DatasetView[]
  /** Checkpoints with at least one run, in training order. */
  checkpoints: CheckpointRef[]
  diagnosis: Diagnosis
  names: Names
  /** The run "explain my number" and the fix are about. */
  primary: RunView
  weights: Record<string, WeightReport | undefined>
  weightVerdicts: WeightsVerdict[]
  /**
   * What explains the user's number: 'alignment' (a shifted slice), 'autoregressive', 'correct'
   * (already the right slice), or null (no number given, or none matches).
   */
  explainedBy: 'alignment' | 'autoregressive' | 'correct' | null
  /** The run whose variant reproduces the user's number (null when none does). */
  explainedRun: RunView | null
  /** File name of the report without .md: charts go to `<fileBase>.charts/`. */
  fileBase: string
}

/** Builds the report model; InputError when the experiment has no run with results. */
export function buildReportModel(
  input: ReportInput,
  options: BuildOptions & { fileBase: string },
): ReportModel {
  const { experiment } = input
  const weights = Object.fromEntries(
    experiment.checkpoints.map((c) => [c.id, input.weights?.[c.id] ?? c.weights]),
  )
  const consistency = Object.fromEntries(
    experiment.datasets.map((d) => [d.id, input.consistency?.[d.id] ?? d.consistency]),
  )
  const ordered = orderCheckpoints(experiment.checkpoints)
  const stored: { checkpoint: CheckpointRef; dataset: DatasetRef; run: ReportRun }[] = []
  for (const checkpoint of ordered) {
    for (const dataset of experiment.datasets) {
      const run = input.runs.find((r) => r.checkpointId === checkpoint.id && r.datasetId === dataset.id)
      if (run && scoredResults(run.results).length > 0) stored.push({ checkpoint, dataset, run })
    }
  }
  if (stored.length === 0) {
    throw new InputError(`experiment "${experiment.id}" has no run with scored results to report on`)
  }
  const primaryRef =
    options.checkpointId !== undefined || options.datasetId !== undefined
      ? pickPrimary(stored, options)
      : undefined
  const diagnosis = diagnose({
    runs: stored.map(({ checkpoint, dataset, run }) => ({
      runId: run.run.runId,
      checkpointId: checkpoint.id,
      datasetId: dataset.id,
      results: run.results,
      hasKvCache: run.summary?.model.hasKvCache ?? checkpoint.description?.hasKvCache,
      bosUsed: statedBos(run.summary, run.run.settings),
      format: statedFormat(run.summary, run.run.settings),
    })),
    checkpoints: experiment.checkpoints.map((c) => ({ id: c.id, step: c.step, weights: weights[c.id] })),
    datasets: experiment.datasets.map((d) => ({
      id: d.id,
      datasetKind: d.datasetKind,
      fromTraining: d.fromTraining,
      consistency: consistency[d.id],
    })),
    trainLog: input.trainLog,
    windowLines: input.windowLines,
    reportedLoss: experiment.reportedLoss,
    ...(primaryRef ? { primary: primaryRef } : {}),
  })
  const runs: RunView[] = stored.map(({ checkpoint, dataset, run }) => ({
    checkpoint,
    dataset,
    stored: run,
    means: meansFromResults(run.results),
    scored: scoredResults(run.results),
    skipped: run.results.filter((r) => r.skipped !== undefined),
    L: run.run.settings.inputLength,
    P: run.run.settings.predictLength,
    step: checkpoint.step ?? null,
    verdicts: diagnosis.runs.find((r) => r.checkpointId === checkpoint.id && r.datasetId === dataset.id)!,
    sft: isSftRunOf(statedFormat(run.summary, run.run.settings), run.results),
  }))
  const find = (checkpointId: string, datasetId: string): RunView | undefined =>
    runs.find((r) => r.checkpoint.id === checkpointId && r.dataset.id === datasetId)
  // One view per dataset; when several checkpoints share the latest step each has its own answer
  // (conclusions), and the first of them is the headline the detailed sections follow.
  const datasetIds = [...new Set(diagnosis.conclusions.map((c) => c.datasetId))]
  const datasets: DatasetView[] = datasetIds.map((datasetId) => {
    const dataset = experiment.datasets.find((d) => d.id === datasetId)!
    const onSet = runs.filter((r) => r.dataset.id === dataset.id)
    const data = diagnosis.data.find((v) => v.datasetId === dataset.id)!
    const conclusions = diagnosis.conclusions.filter((c) => c.datasetId === datasetId)
    return {
      dataset,
      kind: onSet[0]!.verdicts.kind,
      data,
      consistency: consistency[dataset.id],
      runs: onSet,
      headline: find(conclusions[0]!.checkpointId, dataset.id)!,
      trajectory: diagnosis.trajectories.find((t) => t.datasetId === dataset.id) ?? null,
      conclusions,
    }
  })
  const match = diagnosis.explanation?.match ?? null
  // An SFT variant (the one-late mask is a slip of the loss mask, not of the logits' rows) has no
  // logits-slice fix: the SFT section weighs it, and the fix section only repeats the explanation.
  const explainedBy =
    !match || match.measure.startsWith('sft')
      ? null
      : match.rowShift === null
        ? 'autoregressive'
        : match.rowShift === 0
          ? 'correct'
          : 'alignment'
  const explainedRun = match ? (find(match.checkpointId ?? '', match.datasetId ?? '') ?? null) : null
  const defaultPrimary = datasets.find((d) => d.kind === 'fromTraining')?.headline ?? datasets[0]!.headline
  const primary = primaryRef ? find(primaryRef.checkpointId, primaryRef.datasetId)! : defaultPrimary
  const label = <T extends { id: string; label: string }>(list: T[], id: string): string =>
    list.find((x) => x.id === id)?.label ?? id
  return {
    experiment,
    input,
    runs,
    datasets,
    checkpoints: ordered.filter((c) => runs.some((r) => r.checkpoint.id === c.id)),
    diagnosis,
    names: {
      checkpoint: (id) => label(experiment.checkpoints, id),
      dataset: (id) => label(experiment.datasets, id),
    },
    primary,
    weights,
    weightVerdicts: diagnosis.weights,
    explainedBy,
    explainedRun,
    fileBase: options.fileBase,
  }
}

function pickPrimary(
  stored: { checkpoint: CheckpointRef; dataset: DatasetRef }[],
  options: BuildOptions,
): { checkpointId: string; datasetId: string } {
  const datasetId = options.datasetId ?? stored[0]!.dataset.id
  const onDataset = stored.filter((s) => s.dataset.id === datasetId)
  if (onDataset.length === 0) throw new InputError(`no run with results on dataset "${datasetId}"`)
  if (options.checkpointId === undefined) {
    return { checkpointId: onDataset[onDataset.length - 1]!.checkpoint.id, datasetId }
  }
  if (!onDataset.some((s) => s.checkpoint.id === options.checkpointId)) {
    throw new InputError(
      `no run with results for checkpoint "${options.checkpointId}" on dataset "${datasetId}"`,
    )
  }
  return { checkpointId: options.checkpointId, datasetId }
}

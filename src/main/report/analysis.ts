/**
 * Turns a ReportInput into what the report says: the run the seed's phases are about, means computed
 * from the stored per-sample results, every verdict, the per-sample rows and the checkpoint pairs.
 * Pure: both languages and every chart read the same model.
 */
import type { TokenComparison } from '../../shared/compare'
import {
  diagnose,
  meansFromResults,
  mean,
  median,
  scoredResults,
  trainingDrawn,
  type Diagnosis,
} from '../../shared/diagnosis'
import type { DataConsistency, WeightReport } from '../../shared/evidence'
import type { CheckpointRef, DatasetRef, Experiment } from '../../shared/experiment'
import type { Means, SampleResult } from '../../shared/results'
import { InputError } from '../engine/errors'
import type { BuildOptions, ReportInput, ReportRun } from './input'

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
}

export interface SampleRow {
  /** 1-based, as a researcher counts samples (the dataset's index + 1). */
  sample: number
  misaligned: number | null
  correct: number | null
  /** (misaligned - correct) / misaligned: how much lower the right slice is. */
  improvement: number | null
}

export interface PairComparison {
  dataset: DatasetRef
  base: RunView
  other: RunView
  /** Samples scored by both (matched by sample id). */
  n: number
  /** other - base teacher-forcing loss, per sample: negative = the other checkpoint is better. */
  deltas: { sample: number; base: number; other: number; delta: number }[]
  meanDelta: number | null
  medianDelta: number | null
  better: number
  worse: number
  token: TokenComparison | null
}

export interface ReportModel {
  experiment: Experiment
  input: ReportInput
  primary: RunView
  views: RunView[]
  diagnosis: Diagnosis
  weights: Record<string, WeightReport | undefined>
  consistency: Record<string, DataConsistency | undefined>
  rows: SampleRow[]
  /** Means of the table's columns (the run's means) and the improvement of those means. */
  meanRow: SampleRow
  /** Checkpoint pairs on each dataset: the first checkpoint against each later one. */
  comparisons: PairComparison[]
  /**
   * What explains the user's number: 'alignment' (a shifted slice), 'autoregressive', 'correct'
   * (already the right slice), or null (no number given, or none matches).
   */
  explainedBy: 'alignment' | 'autoregressive' | 'correct' | null
}

/** Builds the report model; InputError when the experiment has no run with results. */
export function analyzeReport(input: ReportInput, options: BuildOptions = {}): ReportModel {
  const { experiment } = input
  const weights = Object.fromEntries(
    experiment.checkpoints.map((c) => [c.id, input.weights?.[c.id] ?? c.weights]),
  )
  const consistency = Object.fromEntries(
    experiment.datasets.map((d) => [d.id, input.consistency?.[d.id] ?? d.consistency]),
  )
  const views: RunView[] = []
  for (const checkpoint of experiment.checkpoints) {
    for (const dataset of experiment.datasets) {
      const stored = input.runs.find((r) => r.checkpointId === checkpoint.id && r.datasetId === dataset.id)
      if (!stored) continue
      const scored = scoredResults(stored.results)
      if (scored.length === 0) continue
      views.push({
        checkpoint,
        dataset,
        stored,
        means: meansFromResults(stored.results),
        scored,
        skipped: stored.results.filter((r) => r.skipped !== undefined),
        L: stored.run.settings.inputLength,
        P: stored.run.settings.predictLength,
      })
    }
  }
  if (views.length === 0) {
    throw new InputError(`experiment "${experiment.id}" has no run with scored results to report on`)
  }
  const primary = pickPrimary(views, consistency, options)
  const diagnosis = diagnose({
    runs: views.map((v) => ({
      checkpointId: v.checkpoint.id,
      datasetId: v.dataset.id,
      means: v.means,
      hasKvCache: v.stored.summary?.model.hasKvCache ?? v.checkpoint.description?.hasKvCache,
    })),
    primary: { checkpointId: primary.checkpoint.id, datasetId: primary.dataset.id },
    checkpoints: experiment.checkpoints.map((c) => ({ id: c.id, weights: weights[c.id] })),
    datasets: experiment.datasets.map((d) => ({
      id: d.id,
      fromTraining: d.fromTraining,
      consistency: consistency[d.id],
    })),
    trainLog: input.trainLog,
    reportedLoss: experiment.reportedLoss,
  })
  const rows = primary.scored.map((r) => row(r.index + 1, r.keepLastMisaligned?.loss, r.teacherForcing?.loss))
  const meanRow = row(0, primary.means.keepLastMisaligned, primary.means.teacherForcing)
  const match = diagnosis.explanation?.match
  const explainedBy = !match
    ? null
    : match.rowShift === null
      ? 'autoregressive'
      : match.rowShift === 0
        ? 'correct'
        : 'alignment'
  return {
    experiment,
    input,
    primary,
    views,
    diagnosis,
    weights,
    consistency,
    rows,
    meanRow,
    comparisons: comparePairs(views, input.tokenComparisons ?? [], primary.dataset.id),
    explainedBy,
  }
}

function row(sample: number, misaligned: number | undefined, correct: number | undefined): SampleRow {
  const m = misaligned ?? null
  const c = correct ?? null
  return {
    sample,
    misaligned: m,
    correct: c,
    improvement: m !== null && c !== null && m !== 0 ? (m - c) / m : null,
  }
}

function pickPrimary(
  views: RunView[],
  consistency: Record<string, DataConsistency | undefined>,
  options: BuildOptions,
): RunView {
  const datasetIds = [...new Set(views.map((v) => v.dataset.id))]
  const datasetId =
    options.datasetId ??
    datasetIds.find((id) => {
      const d = views.find((v) => v.dataset.id === id)!.dataset
      return trainingDrawn({ fromTraining: d.fromTraining, consistency: consistency[id] }).drawn
    }) ??
    datasetIds[0]!
  const onDataset = views.filter((v) => v.dataset.id === datasetId)
  if (onDataset.length === 0) throw new InputError(`no run with results on dataset "${datasetId}"`)
  if (options.checkpointId === undefined) return onDataset[onDataset.length - 1]!
  const chosen = onDataset.find((v) => v.checkpoint.id === options.checkpointId)
  if (!chosen) {
    throw new InputError(
      `no run with results for checkpoint "${options.checkpointId}" on dataset "${datasetId}"`,
    )
  }
  return chosen
}

/** TokenComparison names no dataset: it is shown with the pair on the primary dataset only. */
function comparePairs(
  views: RunView[],
  tokens: TokenComparison[],
  primaryDatasetId: string,
): PairComparison[] {
  const out: PairComparison[] = []
  for (const datasetId of new Set(views.map((v) => v.dataset.id))) {
    const onDataset = views.filter((v) => v.dataset.id === datasetId)
    const base = onDataset[0]
    if (!base) continue
    for (const other of onDataset.slice(1)) {
      const baseById = new Map(base.scored.map((r) => [r.id, r]))
      const deltas = other.scored.flatMap((r) => {
        const b = baseById.get(r.id)
        if (!b?.teacherForcing || !r.teacherForcing) return []
        const d = r.teacherForcing.loss - b.teacherForcing.loss
        return [{ sample: r.index + 1, base: b.teacherForcing.loss, other: r.teacherForcing.loss, delta: d }]
      })
      const names = (v: RunView): string[] => [v.checkpoint.label, v.checkpoint.id]
      const token =
        datasetId !== primaryDatasetId
          ? null
          : (tokens.find((t) => names(base).includes(t.baseLabel) && names(other).includes(t.otherLabel)) ??
            null)
      out.push({
        dataset: base.dataset,
        base,
        other,
        n: deltas.length,
        deltas,
        meanDelta: mean(deltas.map((d) => d.delta)),
        medianDelta: median(deltas.map((d) => d.delta)),
        better: deltas.filter((d) => d.delta < 0).length,
        worse: deltas.filter((d) => d.delta > 0).length,
        token,
      })
    }
  }
  return out
}

/** All verdicts of one experiment at once: what the report and the window's Overview show. */
import type { DataConsistency, TrainLog, WeightReport } from '../evidence'
import type { Means } from '../results'
import { candidatesFromMeans, explainReportedLoss } from './explain'
import type {
  AlignmentVerdict,
  Candidate,
  DataVerdict,
  Explanation,
  KvCacheVerdict,
  ModeVerdict,
  TrainEvalVerdict,
  WeightsVerdict,
} from './types'
import {
  diagnoseAlignment,
  diagnoseData,
  diagnoseKvCache,
  diagnoseMode,
  diagnoseTrainEval,
  diagnoseWeights,
  foundInTraining,
} from './verdicts'

export interface DiagnosisRun {
  checkpointId: string
  datasetId: string
  means: Means
  /** From the model description: false when the graph has no past_key_values. */
  hasKvCache?: boolean
}

export interface DiagnosisInput {
  runs: DiagnosisRun[]
  /** The run the seed's phases are about (usually the final checkpoint on training-drawn samples). */
  primary: { checkpointId: string; datasetId: string }
  checkpoints: { id: string; weights?: WeightReport | null }[]
  datasets: { id: string; fromTraining?: boolean; consistency?: DataConsistency | null }[]
  trainLog?: TrainLog | null
  /** The loss the user's own script reported (Experiment.reportedLoss). */
  reportedLoss?: number | null
}

export interface Diagnosis {
  data: DataVerdict[]
  weights: WeightsVerdict[]
  mode: ModeVerdict
  kvCache: KvCacheVerdict
  alignment: AlignmentVerdict
  trainEval: TrainEvalVerdict
  /** "Explain my number" over every run's variants; null without a reported number. */
  explanation: Explanation | null
  /** The dataset the train-vs-eval comparison used, and whether a check backs "training-drawn". */
  trainingDataset: { id: string; verified: boolean } | null
}

/**
 * Whether a dataset counts as drawn from training: a consistency check that found every sample decides
 * (verified); without one, the user's DatasetRef.fromTraining (unverified).
 */
export function trainingDrawn(dataset: { fromTraining?: boolean; consistency?: DataConsistency | null }): {
  drawn: boolean
  verified: boolean
} {
  const c = dataset.consistency
  if (c) return { drawn: c.total > 0 && foundInTraining(c) >= c.total, verified: true }
  return { drawn: dataset.fromTraining === true, verified: false }
}

/** Runs every verdict; the mode, KV-cache and alignment verdicts are about the primary run. */
export function diagnose(input: DiagnosisInput): Diagnosis {
  const find = (checkpointId: string, datasetId: string): DiagnosisRun | undefined =>
    input.runs.find((r) => r.checkpointId === checkpointId && r.datasetId === datasetId)
  const primary = find(input.primary.checkpointId, input.primary.datasetId)
  const means = primary?.means ?? {}
  const explanation = explainAcrossRuns(input.reportedLoss, primary, input.runs)
  let trainingDataset: Diagnosis['trainingDataset'] = null
  const ordered = [
    ...input.datasets.filter((d) => d.id === input.primary.datasetId),
    ...input.datasets.filter((d) => d.id !== input.primary.datasetId),
  ]
  for (const d of ordered) {
    const t = trainingDrawn(d)
    if (t.drawn && find(input.primary.checkpointId, d.id)) {
      trainingDataset = { id: d.id, verified: t.verified }
      break
    }
  }
  return {
    data: input.datasets.map((d) => diagnoseData(d.consistency, d)),
    weights: input.checkpoints.map((c) => diagnoseWeights(c.weights, c.id)),
    mode: diagnoseMode(means, explanation),
    kvCache: diagnoseKvCache(means, { hasKvCache: primary?.hasKvCache }),
    alignment: diagnoseAlignment(means, explanation),
    trainEval: diagnoseTrainEval({
      trainLog: input.trainLog,
      means: trainingDataset ? find(input.primary.checkpointId, trainingDataset.id)!.means : null,
      verified: trainingDataset?.verified ?? null,
    }),
    explanation,
    trainingDataset,
  }
}

const candidatesOf = (r: DiagnosisRun): Candidate[] =>
  candidatesFromMeans(r.means, { checkpointId: r.checkpointId, datasetId: r.datasetId })

/**
 * "Explain my number" on the primary run (the samples the report is about) first; only when nothing
 * there is within tolerance, over every run, so another checkpoint or dataset can still be the answer.
 */
export function explainAcrossRuns(
  reported: number | null | undefined,
  primary: DiagnosisRun | undefined,
  runs: readonly DiagnosisRun[],
): Explanation | null {
  if (reported === undefined || reported === null) return null
  if (primary) {
    const own = explainReportedLoss(reported, candidatesOf(primary))
    if (own.status === 'matched') return own
  }
  return explainReportedLoss(
    reported,
    [primary, ...runs.filter((r) => r !== primary)].filter((r) => r !== undefined).flatMap(candidatesOf),
  )
}

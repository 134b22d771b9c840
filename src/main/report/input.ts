/** What a report is made from: an experiment, its stored runs, the evidence, and where every file came from. */
import type { TokenComparison } from '../../shared/compare'
import type { DataConsistency, TrainLog, WeightReport } from '../../shared/evidence'
import type { Experiment, RunInfo } from '../../shared/experiment'
import type { RunSummary, SampleResult } from '../../shared/results'

/** One checkpoint x dataset: the run the report uses for it, and its per-sample results. */
export interface ReportRun {
  checkpointId: string
  datasetId: string
  run: RunInfo
  results: SampleResult[]
  /** run.summary when the run finished; null for a run that stopped early (means come from results). */
  summary: RunSummary | null
}

/** A file's identity: SHA-256 of its bytes (streamed), or why it could not be read. */
export interface FileHash {
  path: string
  sha256: string | null
  bytes: number | null
  error?: string
}

export interface ReportProvenance {
  /** By checkpoint id. */
  checkpoints: Record<string, { model: FileHash | null; tokenizer: FileHash | null; source: FileHash | null }>
  /** By dataset id. */
  datasets: Record<string, FileHash | null>
  trainLog: FileHash | null
  /** LossLens that wrote the report (each run's summary names the version that measured it). */
  losslensVersion: string
  /** ISO time the report was generated; the report's date. */
  generatedAt: string
}

export interface ReportInput {
  experiment: Experiment
  /** At most one run per checkpoint x dataset (loadReportInput picks the most recent with results). */
  runs: ReportRun[]
  trainLog?: TrainLog | null
  /** Weight reports by checkpoint id; CheckpointRef.weights is used where absent. */
  weights?: Record<string, WeightReport>
  /** Consistency checks by dataset id; DatasetRef.consistency is used where absent. */
  consistency?: Record<string, DataConsistency>
  /** Token-level comparisons of checkpoint pairs, matched to runs by checkpoint label or id. */
  tokenComparisons?: TokenComparison[]
  provenance: ReportProvenance
}

export interface BuildOptions {
  /** The checkpoint the seed's phases are about; default: the last checkpoint with a run. */
  checkpointId?: string
  /** The dataset they are about; default: the first training-drawn dataset with a run. */
  datasetId?: string
}

/** What a report is made from: an experiment, its stored runs, the evidence, and where every file came from. */
import type { TokenComparison } from '../../shared/compare'
import type { DataConsistency, TrainLog, WeightReport } from '../../shared/evidence'
import type { Experiment, RunInfo } from '../../shared/experiment'
import type { RunSummary, SampleResult } from '../../shared/results'

/**
 * Why a run is the one reported for its checkpoint x dataset: `settings`: the newest finished run with
 * the experiment's current input and predict lengths (the default); `fallback`: no run has them, so
 * the newest with results whatever its L and P; `chosen`: the user picked it (LoadOptions.runIds).
 */
export type RunChoice = 'settings' | 'fallback' | 'chosen'

/** One checkpoint x dataset: the run the report uses for it, and its per-sample results. */
export interface ReportRun {
  checkpointId: string
  datasetId: string
  run: RunInfo
  results: SampleResult[]
  /** run.summary when the run finished; null for a run that stopped early (means come from results). */
  summary: RunSummary | null
  /** How the run was chosen; absent reads as `settings`. */
  choice?: RunChoice
}

/** A file's identity: SHA-256 of its bytes (streamed), or why it could not be read. */
export interface FileHash {
  path: string
  sha256: string | null
  bytes: number | null
  error?: string
}

/** The software the report was written with (the runs' own summaries name what measured them). */
export interface RuntimeVersions {
  onnxruntime: string | null
  node: string
  /** Platform, release and architecture, e.g. "linux 6.8.0 x64". */
  os: string
}

export interface ReportProvenance {
  /** By checkpoint id. */
  checkpoints: Record<string, { model: FileHash | null; tokenizer: FileHash | null; source: FileHash | null }>
  /** By dataset id. */
  datasets: Record<string, FileHash | null>
  trainLog: FileHash | null
  /** LossLens that wrote the report (each run's summary names the version that measured it). */
  losslensVersion: string
  /** onnxruntime, Node and OS versions; absent in inputs made before they were recorded. */
  runtime?: RuntimeVersions
  /** ISO time the report was generated; the report's date. */
  generatedAt: string
}

export interface ReportInput {
  experiment: Experiment
  /** At most one run per checkpoint x dataset (see loadReportInput for which). */
  runs: ReportRun[]
  trainLog?: TrainLog | null
  /** Weight reports by checkpoint id; CheckpointRef.weights is used where absent. */
  weights?: Record<string, WeightReport>
  /** Consistency checks by dataset id; DatasetRef.consistency is used where absent. */
  consistency?: Record<string, DataConsistency>
  /** Token-level comparisons of checkpoint pairs, matched to runs by checkpoint label or id. */
  tokenComparisons?: TokenComparison[]
  /** Logged losses the training-loss window averages before each checkpoint's step (default 50). */
  windowLines?: number
  provenance: ReportProvenance
}

export interface BuildOptions {
  /**
   * The run "explain my number" looks at first (default: the headline of the first training-drawn
   * dataset); every dataset still gets its own headline.
   */
  checkpointId?: string
  datasetId?: string
  /**
   * The report's file name without `.md` (default `report-<lang>`): its charts go to
   * `<base>.charts/` and its sample table to `<base>.samples.csv`, so two reports in one folder never
   * overwrite each other's files.
   */
  fileBase?: string
}

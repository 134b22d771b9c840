/** Messages between the engine's public functions and the inference worker (inference-worker.ts). */
import type { CompareProgress, TokenComparison } from '../../shared/compare'
import type { ModelDescription, ProviderReport } from '../../shared/model'
import type { RunEvent } from '../../shared/run-events'
import type { AnalysisOptions } from './analysis-core'
import type { CompareOptions, SampleComparison } from './compare'

/** The one job a worker runs, passed as workerData with a shared cancel flag. */
export type WorkerJob =
  | { kind: 'analyze'; options: AnalysisOptions }
  | { kind: 'describe'; path: string; provider: string }
  | { kind: 'compare'; options: CompareOptions }

export interface WorkerData {
  job: WorkerJob
  /** Int32Array over it: [0] = 1 once the caller aborted. Checked between batches. */
  cancel: SharedArrayBuffer
}

export interface DescribeResult {
  model: ModelDescription
  provider: ProviderReport
}

export interface CompareResult {
  comparison: TokenComparison
  perSample: SampleComparison[]
}

export type WorkerMessage =
  | { kind: 'event'; event: RunEvent }
  | { kind: 'result'; value: DescribeResult | CompareResult }
  /** A token comparison's samples done so far. */
  | { kind: 'progress'; progress: CompareProgress }
  /** `input` marks an InputError (the user's file or setting), so the caller can rethrow it as one. */
  | { kind: 'error'; message: string; input: boolean }
  | { kind: 'cancelled' }

/**
 * The engine's public surface: what the CLI, the window's run manager and the IPC handlers call.
 * Every function does its inference in a worker thread; none of them imports electron.
 */
import type { CompareProgress } from '../../shared/compare'
import type { ModelDescription, ProviderReport } from '../../shared/model'
import type { CompareOptions } from './compare'
import { InputError } from './errors'
import type { CompareResult, DescribeResult, WorkerJob } from './worker-protocol'
import { runInWorker } from './worker-client'

export { runAnalysis } from './analyze'
export type { AnalysisOptions } from './analysis-core'
export { validateSettings } from './settings'
export type { CompareOptions, SampleComparison } from './compare'
export type { CompareResult, DescribeResult } from './worker-protocol'
export { PROVIDER_NAMES, providerOrder } from './providers'

async function runForResult(
  job: WorkerJob,
  signal?: AbortSignal,
  onProgress?: (progress: CompareProgress) => void,
): Promise<DescribeResult | CompareResult> {
  for await (const m of runInWorker(job, signal)) {
    if (m.kind === 'result') return m.value
    if (m.kind === 'progress') onProgress?.(m.progress)
    if (m.kind === 'error') throw m.input ? new InputError(m.message) : new Error(m.message)
    if (m.kind === 'cancelled') throw new DOMException('the comparison was cancelled', 'AbortError')
  }
  throw new Error('the inference worker ended without a result')
}

/**
 * Loads an ONNX model (on `provider`, default cpu, so describing never waits on a GPU) and describes it:
 * form, KV layout, vocabulary, header fields and notes on what can be measured.
 * InputError when the file is missing, not ONNX, or not a decoder LossLens can drive.
 */
export async function describeModel(
  path: string,
  provider = 'cpu',
): Promise<{ model: ModelDescription; provider: ProviderReport }> {
  return (await runForResult({ kind: 'describe', path, provider })) as DescribeResult
}

/**
 * Compares two checkpoints token by token on the same samples (KL(base || other) over the
 * teacher-forcing target rows, same-top-1 rate, RMS change of the true token's probability) and
 * returns the per-sample teacher-forcing losses of both. Rejects with an AbortError when cancelled.
 * onProgress hears the samples done after each batch.
 */
export async function compareTokens(
  options: CompareOptions,
  signal?: AbortSignal,
  onProgress?: (progress: CompareProgress) => void,
): Promise<CompareResult> {
  return (await runForResult({ kind: 'compare', options }, signal, onProgress)) as CompareResult
}

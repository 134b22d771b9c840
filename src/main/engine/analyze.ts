/** runAnalysis: one analysis run in the inference worker, streamed as RunEvents to the caller. */
import type { RunEvent } from '../../shared/run-events'
import type { AnalysisOptions } from './analysis-core'
import { runInWorker } from './worker-client'

export type { AnalysisOptions } from './analysis-core'

/**
 * Streams a run's events (started, sample..., progress..., then finished | failed | cancelled).
 * Aborting the signal stops the run between batches: the stream ends with `cancelled`, and the
 * samples already streamed stay valid. Bad input never throws: it arrives as one `failed` event.
 */
export async function* runAnalysis(options: AnalysisOptions, signal?: AbortSignal): AsyncGenerator<RunEvent> {
  let terminal = false
  try {
    for await (const m of runInWorker({ kind: 'analyze', options }, signal)) {
      if (m.kind === 'event') {
        terminal = m.event.type === 'finished' || m.event.type === 'failed' || m.event.type === 'cancelled'
        yield m.event
      } else if (m.kind === 'error') {
        terminal = true
        yield { type: 'failed', runId: options.runId, message: m.message }
      }
    }
  } catch (err) {
    if (!terminal) {
      terminal = true
      yield {
        type: 'failed',
        runId: options.runId,
        message: err instanceof Error ? err.message : String(err),
      }
    }
  }
  if (!terminal)
    yield { type: 'failed', runId: options.runId, message: 'the inference worker ended without a result' }
}

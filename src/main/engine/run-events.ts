/**
 * The `started` and `progress` events both run loops (pretraining: analysis-core.ts; SFT:
 * sft/run-sft.ts) stream, built one way so the window's progress bar and ETA read the same from either.
 */
import type { ModelDescription, ProviderReport } from '../../shared/model'
import type { RunEvent } from '../../shared/run-events'

/** The run is loaded and about to score: `total` samples, `alreadyDone` of them from an earlier call. */
export function startedEvent(o: {
  runId: string
  label: string
  total: number
  alreadyDone: number
  model: ModelDescription
  provider: ProviderReport
}): RunEvent {
  return {
    type: 'started',
    runId: o.runId,
    label: o.label,
    total: o.total,
    alreadyDone: o.alreadyDone,
    model: o.model,
    provider: o.provider,
  }
}

/**
 * Progress after `doneNow` samples scored in this call (of `total`, `alreadyDone` before it), taking
 * `scoringSeconds` and covering `tokens` tokens (each loop counts its own: L + P per sample, or a
 * conversation's templated forward). The ETA assumes the remaining samples go at this call's rate.
 */
export function progressEvent(o: {
  runId: string
  total: number
  alreadyDone: number
  doneNow: number
  tokens: number
  scoringSeconds: number
}): RunEvent {
  const done = o.alreadyDone + o.doneNow
  const rate = o.scoringSeconds > 0 ? o.doneNow / o.scoringSeconds : 0
  return {
    type: 'progress',
    runId: o.runId,
    done,
    total: o.total,
    tokensPerSecond: o.scoringSeconds > 0 ? o.tokens / o.scoringSeconds : 0,
    etaSeconds: rate > 0 ? (o.total - done) / rate : null,
  }
}

/** Means over a run's per-sample results, computed the same way for the report and the window. */
import { SWEEP_SHIFTS } from '../measures'
import type { Means, SampleResult } from '../results'
import { mean, meanPerPosition } from '../stats'

export { mean, median, meanPerPosition } from '../stats'

/** Samples that were scored (not skipped). */
export function scoredResults(results: readonly SampleResult[]): SampleResult[] {
  return results.filter(isScored)
}

/** A sample was scored unless it carries a reason for being skipped (the one definition of "scored"). */
export function isScored(r: SampleResult): boolean {
  return r.skipped === undefined
}

/** Σ (loss × tokens) / Σ tokens: the mean over every scored token of the set; null when there are none. */
function tokenWeighted(items: readonly { loss: number; tokens: number }[]): number | null {
  let sum = 0
  let tokens = 0
  for (const x of items) {
    sum += x.loss * x.tokens
    tokens += x.tokens
  }
  return tokens > 0 ? sum / tokens : null
}

/** lm-evaluation-harness's bits_per_byte over a set: Σ -log-likelihood / (ln 2 × Σ bytes); null without bytes. */
function bitsPerByte(items: readonly { loss: number; tokens: number; bytes: number }[]): number | null {
  let nll = 0
  let bytes = 0
  for (const x of items) {
    nll += x.loss * x.tokens
    bytes += x.bytes
  }
  return bytes > 0 ? nll / (Math.LN2 * bytes) : null
}

function defined<T>(values: (T | undefined)[]): T[] {
  return values.filter((v): v is T => v !== undefined)
}

/**
 * Means of every measure over the scored samples that have it. Each shift of the offset sweep is
 * averaged over the samples that have that shift; kvCacheMaxAbsDiff is the largest over samples,
 * kvCacheTop1Agreement the mean.
 */
export function meansFromResults(results: readonly SampleResult[]): Means {
  const scored = scoredResults(results)
  const means: Means = {}
  const tf = defined(scored.map((r) => r.teacherForcing))
  const set = <K extends keyof Means>(key: K, value: Means[K] | null): void => {
    if (value !== null && value !== undefined) means[key] = value
  }
  set('teacherForcing', mean(tf.map((t) => t.loss)))
  set('teacherForcingTop1', mean(tf.map((t) => t.top1)))
  if (tf.length > 0) means.teacherForcingSteps = meanPerPosition(tf.map((t) => t.tokenLosses))
  set('keepLastMisaligned', mean(defined(scored.map((r) => r.keepLastMisaligned?.loss))))
  set('keepLastAligned', mean(defined(scored.map((r) => r.keepLastAligned?.loss))))
  const sweeps = defined(scored.map((r) => r.offsetSweep))
  if (sweeps.length > 0) {
    const sweep: NonNullable<Means['offsetSweep']> = {}
    for (const s of SWEEP_SHIFTS) {
      const key = String(s) as keyof typeof sweep
      const m = mean(defined(sweeps.map((w) => w[key])))
      if (m !== null) sweep[key] = m
    }
    means.offsetSweep = sweep
  }
  const ar = defined(scored.map((r) => r.autoregressive))
  set('autoregressive', mean(ar.map((a) => a.loss)))
  if (ar.length > 0) means.autoregressiveSteps = meanPerPosition(ar.map((a) => a.stepLosses))
  const tfBytes = tf.flatMap((t) =>
    t.bytes === undefined ? [] : [{ loss: t.loss, tokens: t.tokenLosses.length, bytes: t.bytes }],
  )
  set('teacherForcingBitsPerByte', bitsPerByte(tfBytes))
  const train = defined(scored.map((r) => r.trainFormat))
  set('trainFormat', mean(train.map((t) => t.loss)))
  set('trainFormatTokenWeighted', tokenWeighted(train))
  set('trainFormatBitsPerByte', bitsPerByte(train))
  if (train.length > 0) means.trainFormatPositions = meanPerPosition(train.map((t) => t.positionLosses))
  const rolling = defined(scored.map((r) => r.rolling))
  set('rolling', mean(rolling.map((t) => t.loss)))
  set('rollingTokenWeighted', tokenWeighted(rolling))
  set('rollingBitsPerByte', bitsPerByte(rolling))
  const both = defined(scored.map((r) => r.bosBoth))
  set('bosBothWithBos', mean(both.map((b) => b.withBos)))
  set('bosBothWithoutBos', mean(both.map((b) => b.withoutBos)))
  const sft = defined(scored.map((r) => r.sft))
  set('sft', mean(sft.map((x) => x.loss)))
  set('sftTokenWeighted', tokenWeighted(sft))
  set('sftShiftedMask', mean(sft.map((x) => x.shiftedMaskLoss)))
  set('sftAutoregressive', mean(defined(scored.map((r) => r.sftAutoregressive?.loss))))
  const kv = defined(scored.map((r) => r.kvCache))
  if (kv.length > 0) {
    means.kvCacheMaxAbsDiff = Math.max(...kv.map((k) => k.maxAbsDiff))
    set('kvCacheTop1Agreement', mean(kv.map((k) => k.top1Agreement)))
  }
  return means
}

/** The offset sweep as numbers: shift -> mean loss, shifts in ascending order. */
export function sweepEntries(sweep: Means['offsetSweep']): [number, number][] {
  if (!sweep) return []
  return Object.entries(sweep)
    .filter((e): e is [string, number] => typeof e[1] === 'number')
    .map(([k, v]) => [Number(k), v] as [number, number])
    .sort((a, b) => a[0] - b[0])
}

/** The lowest loss of the sweep other than at `except`. */
export function sweepRunnerUp(
  sweep: Partial<Record<number, number>>,
  except: number,
): [number, number] | null {
  let best: [number, number] | null = null
  for (const [k, v] of Object.entries(sweep)) {
    const s = Number(k)
    if (s === except || v === undefined) continue
    if (!best || v < best[1]) best = [s, v]
  }
  return best
}

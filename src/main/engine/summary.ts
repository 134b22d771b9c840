/** Means of every measure over a run's scored samples (RunSummary.means). */
import type { SweepShift } from '../../shared/measures'
import { SWEEP_SHIFTS } from '../../shared/measures'
import type { Means, SampleResult } from '../../shared/results'

function avg(values: number[]): number | undefined {
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length
}

/** Element-wise mean of per-position arrays over samples (positions a sample lacks are left out). */
function stepMeans(rows: number[][]): number[] | undefined {
  if (rows.length === 0) return undefined
  const width = Math.max(...rows.map((r) => r.length))
  const out: number[] = []
  for (let j = 0; j < width; j++) out.push(avg(rows.filter((r) => j < r.length).map((r) => r[j]!))!)
  return out
}

/** Means over scored samples; each measure's mean covers the samples that have it. */
export function computeMeans(results: readonly SampleResult[]): Means {
  const scored = results.filter((r) => !r.skipped)
  const pick = <T>(f: (r: SampleResult) => T | undefined): T[] =>
    scored.map(f).filter((v): v is T => v !== undefined)
  const means: Means = {}
  const set = <K extends keyof Means>(key: K, value: Means[K] | undefined) => {
    if (value !== undefined) means[key] = value
  }
  set('teacherForcing', avg(pick((r) => r.teacherForcing?.loss)))
  set('teacherForcingTop1', avg(pick((r) => r.teacherForcing?.top1)))
  set('teacherForcingSteps', stepMeans(pick((r) => r.teacherForcing?.tokenLosses)))
  set('keepLastMisaligned', avg(pick((r) => r.keepLastMisaligned?.loss)))
  set('keepLastAligned', avg(pick((r) => r.keepLastAligned?.loss)))
  const sweeps = pick((r) => r.offsetSweep)
  if (sweeps.length > 0) {
    const sweep: Partial<Record<`${SweepShift}`, number>> = {}
    for (const s of SWEEP_SHIFTS) {
      const m = avg(sweeps.map((w) => w[`${s}`]).filter((v): v is number => v !== undefined))
      if (m !== undefined) sweep[`${s}`] = m
    }
    means.offsetSweep = sweep
  }
  set('autoregressive', avg(pick((r) => r.autoregressive?.loss)))
  set('autoregressiveSteps', stepMeans(pick((r) => r.autoregressive?.stepLosses)))
  const kv = pick((r) => r.kvCache)
  if (kv.length > 0) {
    means.kvCacheMaxAbsDiff = Math.max(...kv.map((k) => k.maxAbsDiff))
    means.kvCacheTop1Agreement = avg(kv.map((k) => k.top1Agreement))
  }
  return means
}

/** Results of a resumed run: earlier ones, replaced by this call's where an index repeats; by index. */
export function mergeResults(
  previous: readonly SampleResult[],
  current: readonly SampleResult[],
): SampleResult[] {
  const byIndex = new Map<number, SampleResult>()
  for (const r of previous) byIndex.set(r.index, r)
  for (const r of current) byIndex.set(r.index, r)
  return [...byIndex.values()].sort((a, b) => a.index - b.index)
}

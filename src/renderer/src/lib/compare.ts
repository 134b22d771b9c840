/** Joining runs of the same dataset by sample id, for the compare view (pure, so it is tested directly). */
import type { SampleResult } from '../../../shared/results'
import { median } from '../../../shared/diagnosis'
import { COMPARE_MEASURES, compareUnit, type CompareMeasure } from '../../../shared/charts/compare-charts'

// The measures and their units live beside the charts that draw them (one list for table and charts).
export { COMPARE_MEASURES, compareUnit, type CompareMeasure }

/** Each measure's per-sample value (absent where the sample lacks it). */
const PICK: Record<CompareMeasure, (r: SampleResult) => number | undefined> = {
  sft: (r) => r.sft?.loss,
  teacherForcing: (r) => r.teacherForcing?.loss,
  trainFormat: (r) => r.trainFormat?.loss,
  rolling: (r) => r.rolling?.loss,
  autoregressive: (r) => r.autoregressive?.loss,
  sftAutoregressive: (r) => r.sftAutoregressive?.loss,
  keepLastMisaligned: (r) => r.keepLastMisaligned?.loss,
  keepLastAligned: (r) => r.keepLastAligned?.loss,
  teacherForcingBitsPerByte: (r) => r.teacherForcing?.bitsPerByte,
  trainFormatBitsPerByte: (r) => r.trainFormat?.bitsPerByte,
  rollingBitsPerByte: (r) => r.rolling?.bitsPerByte,
}

/**
 * The measures every run scored on some sample, in COMPARE_MEASURES order: what a joined table can
 * compare. Empty when the runs share none (an SFT run beside a pretraining run: conversations scored
 * with the SFT loss against continuations scored with teacher forcing).
 */
export function sharedMeasures(runs: readonly (readonly SampleResult[])[]): CompareMeasure[] {
  if (runs.length === 0) return []
  return COMPARE_MEASURES.filter((m) =>
    runs.every((results) => results.some((r) => !r.skipped && PICK[m](r) !== undefined)),
  )
}

/** A run's values of one measure, one per scored sample that has it (the summary's count and median). */
export function measureValues(results: readonly SampleResult[], m: CompareMeasure): number[] {
  const pick = PICK[m]
  return results.flatMap((r) => {
    const x = r.skipped ? undefined : pick(r)
    return x === undefined ? [] : [x]
  })
}

/** The measure the table compares: the one picked while the runs share it, else the first they share. */
export function compareMeasure(
  shared: readonly CompareMeasure[],
  picked: CompareMeasure | null,
): CompareMeasure | null {
  return picked !== null && shared.includes(picked) ? picked : (shared[0] ?? null)
}

export interface JoinedRow {
  id: string
  index: number
  /** The compared measure's value in each run, in the order the runs were given; null where missing. */
  losses: (number | null)[]
  /** losses[k] - losses[0] for k >= 1 (null where either side is missing). */
  deltas: (number | null)[]
  /** Largest |delta| over the other runs; null when none is known. */
  maxAbsDelta: number | null
}

/**
 * Rows joined by sample id (first run's order, then samples only later runs have), comparing one
 * measure (teacher forcing unless named).
 */
export function joinRuns(
  runs: readonly (readonly SampleResult[])[],
  measure: CompareMeasure = 'teacherForcing',
): JoinedRow[] {
  const pick = PICK[measure]
  const byId = new Map<string, JoinedRow>()
  runs.forEach((results, k) => {
    for (const r of results) {
      let row = byId.get(r.id)
      if (!row) {
        row = { id: r.id, index: r.index, losses: runs.map(() => null), deltas: [], maxAbsDelta: null }
        byId.set(r.id, row)
      }
      row.losses[k] = pick(r) ?? null
    }
  })
  const rows = [...byId.values()]
  for (const row of rows) {
    const base = row.losses[0]
    row.deltas = row.losses.slice(1).map((x) => (x !== null && base !== null ? x - base : null))
    const known = row.deltas.filter((d): d is number => d !== null).map(Math.abs)
    row.maxAbsDelta = known.length ? Math.max(...known) : null
  }
  return rows
}

/** Rows whose largest |delta| exceeds the threshold. */
export function changedOnly(rows: readonly JoinedRow[], threshold: number): JoinedRow[] {
  return rows.filter((r) => r.maxAbsDelta !== null && r.maxAbsDelta > threshold)
}

export type SortDir = 'asc' | 'desc'

/** Sorts by a numeric key; missing values last whichever the direction. Stable. */
export function sortBy<T>(rows: readonly T[], key: (row: T) => number | null | undefined, dir: SortDir): T[] {
  const sign = dir === 'asc' ? 1 : -1
  return rows
    .map((row, i) => ({ row, i, k: key(row) }))
    .sort((a, b) => {
      const ka = a.k ?? null
      const kb = b.k ?? null
      if (ka === null || Number.isNaN(ka)) return kb === null || Number.isNaN(kb) ? a.i - b.i : 1
      if (kb === null || Number.isNaN(kb)) return -1
      return ka === kb ? a.i - b.i : (ka - kb) * sign
    })
    .map((x) => x.row)
}

/**
 * Beside the compared measure the summary shows what else tells the runs apart: for pretraining runs
 * the seed's misaligned slice and generation, for SFT runs the reply generated; each only where some
 * selected run measured it, and never the compared measure again.
 */
const SUMMARY_EXTRAS = ['keepLastMisaligned', 'autoregressive', 'sftAutoregressive'] as const
export type SummaryExtra = (typeof SUMMARY_EXTRAS)[number]

export function summaryExtras(
  means: readonly Partial<Record<CompareMeasure, number>>[],
  measure: CompareMeasure,
): SummaryExtra[] {
  return SUMMARY_EXTRAS.filter((m) => m !== measure && means.some((x) => x[m] !== undefined))
}

export interface SummaryRow {
  /** Scored samples with the measure. */
  samples: number
  /** The run's mean of the measure (its means, as the report and the trajectory give it). */
  mean: number | null
  median: number | null
  /** mean − the base run's mean (null for the base, or when either is unknown). */
  delta: number | null
}

/** One run's summary row on the compared measure; the base is runs[0]. */
export function summaryRows(
  runs: readonly { results: readonly SampleResult[]; means: Partial<Record<CompareMeasure, number>> }[],
  measure: CompareMeasure,
): SummaryRow[] {
  const baseMean = runs[0]?.means[measure]
  return runs.map((r, k) => {
    const values = measureValues(r.results, measure)
    const m = r.means[measure]
    return {
      samples: values.length,
      mean: m ?? null,
      median: median(values),
      delta: k > 0 && m !== undefined && baseMean !== undefined ? m - baseMean : null,
    }
  })
}

/**
 * A measure's name in the window's words (its i18n `measure.*` name; a bits-per-byte measure is named
 * after its loss), for the table's picker, the summary and its columns.
 */
export function compareMeasureLabel(
  t: (key: string, params?: Record<string, unknown>) => string,
  m: CompareMeasure,
): string {
  if (compareUnit(m) === 'nats') return t(`measure.${m}`)
  return t('sftCompare.bitsPerByte', { measure: t(`measure.${m.replace(/BitsPerByte$/, '')}`) })
}

/** Joining runs of the same dataset by sample id, for the compare view (pure, so it is tested directly). */
import type { SampleResult } from '../../../shared/results'

/**
 * The per-sample values the joined table can compare, in the order a default is picked: the measure
 * that best stands for a run first (an SFT run's SFT loss, a pretraining run's teacher forcing), then
 * the trainer's format, the whole sample, generation and the slices, then bits per byte.
 */
export const COMPARE_MEASURES = [
  'sft',
  'teacherForcing',
  'trainFormat',
  'rolling',
  'autoregressive',
  'sftAutoregressive',
  'keepLastMisaligned',
  'keepLastAligned',
  'teacherForcingBitsPerByte',
  'trainFormatBitsPerByte',
  'rollingBitsPerByte',
] as const
export type CompareMeasure = (typeof COMPARE_MEASURES)[number]

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

/** What a measure's values count in: the table's threshold and deltas are in that unit. */
export function compareUnit(m: CompareMeasure): 'nats' | 'bitsPerByte' {
  return m.endsWith('BitsPerByte') ? 'bitsPerByte' : 'nats'
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

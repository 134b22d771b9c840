/** Joining runs of the same dataset by sample id, for the compare view (pure, so it is tested directly). */
import type { SampleResult } from '../../../shared/results'

export interface JoinedRow {
  id: string
  index: number
  /** Teacher-forcing loss of each run, in the order the runs were given; null where missing. */
  losses: (number | null)[]
  /** losses[k] - losses[0] for k >= 1 (null where either side is missing). */
  deltas: (number | null)[]
  /** Largest |delta| over the other runs; null when none is known. */
  maxAbsDelta: number | null
}

/** Rows joined by sample id (first run's order, then samples only later runs have). */
export function joinRuns(runs: readonly (readonly SampleResult[])[]): JoinedRow[] {
  const byId = new Map<string, JoinedRow>()
  runs.forEach((results, k) => {
    for (const r of results) {
      let row = byId.get(r.id)
      if (!row) {
        row = { id: r.id, index: r.index, losses: runs.map(() => null), deltas: [], maxAbsDelta: null }
        byId.set(r.id, row)
      }
      row.losses[k] = r.teacherForcing?.loss ?? null
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

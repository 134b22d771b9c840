/**
 * Counts, sizes, times and paths for the window. Losses, differences, percentages and small magnitudes
 * are formatted by src/shared/diagnosis/format.ts, the one set the report uses too.
 */

export const DASH = '—'

function ok(x: number | null | undefined): x is number {
  return typeof x === 'number' && Number.isFinite(x)
}

/** One formatter for every integer: toLocaleString builds a new one per call, a long task over a table. */
const INT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })

/** Integers with thin-space-free grouping (1,234). */
export function fmtInt(x: number | null | undefined): string {
  return ok(x) ? INT.format(Math.round(x)) : DASH
}

/** Seconds as "42s", "3m 05s", "1h 02m". */
export function fmtDuration(seconds: number | null | undefined): string {
  if (!ok(seconds) || seconds < 0) return DASH
  const s = Math.round(seconds)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`
}

/** Parameter counts as 25.8M / 1.2B. */
export function fmtCount(x: number | null | undefined): string {
  if (!ok(x)) return DASH
  if (x >= 1e9) return `${(x / 1e9).toFixed(2)}B`
  if (x >= 1e6) return `${(x / 1e6).toFixed(1)}M`
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)}k`
  return String(x)
}

export function fmtBytes(x: number | null | undefined): string {
  if (!ok(x)) return DASH
  if (x >= 1 << 30) return `${(x / (1 << 30)).toFixed(2)} GiB`
  if (x >= 1 << 20) return `${(x / (1 << 20)).toFixed(1)} MiB`
  if (x >= 1 << 10) return `${(x / (1 << 10)).toFixed(1)} KiB`
  return `${x} B`
}

/** An ISO timestamp as local "2026-11-28 03:12". */
export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return DASH
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return DASH
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`
}

/** The last path segment (handles / and \). */
export function basename(path: string): string {
  const parts = path.split(/[\\/]/)
  return parts[parts.length - 1] || path
}

/** Error messages as the engine wrote them (the bridge/IPC prefix stripped, the text itself verbatim). */
export function errorText(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error)
  return raw.replace(/^Error invoking remote method '[^']+': (Error: )?/, '')
}

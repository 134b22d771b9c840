/**
 * Fixed-decimal number formats shared by the report and the window (ASCII signs: the report is parsed
 * back in tests). The window's tables use fmtNats / fmtSignedNats (four decimals, aligned columns);
 * everything else is the same function in both.
 */
import { kvZero } from '../glossary'

/** A loss in nats: three decimals. */
export function fmtLoss(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(3)
}

/** A signed loss difference: "+9.880" / "-0.168". */
export function fmtSignedLoss(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—'
  return (x >= 0 ? '+' : '-') + Math.abs(x).toFixed(3)
}

/** A fraction as a percentage with one decimal: 0.069 -> "6.9%". */
export function fmtPct(fraction: number | null | undefined, decimals = 1): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—'
  return `${(fraction * 100).toFixed(decimals)}%`
}

/** A signed percentage: "+406.6%" / "-6.9%". */
export function fmtSignedPct(fraction: number | null | undefined, decimals = 1): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—'
  return (fraction >= 0 ? '+' : '-') + fmtPct(Math.abs(fraction), decimals)
}

/** A small magnitude (logit differences): "0", "2.4e-5", "1.0e-3". */
export function fmtSci(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—'
  if (x === 0) return '0'
  const [m, e] = x.toExponential(1).split('e')
  return `${m}e${Number(e)}`
}

/** A shift with its sign: "+1", "0", "-2". */
export function fmtShift(s: number): string {
  return s > 0 ? `+${s}` : String(s)
}

/** "± 0.080" after a loss, from its standard error; "" when unknown. */
export function fmtPm(stderr: number | null | undefined): string {
  return stderr === null || stderr === undefined || !Number.isFinite(stderr) ? '' : ` ± ${stderr.toFixed(3)}`
}

/** A ratio with its base named by the caller: "3.98×". */
export function fmtRatio(x: number | null | undefined, base: number | null | undefined): string {
  if (x === null || x === undefined || base === null || base === undefined || !base) return '—'
  if (!Number.isFinite(x / base)) return '—'
  return `${(x / base).toFixed(2)}×`
}

/**
 * The KV-cache max |diff|: "0 (bit-identical)" when the two paths agree exactly (so a reader never
 * takes a bare 0 for "not run"), else scientific. zh-CN prose gets "0（逐位一致）".
 */
export function fmtKvDiff(x: number | null | undefined, lang: 'en' | 'zh-CN' = 'en'): string {
  return x === 0 ? kvZero(lang) : fmtSci(x)
}

/** A loss in the window's tables and charts: four decimals by default ("2.2600"; digits for KL divergences). */
export function fmtNats(x: number | null | undefined, digits = 4): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits)
}

/**
 * A signed difference in the window's aligned columns: a true minus sign ("−0.1679", "+0.0123"), and a
 * space where a difference rounds to zero (" 0.0000"), so the digits line up.
 */
export function fmtSignedNats(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—'
  const s = Math.abs(x).toFixed(digits)
  if (Number(s) === 0) return ` ${s}`
  return (x > 0 ? '+' : '−') + s
}

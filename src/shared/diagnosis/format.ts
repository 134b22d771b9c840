/**
 * Fixed-decimal number formats shared by the report and the window. The window's tables use fmtNats /
 * fmtSignedNats (four decimals, aligned columns); everything else is the same function in both. Every
 * sign goes through `signed`.
 */
import { kvZero } from '../glossary'

/**
 * The minus sign a reader sees, U+2212: as wide as "+", so signed columns line up, and not a hyphen.
 * Machine formats keep ASCII "-": the samples CSV, results.jsonl and the diagnosis JSON write numbers
 * with String() / JSON.stringify and never come through these formatters.
 */
export const MINUS = '\u2212'

/**
 * The one sign rule for a number shown to a reader (window and report): `magnitude`, |x| already
 * formatted, behind "−" (MINUS) when x is negative, behind `plus` when it is positive, and behind
 * `zero` when its digits round to zero ("−0.000" would claim a direction the digits do not show).
 */
export function signed(x: number, magnitude: string, plus = '+', zero = plus): string {
  if (!/[1-9]/.test(magnitude)) return zero + magnitude
  return (x < 0 ? MINUS : plus) + magnitude
}

const missing = (x: number | null | undefined): x is null | undefined =>
  x === null || x === undefined || !Number.isFinite(x)

/** A loss in nats: three decimals (a negative one, a difference, with the reader's minus). */
export function fmtLoss(x: number | null | undefined): string {
  return missing(x) ? '—' : signed(x, Math.abs(x).toFixed(3), '')
}

/** A signed loss difference: "+9.880" / "−0.168". */
export function fmtSignedLoss(x: number | null | undefined): string {
  return missing(x) ? '—' : signed(x, Math.abs(x).toFixed(3))
}

/** A fraction as a percentage with one decimal: 0.069 -> "6.9%". */
export function fmtPct(fraction: number | null | undefined, decimals = 1): string {
  return missing(fraction) ? '—' : signed(fraction, `${(Math.abs(fraction) * 100).toFixed(decimals)}%`, '')
}

/** A signed percentage: "+406.6%" / "−6.9%". */
export function fmtSignedPct(fraction: number | null | undefined, decimals = 1): string {
  return missing(fraction) ? '—' : signed(fraction, fmtPct(Math.abs(fraction), decimals))
}

/**
 * A small magnitude (logit differences): "0", "2.4e-5", "1.0e-3". The exponent keeps its ASCII "-", the
 * notation a reader types into code; a negative mantissa takes the reader's minus.
 */
export function fmtSci(x: number | null | undefined): string {
  if (missing(x)) return '—'
  if (x === 0) return '0'
  const [m, e] = Math.abs(x).toExponential(1).split('e')
  return signed(x, `${m}e${Number(e)}`, '')
}

/** A shift with its sign: "+1", "0", "−2". */
export function fmtShift(s: number): string {
  return signed(s, String(Math.abs(s)), '+', '')
}

/** "± 0.080" after a loss, from its standard error; "" when unknown. */
export function fmtPm(stderr: number | null | undefined): string {
  return stderr === null || stderr === undefined || !Number.isFinite(stderr) ? '' : ` ± ${stderr.toFixed(3)}`
}

/** A ratio with its base named by the caller: "3.98×". */
export function fmtRatio(x: number | null | undefined, base: number | null | undefined): string {
  if (x === null || x === undefined || base === null || base === undefined || !base) return '—'
  const r = x / base
  return Number.isFinite(r) ? `${signed(r, Math.abs(r).toFixed(2), '')}×` : '—'
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
  return missing(x) ? '—' : signed(x, Math.abs(x).toFixed(digits), '')
}

/**
 * A signed difference in the window's aligned columns: a true minus sign ("−0.1679", "+0.0123"), and a
 * space where a difference rounds to zero (" 0.0000"), so the digits line up.
 */
export function fmtSignedNats(x: number | null | undefined, digits = 4): string {
  return missing(x) ? '—' : signed(x, Math.abs(x).toFixed(digits), '+', ' ')
}

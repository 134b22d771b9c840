/** Colour scale for per-token loss over the sample text (teacher forcing's palette colour, by opacity). */
import { MEASURE_COLORS } from '../../../shared/palette'

/** Loss (nats) at which a token reaches full colour. */
export const DEFAULT_SCALE_MAX = 8

function rgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16)
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255]
}
const [R, G, B] = rgb(MEASURE_COLORS.teacherForcing)

/** Background and text colour for a token with this loss. */
export function tokenStyle(loss: number, max = DEFAULT_SCALE_MAX): { background: string; color?: string } {
  const a = Math.max(0, Math.min(1, loss / max))
  const alpha = 0.06 + a * 0.84
  return a > 0.55
    ? { background: `rgba(${R}, ${G}, ${B}, ${alpha.toFixed(3)})`, color: '#ffffff' }
    : { background: `rgba(${R}, ${G}, ${B}, ${alpha.toFixed(3)})` }
}

/** A CSS gradient for the scale's legend. */
export function scaleGradient(): string {
  return `linear-gradient(to right, rgba(${R}, ${G}, ${B}, 0.06), rgba(${R}, ${G}, ${B}, 0.9))`
}

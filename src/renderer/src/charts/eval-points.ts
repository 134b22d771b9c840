/**
 * Evaluations as points with their spread (mean ± standard error over samples), where they belong on
 * the training axis: at their checkpoint's step. Shared by the training-curve and trajectory charts.
 */
import type { CustomSeriesOption } from 'echarts'
import { TRAJECTORY_COLOR, type TrajectoryMeasure } from '../../../shared/diagnosis'
import { CHECKPOINT_COLORS, MEASURE_COLORS } from '../../../shared/palette'

export interface EvalPoint {
  datasetId: string
  datasetLabel: string
  checkpointId: string
  checkpointLabel: string
  /** The checkpoint's training step; null when unknown (such a point has no place on a step axis). */
  step: number | null
  measure: TrajectoryMeasure
  mean: number
  stderr: number | null
  n: number
}

/** Marker per measure, so a colour can stand for a dataset where several are drawn. */
export const MEASURE_SYMBOLS: Record<TrajectoryMeasure, string> = {
  teacherForcing: 'circle',
  keepLastMisaligned: 'triangle',
  autoregressive: 'diamond',
  trainFormat: 'rect',
  teacherForcingBitsPerByte: 'circle',
  trainFormatBitsPerByte: 'rect',
}
/** Line style per measure (trajectory lines). */
export const MEASURE_DASH: Record<TrajectoryMeasure, 'solid' | 'dashed' | 'dotted'> = {
  teacherForcing: 'solid',
  keepLastMisaligned: 'dashed',
  autoregressive: 'dotted',
  trainFormat: 'solid',
  teacherForcingBitsPerByte: 'solid',
  trainFormatBitsPerByte: 'solid',
}

/**
 * The colour of a series: the measure's where one dataset is drawn (one colour per measure, as
 * everywhere), else the dataset's (the marker and line style then say the measure).
 */
export function seriesColor(measure: TrajectoryMeasure, datasetIndex: number, datasets: number): string {
  return datasets <= 1
    ? MEASURE_COLORS[TRAJECTORY_COLOR[measure]]
    : CHECKPOINT_COLORS[datasetIndex % CHECKPOINT_COLORS.length]!
}

/** Vertical error bars (mean ± stderr) with caps; data rows are [x, low, high]. */
export function errorBars(
  name: string,
  data: [number | string, number, number][],
  color: string,
  z = 5,
): CustomSeriesOption {
  return {
    name,
    type: 'custom',
    // The legend takes a name's colour from its first series: this one, so it must carry it too.
    color,
    z,
    silent: true,
    tooltip: { show: false },
    encode: { x: 0, y: [1, 2] },
    data,
    renderItem: (_params, api) => {
      const lo = api.coord([api.value(0), api.value(1)])
      const hi = api.coord([api.value(0), api.value(2)])
      const cap = 4
      const style = { stroke: color, lineWidth: 1.25 }
      return {
        type: 'group',
        children: [
          { type: 'line', shape: { x1: lo[0], y1: lo[1], x2: hi[0], y2: hi[1] }, style },
          { type: 'line', shape: { x1: lo[0] - cap, y1: lo[1], x2: lo[0] + cap, y2: lo[1] }, style },
          { type: 'line', shape: { x1: hi[0] - cap, y1: hi[1], x2: hi[0] + cap, y2: hi[1] }, style },
        ],
      }
    },
  } as CustomSeriesOption
}

/** Lowest and highest value to show: every point with its error bar, and `extra` values. */
export function extent(points: readonly EvalPoint[], extra: readonly number[] = []): [number, number] | null {
  const lows = points.map((p) => p.mean - (p.stderr ?? 0))
  const highs = points.map((p) => p.mean + (p.stderr ?? 0))
  const all = [...lows, ...highs, ...extra].filter(Number.isFinite)
  if (all.length === 0) return null
  return [Math.min(...all), Math.max(...all)]
}

/**
 * Axis bounds around [lo, hi] with a little room, on a round tick interval (1, 2 or 5 × 10^k, about
 * five ticks), so the end labels sit on ticks.
 */
export function niceBounds([lo, hi]: [number, number]): { min: number; max: number; interval: number } {
  const span = Math.max(hi - lo, 0.05)
  const raw = (span * 1.1) / 5
  const mag = 10 ** Math.floor(Math.log10(raw))
  const interval = [1, 2, 5, 10].map((m) => m * mag).find((x) => x >= raw)!
  const min = Math.max(0, Math.floor((lo - span * 0.05) / interval) * interval)
  const max = Math.ceil((hi + span * 0.05) / interval) * interval
  // Rounded to the interval's decimals: no 2.3000000000000003 on the axis.
  const digits = Math.max(0, -Math.floor(Math.log10(interval)))
  const round = (x: number) => Number(x.toFixed(digits))
  return { min: round(min), max: round(max), interval: round(interval) }
}

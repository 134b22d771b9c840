/**
 * What the window adds to a chart and the report does not, and the user's view settings. The report
 * draws a builder's option as it is; the window draws `interactive(option)`, which only adds
 * RENDERER_ONLY keys (zoom, toolbox): strip those and the two are the same option (see
 * test/shared/charts-same-options.test.ts). Log scale and smoothing are the user's view of the same
 * option, applied by the window on request (the report could apply them with the same functions).
 */
import type { EChartsOption } from 'echarts'
import { ema } from './series-math'

/** Keys only the window's interactive chart has. */
export const RENDERER_ONLY_KEYS = ['dataZoom', 'toolbox'] as const

/** Series whose id starts with this are curves: the smoothing control applies to them. */
export const CURVE_ID = 'curve:'

/** Above this many categories (or points on a value x axis), the x axis gets a zoom. */
export const ZOOM_ABOVE = 80

type Series = Record<string, unknown> & { type?: string; id?: string; data?: unknown[] }

const seriesOf = (o: EChartsOption): Series[] =>
  (Array.isArray(o.series) ? o.series : o.series ? [o.series] : []) as Series[]

const firstAxis = (a: unknown): Record<string, unknown> | undefined =>
  (Array.isArray(a) ? a[0] : a) as Record<string, unknown> | undefined

/**
 * How many positions the x axis holds: its categories, or the most points of a series one can point
 * at (silent backdrops, such as the offset sweep's per-sample lines, do not make an axis long).
 */
export function xLength(o: EChartsOption): number {
  const x = firstAxis(o.xAxis)
  if (x?.type === 'category' && Array.isArray(x.data)) return x.data.length
  return Math.max(
    0,
    ...seriesOf(o).map((s) => (Array.isArray(s.data) && s.silent !== true ? s.data.length : 0)),
  )
}

/** Whether the window gives this chart a zoom (the builders reserve its room by the same rule). */
export const zoomable = (length: number): boolean => length > ZOOM_ABOVE

/**
 * The window's chart: the option plus a zoom on a long x axis (wheel and slider; a bar chart opens on
 * its newest `window` categories so 10,000 samples cost what 200 do).
 */
export function interactive(option: EChartsOption, window = 200): EChartsOption {
  const n = xLength(option)
  if (!zoomable(n)) return { ...option, dataZoom: [] }
  const x = firstAxis(option.xAxis)
  const bars = x?.type === 'category' && seriesOf(option).some((s) => s.type === 'bar')
  const start = bars ? { startValue: Math.max(0, n - window), endValue: n - 1 } : {}
  return {
    ...option,
    dataZoom: [
      { type: 'inside', filterMode: 'none', ...start },
      { type: 'slider', height: 16, bottom: 6, showDataShadow: false, filterMode: 'none' },
    ],
  }
}

/** The option without the window-only keys: what the report draws from the same builder. */
export function stripRendererOnly(option: EChartsOption): EChartsOption {
  const out: Record<string, unknown> = { ...option }
  for (const k of RENDERER_ONLY_KEYS) delete out[k]
  return out as EChartsOption
}

/** Whether a log y axis makes sense: a value axis over positive data (loss curves). */
export function canLogY(option: EChartsOption): boolean {
  const y = firstAxis(option.yAxis)
  if (y?.type !== 'value') return false
  const ys = seriesOf(option).flatMap((s) =>
    s.type === 'line' || s.type === 'scatter' || s.type === 'bar' ? yValues(s.data) : [],
  )
  return ys.length > 0 && ys.every((v) => v > 0)
}

function yValues(data: unknown[] | undefined): number[] {
  if (!Array.isArray(data)) return []
  return data.flatMap((d) => {
    const v = yOf(d)
    return typeof v === 'number' && Number.isFinite(v) ? [v] : []
  })
}

function yOf(d: unknown): unknown {
  if (Array.isArray(d)) return d[1]
  if (d && typeof d === 'object' && 'value' in d) {
    const v = (d as { value: unknown }).value
    return Array.isArray(v) ? v[1] : v
  }
  return d
}

/**
 * The same chart on a log y axis (its fixed linear bounds dropped: ECharts picks powers of ten). Only
 * the first y axis: a second one (loss by position's samples) keeps its scale, and stays, since its
 * series still point at it.
 */
export function withLogY(option: EChartsOption): EChartsOption {
  const y = firstAxis(option.yAxis)
  if (!y) return option
  const rest = { ...y }
  delete rest.min
  delete rest.max
  delete rest.interval
  const log = { ...rest, type: 'log' }
  const yAxis = Array.isArray(option.yAxis) ? [log, ...option.yAxis.slice(1)] : log
  return { ...option, yAxis: yAxis as EChartsOption['yAxis'] }
}

/** Whether the chart has a curve the smoothing control applies to. */
export const hasCurves = (option: EChartsOption): boolean =>
  seriesOf(option).some((s) => typeof s.id === 'string' && s.id.startsWith(CURVE_ID))

/**
 * Curves smoothed with TensorBoard's debiased EMA (weight in [0, 1)): each curve keeps its raw line,
 * faded, with the smoothed one drawn over it under the same legend name.
 */
export function smoothCurves(option: EChartsOption, weight: number): EChartsOption {
  if (!(weight > 0)) return option
  const series = seriesOf(option).flatMap((s) => {
    if (typeof s.id !== 'string' || !s.id.startsWith(CURVE_ID) || !Array.isArray(s.data)) return [s]
    const data = s.data
    const ys = data.map(yOf)
    const idx = ys.flatMap((v, i) => (typeof v === 'number' && Number.isFinite(v) ? [i] : []))
    const smooth = ema(
      idx.map((i) => ys[i] as number),
      weight,
    )
    const out: unknown[] = data.map((d) => (Array.isArray(d) ? [...d] : d))
    idx.forEach((i, k) => {
      const d = out[i]
      out[i] = Array.isArray(d) ? [d[0], smooth[k]] : smooth[k]
    })
    const lineStyle = (s.lineStyle ?? {}) as Record<string, unknown>
    const faded = { ...s, lineStyle: { ...lineStyle, opacity: 0.25 }, symbol: 'none', z: 1 }
    return [faded, { ...s, id: `${s.id}:smoothed`, data: out, silent: true, tooltip: { show: false } }]
  })
  return { ...option, series: series as EChartsOption['series'] }
}

/**
 * The gap waterfall as an ECharts option, for the window (canvas) and the report (SSR SVG) alike: a
 * pure function of the waterfall and its words. One category per step: the start level, each step as
 * a floating bar (an invisible base stacked under it), the unexplained residual hatched in grey so it
 * never reads as a measured step, and the end level. A step shown but not added (the other BOS
 * convention when it is not on the path) is a hollow dashed bar that leaves the running level where it
 * is; a step not measured keeps its category, empty, so the reader sees it is missing. Error bars span
 * ± 2 standard errors around the level each measured step ends at.
 */
import type { EChartsOption } from 'echarts'
import type { WaterfallText } from '../diagnosis/text'
import { waterfallLevels, type Waterfall } from '../diagnosis/waterfall'
import { fmtSignedLoss, fmtLoss } from '../diagnosis/format'
import { THRESHOLDS } from '../diagnosis/thresholds'

/** The colours the builder needs; the renderer's ChartTheme and the report's light theme both fit. */
export interface WaterfallTheme {
  text: string
  muted: string
  grid: string
  axis: string
}

export const WATERFALL_LIGHT: WaterfallTheme = {
  text: '#24292f',
  muted: '#57606a',
  grid: '#eaeef2',
  axis: '#d0d7de',
}

export const WATERFALL_DARK: WaterfallTheme = {
  text: '#d4d7dd',
  muted: '#8b929c',
  grid: '#2c3036',
  axis: '#414750',
}

/** Increase / decrease / level / residual: Okabe-Ito vermillion and bluish green, black, grey. */
export const WATERFALL_COLORS = {
  up: '#D55E00',
  down: '#009E73',
  level: '#0072B2',
  residual: '#8c959f',
  aside: '#CC79A7',
} as const

export interface WaterfallChartOptions {
  theme?: WaterfallTheme
  /** Title over the chart (the report's SVG has one; the window's panel has its own heading). */
  title?: string
  subtitle?: string
  fontFamily?: string
}

/** One category of the chart: what it is, where its bar floats, and the label and error bar it carries. */
export interface WaterfallColumn {
  key: string
  label: string
  kind: 'level' | 'up' | 'down' | 'aside' | 'residual' | 'missing'
  /** Bottom and top of the drawn bar (equal for a missing step). */
  low: number
  high: number
  /** The printed value: a level, or a signed step. */
  text: string
  /** The error bar's centre and half-width (2 s.e.), when the step has one. */
  error: { at: number; half: number } | null
}

const round = (x: number): number => Math.round(x * 1e6) / 1e6

/** The columns of a waterfall, start to end: what the option draws (and what tests check). */
export function waterfallColumns(w: Waterfall, t: WaterfallText): WaterfallColumn[] {
  const levels = waterfallLevels(w)
  const cols: WaterfallColumn[] = [
    {
      key: 'start',
      label: t.stepShort('start', w),
      kind: 'level',
      low: 0,
      high: w.start.value,
      text: fmtLoss(w.start.value),
      error: null,
    },
  ]
  w.bars.forEach((b, i) => {
    const at = levels[i]!
    const label = t.stepShort(b.step, w)
    if (b.status === 'notMeasured' || b.value === null) {
      cols.push({ key: b.step, label, kind: 'missing', low: at, high: at, text: '—', error: null })
      return
    }
    const end = at + b.value
    const kind = b.status === 'aside' ? 'aside' : b.value >= 0 ? 'up' : 'down'
    cols.push({
      key: b.step,
      label,
      kind,
      low: Math.min(at, end),
      high: Math.max(at, end),
      text: fmtSignedLoss(b.value),
      error:
        b.stderr !== null && Number.isFinite(b.stderr) && b.stderr > 0
          ? { at: end, half: THRESHOLDS.noiseStderrs * b.stderr }
          : null,
    })
  })
  const reached = levels[levels.length - 1]!
  cols.push({
    key: 'residual',
    label: t.stepShort('residual', w),
    kind: 'residual',
    low: Math.min(reached, reached + w.residual.value),
    high: Math.max(reached, reached + w.residual.value),
    text: fmtSignedLoss(w.residual.value),
    error: null,
  })
  cols.push({
    key: 'end',
    label: t.stepShort('end', w),
    kind: 'level',
    low: 0,
    high: w.end.value,
    text: fmtLoss(w.end.value),
    error: null,
  })
  return cols
}

/** The ECharts option of a waterfall. */
export function waterfallOption(
  w: Waterfall,
  t: WaterfallText,
  options: WaterfallChartOptions = {},
): EChartsOption {
  const theme = options.theme ?? WATERFALL_LIGHT
  const cols = waterfallColumns(w, t)
  const font = options.fontFamily
  const only = (kinds: WaterfallColumn['kind'][]) =>
    cols.map((c) => (kinds.includes(c.kind) ? round(c.high - c.low) : '-'))
  const labelOf = (i: number): string => cols[i]!.text
  const label = {
    show: true,
    position: 'top' as const,
    fontSize: 11,
    color: theme.text,
    ...(font ? { fontFamily: font } : {}),
    formatter: (p: { dataIndex: number }) => labelOf(p.dataIndex),
  }
  const stack = 'waterfall'
  const errors = cols
    .map((c, i) => (c.error ? [i, round(c.error.at - c.error.half), round(c.error.at + c.error.half)] : null))
    .filter((x): x is number[] => x !== null)
  const w_ = t.words
  const series: Record<string, unknown>[] = [
    {
      // The invisible base each floating bar stands on.
      name: 'base',
      type: 'bar',
      stack,
      silent: true,
      itemStyle: { color: 'transparent', borderColor: 'transparent' },
      emphasis: { disabled: true },
      data: cols.map((c) => (c.kind === 'level' ? 0 : round(c.low))),
    },
    {
      name: w_.level,
      type: 'bar',
      stack,
      barMaxWidth: 46,
      itemStyle: { color: WATERFALL_COLORS.level },
      label,
      data: only(['level']),
    },
    {
      name: w_.up,
      type: 'bar',
      stack,
      itemStyle: { color: WATERFALL_COLORS.up },
      label,
      data: only(['up']),
    },
    {
      name: w_.down,
      type: 'bar',
      stack,
      itemStyle: { color: WATERFALL_COLORS.down },
      label,
      data: only(['down']),
    },
    {
      name: w_.aside,
      type: 'bar',
      stack,
      itemStyle: {
        color: 'transparent',
        borderColor: WATERFALL_COLORS.aside,
        borderWidth: 1.5,
        borderType: 'dashed',
      },
      label,
      data: only(['aside']),
    },
    {
      name: w_.residual,
      type: 'bar',
      stack,
      itemStyle: {
        color: WATERFALL_COLORS.residual,
        borderColor: theme.text,
        borderWidth: 1,
        borderType: 'dotted',
        decal: {
          symbol: 'rect',
          dashArrayX: [1, 0],
          dashArrayY: [2, 4],
          rotation: Math.PI / 4,
          color: 'rgba(255,255,255,0.6)',
        },
      },
      label,
      data: only(['residual']),
    },
    {
      // Error bars: a vertical line with caps at each measured step's end level, ± 2 s.e.
      name: w_.errorBar,
      type: 'custom',
      silent: true,
      z: 5,
      itemStyle: { color: theme.text },
      renderItem: (_params: unknown, api: CustomApi) => {
        const x = api.value(0)
        // Beside the bar's centre, so the bar's own value label above it stays legible.
        const shift = api.size([1, 0])[0] * 0.3
        const lo = api.coord([x, api.value(1)])
        const hi = api.coord([x, api.value(2)])
        lo[0] += shift
        hi[0] += shift
        const cap = Math.max(3, api.size([1, 0])[0] * 0.08)
        const style = { stroke: theme.text, lineWidth: 1.2 }
        return {
          type: 'group',
          children: [
            { type: 'line', shape: { x1: lo[0], y1: lo[1], x2: hi[0], y2: hi[1] }, style },
            { type: 'line', shape: { x1: lo[0] - cap, y1: lo[1], x2: lo[0] + cap, y2: lo[1] }, style },
            { type: 'line', shape: { x1: hi[0] - cap, y1: hi[1], x2: hi[0] + cap, y2: hi[1] }, style },
          ],
        }
      },
      encode: { x: 0, y: [1, 2] },
      data: errors,
    },
    {
      // A step not measured keeps its place: its name on the axis and "not measured" at the level.
      name: 'notMeasured',
      type: 'scatter',
      silent: true,
      symbolSize: 1,
      itemStyle: { color: 'transparent' },
      label: {
        show: true,
        position: 'inside',
        fontSize: 10,
        color: theme.muted,
        ...(font ? { fontFamily: font } : {}),
        formatter: w_.notMeasured,
      },
      data: cols.flatMap((c, i) => (c.kind === 'missing' ? [[i, round(c.low)]] : [])),
    },
  ]
  const textStyle = { color: theme.muted, fontSize: 11, ...(font ? { fontFamily: font } : {}) }
  return {
    animation: false,
    ...(options.title
      ? {
          title: {
            text: options.title,
            subtext: options.subtitle,
            left: 16,
            top: 10,
            textStyle: {
              fontSize: 16,
              fontWeight: 'bold',
              color: theme.text,
              ...(font ? { fontFamily: font } : {}),
            },
            subtextStyle: { fontSize: 12, color: theme.muted, ...(font ? { fontFamily: font } : {}) },
          },
        }
      : {}),
    legend: {
      data: [w_.level, w_.up, w_.down, w_.aside, w_.residual].filter((name) =>
        series.some((s) => s.name === name && (s.data as unknown[]).some((v) => v !== '-')),
      ),
      top: options.title ? (options.subtitle ? 58 : 40) : 0,
      left: 16,
      textStyle: { color: theme.text, fontSize: 12, ...(font ? { fontFamily: font } : {}) },
    },
    grid: { left: 64, right: 24, top: options.title ? (options.subtitle ? 96 : 80) : 36, bottom: 56 },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (params: unknown) => {
        const p = (Array.isArray(params) ? params[0] : params) as { dataIndex: number } | undefined
        if (!p) return ''
        const c = cols[p.dataIndex]!
        return `${c.label}: ${c.text}`
      },
    },
    xAxis: {
      type: 'category',
      data: cols.map((c) => c.label),
      axisLabel: { ...textStyle, interval: 0, rotate: cols.length > 8 ? 20 : 0 },
      axisLine: { lineStyle: { color: theme.axis } },
    },
    yAxis: {
      type: 'value',
      name: w_.lossAxis,
      nameLocation: 'middle',
      nameGap: 44,
      nameTextStyle: textStyle,
      axisLabel: textStyle,
      splitLine: { lineStyle: { color: theme.grid } },
    },
    series: series as EChartsOption['series'],
  }
}

/** The part of ECharts' custom-series API the error bars use. */
interface CustomApi {
  value(dim: number): number
  coord(point: [number, number]): [number, number]
  size(size: [number, number]): [number, number]
}

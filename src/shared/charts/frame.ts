/**
 * What every LossLens chart shares, in the window (canvas) and in the report (SSR SVG): the theme,
 * the title/legend/grid frame with a layout computed from the font sizes (so a title never runs into
 * its subtitle, nor the legend into the plot), named axes whose labels never collide, the round axis
 * bounds, and error bars. Pure: no DOM, no Vue, no node.
 */
import type { CustomSeriesOption, EChartsOption } from 'echarts'
import { MEASURE_COLORS } from '../palette'
import { fmtNats } from '../diagnosis/format'

export interface ChartTheme {
  mode: 'light' | 'dark'
  text: string
  muted: string
  grid: string
  axis: string
  background: string
  tooltipBg: string
  tooltipBorder: string
  /** The palette's training-loss grey, lifted in the dark theme so the curve stays legible. */
  trainingLoss: string
  /** Font sizes (px): the window's are small, the report's (an 860 px wide image) larger. */
  font: { title: number; subtitle: number; legend: number; axisName: number; axisLabel: number }
}

export const MONO = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace"
// No double quotes in families: the SSR SVG writes them into a double-quoted style attribute unescaped.
export const SANS =
  "system-ui, -apple-system, 'Segoe UI', 'Noto Sans', 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif"

const WINDOW_FONT = { title: 12, subtitle: 11, legend: 11, axisName: 11, axisLabel: 10 }

export const CHART_THEMES = {
  light: {
    mode: 'light',
    text: '#1f2328',
    muted: '#656d76',
    grid: '#eaeef2',
    axis: '#d0d7de',
    background: 'transparent',
    tooltipBg: '#ffffff',
    tooltipBorder: '#d0d7de',
    trainingLoss: MEASURE_COLORS.trainingLoss,
    font: WINDOW_FONT,
  },
  dark: {
    mode: 'dark',
    text: '#d4d7dd',
    muted: '#8b929c',
    grid: '#2c3036',
    axis: '#414750',
    background: 'transparent',
    tooltipBg: '#22252a',
    tooltipBorder: '#414750',
    trainingLoss: '#a9adb3',
    font: WINDOW_FONT,
  },
  /** The report's SVGs: the light theme on white, in print sizes. */
  report: {
    mode: 'light',
    text: '#24292f',
    muted: '#57606a',
    grid: '#eaeef2',
    axis: '#d0d7de',
    background: '#ffffff',
    tooltipBg: '#ffffff',
    tooltipBorder: '#d0d7de',
    trainingLoss: MEASURE_COLORS.trainingLoss,
    font: { title: 16, subtitle: 12, legend: 13, axisName: 13, axisLabel: 12 },
  },
} as const satisfies Record<string, ChartTheme>

/** Line height of a text line at this font size: explicit, so the layout below is the one drawn. */
export const lineHeight = (size: number): number => Math.ceil(size * 1.4)

const PAD = 6
const GAP = 4

/** Where the legend starts: below the title and (when there is one) the subtitle. */
export function legendTop(theme: ChartTheme, subtitle: boolean): number {
  const f = theme.font
  return PAD + lineHeight(f.title) + (subtitle ? GAP + lineHeight(f.subtitle) : 0) + GAP
}

/**
 * Where the plot starts: below title, subtitle and (unless there is none) the one-row legend, with
 * room for the top y label, which is centred on the plot's top edge.
 */
export function plotTop(theme: ChartTheme, subtitle: boolean, legend = true): number {
  const f = theme.font
  return (
    legendTop(theme, subtitle) +
    (legend ? lineHeight(f.legend) + GAP : 0) +
    Math.ceil(lineHeight(f.axisLabel) / 2) +
    GAP
  )
}

/** Room below the plot for the x-axis labels and name (and a zoom slider where the axis is long). */
export function plotBottom(theme: ChartTheme, zoom = false): number {
  const f = theme.font
  return lineHeight(f.axisLabel) + lineHeight(f.axisName) + 3 * GAP + (zoom ? ZOOM_ROOM : 0)
}

/** Room the window's zoom slider takes under the x axis (kept in the report too: one layout). */
export const ZOOM_ROOM = 26

export interface FrameOptions {
  title: string
  subtitle?: string
  /** No legend (one series, named by the title). */
  legend?: boolean
  /** The x axis is long: room for a zoom slider under it. */
  zoom?: boolean
  /** Room left of the plot for the y labels and name. */
  left?: number
}

/** Title, subtitle, tooltip, legend and grid shared by every chart. */
export function frame(theme: ChartTheme, o: FrameOptions): EChartsOption {
  const f = theme.font
  const hasSub = !!o.subtitle
  const legend = o.legend !== false
  return {
    backgroundColor: theme.background,
    animation: false,
    textStyle: { fontFamily: SANS, color: theme.text },
    title: {
      text: o.title,
      subtext: o.subtitle ?? '',
      left: 8,
      top: PAD,
      itemGap: GAP,
      textStyle: { fontSize: f.title, lineHeight: lineHeight(f.title), fontWeight: 600, color: theme.text },
      subtextStyle: { fontSize: f.subtitle, lineHeight: lineHeight(f.subtitle), color: theme.muted },
    },
    // One scrolling row under the title and subtitle: never over them, never into the plot.
    legend: legend
      ? {
          type: 'scroll',
          top: legendTop(theme, hasSub),
          left: 4,
          right: 8,
          itemWidth: 14,
          itemHeight: 8,
          textStyle: { fontSize: f.legend, color: theme.muted },
          inactiveColor: theme.axis,
          pageTextStyle: { color: theme.muted },
        }
      : { show: false },
    tooltip: {
      backgroundColor: theme.tooltipBg,
      borderColor: theme.tooltipBorder,
      textStyle: { color: theme.text, fontSize: 11, fontFamily: MONO },
      confine: true,
      valueFormatter: (v) => (typeof v === 'number' ? fmtNats(v) : String(v ?? '—')),
    },
    grid: {
      left: o.left ?? 8 + lineHeight(f.axisName) + 6 * f.axisLabel,
      // Room for half of the last x label, which is centred on the plot's right edge.
      right: 12 + 3 * f.axisLabel,
      top: plotTop(theme, hasSub, legend),
      bottom: plotBottom(theme, o.zoom),
    },
  }
}

/** A value or category axis with a name (and unit), in the theme's colours; labels never overlap. */
export function axis(
  theme: ChartTheme,
  name: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const f = theme.font
  return {
    name,
    nameLocation: 'middle',
    nameTextStyle: { color: theme.muted, fontSize: f.axisName },
    axisLine: { lineStyle: { color: theme.axis } },
    axisTick: { lineStyle: { color: theme.axis } },
    axisLabel: { color: theme.muted, fontSize: f.axisLabel, fontFamily: MONO, hideOverlap: true },
    splitLine: { lineStyle: { color: theme.grid } },
    ...extra,
  }
}

/** The x axis's name sits under its labels. */
export const xNameGap = (theme: ChartTheme): number => lineHeight(theme.font.axisLabel) + 6

/** The y axis's name sits left of labels up to six characters wide. */
export const yNameGap = (theme: ChartTheme): number => Math.ceil(theme.font.axisLabel * 3.6) + 8

/** Counts the data points in an option's series (for data-points on the chart element). */
export function countPoints(option: EChartsOption): number {
  const series = Array.isArray(option.series) ? option.series : option.series ? [option.series] : []
  let n = 0
  for (const s of series) {
    const data = (s as { data?: unknown }).data
    if (Array.isArray(data)) n += data.length
  }
  return n
}

/** Lowest and highest finite value, or null when there is none. */
export function extent(values: readonly (number | null | undefined)[]): [number, number] | null {
  let lo = Infinity
  let hi = -Infinity
  for (const v of values) {
    if (typeof v !== 'number' || !Number.isFinite(v)) continue
    if (v < lo) lo = v
    if (v > hi) hi = v
  }
  return lo <= hi ? [lo, hi] : null
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

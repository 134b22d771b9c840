/** Chart chrome (text, grid, axes) per theme, and the pieces every LossLens chart shares. */
import type { EChartsOption } from 'echarts'
import { MEASURE_COLORS } from '../../../shared/palette'
import { fmtNats } from '../../../shared/diagnosis'

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
}

export const CHART_THEMES: Record<'light' | 'dark', ChartTheme> = {
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
  },
}

/** Translation function handed to the builders (vue-i18n's t, or identity in tests). */
export type Translate = (key: string, named?: Record<string, unknown>) => string

export const MONO = 'ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace'
export const SANS = 'system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", sans-serif'

/** Where the plot starts: below title, subtitle and (unless there is none) the legend. */
export const plotTop = (subtitle?: string, legend = true) => (subtitle ? 52 : 36) + (legend ? 20 : 0)

/** Title, tooltip, legend and grid shared by all charts. */
export function frame(theme: ChartTheme, title: string, subtitle?: string): EChartsOption {
  return {
    backgroundColor: theme.background,
    animation: false,
    textStyle: { fontFamily: SANS, color: theme.text },
    title: {
      text: title,
      subtext: subtitle ?? '',
      left: 8,
      top: 4,
      textStyle: { fontSize: 12, fontWeight: 600, color: theme.text },
      subtextStyle: { fontSize: 11, color: theme.muted },
      itemGap: 2,
    },
    // Under the title and subtitle, left-aligned: never over them however narrow the chart.
    legend: {
      top: subtitle ? 40 : 24,
      left: 4,
      itemWidth: 14,
      itemHeight: 8,
      textStyle: { fontSize: 11, color: theme.muted },
      inactiveColor: theme.axis,
    },
    tooltip: {
      backgroundColor: theme.tooltipBg,
      borderColor: theme.tooltipBorder,
      textStyle: { color: theme.text, fontSize: 11, fontFamily: MONO },
      confine: true,
      valueFormatter: (v) => (typeof v === 'number' ? fmtNats(v) : String(v ?? '—')),
    },
    grid: { left: 56, right: 16, top: plotTop(subtitle), bottom: 40 },
  }
}

/** A value or category axis with a name (and unit), in the theme's colours. */
export function axis(
  theme: ChartTheme,
  name: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    name,
    nameLocation: 'middle',
    nameGap: 28,
    nameTextStyle: { color: theme.muted, fontSize: 11 },
    axisLine: { lineStyle: { color: theme.axis } },
    axisTick: { lineStyle: { color: theme.axis } },
    axisLabel: { color: theme.muted, fontSize: 10, fontFamily: MONO },
    splitLine: { lineStyle: { color: theme.grid } },
    ...extra,
  }
}

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

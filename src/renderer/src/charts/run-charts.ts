/** Option builders for the run view's charts: pure functions of results, labels and theme. */
import type { EChartsOption } from 'echarts'
import { MEASURE_COLORS } from '../../../shared/palette'
import { SWEEP_SHIFTS } from '../../../shared/measures'
import type { SampleResult } from '../../../shared/results'
import { mean } from '../../../shared/diagnosis'
import { strideIndices } from './stats'
import { axis, frame, plotTop, type ChartTheme, type Translate } from './theme'

/** Above this many samples, bar charts get a zoom slider and per-sample lines are thinned. */
export const ZOOM_ABOVE = 80
/** Samples in the bar chart's window when zoomed: the newest ones (the slider reaches the rest). */
export const BAR_WINDOW = 200
export const MAX_SAMPLE_LINES = 200

function byIndex(results: readonly SampleResult[]): SampleResult[] {
  return results.filter((r) => !r.skipped).sort((a, b) => a.index - b.index)
}

/** Per-sample losses: the misaligned slice (seed's bug) next to the correct one, AR optional in the legend. */
export function perSampleBars(
  results: readonly SampleResult[],
  theme: ChartTheme,
  t: Translate,
): EChartsOption {
  const rows = byIndex(results)
  const large = rows.length > ZOOM_ABOVE
  const base = frame(theme, t('chart.perSample.title'), t('chart.perSample.subtitle'))
  const series = [
    {
      name: t('measure.keepLastMisaligned'),
      type: 'bar' as const,
      color: MEASURE_COLORS.keepLastMisaligned,
      data: rows.map((r) => r.keepLastMisaligned?.loss ?? null),
      large,
      barGap: '10%',
      barMaxWidth: 16,
    },
    {
      name: t('measure.teacherForcing'),
      type: 'bar' as const,
      color: MEASURE_COLORS.teacherForcing,
      data: rows.map((r) => r.teacherForcing?.loss ?? null),
      large,
      barMaxWidth: 16,
    },
    {
      name: t('measure.autoregressive'),
      type: 'bar' as const,
      color: MEASURE_COLORS.autoregressive,
      data: rows.map((r) => r.autoregressive?.loss ?? null),
      large,
      barMaxWidth: 16,
    },
  ]
  return {
    ...base,
    legend: {
      ...(base.legend as object),
      selected: { [t('measure.autoregressive')]: false },
    },
    grid: { ...(base.grid as object), left: 56, right: 16, bottom: large ? 64 : 40 },
    tooltip: { ...(base.tooltip as object), trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: {
      type: 'category',
      data: rows.map((r) => String(r.index)),
      ...axis(theme, t('axis.sample')),
    },
    yAxis: { type: 'value', ...axis(theme, t('axis.lossNats'), { nameGap: 36 }) },
    // Only the window's bars are laid out and drawn: 10,000 samples cost what 200 do.
    dataZoom: large
      ? [
          { type: 'inside', startValue: Math.max(0, rows.length - BAR_WINDOW), endValue: rows.length - 1 },
          { type: 'slider', height: 16, bottom: 8, showDataShadow: false },
        ]
      : [],
    series,
  } as EChartsOption
}

const shiftLabel = (s: number) => (s > 0 ? `+${s}` : s === 0 ? '0' : `−${-s}`)

/** The offset sweep: mean loss per shift (thick) over thin per-sample lines; s = 0 correct, s = +1 the seed's bug. */
export function offsetSweep(
  results: readonly SampleResult[],
  theme: ChartTheme,
  t: Translate,
): EChartsOption {
  const rows = byIndex(results).filter((r) => r.offsetSweep)
  const keys = SWEEP_SHIFTS.map(String) as ('-2' | '-1' | '0' | '1' | '2')[]
  const means = keys.map((k) =>
    mean(rows.flatMap((r) => (r.offsetSweep?.[k] !== undefined ? [r.offsetSweep[k]!] : []))),
  )
  const shown = strideIndices(rows.length, MAX_SAMPLE_LINES).map((i) => rows[i]!)
  const sampleName = t('chart.sweep.samples')
  const subtitle =
    rows.length > shown.length
      ? t('chart.sweep.subtitleThinned', { shown: shown.length, total: rows.length })
      : t('chart.sweep.subtitle')
  // All thin lines in one series, broken by nulls: one view to draw instead of hundreds.
  const thin = {
    name: sampleName,
    id: 'samples',
    type: 'line' as const,
    data: shown.flatMap((r) => [
      ...SWEEP_SHIFTS.map((shift, i) => [shift, r.offsetSweep?.[keys[i]!] ?? null]),
      [null, null],
    ]),
    connectNulls: false,
    color: MEASURE_COLORS.offsetSweep,
    lineStyle: { width: 1, opacity: 0.22 },
    symbol: 'none',
    silent: true,
    z: 1,
    tooltip: { show: false },
  }
  const base = frame(theme, t('chart.sweep.title'), subtitle)
  return {
    ...base,
    legend: { ...(base.legend as object), data: [t('chart.sweep.mean'), sampleName] },
    grid: { ...(base.grid as object), left: 56, right: 16, bottom: 40 },
    tooltip: { ...(base.tooltip as object), trigger: 'axis' },
    xAxis: {
      type: 'value',
      min: SWEEP_SHIFTS[0],
      max: SWEEP_SHIFTS[SWEEP_SHIFTS.length - 1],
      interval: 1,
      ...axis(theme, t('axis.shift')),
      axisLabel: { ...(axis(theme, '').axisLabel as object), formatter: (v: number) => shiftLabel(v) },
    },
    yAxis: { type: 'value', scale: true, ...axis(theme, t('axis.lossNats'), { nameGap: 36 }) },
    series: [
      thin,
      {
        name: t('chart.sweep.mean'),
        id: 'mean',
        type: 'line',
        data: SWEEP_SHIFTS.map((shift, i) => [shift, means[i]]),
        color: MEASURE_COLORS.offsetSweep,
        lineStyle: { width: 2.5 },
        symbolSize: 7,
        z: 3,
        markLine: {
          silent: true,
          symbol: 'none',
          label: { color: theme.muted, fontSize: 10, formatter: '{b}' },
          lineStyle: { color: theme.axis, type: 'dashed' },
          data: [
            { name: t('chart.sweep.correct'), xAxis: 0 },
            { name: t('chart.sweep.seedBug'), xAxis: 1 },
          ],
        },
      },
    ],
  } as EChartsOption
}

export interface StepSeries {
  teacherForcing: readonly number[]
  autoregressive: readonly number[]
}

/** Teacher forcing vs autoregressive loss per step (run means, or one sample's own steps). */
export function stepsChart(
  steps: StepSeries,
  theme: ChartTheme,
  t: Translate,
  labels: { title?: string; subtitle?: string } = {},
): EChartsOption {
  const n = Math.max(steps.teacherForcing.length, steps.autoregressive.length)
  const base = frame(
    theme,
    labels.title ?? t('chart.steps.title'),
    labels.subtitle ?? t('chart.steps.subtitle'),
  )
  return {
    ...base,
    legend: base.legend,
    grid: { ...(base.grid as object), left: 56, right: 16, bottom: 40 },
    tooltip: { ...(base.tooltip as object), trigger: 'axis' },
    xAxis: {
      type: 'category',
      data: Array.from({ length: n }, (_, i) => String(i + 1)),
      ...axis(theme, t('axis.step')),
    },
    yAxis: { type: 'value', ...axis(theme, t('axis.lossNats'), { nameGap: 36 }) },
    series: [
      {
        name: t('measure.teacherForcing'),
        type: 'line',
        data: [...steps.teacherForcing],
        color: MEASURE_COLORS.teacherForcing,
        symbolSize: 4,
        lineStyle: { width: 2 },
      },
      {
        name: t('measure.autoregressive'),
        type: 'line',
        data: [...steps.autoregressive],
        color: MEASURE_COLORS.autoregressive,
        symbolSize: 4,
        lineStyle: { width: 2 },
      },
    ],
  } as EChartsOption
}

/** One sample's offset sweep as bars, s = 0 (correct) and s = +1 (the seed's bug) marked. */
export function sampleSweep(result: SampleResult, theme: ChartTheme, t: Translate): EChartsOption {
  const keys = SWEEP_SHIFTS.map(String) as ('-2' | '-1' | '0' | '1' | '2')[]
  const base = frame(theme, t('chart.sampleSweep.title'), t('chart.sampleSweep.subtitle'))
  return {
    ...base,
    legend: { show: false },
    grid: { left: 52, right: 12, top: plotTop(t('chart.sampleSweep.subtitle'), false), bottom: 36 },
    tooltip: { ...(base.tooltip as object), trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'category', data: SWEEP_SHIFTS.map(shiftLabel), ...axis(theme, t('axis.shift')) },
    yAxis: { type: 'value', ...axis(theme, t('axis.lossNats'), { nameGap: 34 }) },
    series: [
      {
        name: t('measure.offsetSweep'),
        type: 'bar',
        barWidth: '55%',
        data: keys.map((k) => ({
          value: result.offsetSweep?.[k] ?? null,
          itemStyle: {
            color:
              k === '0'
                ? MEASURE_COLORS.teacherForcing
                : k === '1'
                  ? MEASURE_COLORS.keepLastMisaligned
                  : MEASURE_COLORS.offsetSweep,
          },
        })),
      },
    ],
  } as EChartsOption
}

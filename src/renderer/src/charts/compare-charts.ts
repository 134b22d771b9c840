/** The compare view's charts: per-sample scatter against the base run, and loss distributions. */
import type { EChartsOption } from 'echarts'
import { CHECKPOINT_COLORS } from '../../../shared/palette'
import type { JoinedRow } from '../lib/compare'
import { fmtNats, fmtSignedNats } from '../../../shared/diagnosis'
import { fiveNumbers } from './stats'
import { axis, frame, plotTop, type ChartTheme, type Translate } from './theme'

/** Colour of the k-th selected run (checkpoints side by side). */
export const runColor = (k: number): string => CHECKPOINT_COLORS[k % CHECKPOINT_COLORS.length]!

/** A (base) vs B.. teacher-forcing loss per sample, with the y = x line. */
export function scatterChart(
  rows: readonly JoinedRow[],
  labels: readonly string[],
  theme: ChartTheme,
  t: Translate,
): EChartsOption {
  const all = rows.flatMap((r) => r.losses.filter((x): x is number => x !== null))
  const lo = all.length ? Math.min(...all) : 0
  const hi = all.length ? Math.max(...all) : 1
  // Both axes share round bounds, so y = x is the diagonal and the end labels sit on ticks.
  const step = hi - lo > 4 ? 1 : hi - lo > 1 ? 0.5 : 0.1
  const min = Math.max(0, Math.floor((lo - step / 2) / step) * step)
  const max = Math.ceil((hi + step / 2) / step) * step
  const base = frame(theme, t('chart.scatter.title'), t('chart.scatter.subtitle', { base: labels[0] ?? '' }))
  const series = labels.slice(1).map((label, j) => ({
    name: label,
    type: 'scatter' as const,
    color: runColor(j + 1),
    symbolSize: 6,
    data: rows.flatMap((r) =>
      r.losses[0] !== null && r.losses[j + 1] !== null ? [[r.losses[0], r.losses[j + 1], r.index]] : [],
    ),
    tooltip: {
      formatter: (p: { value: [number, number, number]; seriesName: string }) =>
        `#${p.value[2]}<br/>${labels[0]}: ${fmtNats(p.value[0])}<br/>${p.seriesName}: ${fmtNats(p.value[1])}<br/>Δ ${fmtSignedNats(p.value[1] - p.value[0])}`,
    },
  }))
  return {
    ...base,
    legend: base.legend,
    grid: { ...(base.grid as object), left: 56, right: 24, bottom: 44 },
    tooltip: { ...(base.tooltip as object), trigger: 'item' },
    xAxis: { type: 'value', min, max, ...axis(theme, t('chart.scatter.x', { label: labels[0] ?? '' })) },
    yAxis: { type: 'value', min, max, ...axis(theme, t('chart.scatter.y'), { nameGap: 36 }) },
    series: [
      {
        name: 'y = x',
        type: 'line',
        data: [
          [min, min],
          [max, max],
        ],
        symbol: 'none',
        color: theme.muted,
        lineStyle: { type: 'dashed', width: 1 },
        silent: true,
        tooltip: { show: false },
      },
      ...series,
    ],
  } as EChartsOption
}

/** Box plot of per-sample teacher-forcing loss for each selected run. */
export function distributionChart(
  rows: readonly JoinedRow[],
  labels: readonly string[],
  theme: ChartTheme,
  t: Translate,
): EChartsOption {
  const boxes = labels.map((_, k) =>
    fiveNumbers(rows.flatMap((r) => (r.losses[k] != null ? [r.losses[k]!] : []))),
  )
  const base = frame(theme, t('chart.dist.title'), t('chart.dist.subtitle'))
  const names = [t('chart.dist.min'), 'Q1', t('chart.dist.median'), 'Q3', t('chart.dist.max')]
  return {
    ...base,
    legend: { show: false },
    grid: { left: 56, right: 24, top: plotTop(t('chart.dist.subtitle'), false), bottom: 44 },
    tooltip: {
      ...(base.tooltip as object),
      trigger: 'item',
      formatter: (p: { name: string; value: number[] }) =>
        `${p.name}<br/>` + names.map((n, i) => `${n}: ${fmtNats(p.value[i + 1])}`).join('<br/>'),
    },
    xAxis: { type: 'category', data: [...labels], ...axis(theme, t('chart.dist.x')) },
    yAxis: { type: 'value', scale: true, ...axis(theme, t('axis.lossNats'), { nameGap: 36 }) },
    series: [
      {
        name: t('measure.teacherForcing'),
        type: 'boxplot',
        data: boxes.map((b, k) => ({
          value: b ?? [],
          itemStyle: { color: runColor(k) + '33', borderColor: runColor(k), borderWidth: 1.5 },
        })),
      },
    ],
  } as EChartsOption
}

/**
 * Checkpoints side by side on one dataset: per-sample scatter against the base run, and loss
 * distributions. Runs are compared here, so colour means the checkpoint (style.ts).
 */
import type { EChartsOption } from 'echarts'
import { fmtNats, fmtSignedNats } from '../diagnosis/format'
import { fiveNumbers } from './series-math'
import { axis, frame, xNameGap, yNameGap } from './frame'
import { checkpointColor } from './style'
import { zoomable } from './interaction'
import type { ChartContext, ChartText } from './text'

/**
 * The per-sample values runs can be compared on, in the order a default is picked: the measure that
 * best stands for a run first (an SFT run's SFT loss, a pretraining run's teacher forcing), then the
 * trainer's format, the whole sample, generation and the slices, then bits per byte. Here, beside the
 * charts that draw them, so the window's table and charts and their words share one list.
 */
export const COMPARE_MEASURES = [
  'sft',
  'teacherForcing',
  'trainFormat',
  'rolling',
  'autoregressive',
  'sftAutoregressive',
  'keepLastMisaligned',
  'keepLastAligned',
  'teacherForcingBitsPerByte',
  'trainFormatBitsPerByte',
  'rollingBitsPerByte',
] as const
export type CompareMeasure = (typeof COMPARE_MEASURES)[number]

/** What a measure's values count in: the table's threshold and deltas, and the charts' axes, are in that unit. */
export function compareUnit(m: CompareMeasure): 'nats' | 'bitsPerByte' {
  return m.endsWith('BitsPerByte') ? 'bitsPerByte' : 'nats'
}

/** A compared measure's name in the charts' words (the trajectory's names, and the few it lacks). */
export function compareMeasureName(text: ChartText, m: CompareMeasure): string {
  return m in text.measure
    ? text.measure[m as keyof ChartText['measure']]
    : text.compare[m as keyof ChartText['compare']]
}

/** One sample's value of the compared measure on each compared run (null where that run has none). */
export interface CompareRow {
  index: number
  losses: readonly (number | null)[]
}

/** A compared run: its name and its checkpoint's position in the experiment (its colour). */
export interface CompareRun {
  label: string
  checkpoint: number
}

/** A (base) vs B.. per sample on the compared measure, with the y = x line. */
export function scatterChart(
  rows: readonly CompareRow[],
  runs: readonly CompareRun[],
  measure: CompareMeasure,
  { theme, text }: ChartContext,
): EChartsOption {
  const unit = compareUnit(measure)
  const all = rows.flatMap((r) => r.losses.filter((x): x is number => x !== null))
  const lo = all.length ? Math.min(...all) : 0
  const hi = all.length ? Math.max(...all) : 1
  // Both axes share round bounds, so y = x is the diagonal and the end labels sit on ticks.
  const step = hi - lo > 4 ? 1 : hi - lo > 1 ? 0.5 : 0.1
  const min = Math.max(0, Math.floor((lo - step / 2) / step) * step)
  const max = Math.ceil((hi + step / 2) / step) * step
  const baseLabel = runs[0]?.label ?? ''
  // Many samples: the window zooms the x axis (interactive()), so the room for its slider is kept.
  const base = frame(theme, {
    title: text.scatter.title,
    subtitle: text.scatter.subtitle(baseLabel, compareMeasureName(text, measure)),
    zoom: zoomable(rows.length),
  })
  const series = runs.slice(1).map((run, j) => ({
    name: run.label,
    type: 'scatter' as const,
    color: checkpointColor(run.checkpoint),
    symbolSize: 6,
    data: rows.flatMap((r) =>
      r.losses[0] != null && r.losses[j + 1] != null ? [[r.losses[0], r.losses[j + 1], r.index]] : [],
    ),
    tooltip: {
      formatter: (p: { value: [number, number, number]; seriesName: string }) =>
        `#${p.value[2]}<br/>${baseLabel}: ${fmtNats(p.value[0])}<br/>${p.seriesName}: ${fmtNats(p.value[1])}<br/>Δ ${fmtSignedNats(p.value[1] - p.value[0])}`,
    },
  }))
  return {
    ...base,
    tooltip: { ...(base.tooltip as object), trigger: 'item' },
    xAxis: {
      type: 'value',
      min,
      max,
      ...axis(theme, text.scatter.x(baseLabel, unit), { nameGap: xNameGap(theme) }),
    },
    yAxis: { type: 'value', min, max, ...axis(theme, text.scatter.y(unit), { nameGap: yNameGap(theme) }) },
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

/** Box plot of the compared measure per sample, for each compared run. */
export function distributionChart(
  rows: readonly CompareRow[],
  runs: readonly CompareRun[],
  measure: CompareMeasure,
  { theme, text }: ChartContext,
): EChartsOption {
  const name = compareMeasureName(text, measure)
  const boxes = runs.map((_, k) =>
    fiveNumbers(rows.flatMap((r) => (r.losses[k] != null ? [r.losses[k]!] : []))),
  )
  const base = frame(theme, { title: text.dist.title, subtitle: text.dist.subtitle(name), legend: false })
  const names = [text.dist.min, 'Q1', text.dist.median, 'Q3', text.dist.max]
  return {
    ...base,
    tooltip: {
      ...(base.tooltip as object),
      trigger: 'item',
      formatter: (p: { name: string; value: number[] }) =>
        `${p.name}<br/>` + names.map((n, i) => `${n}: ${fmtNats(p.value[i + 1])}`).join('<br/>'),
    },
    xAxis: {
      type: 'category',
      data: runs.map((r) => r.label),
      ...axis(theme, text.dist.x, { nameGap: xNameGap(theme) }),
    },
    yAxis: {
      type: 'value',
      scale: true,
      ...axis(theme, compareUnit(measure) === 'nats' ? text.axis.loss : text.axis.bitsPerByte, {
        nameGap: yNameGap(theme),
      }),
    },
    series: [
      {
        name,
        type: 'boxplot',
        data: boxes.map((b, k) => {
          const color = checkpointColor(runs[k]!.checkpoint)
          return { value: b ?? [], itemStyle: { color: color + '33', borderColor: color, borderWidth: 1.5 } }
        }),
      },
    ],
  } as EChartsOption
}

/**
 * Loss by position as an ECharts option (window and report): the mean training-format cross-entropy
 * at each target position 1..T over the samples that reach it, with the trainer's max_seq_len marked
 * (past it the model never trained, so a rise there is expected). One run: its line in the measure's
 * colour, with how many samples reach each position on a second axis. Several runs (the window's
 * overlay of the runs picked in the runs table): one line per run in its checkpoint's colour, the
 * measure's line style (style.ts), and each distinct max_seq_len marked.
 */
import type { EChartsOption } from 'echarts'
import type { SampleResult } from '../results'
import { isScored } from '../diagnosis/means'
import { meanPerPosition } from '../stats'
import { axis, frame, lineHeight, xNameGap, yNameGap } from './frame'
import { CURVE_ID, zoomable } from './interaction'
import type { ChartRun } from './run-charts'
import { seriesStyle } from './style'
import type { ChartContext } from './text'

/** One run as the loss-by-position chart takes it. */
export interface PositionRun {
  label: string
  scope: string
  /** Position of its checkpoint in the experiment's checkpoint list: its colour where runs are compared. */
  checkpoint: number
  /** Mean loss at position i + 1 (target i + 1 predicted from positions 0..i). */
  means: readonly number[]
  /** Samples reaching each position (same length as means), empty when unknown. */
  counts: readonly number[]
  /** The trainer's max_seq_len in tokens: its marker sits at the last target position it scores. */
  maxSeqLen: number | null
}

/** Samples reaching each position: position i counts the arrays longer than i. */
export function positionCounts(arrays: readonly (readonly number[])[]): number[] {
  const counts: number[] = []
  for (const a of arrays) for (let i = 0; i < a.length; i++) counts[i] = (counts[i] ?? 0) + 1
  return counts
}

/** The scored samples' training-format losses per position (the ones its means are taken over). */
const positionArrays = (results: readonly SampleResult[]): number[][] =>
  results.flatMap((r) => (isScored(r) && r.trainFormat ? [r.trainFormat.positionLosses] : []))

/**
 * A run's loss by position: its means' trainFormatPositions (the summary's once finished, else the
 * samples so far; computed from the samples for a summary written before that field existed), and the
 * samples reaching each position from its results.
 */
export function positionsOf(run: ChartRun): PositionRun {
  const arrays = positionArrays(run.results)
  return {
    label: run.label,
    scope: run.scope,
    checkpoint: run.checkpoint,
    means: run.means.trainFormatPositions ?? meanPerPosition(arrays),
    counts: positionCounts(arrays),
    maxSeqLen: run.maxSeqLen,
  }
}

/** A sequence of max_seq_len tokens has max_seq_len - 1 targets: its last scored position. */
export const maxSeqLenPosition = (maxSeqLen: number): number => maxSeqLen - 1

/** The chart; runs without any position (no trainFormat measure) are left out. */
export function positionLossChart(all: readonly PositionRun[], { theme, text }: ChartContext): EChartsOption {
  const runs = all.filter((r) => r.means.length > 0)
  const one = runs.length === 1
  const first = runs[0]
  // With several runs the samples axis is dropped: one count line cannot stand for runs on other
  // datasets or sample counts, and a count line belonging to one run would be read as all of theirs;
  // the comparison of the loss lines is what that chart is for.
  const counts = one && first && first.counts.length > 0 ? first.counts : null
  const markers = [
    ...new Set(runs.flatMap((r) => (r.maxSeqLen && r.maxSeqLen >= 2 ? [r.maxSeqLen] : []))),
  ].sort((a, b) => a - b)
  const n = Math.max(0, ...runs.map((r) => r.means.length))
  const xMax = Math.max(1, n, ...markers.map(maxSeqLenPosition))
  const lossName = (r: PositionRun) => (one ? text.position.loss : r.label)
  const lines = runs.map((r, k) => {
    const style = seriesStyle('trainFormat', one ? null : r.checkpoint, theme)
    return {
      name: lossName(r),
      id: `${CURVE_ID}${k}`,
      type: 'line' as const,
      data: r.means.map((v, i) => [i + 1, v]),
      color: style.color,
      // The marker names the measure in the legend and under the pointer; on the line hundreds of
      // positions would bury it.
      symbol: style.symbol,
      showSymbol: false,
      lineStyle: { width: one ? 1.5 : 2, type: style.lineType },
      sampling: 'lttb',
      z: 3,
    }
  })
  // The markers in a series of their own: they belong to the trainer's settings, not to one run, so
  // hiding a run in the legend keeps them. Each label reads across at the line's foot, inside the plot
  // on the side facing its middle: the marker sits at the right edge when samples are cut at
  // max_seq_len, where a label centred above the line ran past the chart's edge, and a label along the
  // line crossed the curves. The foot of a loss axis from 0 is rarely reached by a curve; the label's
  // box keeps it legible where one is.
  const marks = {
    name: '',
    id: 'max-seq-len',
    type: 'line' as const,
    data: [],
    silent: true,
    tooltip: { show: false },
    markLine: {
      silent: true,
      symbol: 'none',
      lineStyle: { color: theme.muted, type: 'dashed' },
      label: {
        position: 'start',
        distance: [0, -4],
        verticalAlign: 'bottom',
        padding: [1, 4],
        borderRadius: 2,
        backgroundColor: theme.tooltipBg,
        fontSize: theme.font.axisLabel,
        color: theme.muted,
        formatter: '{b}',
      },
      data: markers.map((m) => {
        const x = maxSeqLenPosition(m)
        return {
          name: text.position.maxSeqLen(m),
          xAxis: x,
          label: { align: x > (1 + xMax) / 2 ? 'right' : 'left' },
        }
      }),
    },
  }
  const samples = counts
    ? [
        {
          name: text.position.samples,
          id: 'samples',
          type: 'line' as const,
          yAxisIndex: 1,
          step: 'end',
          data: counts.map((c, i) => [i + 1, c]),
          color: theme.muted,
          symbol: 'none',
          lineStyle: { width: 1, type: 'dotted' },
          z: 2,
          tooltip: { valueFormatter: (v: unknown) => String(v ?? '—') },
        },
      ]
    : []
  const base = frame(theme, {
    title: one && first ? text.about(text.position.title, first.scope) : text.position.title,
    subtitle: text.position.subtitle,
    zoom: zoomable(n),
  })
  const f = theme.font
  return {
    ...base,
    // Room right of the plot for the samples axis's labels and name, as the frame leaves on the left.
    grid: {
      ...(base.grid as object),
      ...(counts ? { right: 8 + lineHeight(f.axisName) + 6 * f.axisLabel } : {}),
    },
    legend: {
      ...(base.legend as object),
      data: [...runs.map(lossName), ...(counts ? [text.position.samples] : [])],
    },
    tooltip: { ...(base.tooltip as object), trigger: 'axis' },
    xAxis: {
      type: 'value',
      min: 1,
      // Wide enough to show max_seq_len even when no sample reaches it.
      max: xMax,
      ...axis(theme, text.axis.step, { nameGap: xNameGap(theme) }),
      splitLine: { show: false },
    },
    yAxis: [
      { type: 'value', ...axis(theme, text.axis.loss, { nameGap: yNameGap(theme) }) },
      ...(counts
        ? [
            {
              type: 'value',
              minInterval: 1,
              ...axis(theme, text.position.samplesAxis, { nameGap: yNameGap(theme) }),
              splitLine: { show: false },
            },
          ]
        : []),
    ],
    series: [...lines, ...samples, marks],
  } as EChartsOption
}

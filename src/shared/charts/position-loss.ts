/**
 * Loss by position as an ECharts option (window and report): the mean cross-entropy at each target
 * position 1..T over the samples that reach it (summary means.trainFormatPositions, or meanPerPosition
 * of the samples' positionLosses), with how many samples reach each position on a second axis, and
 * the trainer's max_seq_len marked: past it the model never trained, so a rise there is expected.
 */
import type { EChartsOption } from 'echarts'
import { MEASURE_COLORS } from '../palette'

export interface PositionLossTheme {
  text: string
  muted: string
  grid: string
  axis: string
}

export interface PositionLossWords {
  /** Series name of the mean loss. */
  loss: string
  /** Series name of the number of samples reaching each position. */
  samples: string
  x: string
  lossAxis: string
  samplesAxis: string
  /** Label of the max_seq_len marker ("max_seq_len 512"). */
  maxSeqLen: (n: number) => string
}

export interface PositionLossInput {
  /** Mean loss at position i + 1 (target i + 1 predicted from positions 0..i). */
  means: readonly number[]
  /** Samples reaching each position (same length), when known. */
  counts?: readonly number[]
  /** The trainer's max_seq_len in tokens: the marker sits at the last target position it scores. */
  maxSeqLen?: number | null
}

const round = (x: number): number => Math.round(x * 1e4) / 1e4

/** Samples reaching each position: position i counts the arrays longer than i. */
export function positionCounts(arrays: readonly (readonly number[])[]): number[] {
  const counts: number[] = []
  for (const a of arrays) for (let i = 0; i < a.length; i++) counts[i] = (counts[i] ?? 0) + 1
  return counts
}

export function positionLossOption(
  input: PositionLossInput,
  words: PositionLossWords,
  options: { theme: PositionLossTheme; title?: string; subtitle?: string; fontFamily?: string },
): EChartsOption {
  const { theme } = options
  const font = options.fontFamily ? { fontFamily: options.fontFamily } : {}
  const text = { color: theme.muted, fontSize: 11, ...font }
  const top = options.title ? (options.subtitle ? 96 : 80) : 36
  // A sequence of max_seq_len tokens has max_seq_len - 1 targets: its last scored position.
  const marker = input.maxSeqLen ? input.maxSeqLen - 1 : null
  const series: Record<string, unknown>[] = [
    {
      name: words.loss,
      type: 'line',
      symbol: 'none',
      sampling: 'lttb',
      lineStyle: { color: MEASURE_COLORS.trainFormat, width: 1.5 },
      itemStyle: { color: MEASURE_COLORS.trainFormat },
      data: input.means.map((v, i) => [i + 1, round(v)]),
      ...(marker !== null && marker >= 1
        ? {
            markLine: {
              symbol: 'none',
              silent: true,
              lineStyle: { color: theme.muted, type: 'dashed' },
              label: {
                formatter: words.maxSeqLen(input.maxSeqLen!),
                color: theme.text,
                fontSize: 11,
                ...font,
              },
              data: [{ xAxis: marker }],
            },
          }
        : {}),
    },
  ]
  if (input.counts && input.counts.length > 0) {
    series.push({
      name: words.samples,
      type: 'line',
      yAxisIndex: 1,
      symbol: 'none',
      step: 'end',
      lineStyle: { color: theme.muted, width: 1, type: 'dotted' },
      itemStyle: { color: theme.muted },
      data: input.counts.map((c, i) => [i + 1, c]),
    })
  }
  return {
    animation: false,
    ...(options.title
      ? {
          title: {
            text: options.title,
            subtext: options.subtitle,
            left: 16,
            top: 10,
            textStyle: { fontSize: 16, fontWeight: 'bold', color: theme.text, ...font },
            subtextStyle: { fontSize: 12, color: theme.muted, ...font },
          },
        }
      : {}),
    legend: {
      data: series.map((s) => s.name as string),
      top: options.title ? (options.subtitle ? 58 : 40) : 0,
      left: 16,
      textStyle: { color: theme.text, fontSize: 12, ...font },
    },
    grid: { left: 64, right: input.counts ? 64 : 24, top, bottom: 56 },
    tooltip: { trigger: 'axis' },
    xAxis: {
      type: 'value',
      name: words.x,
      nameLocation: 'middle',
      nameGap: 30,
      min: 1,
      // Wide enough to show max_seq_len even when no sample reaches it.
      max: Math.max(1, input.means.length, marker ?? 0),
      nameTextStyle: text,
      axisLabel: text,
      axisLine: { lineStyle: { color: theme.axis } },
      splitLine: { show: false },
    },
    yAxis: [
      {
        type: 'value',
        name: words.lossAxis,
        nameLocation: 'middle',
        nameGap: 44,
        nameTextStyle: text,
        axisLabel: text,
        splitLine: { lineStyle: { color: theme.grid } },
      },
      ...(input.counts
        ? [
            {
              type: 'value' as const,
              name: words.samplesAxis,
              nameLocation: 'middle' as const,
              nameGap: 40,
              minInterval: 1,
              nameTextStyle: text,
              axisLabel: text,
              splitLine: { show: false },
            },
          ]
        : []),
    ],
    series: series as EChartsOption['series'],
  }
}

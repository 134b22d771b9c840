/**
 * A run's charts: per-sample losses (misaligned vs correct), the offset sweep and teacher forcing vs
 * autoregressive per step; the last two overlay several runs (colour: the run's checkpoint; line style
 * and marker: the measure, see style.ts). Pure functions of results, words and theme.
 */
import type { EChartsOption } from 'echarts'
import { SWEEP_SHIFTS } from '../measures'
import type { Means, SampleResult } from '../results'
import { fmtLoss, fmtShift } from '../diagnosis/format'
import { isScored, sweepEntries } from '../diagnosis/means'
import { isSftRunOf, type RunFormat } from '../diagnosis/run-kind'
import { mean, meanPerPosition } from '../stats'
import { strideIndices } from './series-math'
import { axis, frame, xNameGap, yNameGap } from './frame'
import { CURVE_ID, ZOOM_ABOVE, zoomable } from './interaction'
import type { ColoredSeries } from '../palette'
import { seriesStyle } from './style'
import type { ChartContext } from './text'

/** Per-sample lines drawn under the offset sweep's mean at most (evenly thinned beyond). */
export const MAX_SAMPLE_LINES = 200

/** One run as its charts need it. */
export interface ChartRun {
  /** Its name in a legend where several runs are drawn (the checkpoint, with the dataset if they differ). */
  label: string
  /** What a chart of this run alone is about, in its title (text.scope). */
  scope: string
  /** Position of its checkpoint in the experiment's checkpoint list: its colour where runs are compared. */
  checkpoint: number
  /** Its sample results (skipped ones are left out here). */
  results: readonly SampleResult[]
  /**
   * Its means. For an SFT run (sft), chartRun puts the SFT analogues under the chart's names:
   * offsetSweep is the sweep over assistant targets, teacherForcingSteps the first reply's
   * teacher-forced losses per token and autoregressiveSteps generation's (sftCharts).
   */
  means: Means
  /** Conversations scored with MiniMind's SFT loss (no continuation teacher forcing). */
  sft: boolean
  /** Input length L and predict length P, when known. */
  L: number | null
  P: number | null
  /** The step where autoregressive parts from teacher forcing (the mode verdict's), if it does. */
  divergenceStep: number | null
  /** The trainer's max_seq_len it scored the training format with (marked on loss by position). */
  maxSeqLen: number | null
}

function scored(results: readonly SampleResult[]): SampleResult[] {
  return results.filter((r) => !r.skipped).sort((a, b) => a.index - b.index)
}

/** Per-sample losses: the misaligned slice (seed's bug) next to the correct one, AR off in the legend. */
export function perSampleChart(run: ChartRun, { theme, text }: ChartContext): EChartsOption {
  const rows = scored(run.results)
  const large = zoomable(rows.length)
  const bar = (name: string, color: ColoredSeries, data: (number | null)[]) => ({
    name,
    type: 'bar' as const,
    color: seriesStyle(color, null).color,
    data,
    // Past the zoom's threshold the bars are one path per series (ECharts' large mode from the same
    // count, not its default 400): redrawing hundreds of single bars as samples stream took a frame
    // of over 50 ms, and the axis tooltip still names each sample's values.
    large,
    ...(large ? { largeThreshold: ZOOM_ABOVE } : {}),
    barGap: '10%',
    barMaxWidth: 16,
  })
  const measureBar = (measure: 'keepLastMisaligned' | 'teacherForcing' | 'autoregressive') =>
    bar(
      text.measure[measure],
      measure,
      rows.map((r) => r[measure]?.loss ?? null),
    )
  // An SFT run: the one-late mask (the evaluation bug) next to MiniMind's SFT loss, generation off.
  const series = run.sft
    ? [
        bar(
          text.sftCharts.shiftedMask,
          'keepLastMisaligned',
          rows.map((r) => r.sft?.shiftedMaskLoss ?? null),
        ),
        bar(
          text.sftCharts.loss,
          'sft',
          rows.map((r) => r.sft?.loss ?? null),
        ),
        bar(
          text.sftCharts.autoregressive,
          'sftAutoregressive',
          rows.map((r) => r.sftAutoregressive?.loss ?? null),
        ),
      ]
    : [measureBar('keepLastMisaligned'), measureBar('teacherForcing'), measureBar('autoregressive')]
  const hidden = run.sft ? text.sftCharts.autoregressive : text.measure.autoregressive
  const base = frame(theme, {
    title: text.about(text.perSample.title, run.scope),
    subtitle: run.sft ? text.sftCharts.perSampleSubtitle : text.perSample.subtitle(run.L, run.P),
    zoom: large,
  })
  return {
    ...base,
    legend: { ...(base.legend as object), selected: { [hidden]: false } },
    tooltip: { ...(base.tooltip as object), trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: {
      type: 'category',
      data: rows.map((r) => String(r.index)),
      ...axis(theme, text.axis.sample, { nameGap: xNameGap(theme) }),
    },
    yAxis: { type: 'value', ...axis(theme, text.axis.loss, { nameGap: yNameGap(theme) }) },
    series,
  } as EChartsOption
}

const sweepKey = (s: number) => String(s) as '-2' | '-1' | '0' | '1' | '2'

/**
 * The offset sweep: mean loss per shift (s = 0 correct, s = +1 the seed's bug). One run: its mean
 * (labelled) over thin per-sample lines. Several: each run's mean, in its checkpoint's colour.
 */
export function offsetSweepChart(runs: readonly ChartRun[], { theme, text }: ChartContext): EChartsOption {
  const one = runs.length === 1
  const first = runs[0]
  const rows = one && first ? scored(first.results).filter((r) => sampleSweep(r)) : []
  const shown = strideIndices(rows.length, MAX_SAMPLE_LINES).map((i) => rows[i]!)
  const subtitle =
    rows.length > shown.length ? text.sweep.thinned(shown.length, rows.length) : text.sweep.subtitle
  // On assistant targets s = +1 is no known bug (the one-late mask moves the mask, not the rows).
  const allSft = runs.length > 0 && runs.every((r) => r.sft)
  const marks = {
    silent: true,
    symbol: 'none',
    label: { color: theme.muted, fontSize: theme.font.axisLabel, formatter: '{b}' },
    lineStyle: { color: theme.axis, type: 'dashed' },
    data: [
      { name: text.sweep.correct, xAxis: 0 },
      ...(allSft ? [] : [{ name: text.sweep.seedBug, xAxis: 1 }]),
    ],
  }
  // All thin lines in one series, broken by nulls: one view to draw instead of hundreds.
  const thin = one
    ? [
        {
          name: text.sweep.samples,
          id: 'samples',
          type: 'line' as const,
          data: shown.flatMap((r) => [
            ...SWEEP_SHIFTS.map((shift) => [shift, sampleSweep(r)?.[sweepKey(shift)] ?? null]),
            [null, null],
          ]),
          connectNulls: false,
          color: seriesStyle('offsetSweep', null).color,
          lineStyle: { width: 1, opacity: 0.22 },
          symbol: 'none',
          silent: true,
          z: 1,
          tooltip: { show: false },
        },
      ]
    : []
  const meanName = (r: ChartRun) => (one ? text.sweep.mean : r.label)
  const means = runs.map((r, k) => {
    const style = seriesStyle('offsetSweep', one ? null : r.checkpoint)
    return {
      name: meanName(r),
      id: `mean:${k}`,
      type: 'line' as const,
      // The end labels lean inwards, clear of the axes' labels.
      data: sweepEntries(r.means.offsetSweep).map(([s, v]) => ({
        value: [s, v],
        ...(one && (s === SWEEP_SHIFTS[0] || s === SWEEP_SHIFTS.at(-1))
          ? { label: { align: s < 0 ? 'left' : 'right' } }
          : {}),
      })),
      color: style.color,
      symbol: style.symbol,
      lineStyle: { width: one ? 2.5 : 2, type: style.lineType },
      symbolSize: 7,
      z: 3,
      // Values are labelled on one run only; said explicitly, since the window merges a new option
      // into the series of the same id on screen (a label left on would stay on).
      label: one
        ? {
            show: true,
            position: 'top',
            fontSize: theme.font.axisLabel,
            color: theme.text,
            formatter: (p: { value: [number, number] }) => fmtLoss(p.value[1]),
          }
        : { show: false },
      ...(k === 0 ? { markLine: marks } : {}),
    }
  })
  const base = frame(theme, {
    title: one && first ? text.about(text.sweep.title, first.scope) : text.sweep.title,
    subtitle: allSft && rows.length <= shown.length ? text.sftCharts.sweepSubtitle : subtitle,
  })
  return {
    ...base,
    legend: {
      ...(base.legend as object),
      data: [...runs.map(meanName), ...(one ? [text.sweep.samples] : [])],
    },
    tooltip: { ...(base.tooltip as object), trigger: 'axis' },
    xAxis: {
      type: 'value',
      min: SWEEP_SHIFTS[0],
      max: SWEEP_SHIFTS[SWEEP_SHIFTS.length - 1],
      interval: 1,
      ...axis(theme, text.axis.shift, { nameGap: xNameGap(theme) }),
      axisLabel: {
        ...(axis(theme, '').axisLabel as object),
        formatter: (v: number) => fmtShift(v),
      },
    },
    yAxis: { type: 'value', scale: true, ...axis(theme, text.axis.loss, { nameGap: yNameGap(theme) }) },
    series: [...thin, ...means],
  } as EChartsOption
}

/** Loss per step of one run (its means, or one sample's own steps). */
export interface StepsRun {
  label: string
  scope: string
  checkpoint: number
  teacherForcing: readonly number[]
  autoregressive: readonly number[]
  divergenceStep: number | null
  /** Steps of an SFT run: its first replies' tokens (says so in the chart's subtitle). */
  sft?: boolean
}

/** A run's mean loss per step, as the steps chart takes it. */
export function stepsOf(run: ChartRun): StepsRun {
  return {
    label: run.label,
    scope: run.scope,
    checkpoint: run.checkpoint,
    teacherForcing: run.means.teacherForcingSteps ?? [],
    autoregressive: run.means.autoregressiveSteps ?? [],
    divergenceStep: run.divergenceStep,
    ...(run.sft ? { sft: true } : {}),
  }
}

/**
 * Teacher forcing vs autoregressive per step. One run: the two measures in their colours, the step
 * where they part marked. Several: each run in its checkpoint's colour, the measure by line style.
 */
export function stepsChart(
  runs: readonly StepsRun[],
  { theme, text }: ChartContext,
  words: { title: string; subtitle: string } = {
    title: text.steps.title,
    subtitle:
      runs.length > 0 && runs.every((r) => r.sft) ? text.sftCharts.stepsSubtitle : text.steps.subtitle,
  },
): EChartsOption {
  const one = runs.length === 1
  const n = Math.max(0, ...runs.flatMap((r) => [r.teacherForcing.length, r.autoregressive.length]))
  const series = runs.flatMap((r, k) =>
    (['teacherForcing', 'autoregressive'] as const).map((m) => {
      const style = seriesStyle(m, one ? null : r.checkpoint)
      const at = m === 'autoregressive' && k === 0 ? r.divergenceStep : null
      return {
        name: one ? text.measure[m] : `${r.label} · ${text.measure[m]}`,
        id: `${CURVE_ID}${k}:${m}`,
        type: 'line' as const,
        data: [...(m === 'teacherForcing' ? r.teacherForcing : r.autoregressive)],
        color: style.color,
        symbol: style.symbol,
        symbolSize: 4,
        lineStyle: { width: 2, type: style.lineType },
        // Always said (empty where the runs do not part): the window merges a new option into the
        // series of the same id on screen, so a mark left out would stay from the run shown before.
        markLine:
          at !== null
            ? {
                silent: true,
                symbol: 'none',
                lineStyle: { color: theme.muted, type: 'dashed' },
                // Along the line at its foot: never over the legend above the plot.
                label: {
                  formatter: text.steps.parts(at),
                  position: 'insideStartTop',
                  fontSize: theme.font.axisLabel,
                  color: theme.muted,
                },
                data: [{ xAxis: String(at) }],
              }
            : { data: [] },
      }
    }),
  )
  const first = runs[0]
  const base = frame(theme, {
    title: one && first ? text.about(words.title, first.scope) : words.title,
    subtitle: words.subtitle,
    zoom: zoomable(n),
  })
  return {
    ...base,
    tooltip: { ...(base.tooltip as object), trigger: 'axis' },
    xAxis: {
      type: 'category',
      data: Array.from({ length: n }, (_, i) => String(i + 1)),
      ...axis(theme, text.axis.step, { nameGap: xNameGap(theme) }),
    },
    yAxis: { type: 'value', ...axis(theme, text.axis.loss, { nameGap: yNameGap(theme) }) },
    series,
  } as EChartsOption
}

/** One sample's offset sweep as bars, s = 0 (correct) and s = +1 (the seed's bug) in their measures' colours. */
export function sampleSweepChart(result: SampleResult, { theme, text }: ChartContext): EChartsOption {
  const base = frame(theme, {
    title: text.sampleSweep.title,
    subtitle: text.sampleSweep.subtitle,
    legend: false,
  })
  const colorAt = (s: number) =>
    seriesStyle(s === 0 ? 'teacherForcing' : s === 1 ? 'keepLastMisaligned' : 'offsetSweep', null).color
  return {
    ...base,
    tooltip: { ...(base.tooltip as object), trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: {
      type: 'category',
      data: SWEEP_SHIFTS.map(fmtShift),
      ...axis(theme, text.axis.shift, { nameGap: xNameGap(theme) }),
    },
    yAxis: { type: 'value', ...axis(theme, text.axis.loss, { nameGap: yNameGap(theme) }) },
    series: [
      {
        name: text.measure.offsetSweep,
        type: 'bar',
        barWidth: '55%',
        data: SWEEP_SHIFTS.map((s) => ({
          value: result.offsetSweep?.[sweepKey(s)] ?? null,
          itemStyle: { color: colorAt(s) },
        })),
      },
    ],
  } as EChartsOption
}

/** What the window and the report know of a run, made into a ChartRun the same way for both. */
export interface RunFacts {
  results: readonly SampleResult[]
  means: Means
  checkpointLabel: string
  datasetLabel: string
  /** The checkpoint's training step, when known. */
  step: number | null
  /** Position of the checkpoint in the experiment's checkpoint list. */
  checkpoint: number
  L: number | null
  P: number | null
  divergenceStep: number | null
  /** The trainer's max_seq_len (settings.maxSeqLen), when the run records it. */
  maxSeqLen?: number | null
  /** Name runs in legends with their dataset too (overlaid runs on different datasets). */
  withDataset?: boolean
  /**
   * The dataset format the run states (statedFormat): an SFT run's charts are drawn by it (isSftRunOf,
   * the diagnosis's rule), whatever measures its samples carry.
   */
  format?: RunFormat | null
}

/** The offset sweep a sample's charts draw: the continuation's, or an SFT sample's over its assistant targets. */
export function sampleSweep(r: SampleResult): SampleResult['offsetSweep'] {
  return r.offsetSweep ?? r.sft?.offsetSweep
}

/**
 * The first reply's teacher-forced losses of an SFT sample: its tokens come first among the counted
 * targets, and predictLength is that reply's length (what generation is compared with, step by step).
 */
export function sftFirstReply(r: SampleResult): number[] {
  return r.sft ? r.sft.tokenLosses.slice(0, r.predictLength) : []
}

/**
 * An SFT run's chart means under the charts' names: the sweep over assistant targets per shift (each
 * shift's mean over the samples that have it), the first reply's mean loss per token and generation's
 * per step (over the samples reaching that step).
 */
export function sftChartMeans(results: readonly SampleResult[], means: Means): Means {
  const rows = results.filter(isScored)
  const out: Means = { ...means }
  const sweeps = rows.flatMap((r) => (r.sft?.offsetSweep ? [r.sft.offsetSweep] : []))
  if (sweeps.length > 0) {
    const sweep: NonNullable<Means['offsetSweep']> = {}
    for (const s of SWEEP_SHIFTS) {
      const m = mean(sweeps.flatMap((w) => (w[sweepKey(s)] === undefined ? [] : [w[sweepKey(s)]!])))
      if (m !== null) sweep[sweepKey(s)] = m
    }
    out.offsetSweep = sweep
  }
  const tf = rows.filter((r) => r.sft).map(sftFirstReply)
  if (tf.length > 0) out.teacherForcingSteps = meanPerPosition(tf)
  const ar = rows.flatMap((r) => (r.sftAutoregressive ? [r.sftAutoregressive.stepLosses] : []))
  if (ar.length > 0) out.autoregressiveSteps = meanPerPosition(ar)
  return out
}

export function chartRun(f: RunFacts, text: ChartContext['text']): ChartRun {
  const sft = isSftRunOf(f.format ?? null, f.results)
  return {
    label: f.withDataset ? `${f.checkpointLabel} · ${f.datasetLabel}` : f.checkpointLabel,
    scope: text.scope(f.datasetLabel, f.checkpointLabel, f.step),
    checkpoint: f.checkpoint,
    results: f.results,
    means: sft ? sftChartMeans(f.results, f.means) : f.means,
    sft,
    L: f.L,
    P: f.P,
    divergenceStep: f.divergenceStep,
    maxSeqLen: f.maxSeqLen ?? null,
  }
}

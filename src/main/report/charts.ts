/**
 * The report's charts as SVG, rendered server-side by ECharts (no DOM): per-sample bars, offset sweep,
 * teacher forcing vs autoregressive per step, training curve with the evaluation line, checkpoint scatter.
 * Every chart is titled, has labelled axes with units and a legend, and uses the measure colours.
 */
import * as echarts from 'echarts'
import type { ReportChart } from '../../shared/ipc'
import type { Lang } from '../../shared/ipc'
import { sweepEntries } from '../../shared/diagnosis'
import { MEASURE_COLORS } from '../../shared/palette'
import type { ReportModel } from './analysis'
import type { ReportStrings } from './strings'

type Option = echarts.EChartsOption

const WIDTH = 860
const HEIGHT = 420
// No double quotes: ECharts writes the family into a double-quoted style attribute without escaping.
const FONT = "Helvetica, Arial, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif"
const round3 = (x: number): number => Math.round(x * 1000) / 1000

/** Renders one option to an SVG string; always disposes the chart (a live one keeps Node from exiting). */
export function renderSvg(option: Option, width = WIDTH, height = HEIGHT): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height })
  try {
    chart.setOption({
      animation: false,
      backgroundColor: '#ffffff',
      textStyle: { fontFamily: FONT, fontSize: 13, color: '#24292f' },
      ...option,
    })
    return chart.renderToSVGString()
  } finally {
    chart.dispose()
  }
}

function frame(title: string, subtitle?: string): Option {
  return {
    title: {
      text: title,
      subtext: subtitle,
      left: 16,
      top: 10,
      textStyle: { fontSize: 16, fontWeight: 'bold', fontFamily: FONT },
      subtextStyle: { fontSize: 12, color: '#57606a', fontFamily: FONT },
    },
    legend: { top: subtitle ? 58 : 40, left: 16, textStyle: { fontSize: 13, fontFamily: FONT } },
    grid: { left: 78, right: 32, top: subtitle ? 100 : 84, bottom: 62 },
  }
}

function axis(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    nameLocation: 'middle',
    nameGap: 40,
    nameTextStyle: { fontSize: 13, fontFamily: FONT },
    axisLabel: { fontSize: 12, fontFamily: FONT },
    ...extra,
  }
}

/** Every chart the model has data for, with file names suffixed by language (both reports share charts/). */
export function buildCharts(
  m: ReportModel,
  t: ReportStrings,
  lang: Lang,
): Record<ChartName, ReportChart | null> {
  const make = (name: ChartName, title: string, option: Option | null): ReportChart | null =>
    option ? { file: `charts/${name}.${lang}.svg`, title, svg: renderSvg(option) } : null
  const c = t.charts
  return {
    'per-sample': make('per-sample', c.perSample.title(m.primary.checkpoint.label), perSample(m, t)),
    'offset-sweep': make('offset-sweep', c.sweep.title(m.primary.checkpoint.label), offsetSweep(m, t)),
    'tf-vs-ar': make('tf-vs-ar', c.mode.title(m.primary.checkpoint.label), modeSteps(m, t)),
    'training-curve': make('training-curve', c.training.title, trainingCurve(m, t)),
    'checkpoint-scatter': make('checkpoint-scatter', scatterTitle(m, t), checkpointScatter(m, t)),
  }
}

export type ChartName = 'per-sample' | 'offset-sweep' | 'tf-vs-ar' | 'training-curve' | 'checkpoint-scatter'

function perSample(m: ReportModel, t: ReportStrings): Option | null {
  const c = t.charts.perSample
  const rows = m.rows.filter((r) => r.misaligned !== null || r.correct !== null)
  if (rows.length === 0) return null
  const series: Option['series'] = []
  if (rows.some((r) => r.misaligned !== null)) {
    series.push({
      name: c.misaligned,
      type: 'bar',
      itemStyle: { color: MEASURE_COLORS.keepLastMisaligned },
      data: rows.map((r) => (r.misaligned === null ? null : round3(r.misaligned))),
    })
  }
  series.push({
    name: c.correct,
    type: 'bar',
    itemStyle: { color: MEASURE_COLORS.teacherForcing },
    data: rows.map((r) => (r.correct === null ? null : round3(r.correct))),
  })
  return {
    ...frame(
      c.title(m.primary.checkpoint.label),
      c.subtitle(m.primary.dataset.label, m.primary.L, m.primary.P),
    ),
    xAxis: axis(c.x, { type: 'category', data: rows.map((r) => String(r.sample)), nameGap: 30 }),
    yAxis: axis(t.charts.lossAxis, { type: 'value', nameGap: 50 }),
    series,
  }
}

function offsetSweep(m: ReportModel, t: ReportStrings): Option | null {
  const c = t.charts.sweep
  const sweep = sweepEntries(m.primary.means.offsetSweep)
  if (sweep.length === 0) return null
  return {
    ...frame(c.title(m.primary.checkpoint.label), c.subtitle),
    xAxis: axis(c.x, {
      type: 'category',
      data: sweep.map(([s]) => (s > 0 ? `+${s}` : String(s))),
      nameGap: 30,
    }),
    yAxis: axis(t.charts.lossAxis, { type: 'value', nameGap: 50 }),
    series: [
      {
        name: c.series,
        type: 'line',
        symbolSize: 9,
        itemStyle: { color: MEASURE_COLORS.offsetSweep },
        lineStyle: { color: MEASURE_COLORS.offsetSweep, width: 2 },
        label: {
          show: true,
          position: 'top',
          fontSize: 12,
          formatter: (p: { value: unknown }) => Number(p.value).toFixed(3),
        },
        data: sweep.map(([, v]) => round3(v)),
      },
    ],
  }
}

function modeSteps(m: ReportModel, t: ReportStrings): Option | null {
  const c = t.charts.mode
  const tf = m.primary.means.teacherForcingSteps ?? []
  const ar = m.primary.means.autoregressiveSteps ?? []
  if (ar.length === 0 || tf.length === 0) return null
  const steps = Math.max(tf.length, ar.length)
  const at = m.diagnosis.mode.divergenceStep
  return {
    ...frame(c.title(m.primary.checkpoint.label), c.subtitle(m.primary.dataset.label)),
    xAxis: axis(c.x, {
      type: 'category',
      data: Array.from({ length: steps }, (_, i) => String(i + 1)),
      nameGap: 30,
    }),
    yAxis: axis(t.charts.lossAxis, { type: 'value', nameGap: 50 }),
    series: [
      {
        name: c.tf,
        type: 'line',
        symbolSize: 5,
        itemStyle: { color: MEASURE_COLORS.teacherForcing },
        lineStyle: { color: MEASURE_COLORS.teacherForcing, width: 2 },
        data: tf.map(round3),
      },
      {
        name: c.ar,
        type: 'line',
        symbolSize: 5,
        itemStyle: { color: MEASURE_COLORS.autoregressive },
        lineStyle: { color: MEASURE_COLORS.autoregressive, width: 2 },
        data: ar.map(round3),
        ...(at !== null
          ? {
              markLine: {
                symbol: 'none',
                lineStyle: { color: '#57606a', type: 'dashed' },
                label: { formatter: c.parts(at), fontSize: 12 },
                data: [{ xAxis: String(at) }],
              },
            }
          : {}),
      },
    ],
  }
}

function trainingCurve(m: ReportModel, t: ReportStrings): Option | null {
  const c = t.charts.training
  const points = m.input.trainLog?.points ?? []
  if (points.length < 2) return null
  const first = points[0]!.step
  const last = points[points.length - 1]!.step
  const evalRun = m.diagnosis.trainingDataset
    ? m.views.find(
        (v) =>
          v.checkpoint.id === m.primary.checkpoint.id && v.dataset.id === m.diagnosis.trainingDataset!.id,
      )
    : m.primary
  const level = (name: string, value: number | undefined, color: string, dashed: boolean): object[] =>
    value === undefined
      ? []
      : [
          {
            name,
            type: 'line',
            symbol: 'none',
            lineStyle: { color, width: 2, type: dashed ? 'dashed' : 'solid' },
            itemStyle: { color },
            data: [
              [first, round3(value)],
              [last, round3(value)],
            ],
          },
        ]
  return {
    ...frame(c.title, c.subtitle(Math.min(m.input.trainLog?.tail ?? 0, points.length))),
    xAxis: axis(c.x, { type: 'value', min: first, max: last, nameGap: 30 }),
    yAxis: axis(t.charts.lossAxis, { type: 'value', nameGap: 50 }),
    series: [
      {
        name: c.train,
        type: 'line',
        symbol: 'none',
        sampling: 'lttb',
        lineStyle: { color: MEASURE_COLORS.trainingLoss, width: 1.5 },
        itemStyle: { color: MEASURE_COLORS.trainingLoss },
        data: points.map((p) => [p.step, round3(p.loss)]),
      },
      ...level(
        c.tf(evalRun?.dataset.label ?? ''),
        evalRun?.means.teacherForcing,
        MEASURE_COLORS.teacherForcing,
        false,
      ),
      ...level(c.misaligned, evalRun?.means.keepLastMisaligned, MEASURE_COLORS.keepLastMisaligned, true),
    ] as Option['series'],
  }
}

function scatterTitle(m: ReportModel, t: ReportStrings): string {
  const pair = scatterPair(m)
  return pair ? t.charts.scatter.title(pair[0].base.checkpoint.label, pair[0].other.checkpoint.label) : ''
}

/** The pairs the scatter shows: the first checkpoint against the primary one, on every dataset. */
function scatterPair(m: ReportModel): ReportModel['comparisons'] | null {
  const pairs = m.comparisons.filter(
    (p) => p.other.checkpoint.id === m.primary.checkpoint.id && p.deltas.length > 0,
  )
  return pairs.length > 0 ? pairs : null
}

function checkpointScatter(m: ReportModel, t: ReportStrings): Option | null {
  const c = t.charts.scatter
  const pairs = scatterPair(m)
  if (!pairs) return null
  const all = pairs.flatMap((p) => p.deltas.flatMap((d) => [d.base, d.other]))
  const lo = Math.floor(Math.min(...all))
  const hi = Math.ceil(Math.max(...all))
  const symbols = ['circle', 'triangle', 'diamond', 'rect', 'pin', 'arrow']
  const base = pairs[0]!.base.checkpoint.label
  const other = pairs[0]!.other.checkpoint.label
  return {
    ...frame(c.title(base, other), c.subtitle),
    xAxis: axis(c.x(base), { type: 'value', min: lo, max: hi, nameGap: 30 }),
    yAxis: axis(c.y(other), { type: 'value', min: lo, max: hi, nameGap: 50 }),
    series: [
      ...pairs.map((p, i) => ({
        name: c.series(p.dataset.label),
        type: 'scatter' as const,
        symbol: symbols[i % symbols.length],
        symbolSize: 9,
        itemStyle: { color: MEASURE_COLORS.teacherForcing, opacity: 0.8 },
        data: p.deltas.map((d) => [round3(d.base), round3(d.other)]),
      })),
      {
        name: c.identity,
        type: 'line' as const,
        symbol: 'none',
        lineStyle: { color: '#8c959f', type: 'dashed' as const, width: 1.5 },
        itemStyle: { color: '#8c959f' },
        data: [
          [lo, lo],
          [hi, hi],
        ],
      },
    ],
  }
}

/**
 * The report's charts as SVG, rendered server-side by ECharts (no DOM): per dataset the per-sample
 * losses, the offset sweep, teacher forcing vs autoregressive per step and the loss per checkpoint by
 * step; and the training curve with each evaluation at its checkpoint's step. Every chart is titled,
 * has labelled axes with units and a legend, and uses the measure colours. Files go under
 * `<report>.charts/`, so two reports in one folder never overwrite each other's charts.
 */
import * as echarts from 'echarts'
import { sweepEntries } from '../../shared/diagnosis'
import type { Lang, ReportChart } from '../../shared/ipc'
import { MEASURE_COLORS } from '../../shared/palette'
import { chartKey, runTitle, type ReportContext } from './render-context'
import type { DatasetView, ReportModel, RunView } from './report-model'
import type { ReportStrings } from './strings'
import { verdictText } from '../../shared/diagnosis'

type Option = echarts.EChartsOption
type Series = Record<string, unknown>

const WIDTH = 860
const HEIGHT = 420
// No double quotes: ECharts writes the family into a double-quoted style attribute without escaping.
const FONT = "Helvetica, Arial, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif"
const round3 = (x: number): number => Math.round(x * 1000) / 1000
/** Marker shapes that tell datasets apart where every point is the same measure. */
const SYMBOLS = ['circle', 'triangle', 'diamond', 'rect', 'pin', 'arrow'] as const
/** Up to this many samples the per-sample chart draws bars; beyond, lines. */
const MAX_BARS = 60

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

function frame(title: string, subtitle: string | undefined, legend: string[]): Option {
  return {
    title: {
      text: title,
      subtext: subtitle,
      left: 16,
      top: 10,
      textStyle: { fontSize: 16, fontWeight: 'bold', fontFamily: FONT },
      subtextStyle: { fontSize: 12, color: '#57606a', fontFamily: FONT },
    },
    legend: {
      data: legend,
      top: subtitle ? 58 : 40,
      left: 16,
      textStyle: { fontSize: 13, fontFamily: FONT },
    },
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

/** A vertical bar from mean − 2 s.e. to mean + 2 s.e. at x, as its own silent series. */
function errorBar(x: number | string, mean: number, stderr: number | null, color: string): Series[] {
  if (stderr === null || !Number.isFinite(stderr) || stderr === 0) return []
  return [
    {
      type: 'line',
      silent: true,
      symbol: 'none',
      lineStyle: { color, width: 1.5 },
      itemStyle: { color },
      data: [
        [x, round3(mean - 2 * stderr)],
        [x, round3(mean + 2 * stderr)],
      ],
    },
  ]
}

/** A file name part from an id: letters, digits, dot, dash and underscore only. */
function slug(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]+/g, '-') || 'dataset'
}

/** Every chart the model has data for, by chartKey; files under `<fileBase>.charts/`. */
export function buildCharts(model: ReportModel, words: ReportStrings, lang: Lang): Map<string, ReportChart> {
  const ctx: ReportContext = { model, words, verdictWords: verdictText(lang), lang, charts: new Map() }
  const out = new Map<string, ReportChart>()
  const add = (
    kind: string,
    datasetId: string | undefined,
    made: { title: string; option: Option } | null,
  ): void => {
    if (!made) return
    const file = `${model.fileBase}.charts/${kind}${datasetId === undefined ? '' : `.${slug(datasetId)}`}.svg`
    out.set(chartKey(kind, datasetId), { file, title: made.title, svg: renderSvg(made.option) })
  }
  for (const d of model.datasets) {
    add('per-sample', d.dataset.id, perSample(ctx, d.headline))
    add('offset-sweep', d.dataset.id, offsetSweep(ctx, d.headline))
    add('tf-vs-ar', d.dataset.id, modeSteps(ctx, d.headline))
  }
  add('training-curve', undefined, trainingCurve(ctx))
  if (model.checkpoints.length > 1) {
    for (const d of model.datasets) add('trajectory', d.dataset.id, trajectory(ctx, d))
  }
  return out
}

function perSample(ctx: ReportContext, run: RunView): { title: string; option: Option } | null {
  const c = ctx.words.charts.perSample
  const rows = run.scored.filter((r) => r.teacherForcing || r.keepLastMisaligned)
  if (rows.length === 0) return null
  const bars = rows.length <= MAX_BARS
  const kind = bars
    ? { type: 'bar' }
    : { type: 'line', symbol: 'none', sampling: 'lttb', lineStyle: { width: 1 } }
  const series: Series[] = []
  if (rows.some((r) => r.keepLastMisaligned)) {
    series.push({
      name: c.misaligned,
      ...kind,
      itemStyle: { color: MEASURE_COLORS.keepLastMisaligned },
      ...(bars ? {} : { lineStyle: { width: 1, color: MEASURE_COLORS.keepLastMisaligned } }),
      data: rows.map((r) => (r.keepLastMisaligned ? round3(r.keepLastMisaligned.loss) : null)),
    })
  }
  series.push({
    name: c.correct,
    ...kind,
    itemStyle: { color: MEASURE_COLORS.teacherForcing },
    ...(bars ? {} : { lineStyle: { width: 1, color: MEASURE_COLORS.teacherForcing } }),
    data: rows.map((r) => (r.teacherForcing ? round3(r.teacherForcing.loss) : null)),
  })
  const title = c.title(runTitle(ctx, run))
  return {
    title,
    option: {
      ...frame(
        title,
        c.subtitle(run.L, run.P),
        series.map((s) => s.name as string),
      ),
      xAxis: axis(c.x, { type: 'category', data: rows.map((r) => String(r.index)), nameGap: 30 }),
      yAxis: axis(ctx.words.charts.lossAxis, { type: 'value', nameGap: 50 }),
      series: series as Option['series'],
    },
  }
}

function offsetSweep(ctx: ReportContext, run: RunView): { title: string; option: Option } | null {
  const c = ctx.words.charts.sweep
  const sweep = sweepEntries(run.means.offsetSweep)
  if (sweep.length === 0) return null
  const title = c.title(runTitle(ctx, run))
  return {
    title,
    option: {
      ...frame(title, c.subtitle, [c.series]),
      xAxis: axis(c.x, {
        type: 'category',
        data: sweep.map(([s]) => (s > 0 ? `+${s}` : String(s))),
        nameGap: 30,
      }),
      yAxis: axis(ctx.words.charts.lossAxis, { type: 'value', nameGap: 50 }),
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
    },
  }
}

function modeSteps(ctx: ReportContext, run: RunView): { title: string; option: Option } | null {
  const c = ctx.words.charts.mode
  const tf = run.means.teacherForcingSteps ?? []
  const ar = run.means.autoregressiveSteps ?? []
  if (ar.length === 0 || tf.length === 0) return null
  const steps = Math.max(tf.length, ar.length)
  const at = run.verdicts.mode.divergenceStep
  const title = c.title(runTitle(ctx, run))
  return {
    title,
    option: {
      ...frame(title, c.subtitle, [c.tf, c.ar]),
      xAxis: axis(c.x, {
        type: 'category',
        data: Array.from({ length: steps }, (_, i) => String(i + 1)),
        nameGap: 30,
      }),
      yAxis: axis(ctx.words.charts.lossAxis, { type: 'value', nameGap: 50 }),
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
    },
  }
}

/** The logged training loss as a grey line (behind whatever is drawn over it). */
function trainSeries(model: ReportModel, name: string): Series[] {
  const points = model.input.trainLog?.points ?? []
  if (points.length < 2) return []
  return [
    {
      name,
      type: 'line',
      symbol: 'none',
      sampling: 'lttb',
      z: 1,
      lineStyle: { color: MEASURE_COLORS.trainingLoss, width: 1.2, opacity: 0.7 },
      itemStyle: { color: MEASURE_COLORS.trainingLoss },
      data: points.map((p) => [p.step, round3(p.loss)]),
    },
  ]
}

/** The training curve with each run's teacher forcing at its checkpoint's step (runs without a step left out). */
function trainingCurve(ctx: ReportContext): { title: string; option: Option } | null {
  const { model, words } = ctx
  const c = words.charts.training
  const train = trainSeries(model, c.train)
  if (train.length === 0) return null
  const series: Series[] = [...train]
  const legend = [c.train]
  // Every point is teacher forcing (its colour); datasets differ by symbol.
  const color = MEASURE_COLORS.teacherForcing
  model.datasets.forEach((d, i) => {
    const symbol = SYMBOLS[i % SYMBOLS.length]!
    const points = d.runs.filter((r) => r.step !== null && r.means.teacherForcing !== undefined)
    if (points.length === 0) return
    const name = c.tf(d.dataset.label)
    legend.push(name)
    series.push({
      name,
      type: 'scatter',
      symbol,
      symbolSize: 10,
      z: 3,
      itemStyle: { color },
      data: points.map((r) => [r.step, round3(r.means.teacherForcing!)]),
    })
    for (const r of points) {
      const te = r.verdicts.trainEval[0]
      series.push(
        ...errorBar(r.step!, r.means.teacherForcing!, te?.subset === 'all' ? te.evalStderr : null, color),
      )
    }
  })
  return {
    title: c.title,
    option: {
      ...frame(c.title, c.subtitle, legend),
      xAxis: axis(c.x, { type: 'value', nameGap: 30, scale: true }),
      yAxis: axis(words.charts.lossAxis, { type: 'value', nameGap: 50 }),
      series: series as Option['series'],
    },
  }
}

const TRAJECTORY_COLORS: Record<'teacherForcing' | 'keepLastMisaligned' | 'autoregressive', string> = {
  teacherForcing: MEASURE_COLORS.teacherForcing,
  keepLastMisaligned: MEASURE_COLORS.keepLastMisaligned,
  autoregressive: MEASURE_COLORS.autoregressive,
}

/** Loss per checkpoint on one dataset: by step over the training curve, or in the experiment's order. */
function trajectory(ctx: ReportContext, d: DatasetView): { title: string; option: Option } | null {
  const { model, words } = ctx
  const c = words.charts.trajectory
  const t = d.trajectory
  if (!t || t.points.length < 2) return null
  const bySteps = t.points.every((p) => p.step !== null)
  const x = (i: number): number | string =>
    bySteps ? t.points[i]!.step! : model.names.checkpoint(t.points[i]!.checkpointId)
  const series: Series[] = bySteps ? trainSeries(model, c.train) : []
  const legend = series.length > 0 ? [c.train] : []
  for (const m of ['teacherForcing', 'keepLastMisaligned', 'autoregressive'] as const) {
    if (!t.points.some((p) => p.values[m])) continue
    const name = words.measures.short[m]
    legend.push(name)
    const color = TRAJECTORY_COLORS[m]
    series.push({
      name,
      type: 'line',
      symbolSize: 9,
      z: 3,
      itemStyle: { color },
      lineStyle: { color, width: 2 },
      data: t.points.map((p, i) => (p.values[m] ? [x(i), round3(p.values[m]!.mean)] : [x(i), null])),
    })
    t.points.forEach((p, i) => {
      const e = p.values[m]
      if (e) series.push(...errorBar(x(i), e.mean, e.stderr, color))
    })
  }
  const title = c.title(d.dataset.label)
  return {
    title,
    option: {
      ...frame(title, bySteps ? c.subtitle : c.subtitleNoStep, legend),
      xAxis: bySteps
        ? axis(c.x, { type: 'value', nameGap: 30, scale: true })
        : axis(c.xNoStep, { type: 'category', data: t.points.map((_, i) => x(i)), nameGap: 30 }),
      yAxis: axis(words.charts.lossAxis, { type: 'value', nameGap: 50 }),
      series: series as Option['series'],
    },
  }
}

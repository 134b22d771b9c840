/**
 * The training-loss curve from the log, with each evaluation drawn where it belongs: a point with its
 * ± standard-error bar at its checkpoint's step (never a flat line across the run, which would compare
 * an early checkpoint with the end of training). The y-axis covers the curve and every point with its
 * bar, so teacher forcing is never clipped away whatever the curve's range.
 */
import type { EChartsOption } from 'echarts'
import type { TrainLog } from '../evidence'
import { fmtLoss, fmtPm } from '../diagnosis/format'
import { axis, errorBars, extent, frame, niceBounds, xNameGap, yNameGap } from './frame'
import { evalGroups, evalValues, type EvalPoint } from './eval-points'
import { CURVE_ID, zoomable } from './interaction'
import { datasetStyle } from './style'
import type { ChartContext, ChartText } from './text'

/** Raw points thinner than this many are drawn as they are; more use LTTB sampling. */
const SAMPLE_ABOVE = 2000

/** The id of the logged training-loss curve (the smoothing control applies to it). */
export const TRAINING_CURVE_ID = `${CURVE_ID}training`

export function trainCurveChart(
  log: TrainLog,
  evals: readonly EvalPoint[],
  { theme, text }: ChartContext,
): EChartsOption {
  const pts = log.points
  const steps = pts.map((p, i) => (Number.isFinite(p.step) ? p.step : i))
  const placed = evals.filter((e) => e.step !== null)
  const unplaced = [...new Set(evals.filter((e) => e.step === null).map((e) => e.checkpointLabel))]
  const first = Math.min(steps[0] ?? 0, ...placed.map((e) => e.step!))
  const last = Math.max(steps[steps.length - 1] ?? 1, ...placed.map((e) => e.step!))
  const datasets = [...new Set(placed.map((e) => e.datasetId))]
  const nameOf = (e: EvalPoint): string =>
    datasets.length > 1 ? `${text.measure[e.measure]} · ${e.datasetLabel}` : text.measure[e.measure]
  const groups = evalGroups(placed)
  const evalSeries = groups.flatMap((list) => {
    const e0 = list[0]!
    const style = datasetStyle(e0.measure, datasets.indexOf(e0.datasetId), theme)
    const name = nameOf(e0)
    return [
      errorBars(
        name,
        list.filter((e) => e.stderr !== null).map((e) => [e.step!, e.mean - e.stderr!, e.mean + e.stderr!]),
        style.color,
      ),
      {
        name,
        type: 'scatter' as const,
        color: style.color,
        symbol: style.symbol,
        symbolSize: 8,
        z: 6,
        data: list.map((e) => ({
          value: [e.step!, e.mean],
          label: `${e.checkpointLabel} · ${e.datasetLabel}`,
          stderr: e.stderr,
          n: e.n,
        })),
      },
    ]
  })
  const subtitle =
    text.train.subtitle(log.format, log.steps) +
    (unplaced.length ? ` · ${text.train.noStep(unplaced.join(', '))}` : '')
  const base = frame(theme, { title: text.train.title, subtitle, zoom: zoomable(pts.length) })
  // Every evaluation with its bar is inside the y range, so none hides under the x axis.
  const range = extent([...pts.map((p) => p.loss), ...evalValues(placed)])
  return {
    ...base,
    legend: {
      ...(base.legend as object),
      data: [
        { name: text.train.raw, icon: 'roundRect' },
        ...groups.map((list) => ({
          name: nameOf(list[0]!),
          icon: datasetStyle(list[0]!.measure, datasets.indexOf(list[0]!.datasetId)).symbol,
        })),
      ],
    },
    tooltip: {
      ...(base.tooltip as object),
      trigger: 'axis',
      formatter: (params: unknown) => axisTooltip(params as TooltipParam[], text),
    },
    xAxis: {
      type: 'value',
      min: first,
      max: last,
      ...axis(theme, text.axis.trainStep, { nameGap: xNameGap(theme) }),
    },
    yAxis: {
      type: 'value',
      ...(range ? niceBounds(range) : { scale: true }),
      ...axis(theme, text.axis.loss, { nameGap: yNameGap(theme) }),
    },
    series: [
      {
        name: text.train.raw,
        id: TRAINING_CURVE_ID,
        type: 'line',
        data: pts.map((p, i) => [steps[i]!, p.loss]),
        color: theme.trainingLoss,
        lineStyle: { width: 1.25 },
        symbol: 'none',
        sampling: pts.length > SAMPLE_ABOVE ? 'lttb' : undefined,
        z: 2,
      },
      ...evalSeries,
    ],
  } as EChartsOption
}

interface TooltipParam {
  seriesType: string
  seriesName: string
  seriesId?: string
  marker: string
  value: [number, number]
  data: { value: [number, number]; label: string; stderr: number | null; n: number } | [number, number]
}

/** The training loss at the pointer, and each evaluation point there with its ± and sample count. */
function axisTooltip(params: readonly TooltipParam[], text: ChartText): string {
  const lines: string[] = []
  const step = params[0]?.value?.[0]
  if (step !== undefined) lines.push(`${text.axis.trainStep} ${step}`)
  for (const p of params) {
    if (p.seriesType === 'custom') continue
    if (p.seriesType === 'scatter' && !Array.isArray(p.data)) {
      const d = p.data
      lines.push(
        `${p.marker}${d.label} · ${p.seriesName}: ${fmtLoss(d.value[1])}${fmtPm(d.stderr)} (${text.train.samples(d.n)})`,
      )
    } else {
      const smoothed = p.seriesId?.endsWith(':smoothed') ? ` (${text.smoothed})` : ''
      lines.push(`${p.marker}${p.seriesName}${smoothed}: ${fmtLoss(p.value[1])}`)
    }
  }
  return lines.join('<br/>')
}

/**
 * The training-loss curve from the log, with each evaluation drawn where it belongs: a point with its
 * ± standard-error bar at its checkpoint's step (never a flat line across the run, which would compare
 * an early checkpoint with the end of training). The y-axis covers the curve and every point with its
 * bar, so teacher forcing is never clipped away.
 */
import type { EChartsOption } from 'echarts'
import type { TrainLog } from '../../../shared/evidence'
import { fmtLoss, fmtPm } from '../../../shared/diagnosis'
import { ema } from './stats'
import { errorBars, extent, MEASURE_SYMBOLS, niceBounds, seriesColor, type EvalPoint } from './eval-points'
import { axis, frame, plotTop, type ChartTheme, type Translate } from './theme'

export type { EvalPoint } from './eval-points'

/** Raw points thinner than this many are drawn with symbols; more use LTTB sampling. */
const SAMPLE_ABOVE = 2000

export function trainCurve(
  log: TrainLog,
  smoothing: number,
  evals: readonly EvalPoint[],
  theme: ChartTheme,
  t: Translate,
): EChartsOption {
  const pts = log.points
  const steps = pts.map((p, i) => (Number.isFinite(p.step) ? p.step : i))
  const raw = pts.map((p, i) => [steps[i]!, p.loss])
  const smooth = ema(
    pts.map((p) => p.loss),
    smoothing,
  ).map((v, i) => [steps[i]!, v])
  const placed = evals.filter((e) => e.step !== null)
  const unplaced = [...new Set(evals.filter((e) => e.step === null).map((e) => e.checkpointLabel))]
  const first = Math.min(steps[0] ?? 0, ...placed.map((e) => e.step!))
  const last = Math.max(steps[steps.length - 1] ?? 1, ...placed.map((e) => e.step!))
  const datasets = [...new Set(placed.map((e) => e.datasetId))]
  const nameOf = (e: EvalPoint): string =>
    datasets.length > 1 ? `${t(`measure.${e.measure}`)} · ${e.datasetLabel}` : t(`measure.${e.measure}`)
  // One series per dataset × measure: its points at their steps, and their error bars.
  const groups = new Map<string, EvalPoint[]>()
  for (const e of placed) {
    const key = `${e.datasetId}\u0000${e.measure}`
    groups.set(key, [...(groups.get(key) ?? []), e])
  }
  const evalSeries = [...groups.values()].flatMap((list) => {
    const e0 = list[0]!
    const color = seriesColor(e0.measure, datasets.indexOf(e0.datasetId), datasets.length)
    const name = nameOf(e0)
    return [
      errorBars(
        name,
        list.filter((e) => e.stderr !== null).map((e) => [e.step!, e.mean - e.stderr!, e.mean + e.stderr!]),
        color,
      ),
      {
        name,
        type: 'scatter' as const,
        color,
        symbol: MEASURE_SYMBOLS[e0.measure],
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
    t('chart.train.subtitle', { format: log.format, steps: log.steps }) +
    (unplaced.length ? ` · ${t('chart.train.noStep', { labels: unplaced.join(', ') })}` : '')
  const base = frame(theme, t('chart.train.title'), subtitle)
  const range = extent(
    placed,
    pts.map((p) => p.loss),
  )
  return {
    ...base,
    legend: {
      ...(base.legend as object),
      data: [
        { name: t('chart.train.raw'), icon: 'roundRect' },
        ...[...groups.values()].map((list) => ({
          name: nameOf(list[0]!),
          icon: MEASURE_SYMBOLS[list[0]!.measure],
        })),
      ],
    },
    grid: { left: 56, right: 20, top: plotTop(subtitle) + (groups.size >= 3 ? 20 : 0), bottom: 40 },
    tooltip: {
      ...(base.tooltip as object),
      trigger: 'axis',
      formatter: (params: unknown) => axisTooltip(params as TooltipParam[], t),
    },
    xAxis: { type: 'value', min: first, max: last, ...axis(theme, t('axis.trainStep')) },
    yAxis: {
      type: 'value',
      ...(range ? niceBounds(range) : { scale: true }),
      ...axis(theme, t('axis.lossNats'), { nameGap: 36 }),
    },
    series: [
      {
        name: t('chart.train.raw'),
        type: 'line',
        data: raw,
        color: theme.trainingLoss,
        lineStyle: { width: 1, opacity: smoothing > 0 ? 0.25 : 1 },
        symbol: 'none',
        sampling: pts.length > SAMPLE_ABOVE ? 'lttb' : undefined,
        z: 2,
      },
      ...(smoothing > 0
        ? [
            {
              // Same name as the raw series: one legend entry shows or hides both.
              name: t('chart.train.raw'),
              id: 'smoothed',
              type: 'line' as const,
              data: smooth,
              color: theme.trainingLoss,
              lineStyle: { width: 2 },
              symbol: 'none',
              sampling: pts.length > SAMPLE_ABOVE ? ('lttb' as const) : undefined,
              z: 3,
            },
          ]
        : []),
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
function axisTooltip(params: readonly TooltipParam[], t: Translate): string {
  const lines: string[] = []
  const step = params[0]?.value?.[0]
  if (step !== undefined) lines.push(`${t('axis.trainStep')} ${step}`)
  for (const p of params) {
    if (p.seriesType === 'custom') continue
    if (p.seriesType === 'scatter' && !Array.isArray(p.data)) {
      const d = p.data
      lines.push(
        `${p.marker}${d.label} · ${p.seriesName}: ${fmtLoss(d.value[1])}${fmtPm(d.stderr)} (${t('chart.train.samples', { n: d.n })})`,
      )
    } else {
      lines.push(`${p.marker}${p.seriesName}${p.seriesId === 'smoothed' ? ' ~' : ''}: ${fmtLoss(p.value[1])}`)
    }
  }
  return lines.join('<br/>')
}

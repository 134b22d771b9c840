/**
 * Loss per checkpoint, in training order, per dataset and measure (teacher forcing, the misaligned
 * slice, autoregressive), each point with its ± standard-error bar. x is the training step when every
 * checkpoint has one (the training curve is then drawn behind), else the checkpoints in order.
 * Colour: the measure's with one dataset, the dataset's with several (marker and line style: measure).
 */
import type { EChartsOption } from 'echarts'
import type { TrainLog } from '../../../shared/evidence'
import { fmtLoss, fmtPm, type Trajectory, type TrajectoryMeasure } from '../../../shared/diagnosis'
import { TRAJECTORY_MEASURES, TRAJECTORY_UNIT, type TrajectoryUnit } from '../../../shared/diagnosis'
import { measureLabelKey } from '../lib/sample-columns'
import { ema } from './stats'
import {
  errorBars,
  extent,
  MEASURE_DASH,
  MEASURE_SYMBOLS,
  niceBounds,
  seriesColor,
  type EvalPoint,
} from './eval-points'
import { axis, frame, plotTop, type ChartTheme, type Translate } from './theme'

export interface TrajectoryInput {
  trajectories: readonly Trajectory[]
  /** Checkpoints in training order (as the diagnosis orders them). */
  checkpoints: readonly { id: string; label: string; step: number | null }[]
  datasetLabel: (id: string) => string
  log?: TrainLog | null
  measures?: readonly TrajectoryMeasure[]
  /** The unit drawn (one axis, one unit): by default nats. */
  unit?: TrajectoryUnit
}

/** The trajectories as points (one per dataset × checkpoint × measure). */
export function trajectoryPoints(input: TrajectoryInput): EvalPoint[] {
  const measures =
    input.measures ?? TRAJECTORY_MEASURES.filter((m) => TRAJECTORY_UNIT[m] === (input.unit ?? 'nats'))
  return input.trajectories.flatMap((tr) =>
    tr.points.flatMap((p) =>
      measures.flatMap((m) => {
        const e = p.values[m]
        if (!e) return []
        const c = input.checkpoints.find((x) => x.id === p.checkpointId)
        return [
          {
            datasetId: tr.datasetId,
            datasetLabel: input.datasetLabel(tr.datasetId),
            checkpointId: p.checkpointId,
            checkpointLabel: c?.label ?? p.checkpointId,
            step: p.step,
            measure: m,
            mean: e.mean,
            stderr: e.stderr,
            n: e.n,
          },
        ]
      }),
    ),
  )
}

export function trajectoryChart(input: TrajectoryInput, theme: ChartTheme, t: Translate): EChartsOption {
  const points = trajectoryPoints(input)
  const order = input.checkpoints.filter((c) => points.some((p) => p.checkpointId === c.id))
  const byStep = order.length > 0 && order.every((c) => c.step !== null)
  const x = (p: EvalPoint): number | string =>
    byStep ? p.step! : (order.find((c) => c.id === p.checkpointId)?.label ?? p.checkpointId)
  const datasets = [...new Set(points.map((p) => p.datasetId))]
  const seriesName = (p: EvalPoint): string =>
    datasets.length > 1
      ? `${t(measureLabelKey(p.measure))} · ${p.datasetLabel}`
      : t(measureLabelKey(p.measure))
  const groups = new Map<string, EvalPoint[]>()
  for (const p of points) {
    const key = `${p.datasetId}\u0000${p.measure}`
    groups.set(key, [...(groups.get(key) ?? []), p])
  }
  const series = [...groups.values()].flatMap((list) => {
    const p0 = list[0]!
    const color = seriesColor(p0.measure, datasets.indexOf(p0.datasetId), datasets.length)
    const name = seriesName(p0)
    const sorted = [...list].sort(
      (a, b) =>
        order.findIndex((c) => c.id === a.checkpointId) - order.findIndex((c) => c.id === b.checkpointId),
    )
    return [
      errorBars(
        name,
        sorted.filter((p) => p.stderr !== null).map((p) => [x(p), p.mean - p.stderr!, p.mean + p.stderr!]),
        color,
      ),
      {
        name,
        type: 'line' as const,
        color,
        symbol: MEASURE_SYMBOLS[p0.measure],
        symbolSize: 8,
        lineStyle: { width: 1.75, type: MEASURE_DASH[p0.measure] },
        z: 6,
        data: sorted.map((p) => ({
          value: [x(p), p.mean],
          label: p.checkpointLabel,
          stderr: p.stderr,
          n: p.n,
        })),
      },
    ]
  })
  const log = byStep ? input.log : null
  const behind = log
    ? [
        {
          name: t('chart.train.raw'),
          id: 'training',
          type: 'line' as const,
          data: ema(
            log.points.map((p) => p.loss),
            0.6,
          ).map((v, i) => [log.points[i]!.step, v]),
          color: theme.trainingLoss,
          lineStyle: { width: 1.25, opacity: 0.5 },
          symbol: 'none',
          sampling: 'lttb' as const,
          z: 1,
          silent: true,
        },
      ]
    : []
  const subtitle = byStep ? t('chart.trajectory.byStep') : t('chart.trajectory.byOrder')
  const base = frame(theme, t('chart.trajectory.title'), subtitle)
  const range = extent(points)
  const legendRows = Math.ceil((groups.size + (log ? 1 : 0)) / 4)
  const lastStep = byStep ? Math.max(...order.map((c) => c.step!)) : 0
  // Legend entries with the measure's marker (a colour may stand for a dataset).
  const legendData = [
    ...(log ? [{ name: t('chart.train.raw'), icon: 'roundRect' }] : []),
    ...[...groups.values()].map((list) => ({
      name: seriesName(list[0]!),
      icon: MEASURE_SYMBOLS[list[0]!.measure],
    })),
  ]
  return {
    ...base,
    legend: { ...(base.legend as object), data: legendData },
    grid: { left: 56, right: 24, top: plotTop(subtitle) + 20 * Math.max(0, legendRows - 1), bottom: 40 },
    tooltip: {
      ...(base.tooltip as object),
      trigger: 'axis',
      formatter: (params: unknown) => tooltip(params as Param[], byStep, t),
    },
    xAxis: byStep
      ? {
          type: 'value',
          min: 0,
          max: Math.max(lastStep, log?.points.at(-1)?.step ?? 0),
          ...axis(theme, t('axis.trainStep')),
        }
      : {
          type: 'category',
          data: order.map((c) => c.label),
          ...axis(theme, t('axis.checkpoint')),
        },
    yAxis: {
      type: 'value',
      ...(range ? niceBounds(range) : { scale: true }),
      ...axis(theme, t(input.unit === 'bitsPerByte' ? 'gapui.axisBitsPerByte' : 'axis.lossNats'), {
        nameGap: 36,
      }),
    },
    series: [...behind, ...series],
  } as EChartsOption
}

interface Param {
  seriesType: string
  seriesName: string
  seriesId?: string
  marker: string
  axisValueLabel: string
  data: { value: [number | string, number]; label: string; stderr: number | null; n: number } | number[]
}

function tooltip(params: readonly Param[], byStep: boolean, t: Translate): string {
  const rows: string[] = []
  const head = params.find((p) => p.seriesType === 'line' && !Array.isArray(p.data))
  if (head && !Array.isArray(head.data)) {
    rows.push(byStep ? `${head.data.label} · ${t('axis.trainStep')} ${head.data.value[0]}` : head.data.label)
  }
  for (const p of params) {
    if (p.seriesType !== 'line' || Array.isArray(p.data)) continue
    const d = p.data
    rows.push(
      `${p.marker}${p.seriesName}: ${fmtLoss(d.value[1])}${fmtPm(d.stderr)} (${t('chart.train.samples', { n: d.n })})`,
    )
  }
  return rows.join('<br/>')
}

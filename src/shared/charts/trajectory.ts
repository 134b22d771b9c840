/**
 * Loss per checkpoint, in training order, per dataset and measure (teacher forcing, the misaligned
 * slice, autoregressive), each point with its ± standard-error bar. x is the training step when every
 * checkpoint has one (the training curve is then drawn behind), else the checkpoints in order.
 * Colour: the measure (the checkpoint is the x axis); datasets by marker and line style (style.ts).
 */
import type { EChartsOption } from 'echarts'
import { fmtLoss, fmtPm } from '../diagnosis/format'
import { ema } from './series-math'
import { axis, errorBars, extent, frame, niceBounds, xNameGap, yNameGap } from './frame'
import { evalGroups, evalValues, trajectoryPoints, type EvalPoint, type TrajectoryInput } from './eval-points'
import { datasetStyle } from './style'
import type { ChartContext, ChartText } from './text'

export function trajectoryChart(input: TrajectoryInput, { theme, text }: ChartContext): EChartsOption {
  const points = trajectoryPoints(input)
  const order = input.checkpoints.filter((c) => points.some((p) => p.checkpointId === c.id))
  const byStep = order.length > 0 && order.every((c) => c.step !== null)
  const x = (p: EvalPoint): number | string =>
    byStep ? p.step! : (order.find((c) => c.id === p.checkpointId)?.label ?? p.checkpointId)
  const datasets = [...new Set(points.map((p) => p.datasetId))]
  const seriesName = (p: EvalPoint): string =>
    datasets.length > 1 ? `${text.measure[p.measure]} · ${p.datasetLabel}` : text.measure[p.measure]
  const groups = evalGroups(points)
  const series = groups.flatMap((list) => {
    const p0 = list[0]!
    const style = datasetStyle(p0.measure, datasets.indexOf(p0.datasetId), theme)
    const name = seriesName(p0)
    const sorted = [...list].sort(
      (a, b) =>
        order.findIndex((c) => c.id === a.checkpointId) - order.findIndex((c) => c.id === b.checkpointId),
    )
    return [
      errorBars(
        name,
        sorted.filter((p) => p.stderr !== null).map((p) => [x(p), p.mean - p.stderr!, p.mean + p.stderr!]),
        style.color,
      ),
      {
        name,
        type: 'line' as const,
        color: style.color,
        symbol: style.symbol,
        symbolSize: 8,
        lineStyle: { width: 1.75, type: style.lineType },
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
          name: text.train.raw,
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
  const bpb = input.unit === 'bitsPerByte'
  const subtitle = !byStep
    ? text.trajectory.byOrder
    : bpb
      ? text.trajectory.byStepBitsPerByte
      : text.trajectory.byStep
  const title = bpb ? text.trajectory.titleBitsPerByte : text.trajectory.title
  const only = datasets.length === 1 ? points[0]?.datasetLabel : undefined
  const base = frame(theme, {
    title: only ? text.about(title, only) : title,
    subtitle,
  })
  const range = extent(evalValues(points))
  const lastStep = byStep ? Math.max(...order.map((c) => c.step!)) : 0
  // Legend entries with the dataset's marker (colour says the measure).
  const legendData = [
    ...(log ? [{ name: text.train.raw, icon: 'roundRect' }] : []),
    ...groups.map((list) => ({
      name: seriesName(list[0]!),
      icon: datasetStyle(list[0]!.measure, datasets.indexOf(list[0]!.datasetId)).symbol,
    })),
  ]
  return {
    ...base,
    legend: { ...(base.legend as object), data: legendData },
    tooltip: {
      ...(base.tooltip as object),
      trigger: 'axis',
      formatter: (params: unknown) => tooltip(params as Param[], byStep, text),
    },
    xAxis: byStep
      ? {
          type: 'value',
          min: 0,
          max: Math.max(lastStep, log?.points.at(-1)?.step ?? 0),
          ...axis(theme, text.axis.trainStep, { nameGap: xNameGap(theme) }),
        }
      : {
          type: 'category',
          data: order.map((c) => c.label),
          ...axis(theme, text.axis.checkpoint, { nameGap: xNameGap(theme) }),
        },
    yAxis: {
      type: 'value',
      ...(range ? niceBounds(range) : { scale: true }),
      ...axis(theme, bpb ? text.axis.bitsPerByte : text.axis.loss, {
        nameGap: yNameGap(theme),
      }),
    },
    series: [...behind, ...series],
  } as EChartsOption
}

interface Param {
  seriesType: string
  seriesName: string
  marker: string
  data: { value: [number | string, number]; label: string; stderr: number | null; n: number } | number[]
}

function tooltip(params: readonly Param[], byStep: boolean, text: ChartText): string {
  const rows: string[] = []
  const head = params.find((p) => p.seriesType === 'line' && !Array.isArray(p.data))
  if (head && !Array.isArray(head.data)) {
    rows.push(byStep ? `${head.data.label} · ${text.axis.trainStep} ${head.data.value[0]}` : head.data.label)
  }
  for (const p of params) {
    if (p.seriesType !== 'line' || Array.isArray(p.data)) continue
    const d = p.data
    rows.push(
      `${p.marker}${p.seriesName}: ${fmtLoss(d.value[1])}${fmtPm(d.stderr)} (${text.train.samples(d.n)})`,
    )
  }
  return rows.join('<br/>')
}

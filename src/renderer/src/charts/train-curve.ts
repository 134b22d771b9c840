/** The training-loss curve from the log, with the evaluation losses drawn over it as level lines. */
import type { EChartsOption } from 'echarts'
import type { TrainLog } from '../../../shared/evidence'
import { MEASURE_COLORS } from '../../../shared/palette'
import { ema } from './stats'
import { axis, frame, plotTop, type ChartTheme, type Translate } from './theme'

export interface EvalLine {
  /** Measure key from the palette (teacherForcing, keepLastMisaligned, autoregressive). */
  measure: 'teacherForcing' | 'keepLastMisaligned' | 'autoregressive'
  value: number
}

/** Raw points thinner than this many are drawn with symbols; more use LTTB sampling. */
const SAMPLE_ABOVE = 2000

export function trainCurve(
  log: TrainLog,
  smoothing: number,
  evalLines: readonly EvalLine[],
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
  const first = steps[0] ?? 0
  const last = steps[steps.length - 1] ?? 1
  const level = (name: string, value: number, color: string, dashed: boolean) => ({
    name,
    type: 'line' as const,
    data: [
      [first, value],
      [last, value],
    ],
    color,
    symbol: 'none',
    lineStyle: { width: 1.5, type: dashed ? ('dashed' as const) : ('solid' as const) },
    z: 4,
  })
  // The level's value is in its legend entry: end labels of close levels would overlap.
  const lines = evalLines.map((l) =>
    level(`${t(`measure.${l.measure}`)} ${l.value.toFixed(4)}`, l.value, MEASURE_COLORS[l.measure], false),
  )
  if (log.trailingMean !== null)
    lines.unshift(
      level(
        `${t('chart.train.trailingMean', { n: log.tail })} ${log.trailingMean.toFixed(4)}`,
        log.trailingMean,
        theme.trainingLoss,
        true,
      ),
    )
  const subtitle = t('chart.train.subtitle', { format: log.format, steps: log.steps })
  const base = frame(theme, t('chart.train.title'), subtitle)
  return {
    ...base,
    // Plain legends wrap onto a second row instead of paging; the plot starts below it.
    legend: base.legend,
    grid: { left: 56, right: 20, top: plotTop(subtitle) + (lines.length >= 3 ? 20 : 0), bottom: 40 },
    tooltip: { ...(base.tooltip as object), trigger: 'axis' },
    xAxis: { type: 'value', min: first, max: last, ...axis(theme, t('axis.trainStep')) },
    yAxis: { type: 'value', scale: true, ...axis(theme, t('axis.lossNats'), { nameGap: 36 }) },
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
      ...lines,
    ],
  } as EChartsOption
}

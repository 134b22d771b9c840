/**
 * The report's charts as SVG, rendered server-side by ECharts (no DOM) from the same option builders
 * as the window (src/shared/charts): per dataset the per-sample losses, the offset sweep, teacher
 * forcing vs autoregressive per step and the loss per checkpoint; and the training curve with each
 * evaluation at its checkpoint's step. Drawn in the report theme (light, print sizes) without the
 * window's interactive extras. Files go under `<report>.charts/`, so two reports in one folder never
 * overwrite each other's charts.
 */
import * as echarts from 'echarts'
import type { EChartsOption } from 'echarts'
import type { Lang, ReportChart } from '../../shared/ipc'
import { CHART_THEMES } from '../../shared/charts/frame'
import { chartText, type ChartContext } from '../../shared/charts/text'
import { checkpointPosition } from '../../shared/charts/style'
import {
  chartRun,
  offsetSweepChart,
  perSampleChart,
  stepsChart,
  stepsOf,
  type ChartRun,
} from '../../shared/charts/run-charts'
import { trainCurveChart } from '../../shared/charts/train-curve'
import { trajectoryChart } from '../../shared/charts/trajectory'
import { chartCheckpoints, trajectoryPoints } from '../../shared/charts/eval-points'
import { sweepEntries } from '../../shared/diagnosis'
import { chartKey } from './render-context'
import type { DatasetView, ReportModel, RunView } from './report-model'

const WIDTH = 860
const HEIGHT = 420

/** Renders one option to an SVG string; always disposes the chart (a live one keeps Node from exiting). */
export function renderSvg(option: EChartsOption, width = WIDTH, height = HEIGHT): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height })
  try {
    chart.setOption(option)
    return chart.renderToSVGString()
  } finally {
    chart.dispose()
  }
}

/** A file name part from an id: letters, digits, dot, dash and underscore only. */
function slug(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]+/g, '-') || 'dataset'
}

/** The theme and words of the report's charts in its language. */
export function reportChartContext(lang: Lang): ChartContext {
  return { theme: CHART_THEMES.report, text: chartText(lang) }
}

/** A run of the report as the chart builders take it (the window makes its runs with the same chartRun). */
export function reportChartRun(model: ReportModel, run: RunView, ctx: ChartContext): ChartRun {
  return chartRun(
    {
      results: run.scored,
      means: run.means,
      checkpointLabel: run.checkpoint.label,
      datasetLabel: run.dataset.label,
      step: run.step,
      checkpoint: checkpointPosition(model.experiment.checkpoints, run.checkpoint.id),
      L: run.L,
      P: run.P,
      divergenceStep: run.verdicts.mode.divergenceStep,
      maxSeqLen: run.stored.run.settings.maxSeqLen ?? null,
      format: run.sft ? 'sft' : 'pretrain',
    },
    ctx.text,
  )
}

export interface ReportChartOption {
  kind: string
  datasetId: string | undefined
  title: string
  option: EChartsOption
}

/** Every chart option the report draws, by chartKey, with its title (for tests and for buildCharts). */
export function reportChartOptions(model: ReportModel, lang: Lang): Map<string, ReportChartOption> {
  const ctx = reportChartContext(lang)
  const out = new Map<string, ReportChartOption>()
  const add = (kind: string, datasetId: string | undefined, option: EChartsOption | null): void => {
    if (!option) return
    const title = (option.title as { text: string }).text
    out.set(chartKey(kind, datasetId), { kind, datasetId, title, option })
  }
  for (const d of model.datasets) {
    const run = reportChartRun(model, d.headline, ctx)
    const scored = run.results.some((r) => r.teacherForcing || r.keepLastMisaligned || r.sft)
    add('per-sample', d.dataset.id, scored ? perSampleChart(run, ctx) : null)
    add(
      'offset-sweep',
      d.dataset.id,
      sweepEntries(run.means.offsetSweep).length ? offsetSweepChart([run], ctx) : null,
    )
    const steps = stepsOf(run)
    add(
      'tf-vs-ar',
      d.dataset.id,
      steps.teacherForcing.length && steps.autoregressive.length ? stepsChart([steps], ctx) : null,
    )
  }
  const log = model.input.trainLog
  if (log && log.points.length >= 2) {
    const evals = trajectoryPoints({
      trajectories: model.diagnosis.trajectories,
      checkpoints: chartCheckpoints(model.experiment.checkpoints),
      datasetLabel: model.names.dataset,
      measures: ['teacherForcing'],
    })
    add('training-curve', undefined, trainCurveChart(log, evals, ctx))
  }
  if (model.checkpoints.length > 1) {
    for (const d of model.datasets) add('trajectory', d.dataset.id, trajectory(model, d, ctx))
  }
  return out
}

function trajectory(model: ReportModel, d: DatasetView, ctx: ChartContext): EChartsOption | null {
  if (!d.trajectory || d.trajectory.points.length < 2) return null
  return trajectoryChart(
    {
      trajectories: [d.trajectory],
      checkpoints: chartCheckpoints(model.experiment.checkpoints),
      datasetLabel: model.names.dataset,
      log: model.input.trainLog,
    },
    ctx,
  )
}

/** Every chart the model has data for, by chartKey; files under `<fileBase>.charts/`. */
export function buildCharts(model: ReportModel, lang: Lang): Map<string, ReportChart> {
  const out = new Map<string, ReportChart>()
  for (const [key, { kind, datasetId, title, option }] of reportChartOptions(model, lang)) {
    const file = `${model.fileBase}.charts/${kind}${datasetId === undefined ? '' : `.${slug(datasetId)}`}.svg`
    out.set(key, { file, title, svg: renderSvg(option) })
  }
  return out
}

/**
 * The gap waterfall in the report: its SVG (rendered server-side from the same option builder as the
 * window, src/shared/charts/waterfall.ts), and the block that opens the answer under the reference
 * dataset's headline: the path in one sentence, the chart, a table of every step (measured, shown
 * aside, or not measured with its reason), the residual, then each step's method and result.
 */
import type { Waterfall } from '../../shared/diagnosis'
import { fmtLoss, fmtPm, fmtSignedLoss, waterfallStatus } from '../../shared/diagnosis'
import { WATERFALL_LIGHT, waterfallOption } from '../../shared/charts/waterfall'
import type { Lang, ReportChart } from '../../shared/ipc'
import { verdictText } from '../../shared/diagnosis'
import { renderSvg } from './charts'
import { blocks, table } from './gfm'
import type { DatasetView, ReportModel } from './report-model'
import { chartImage, chartKey, runTitle, type ReportContext } from './render-context'
import type { ReportStrings } from './strings'

/** The report's font stack (no double quotes: ECharts writes it into a double-quoted attribute). */
export const REPORT_FONT =
  "Helvetica, Arial, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif"

/** The waterfall of a dataset's headline run, when the diagnosis has one. */
export function waterfallOf(model: ReportModel, d: DatasetView): Waterfall | null {
  return (
    model.diagnosis.waterfalls.find(
      (w) => w.checkpointId === d.headline.checkpoint.id && w.datasetId === d.dataset.id,
    ) ?? null
  )
}

/** A file name part from an id: letters, digits, dot, dash and underscore only. */
export function chartSlug(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]+/g, '-') || 'dataset'
}

/** One SVG as a report chart under `<fileBase>.charts/`. */
export function reportSvg(
  model: ReportModel,
  kind: string,
  datasetId: string,
  title: string,
  option: Parameters<typeof renderSvg>[0],
): [string, ReportChart] {
  const svg = renderSvg({
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: REPORT_FONT, fontSize: 13, color: WATERFALL_LIGHT.text },
    ...option,
  })
  return [
    chartKey(kind, datasetId),
    { file: `${model.fileBase}.charts/${kind}.${chartSlug(datasetId)}.svg`, title, svg },
  ]
}

/** The waterfall chart of every dataset's headline run. */
export function waterfallCharts(
  model: ReportModel,
  words: ReportStrings,
  lang: Lang,
): Map<string, ReportChart> {
  const ctx: ReportContext = { model, words, verdictWords: verdictText(lang), lang, charts: new Map() }
  const t = ctx.verdictWords.waterfall
  const out = new Map<string, ReportChart>()
  for (const d of model.datasets) {
    const w = waterfallOf(model, d)
    if (!w) continue
    const ctxTitle = words.gap.chartTitle(runTitle(ctx, d.headline))
    const option = waterfallOption(w, t, {
      theme: WATERFALL_LIGHT,
      title: ctxTitle,
      subtitle: words.gap.chartSubtitle,
      fontFamily: REPORT_FONT,
    })
    const [key, chart] = reportSvg(model, 'waterfall', d.dataset.id, ctxTitle, option)
    out.set(key, chart)
  }
  return out
}

/** The waterfall block of one dataset: sentence, chart, table of steps, residual, each step's method and result. */
export function waterfallBlock(ctx: ReportContext, d: DatasetView): string | null {
  const w = waterfallOf(ctx.model, d)
  if (!w) return null
  const t = ctx.verdictWords.waterfall
  const g = ctx.words.gap
  const level = (
    m: { level: Parameters<typeof t.level>[0]['level']; value: number; shift?: number } | null,
  ) => (m ? `${t.level(m)} ${fmtLoss(m.value)}` : '—')
  const rows: string[][] = [
    [t.words.start, '—', level(w.start), '—', '—', '—'],
    ...w.bars.map((b, i) => [
      `${i + 1}. ${t.step(b.step)}`,
      level(b.from),
      level(b.to),
      b.value === null ? '—' : `${fmtSignedLoss(b.value)}${fmtPm(b.stderr)}`,
      b.n === null ? '—' : String(b.n),
      waterfallStatus(t, b),
    ]),
    [t.words.residual, '—', '—', `${fmtSignedLoss(w.residual.value)}${fmtPm(w.residual.stderr)}`, '—', '—'],
    [t.words.end, '—', level(w.end), '—', '—', '—'],
  ]
  const steps = w.bars
    .map(
      (b, i) =>
        `${i + 1}. **${t.step(b.step)}**${ctx.words.colon}${t.method(b.step, w)}${ctx.words.sentenceGap}${t.result(b, w)}`,
    )
    .join('\n')
  return blocks(
    `### ${g.waterfallHeading(runTitle(ctx, d.headline))}`,
    d.headline.sft ? g.waterfallIntroSft : g.waterfallIntro,
    `**${t.summary(w)}**`,
    chartImage(ctx, 'waterfall', d.dataset.id),
    table([t.words.step, t.words.from, t.words.to, t.words.change, g.n, t.words.status], rows, [
      'l',
      'l',
      'l',
      'r',
      'r',
      'l',
    ]),
    t.residual(w),
    `**${g.stepsHeading}**`,
    steps,
  )
}

/** The waterfalls of the datasets other than the reference one, after the detailed phases. */
export function otherWaterfalls(ctx: ReportContext): string | null {
  const reference = referenceDataset(ctx.model)
  const others = ctx.model.datasets
    .filter((d) => d !== reference)
    .map((d) => waterfallBlock(ctx, d))
    .filter((x): x is string => x !== null)
  return others.length > 0 ? blocks(`## ${ctx.words.gap.otherDatasets}`, ...others) : null
}

/** The dataset whose headline the answer opens with: the primary run's. */
export function referenceDataset(model: ReportModel): DatasetView | undefined {
  return model.datasets.find((d) => d.dataset.id === model.primary.dataset.id) ?? model.datasets[0]
}

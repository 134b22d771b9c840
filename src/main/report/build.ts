/** buildReport: a ReportInput to markdown and SVG charts in one language. Pure apart from ECharts. */
import type { Lang, RenderedReport } from '../../shared/ipc'
import { analyzeReport } from './analysis'
import { buildCharts } from './charts'
import type { BuildOptions, ReportInput } from './input'
import { renderMarkdown } from './markdown'
import { reportStrings } from './strings'

/** Renders the gap-analysis report of `input` in `lang`: report.md's text and the charts it links. */
export function buildReport(input: ReportInput, lang: Lang, options: BuildOptions = {}): RenderedReport {
  const model = analyzeReport(input, options)
  const t = reportStrings(lang)
  const charts = buildCharts(model, t, lang)
  const markdown = renderMarkdown(model, t, lang, charts)
  return { markdown, charts: Object.values(charts).filter((c) => c !== null), lang }
}

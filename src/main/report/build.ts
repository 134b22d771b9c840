/** buildReport: a ReportInput to markdown, SVG charts and the samples CSV in one language. Pure apart from ECharts. */
import type { Lang, RenderedReport } from '../../shared/ipc'
import { buildCharts } from './charts'
import type { BuildOptions, ReportInput } from './input'
import { renderReportMarkdown } from './render'
import { buildReportModel } from './report-model'
import { samplesCsv } from './samples-csv'
import { SAMPLE_TABLE_LIMIT, samplesCsvFile } from './section-verification'
import { reportStrings } from './strings'

/** The report's file name without .md when none is given: one per language, as the window exports it. */
export function defaultFileBase(lang: Lang): string {
  return `report-${lang}`
}

/**
 * Renders the gap-analysis report of `input` in `lang`: the markdown, the charts it links (under
 * `<fileBase>.charts/`) and, when a run has more samples than the report lists, `<fileBase>.samples.csv`.
 */
export function buildReport(input: ReportInput, lang: Lang, options: BuildOptions = {}): RenderedReport {
  const fileBase = options.fileBase ?? defaultFileBase(lang)
  const model = buildReportModel(input, { ...options, fileBase })
  const words = reportStrings(lang)
  const charts = buildCharts(model, lang)
  const markdown = renderReportMarkdown(model, words, lang, charts)
  const long = model.runs.some((r) => r.scored.length > SAMPLE_TABLE_LIMIT)
  return {
    markdown,
    charts: [...charts.values()],
    lang,
    ...(long ? { files: [{ file: samplesCsvFile(fileBase), text: samplesCsv(model) }] } : {}),
  }
}

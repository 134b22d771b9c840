/**
 * The report's markdown, modelled on the seed report: overview, hypotheses, one phase per check
 * (method, result, verdict), root cause and fix, verification sample by sample and against training,
 * checkpoints in training order, conclusion, provenance. Wording comes from strings-en.ts / strings-zh.ts.
 */
import { verdictText } from '../../shared/diagnosis'
import type { Lang, ReportChart } from '../../shared/ipc'
import { blocks } from './gfm'
import type { ReportModel } from './report-model'
import type { ReportContext } from './render-context'
import { analysis } from './section-checks'
import { conclusion, provenance } from './section-closing'
import { gapCharts, gapSection } from './section-gap'
import { otherWaterfalls, waterfallCharts } from './section-waterfall'
import { rootCause } from './section-fix'
import { header, overview } from './section-overview'
import { trajectorySection } from './section-trajectory'
import { verification } from './section-verification'
import type { ReportStrings } from './strings'

/** The whole report. */
export function renderReportMarkdown(
  model: ReportModel,
  words: ReportStrings,
  lang: Lang,
  charts: Map<string, ReportChart>,
): string {
  // The gap charts join the map here, so the chart files build.ts lists include them.
  for (const [key, chart] of [...waterfallCharts(model, words, lang), ...gapCharts(model, lang)]) {
    charts.set(key, chart)
  }
  const ctx: ReportContext = { model, words, verdictWords: verdictText(lang), lang, charts }
  const trajectory = trajectorySection(ctx)
  const gap = gapSection(ctx)
  const waterfalls = otherWaterfalls(ctx)
  return (
    blocks(
      header(ctx),
      '---',
      overview(ctx),
      '---',
      analysis(ctx),
      gap ? '---' : null,
      gap,
      waterfalls ? '---' : null,
      waterfalls,
      '---',
      rootCause(ctx),
      '---',
      verification(ctx),
      trajectory ? '---' : null,
      trajectory,
      '---',
      conclusion(ctx),
      '---',
      provenance(ctx),
    ) + '\n'
  )
}

/**
 * The report's markdown, modelled on the seed report: overview, hypotheses, one phase per check
 * (method, result, verdict), root cause and fix, per-sample table, final verification, checkpoint
 * comparison, conclusion, provenance. Wording comes from strings-en.ts / strings-zh.ts.
 */
import { verdictText } from '../../shared/diagnosis'
import type { Lang } from '../../shared/ipc'
import type { ReportModel } from './analysis'
import type { Ctx } from './context'
import { blocks } from './md'
import { analysis } from './sections-analysis'
import { comparison, conclusion, provenance } from './sections-closing'
import { header, overview } from './sections-overview'
import { rootCause, verification } from './sections-results'
import type { ReportStrings } from './strings'

/** The whole report. */
export function renderMarkdown(m: ReportModel, t: ReportStrings, lang: Lang, charts: Ctx['charts']): string {
  const ctx: Ctx = { m, t, vt: verdictText(lang), lang, charts }
  const compared = comparison(ctx)
  return (
    blocks(
      header(ctx),
      '---',
      overview(ctx),
      '---',
      analysis(ctx),
      '---',
      rootCause(ctx),
      '---',
      verification(ctx),
      compared ? '---' : null,
      compared,
      '---',
      conclusion(ctx),
      '---',
      provenance(ctx),
    ) + '\n'
  )
}

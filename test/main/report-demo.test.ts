/**
 * The report on the demo's real numbers (resources/demo/reference.json: PyTorch reference measurements
 * per checkpoint x dataset). The demo is rebuilt from time to time, so nothing here pins its numbers or
 * verdicts: every printed number is checked against the stored results, and both languages must agree.
 */
import { describe, expect, it } from 'vitest'
import { meansFromResults, scoredResults, VERDICT_STATUSES, verdictText } from '../../src/shared/diagnosis'
import type { Lang } from '../../src/shared/ipc'
import { buildReport, buildReportModel, type ReportInput } from '../../src/main/report'
import { reportStrings } from '../../src/main/report/strings'
import { assertWellFormedSvg, checkTables, tableRows } from './report-helpers'
import { printedLosses, unexplainedLosses } from './report-numbers'
import { inputFromReference } from './report-reference'

const close = (text: string, value: number | undefined): void => {
  expect(value).toBeDefined()
  expect(Math.abs(Number(text) - value!), `${text} vs ${value}`).toBeLessThanOrEqual(0.0005 + 1e-9)
}

describe('report on the demo reference numbers', () => {
  let input: ReportInput
  const reports = {} as Record<Lang, string>

  it('builds both languages from the reference, with its evidence', async () => {
    const plain = await inputFromReference()
    const headline = buildReportModel(plain, { fileBase: 'x' }).primary
    // The number the user's misaligned script would have printed, to two decimals as in the seed.
    const reported = Math.round(headline.means.keepLastMisaligned! * 100) / 100
    input = await inputFromReference({ reportedLoss: reported, evidence: true })
    for (const lang of ['en', 'zh-CN'] as Lang[]) {
      const report = buildReport(input, lang)
      reports[lang] = report.markdown
      expect(report.markdown).not.toMatch(/undefined|NaN|\bnull\b|\[object /)
      expect(checkTables(report.markdown)).toBeGreaterThanOrEqual(10)
      for (const c of report.charts) {
        assertWellFormedSvg(c.svg)
        expect(c.svg).toMatch(/<path|<rect/)
      }
    }
  })

  for (const lang of ['en', 'zh-CN'] as Lang[]) {
    it(`${lang}: every number traces to the stored results, every dataset has its headline`, () => {
      const md = reports[lang]
      const t = reportStrings(lang)
      const model = buildReportModel(input, { fileBase: 'x' })
      expect(unexplainedLosses(md, input)).toEqual([])
      for (const d of model.datasets) {
        const h = d.headline
        // A label that already says its step ("final (step 836)") is not given it twice.
        const step = h.step !== null && h.checkpoint.label.includes(String(h.step)) ? null : h.step
        expect(md).toContain(`### ${t.perSample.title(t.onRun(h.dataset.label, h.checkpoint.label, step))}\n`)
        for (const c of d.conclusions) expect(md).toContain(verdictText(lang).conclusion(c, model.names))
      }
      const primary = model.datasets[0]!.headline
      const scored = scoredResults(primary.stored.results)
      const rows = tableRows(md, t.perSample.sample)
      if (scored.length <= 30) {
        expect(rows).toHaveLength(scored.length + 1)
        scored.forEach((r, i) => {
          expect(rows[i]![0]).toBe(String(r.index))
          close(rows[i]![1]!, r.keepLastMisaligned?.loss)
          close(rows[i]![2]!, r.teacherForcing?.loss)
        })
        const means = meansFromResults(primary.stored.results)
        close(rows[rows.length - 1]![2]!, means.teacherForcing)
      }
      expect(md).toContain(`logits[0, ${primary.L - 1}:${primary.L + primary.P - 1}]`)
    })
  }

  it('zh-CN and en carry the same verdicts and figures', () => {
    const status = (lang: Lang, md: string) =>
      tableRows(md, '#').map((r) =>
        VERDICT_STATUSES.find((s) => r[4]!.startsWith(verdictText(lang).badge(s))),
      )
    expect(status('zh-CN', reports['zh-CN'])).toEqual(status('en', reports.en))
    const sorted = (md: string) =>
      printedLosses(md)
        .map((p) => p.text)
        .sort()
    expect(sorted(reports['zh-CN'])).toEqual(sorted(reports.en))
  })
})

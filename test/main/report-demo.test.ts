/**
 * The report on the demo's real numbers (resources/demo/reference.json, PyTorch reference measurements of
 * checkpoints early/final on eval_data_from_train.json and eval_heldout.json), committed with the demo.
 */
import { describe, expect, it } from 'vitest'
import { meansFromResults, scoredResults } from '../../src/shared/diagnosis'
import type { Lang } from '../../src/shared/ipc'
import { buildReport, type ReportInput } from '../../src/main/report'
import { reportStrings } from '../../src/main/report/strings'
import { assertWellFormedSvg, checkTables, tableRows } from './report-helpers'
import { inputFromReference } from './report-reference'

const close = (text: string, value: number | undefined): void => {
  expect(value).toBeDefined()
  expect(Math.abs(Number(text) - value!), `${text} vs ${value}`).toBeLessThanOrEqual(0.0005 + 1e-9)
}

describe('report on the demo reference numbers', () => {
  for (const lang of ['en', 'zh-CN'] as Lang[]) {
    it(`${lang}: every number traces to the reference, every table and chart is intact`, async () => {
      const plain = await inputFromReference()
      const primary = plain.runs.find((r) => r.checkpointId === 'final' && /from_train/.test(r.datasetId))!
      const means = meansFromResults(primary.results)
      // The number the user's misaligned script would have printed, to two decimals as in the seed.
      const reported = Math.round(means.keepLastMisaligned! * 100) / 100
      const input: ReportInput = await inputFromReference({ reportedLoss: reported, evidence: true })
      const t = reportStrings(lang)
      const report = buildReport(input, lang)
      const md = report.markdown
      expect(md).not.toMatch(/undefined|NaN|\bnull\b|\[object /)
      for (const h of [
        t.overview.heading,
        t.analysisHeading,
        t.fix.heading,
        t.perSample.heading,
        t.conclusion.heading,
      ]) {
        expect(md).toContain(`\n## ${h}\n`)
      }
      expect(md).toContain(`\n### ${t.final.title}\n`)
      expect(md).toContain(t.compare.heading)
      const rows = tableRows(md, t.perSample.sample)
      const scored = scoredResults(primary.results)
      expect(rows).toHaveLength(scored.length + 1)
      scored.forEach((r, i) => {
        expect(rows[i]![0]).toBe(String(r.index + 1))
        close(rows[i]![1]!, r.keepLastMisaligned?.loss)
        close(rows[i]![2]!, r.teacherForcing?.loss)
      })
      close(rows[rows.length - 1]![1]!, means.keepLastMisaligned)
      close(rows[rows.length - 1]![2]!, means.teacherForcing)
      const key = tableRows(md, t.overview.quantity)
      close(key[0]![1]!, input.trainLog!.trailingMean!)
      expect(md).toContain(`logits[0, ${primary.run.settings.inputLength - 1}:`)
      expect(checkTables(md)).toBeGreaterThanOrEqual(10)
      expect(report.charts).toHaveLength(5)
      for (const c of report.charts) {
        assertWellFormedSvg(c.svg)
        expect(c.svg).toMatch(/<path|<rect/)
      }
      // Data and weights verified on the demo's files; the misaligned number explained as the misaligned slice.
      const verdicts = tableRows(md, '#').map((r) => r[2])
      expect(verdicts.map((v) => v!.slice(0, 1))).toEqual(['✅', '✅', '✅', '✅', '❌', '✅'])
      expect(md).toContain(
        t.fix.causeText(
          1,
          true,
          primary.run.settings.inputLength,
          primary.run.settings.predictLength,
          means.keepLastMisaligned!.toFixed(3),
          reported.toFixed(3),
        ),
      )
    })
  }
})

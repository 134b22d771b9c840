import { describe, expect, it } from 'vitest'
import { meansFromResults, scoredResults } from '../../src/shared/diagnosis'
import type { Lang } from '../../src/shared/ipc'
import { MEASURE_COLORS } from '../../src/shared/palette'
import { buildReport, type ReportInput } from '../../src/main/report'
import { reportStrings } from '../../src/main/report/strings'
import { seedLikeInput } from './report-fixture'
import { assertWellFormedSvg, checkTables, tableRows } from './report-helpers'

const LANGS: Lang[] = ['en', 'zh-CN']

const close = (text: string, value: number | null | undefined): void => {
  expect(value).not.toBeNull()
  expect(Number(text), `${text} vs ${value}`).toBeCloseTo(value!, 3)
}

describe.each(LANGS)('report in %s', (lang) => {
  const input = seedLikeInput()
  const report = buildReport(input, lang)
  const t = reportStrings(lang)
  const md = report.markdown
  const finalTrain = input.runs.find((r) => r.checkpointId === 'final' && r.datasetId === 'train')!

  it('has every section, in the order of the seed report', () => {
    const headings = [
      t.overview.heading,
      t.overview.keyNumbers,
      t.overview.hypotheses,
      t.analysisHeading,
      t.phaseData.title,
      t.phaseWeights.title,
      t.phaseMode.title,
      t.phaseKv.title,
      t.phaseAlign.title,
      t.explain.title,
      t.fix.heading,
      t.perSample.heading,
      t.final.title,
      t.compare.heading,
      t.conclusion.heading,
      t.prov.heading,
    ]
    let at = 0
    for (const h of headings) {
      const found = md.indexOf(`# ${h}\n`, at)
      expect(found, h).toBeGreaterThan(at)
      at = found
    }
    expect(md.startsWith(`# ${t.title('1.4.0')}\n`)).toBe(true)
    expect(md).not.toMatch(/undefined|NaN|\bnull\b|\[object /)
  })

  it('has one per-sample row per scored sample, each equal to the stored results, and the mean row', () => {
    const rows = tableRows(md, t.perSample.sample)
    const scored = scoredResults(finalTrain.results)
    expect(rows).toHaveLength(scored.length + 1)
    scored.forEach((r, i) => {
      const [sample, mis, cor, imp] = rows[i]!
      expect(sample).toBe(String(r.index + 1))
      close(mis!, r.keepLastMisaligned!.loss)
      close(cor!, r.teacherForcing!.loss)
      expect(imp).toBe(
        `${((100 * (r.keepLastMisaligned!.loss - r.teacherForcing!.loss)) / r.keepLastMisaligned!.loss).toFixed(1)}%`,
      )
    })
    const means = meansFromResults(finalTrain.results)
    const mean = rows[rows.length - 1]!
    expect(mean[0]).toBe(t.perSample.mean)
    close(mean[1]!, means.keepLastMisaligned)
    close(mean[2]!, means.teacherForcing)
    expect(finalTrain.results.length).toBe(scored.length + 1) // one skipped sample, listed under the table
    expect(md).toContain('#8 (too short')
  })

  it('puts the stored means and the training loss in the key numbers', () => {
    const rows = tableRows(md, t.overview.quantity)
    const means = meansFromResults(finalTrain.results)
    const value = (label: string): string => rows.find((r) => r[0] === label)![1]!
    close(value(t.overview.trainLoss(20)), input.trainLog!.trailingMean)
    close(value(t.measures.teacherForcing), means.teacherForcing)
    close(value(t.measures.keepLastMisaligned), means.keepLastMisaligned)
    close(value(t.measures.keepLastAligned), means.keepLastAligned)
    close(value(t.measures.autoregressive), means.autoregressive)
    close(value(t.overview.reported), 12.34)
  })

  it('gives the offset sweep means shift by shift', () => {
    const rows = tableRows(md, t.phaseAlign.shift)
    const sweep = meansFromResults(finalTrain.results).offsetSweep!
    expect(rows.map((r) => r[0])).toEqual(['-2', '-1', '0', '+1', '+2'])
    for (const r of rows) close(r[2]!, sweep[String(Number(r[0])) as '0'])
    expect(rows[2]![1]).toBe('99 .. 128')
  })

  it('explains 12.34 as the misaligned slice and shows the right slice with L and P filled in', () => {
    expect(md).toContain('`logits[0, 99:129]`')
    expect(md).toContain('outputs = model(input_ids, logits_to_keep=30)')
    expect(md).toContain('shift_logits = outputs.logits[0, -30:, :]')
    expect(md).toContain('shift_logits = outputs.logits[0, 99:129, :]')
    const hyp = tableRows(md, '#')
    expect(hyp).toHaveLength(6)
    expect(hyp[4]![2]).toBe(lang === 'en' ? '❌ fail' : '❌ 未通过')
    expect(hyp[0]![2]).toBe(lang === 'en' ? '✅ pass' : '✅ 通过')
  })

  it('writes five valid SVG charts with data, titled, linked from the markdown', () => {
    expect(report.charts.map((c) => c.file.replace(/^charts\/|\..*$/g, ''))).toEqual([
      'per-sample',
      'offset-sweep',
      'tf-vs-ar',
      'training-curve',
      'checkpoint-scatter',
    ])
    for (const c of report.charts) {
      expect(c.file).toBe(`charts/${c.file.slice(7, c.file.indexOf('.'))}.${lang}.svg`)
      expect(md).toContain(`](${c.file})`)
      assertWellFormedSvg(c.svg)
      expect(c.svg).toMatch(/<path|<rect/)
      expect(c.svg).toContain(c.title.slice(0, 10))
    }
    const bars = report.charts[0]!.svg.split(`fill="${MEASURE_COLORS.keepLastMisaligned}"`).length - 1
    expect(bars).toBeGreaterThanOrEqual(scoredResults(finalTrain.results).length)
    expect(report.charts[2]!.svg).toContain(MEASURE_COLORS.autoregressive)
    expect(report.charts[3]!.svg).toContain(MEASURE_COLORS.trainingLoss)
    expect(report.charts[0]!.svg).toContain(t.charts.lossAxis)
  })

  it('renders as GitHub-flavoured markdown with every table intact', () => {
    expect(checkTables(md)).toBeGreaterThanOrEqual(10)
  })
})

describe('report variants', () => {
  const variant = (lang: Lang, edit: (i: ReportInput) => void): string => {
    const input = seedLikeInput()
    edit(input)
    const md = buildReport(input, lang).markdown
    expect(md).not.toMatch(/undefined|NaN|\bnull\b|\[object /)
    return md
  }

  it.each(LANGS)('without a reported number, says so and still shows the right slice (%s)', (lang) => {
    const t = reportStrings(lang)
    const md = variant(lang, (i) => {
      delete i.experiment.reportedLoss
    })
    expect(md).toContain(`## ${t.fix.headingCheck}`)
    expect(md).toContain(t.fix.noReported)
    expect(md).toContain('`logits[0, 99:129]`')
    expect(md).not.toContain(`### ${t.explain.title}`)
  })

  it.each(LANGS)('names autoregressive scoring when it reproduces the number (%s)', (lang) => {
    const input = seedLikeInput()
    const ar = meansFromResults(input.runs[1]!.results).autoregressive!
    input.experiment.reportedLoss = ar * 1.01
    const md = buildReport(input, lang).markdown
    const t = reportStrings(lang)
    expect(md).toContain(`## ${t.fix.heading}`)
    expect(md).toContain(t.fix.teacherForcingCode(100, 30))
    expect(tableRows(md, '#')[2]![2]).toMatch(/❌/)
  })

  it.each(LANGS)('says no variant matches a number nothing reproduces (%s)', (lang) => {
    const md = variant(lang, (i) => {
      i.experiment.reportedLoss = 30
    })
    expect(md).toContain(
      lang === 'en'
        ? 'No variant matches your 30.000'
        : '没有任何一种计算方式能在 5% 以内复现您报告的 30.000',
    )
  })

  it.each(LANGS)(
    'reports a single run without comparison, training log or evidence as not measured (%s)',
    (lang) => {
      const t = reportStrings(lang)
      const input = seedLikeInput()
      input.runs = input.runs.filter((r) => r.checkpointId === 'final' && r.datasetId === 'train')
      input.trainLog = null
      input.experiment.checkpoints = input.experiment.checkpoints.map((c) => ({ ...c, weights: undefined }))
      input.experiment.datasets = input.experiment.datasets.map((d) => ({ ...d, consistency: undefined }))
      const r = buildReport(input, lang)
      expect(r.markdown).not.toContain(t.compare.heading)
      expect(r.charts.map((c) => c.file)).not.toContain(`charts/training-curve.${lang}.svg`)
      expect(r.charts.map((c) => c.file)).not.toContain(`charts/checkpoint-scatter.${lang}.svg`)
      const hyp = tableRows(r.markdown, '#')
      for (const i of [0, 1, 5]) expect(hyp[i]![2]).toMatch(/➖/)
      expect(r.markdown).not.toMatch(/undefined|NaN|\bnull\b/)
    },
  )

  it.each(LANGS)('says which run a number belongs to when it is not the analysed one (%s)', (lang) => {
    const input = seedLikeInput()
    input.experiment.reportedLoss = meansFromResults(input.runs[0]!.results).teacherForcing!
    const md = buildReport(input, lang).markdown
    expect(md).toContain(
      reportStrings(lang).answer.elsewhere(
        'early / eval_data_from_train.json',
        'final / eval_data_from_train.json',
      ),
    )
  })

  it('rejects an experiment with no scored run', () => {
    const input = seedLikeInput()
    input.runs = []
    expect(() => buildReport(input, 'en')).toThrow(/no run with scored results/)
  })

  it('reports on the checkpoint and dataset asked for', () => {
    const md = buildReport(seedLikeInput(), 'en', { checkpointId: 'early', datasetId: 'heldout' }).markdown
    expect(md).toContain('checkpoint `early` on `eval_heldout.json`')
    expect(() => buildReport(seedLikeInput(), 'en', { checkpointId: 'nope' })).toThrow(/checkpoint "nope"/)
  })
})

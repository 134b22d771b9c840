import { describe, expect, it } from 'vitest'
import {
  meansFromResults,
  scoredResults,
  trainingLossAt,
  VERDICT_STATUSES,
  verdictText,
} from '../../src/shared/diagnosis'
import type { Lang } from '../../src/shared/ipc'
import { MEASURE_COLORS } from '../../src/shared/palette'
import { chartText } from '../../src/shared/charts/text'
import { buildReport, buildReportModel, type ReportInput } from '../../src/main/report'
import { reportStrings } from '../../src/main/report/strings'
import { consistency, longInput, seedLikeInput, shiftedInput } from './report-fixture'
import { assertWellFormedSvg, checkTables, tableRows } from './report-helpers'
import { printedLosses, unexplainedLosses } from './report-numbers'

const LANGS: Lang[] = ['en', 'zh-CN']

const close = (text: string, value: number | null | undefined): void => {
  expect(value).not.toBeNull()
  expect(Number(text.split(' ')[0]), `${text} vs ${value}`).toBeCloseTo(value!, 3)
}

describe.each(LANGS)('report in %s', (lang) => {
  const input = seedLikeInput()
  const report = buildReport(input, lang)
  const t = reportStrings(lang)
  const vt = verdictText(lang)
  const md = report.markdown
  const finalTrain = input.runs.find((r) => r.checkpointId === 'final' && r.datasetId === 'train')!
  const finalHeldOut = input.runs.find((r) => r.checkpointId === 'final' && r.datasetId === 'heldout')!

  it('has every section, in the order of the seed report', () => {
    const headings = [
      t.overview.heading,
      t.overview.runsHeading,
      t.overview.hypothesesHeading,
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
      t.trajectory.heading,
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

  it('gives each dataset its own headline: the latest checkpoint, named in every heading', () => {
    for (const ds of ['eval_data_from_train.json', 'eval_heldout.json']) {
      expect(md).toContain(`### ${t.overview.keyHeading(t.onRun(ds, 'final', 40000))}\n`)
      expect(md).toContain(`### ${t.perSample.title(t.onRun(ds, 'final', 40000))}\n`)
    }
    const model = buildReportModel(input, { fileBase: 'x' })
    for (const d of model.datasets) {
      for (const c of d.conclusions) expect(md).toContain(vt.conclusion(c, model.names))
    }
  })

  it('states the runs it uses: checkpoint, step, dataset, kind, L, P and run id', () => {
    const rows = tableRows(md, t.overview.checkpoint)
    expect(rows.map((r) => [r[0], r[1], r[2], r[4], r[5]])).toEqual([
      ['early', '2000', 'eval_data_from_train.json', '100', '30'],
      ['early', '2000', 'eval_heldout.json', '100', '30'],
      ['final', '40000', 'eval_data_from_train.json', '100', '30'],
      ['final', '40000', 'eval_heldout.json', '100', '30'],
    ])
    expect(rows[2]![3]).toBe(vt.kind('fromTraining'))
    expect(rows[3]![3]).toBe(vt.kind('heldOut'))
    expect(rows[2]![7]).toBe(`\`${finalTrain.run.runId}\``)
  })

  it('numbers samples by their stored index, each row equal to the stored results', () => {
    const rows = tableRows(md, t.perSample.sample)
    const scored = scoredResults(finalTrain.results)
    expect(rows).toHaveLength(scored.length + 1)
    scored.forEach((r, i) => {
      const [sample, mis, tf, times, ar] = rows[i]!
      expect(sample).toBe(String(r.index))
      close(mis!, r.keepLastMisaligned!.loss)
      close(tf!, r.teacherForcing!.loss)
      expect(times).toBe(`${(r.keepLastMisaligned!.loss / r.teacherForcing!.loss).toFixed(2)}×`)
      close(ar!, r.autoregressive!.loss)
    })
    const means = meansFromResults(finalTrain.results)
    const mean = rows[rows.length - 1]!
    expect(mean[0]).toBe(t.perSample.mean)
    close(mean[1]!, means.keepLastMisaligned)
    close(mean[2]!, means.teacherForcing)
    expect(finalTrain.results.length).toBe(scored.length + 1) // one skipped sample, listed under the table
    expect(md).toContain('#7')
  })

  it('puts the stored means, the training loss at the step and one named base per column in the key numbers', () => {
    const rows = tableRows(md, t.overview.quantity)
    const means = meansFromResults(finalTrain.results)
    const window = trainingLossAt(input.trainLog!, 40000, 50)!
    const row = (label: string): string[] => rows.find((r) => r[0] === label)!
    close(row(t.overview.trainLoss(window.lines, 40000))[1]!, window.mean)
    const tf = row(t.measures.teacherForcing)
    close(tf[1]!, means.teacherForcing)
    expect(tf[1]).toMatch(/ ± \d\.\d{3}$/)
    expect(tf[2]).toBe('1.00×')
    const mis = row(t.measures.keepLastMisaligned)
    close(mis[1]!, means.keepLastMisaligned)
    expect(mis[2]).toBe(`${(means.keepLastMisaligned! / means.teacherForcing!).toFixed(2)}×`)
    const rel = (means.keepLastMisaligned! - window.mean) / window.mean
    expect(mis[3]).toBe(`${rel >= 0 ? '+' : '−'}${Math.abs(100 * rel).toFixed(1)}%`)
    close(row(t.measures.keepLastAligned)[1]!, means.keepLastAligned)
    close(row(t.measures.autoregressive)[1]!, means.autoregressive)
    close(row(t.overview.reported)[1]!, 12.34)
    expect(md).toContain(
      `| ${t.overview.quantity} | ${t.overview.loss} | ${t.overview.timesTf} | ${t.overview.vsTrain} |`,
    )
  })

  it('gives the offset sweep means shift by shift, and the exact right slice', () => {
    const rows = tableRows(md, t.phaseAlign.shift)
    const sweep = meansFromResults(finalTrain.results).offsetSweep!
    expect(rows.map((r) => r[0])).toEqual(['−2', '−1', '0', '+1', '+2'])
    for (const r of rows) close(r[2]!, sweep[String(Number(r[0]!.replace('\u2212', '-'))) as '0'])
    expect(rows[2]![1]).toBe('99 … 128')
    expect(md).toContain(t.phaseAlign.rightSlice('`logits[0, 99:129]`'))
  })

  it('explains 12.34 as the misaligned slice and shows the fix with L and P filled in', () => {
    expect(md).toContain('outputs = model(input_ids, logits_to_keep=30)')
    expect(md).toContain('shift_logits = outputs.logits[0, -30:, :]')
    expect(md).toContain('shift_logits = outputs.logits[0, 99:129, :]')
    const hyp = tableRows(md, '#')
    // Per dataset: data, weights (once per checkpoint), mode, kvCache, alignment, trainEval.
    expect(hyp.map((r) => r[3])).toEqual([
      ...Array(6)
        .fill('eval_data_from_train.json')
        .map((d, i) => (i === 1 ? '—' : d)),
      ...Array(5).fill('eval_heldout.json'),
    ])
    expect(hyp[4]![4]).toBe(vt.badge('fail'))
    expect(hyp[0]![4]).toBe(vt.badge('pass'))
    expect(hyp[2]![4]).toBe(`${vt.badge('expected')}${t.paren(t.statusNote('exposureBias'))}`)
    expect(hyp[10]![4]).toBe(`${vt.badge('expected')}${t.paren(t.statusNote('generalisation'))}`)
  })

  it('verifies each headline against the mean of the logged losses up to its own step', () => {
    const window = trainingLossAt(input.trainLog!, 40000, 50)!
    expect(md).toContain(
      t.final.trainLossValue(
        `${window.mean.toFixed(3)} ± ${window.stderr!.toFixed(3)}`,
        50,
        40000,
        window.fromStep,
        window.toStep,
        window.sd!.toFixed(3),
        '`train.log`',
      ),
    )
    const heldOut = meansFromResults(finalHeldOut.results).teacherForcing!
    expect(md).toContain(heldOut.toFixed(3))
  })

  it('states every change between consecutive checkpoints with ± s.e. and n', () => {
    const model = buildReportModel(input, { fileBase: 'x' })
    const changes = model.diagnosis.trajectories.flatMap((tr) => tr.changes)
    expect(changes.length).toBeGreaterThan(0)
    for (const c of changes) {
      const line = vt.change(c, model.names)
      expect(line).toContain(String(c.samples))
      expect(line).toContain(c.stderr!.toFixed(3))
      expect(md).toContain(line)
    }
  })

  it('prints only numbers the stored results give', () => {
    expect(printedLosses(md).length).toBeGreaterThan(100)
    expect(unexplainedLosses(md, input)).toEqual([])
  })

  it('writes valid SVG charts under its own name, each linked from the markdown', () => {
    const names = report.charts.map((c) => c.file)
    expect(names).toEqual([
      `report-${lang}.charts/per-sample.train.svg`,
      `report-${lang}.charts/offset-sweep.train.svg`,
      `report-${lang}.charts/tf-vs-ar.train.svg`,
      `report-${lang}.charts/per-sample.heldout.svg`,
      `report-${lang}.charts/offset-sweep.heldout.svg`,
      `report-${lang}.charts/tf-vs-ar.heldout.svg`,
      `report-${lang}.charts/training-curve.svg`,
      `report-${lang}.charts/trajectory.train.svg`,
      `report-${lang}.charts/trajectory.heldout.svg`,
      `report-${lang}.charts/waterfall.train.svg`,
      `report-${lang}.charts/waterfall.heldout.svg`,
    ])
    for (const c of report.charts) {
      expect(md).toContain(`](${c.file})`)
      assertWellFormedSvg(c.svg)
      expect(c.svg).toMatch(/<path|<rect/)
    }
    const bars = report.charts[0]!.svg.split(`fill="${MEASURE_COLORS.keepLastMisaligned}"`).length - 1
    expect(bars).toBeGreaterThanOrEqual(scoredResults(finalTrain.results).length)
    expect(report.charts[2]!.svg).toContain(MEASURE_COLORS.autoregressive)
    expect(report.charts[6]!.svg).toContain(MEASURE_COLORS.trainingLoss)
    expect(report.charts[7]!.svg).toContain(MEASURE_COLORS.teacherForcing)
    expect(report.charts[0]!.svg).toContain(chartText(lang).axis.loss)
    expect(report.files).toBeUndefined()
  })

  it('renders as GitHub-flavoured markdown with every table intact', () => {
    expect(checkTables(md)).toBeGreaterThanOrEqual(15)
  })

  it('names the training data by the hash the data check stored, and the software versions', () => {
    expect(md).toContain('9'.repeat(64))
    expect(md).toContain(t.prov.softwareValue('0.1.0', '1.30.0', '20.20.2', 'linux 6.8.0 x64'))
  })
})

/** Prose lines of a markdown document: no tables, code blocks, code spans or link targets. */
function proseLines(md: string): string[] {
  return md
    .replace(/```[\s\S]*?```/g, '')
    .split('\n')
    .filter((l) => !l.startsWith('|'))
    .map((l) =>
      l
        .replace(/`[^`]*`/g, '')
        .replace(/\]\([^)]*\)/g, ']')
        .replace(/\*+/g, ''),
    )
}

const CJK = '[\\u3400-\\u9fff\\u3000-\\u303f\\uff00-\\uffef]'
const ASCII_NEXT_TO_CJK = new RegExp(`${CJK}\\s?[,:;()]|[,:;()]\\s?${CJK}`)

describe('zh-CN report', () => {
  it.each([
    ['seed-like', seedLikeInput()],
    ['shifted export', shiftedInput()],
    ['long', longInput(45)],
  ])('uses Chinese punctuation in prose (%s)', (_, input) => {
    const md = buildReport(input, 'zh-CN').markdown
    const bad = proseLines(md).filter((l) => ASCII_NEXT_TO_CJK.test(l))
    expect(bad).toEqual([])
  })

  it('carries the same verdicts and figures as the English report of the same experiment', () => {
    const input = seedLikeInput()
    const en = buildReport(input, 'en').markdown
    const zh = buildReport(input, 'zh-CN').markdown
    const statusOf = (lang: Lang) => (cell: string) =>
      VERDICT_STATUSES.find((s) => cell.startsWith(verdictText(lang).badge(s)))
    const verdicts = (md: string, lang: Lang, first: string, col: number) =>
      tableRows(md, first).map((r) => statusOf(lang)(r[col]!))
    expect(verdicts(zh, 'zh-CN', '#', 4)).toEqual(verdicts(en, 'en', '#', 4))
    expect(verdicts(zh, 'zh-CN', '#', 4)).not.toContain(undefined)
    const figures = (md: string) => tableRows(md, '#').map((r) => r[5]!.match(/[-+\u2212]?\d+\.\d+/g))
    expect(figures(zh)).toEqual(figures(en))
    const sorted = (md: string) =>
      printedLosses(md)
        .map((p) => p.text)
        .sort()
    expect(sorted(zh)).toEqual(sorted(en))
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
    expect(tableRows(md, '#')[2]![4]).toMatch(/❌/)
  })

  it.each(LANGS)(
    'without a step, says so and gives the crossing step, never the end of training (%s)',
    (lang) => {
      const input = seedLikeInput()
      input.experiment.checkpoints = input.experiment.checkpoints.map((c) => ({ ...c, step: undefined }))
      const md = buildReport(input, lang).markdown
      const t = reportStrings(lang)
      const model = buildReportModel(input, { fileBase: 'x' })
      const v = model.datasets[0]!.headline.verdicts.trainEval[0]!
      expect(v.reason).toBe('noStep')
      expect(md).toContain(verdictText(lang).verdict(v))
      expect(md).toContain(t.overview.keyNoStep('`final`'))
      expect(md).toContain(t.trajectory.unordered)
      expect(md).not.toContain(t.overview.trainLoss(50, 40000))
    },
  )

  it.each(LANGS)('reports a shifted export as misaligned, with the row offset that fixes it (%s)', (lang) => {
    const input = shiftedInput()
    const md = buildReport(input, lang).markdown
    const t = reportStrings(lang)
    const v = buildReportModel(input, { fileBase: 'x' }).datasets[0]!.headline.verdicts.alignment
    expect(v.status).toBe('fail')
    expect(v.rowOffset).toBe(1)
    expect(md).toContain(t.phaseAlign.offsetFix('+1', '`logits[0, 100:130]`', 100, 30))
    expect(unexplainedLosses(md, input)).toEqual([])
  })

  it.each(LANGS)(
    'beyond 30 samples: summary statistics, the 10 largest gaps and a CSV of every row (%s)',
    (lang) => {
      const input = longInput(45)
      const r = buildReport(input, lang, { fileBase: 'gap' })
      const t = reportStrings(lang)
      const stats = tableRows(r.markdown, t.perSample.measure)
      const final = input.runs.find((x) => x.checkpointId === 'final' && x.datasetId === 'train')!
      const scored = scoredResults(final.results)
      close(stats[0]![2]!, meansFromResults(final.results).teacherForcing)
      expect(stats[0]![1]).toBe(String(scored.length))
      const gaps = tableRows(
        r.markdown.slice(r.markdown.indexOf(t.perSample.largestHeading(t.perSample.gapMisaligned))),
        t.perSample.sample,
      )
      expect(gaps).toHaveLength(10)
      const byGap = [...scored].sort(
        (a, b) =>
          b.keepLastMisaligned!.loss -
          b.teacherForcing!.loss -
          (a.keepLastMisaligned!.loss - a.teacherForcing!.loss),
      )
      expect(gaps.map((g) => g[0])).toEqual(byGap.slice(0, 10).map((s) => String(s.index)))
      expect(r.files).toHaveLength(1)
      const csv = r.files![0]!
      expect(csv.file).toBe('gap.samples.csv')
      expect(r.markdown).toContain('](gap.samples.csv)')
      const lines = csv.text.trim().split('\n')
      expect(lines).toHaveLength(1 + input.runs.reduce((n, x) => n + x.results.length, 0))
      const header = lines[0]!.split(',')
      const row = lines.find((l) => l.startsWith('final,40000,train,3,'))!.split(',')
      const s3 = final.results.find((x) => x.index === 3)!
      expect(Number(row[header.indexOf('teacherForcing')])).toBe(s3.teacherForcing!.loss)
      expect(Number(row[header.indexOf('keepLastMisaligned')])).toBe(s3.keepLastMisaligned!.loss)
      expect(r.charts.every((c) => c.file.startsWith('gap.charts/'))).toBe(true)
      expect(unexplainedLosses(r.markdown, input)).toEqual([])
    },
  )

  it.each(LANGS)('says no variant matches a number nothing reproduces (%s)', (lang) => {
    const md = variant(lang, (i) => {
      i.experiment.reportedLoss = 30
    })
    expect(md).toContain(lang === 'en' ? 'No variant matches your 30.000' : '30.000')
  })

  it.each(LANGS)(
    'reports a single run without trajectory, training log or evidence as not measured (%s)',
    (lang) => {
      const t = reportStrings(lang)
      const input = seedLikeInput()
      input.runs = input.runs.filter((r) => r.checkpointId === 'final' && r.datasetId === 'train')
      input.trainLog = null
      input.experiment.checkpoints = input.experiment.checkpoints.map((c) => ({ ...c, weights: undefined }))
      input.experiment.datasets = input.experiment.datasets.map((d) => ({ ...d, consistency: undefined }))
      const r = buildReport(input, lang)
      expect(r.markdown).not.toContain(t.trajectory.heading)
      expect(r.charts.map((c) => c.file)).not.toContain(`report-${lang}.charts/training-curve.svg`)
      const hyp = tableRows(r.markdown, '#')
      for (const i of [0, 1, 5]) expect(hyp[i]![4]).toMatch(/➖/)
      expect(r.markdown).toContain(t.overview.keyNoLog)
    },
  )

  it('two reports with different names never share a chart file', () => {
    const a = buildReport(seedLikeInput(), 'en', { fileBase: 'a' }).charts.map((c) => c.file)
    const b = buildReport(seedLikeInput(), 'en', { fileBase: 'b' }).charts.map((c) => c.file)
    expect(a.filter((f) => b.includes(f))).toEqual([])
    const en = buildReport(seedLikeInput(), 'en').charts.map((c) => c.file)
    const zh = buildReport(seedLikeInput(), 'zh-CN').charts.map((c) => c.file)
    expect(en.filter((f) => zh.includes(f))).toEqual([])
  })

  it('rejects an experiment with no scored run', () => {
    const input = seedLikeInput()
    input.runs = []
    expect(() => buildReport(input, 'en')).toThrow(/no run with scored results/)
  })

  it('explains the number on the checkpoint and dataset asked for first', () => {
    expect(() => buildReport(seedLikeInput(), 'en', { checkpointId: 'nope' })).toThrow(/checkpoint "nope"/)
    const model = buildReportModel(seedLikeInput(), {
      checkpointId: 'early',
      datasetId: 'heldout',
      fileBase: 'x',
    })
    expect(model.primary.checkpoint.id).toBe('early')
    expect(model.primary.dataset.id).toBe('heldout')
  })
})

describe('report on a mixed set and an early checkpoint', () => {
  it.each(LANGS)(
    'judges a mixed set in its two parts and prints an inconclusive verdict with its badge (%s)',
    (lang) => {
      const input = seedLikeInput()
      // Half of the held-out set turns out to be in the training data: mixed.
      input.experiment.datasets[1] = {
        ...input.experiment.datasets[1]!,
        datasetKind: undefined,
        consistency: consistency(10, 5, 'eval_heldout.json'),
      }
      // The early checkpoint has learned little: its sweep is lowest at +1 by a hair (leakage, not misalignment).
      input.runs[0] = {
        ...input.runs[0]!,
        results: input.runs[0]!.results.map((r) =>
          r.offsetSweep
            ? {
                ...r,
                offsetSweep: {
                  '-2': 6.9,
                  '-1': 6.8,
                  '0': r.teacherForcing!.loss,
                  '1': r.teacherForcing!.loss - 0.2,
                  '2': 6.7,
                },
              }
            : r,
        ),
      }
      const model = buildReportModel(input, { fileBase: 'x' })
      const heldOut = model.datasets[1]!.headline.verdicts.trainEval
      expect(heldOut.map((v) => v.subset)).toEqual(['found', 'notFound'])
      const early = model.runs[0]!.verdicts.alignment
      expect(early.status).toBe('inconclusive')
      const md = buildReport(input, lang).markdown
      const t = reportStrings(lang)
      expect(md).toContain(`${t.final.evalLoss(t.final.partFound)}`)
      expect(md).toContain(`${t.final.evalLoss(t.final.partNotFound)}`)
      const matrix = tableRows(md.slice(md.indexOf(t.trajectory.matrixHeading)), t.overview.checkpoint)
      expect(matrix[0]![5]).toBe(verdictText(lang).badge('inconclusive'))
      expect(matrix[3]![6]).toContain(' / ')
      expect(unexplainedLosses(md, input)).toEqual([])
    },
  )
})

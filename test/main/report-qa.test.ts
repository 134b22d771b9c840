/**
 * Reading the report as its user would (QA of the generated report): a waterfall on a dataset other
 * than the one the user's number is explained on must not claim there is no number; an SFT number
 * that sits within noise of both MiniMind's loss and the shifted-mask loss, when the two cannot be
 * told apart, is said to be either; the provenance names max_seq_len.
 */
import { describe, expect, it } from 'vitest'
import { fmtLoss, fmtPm, verdictText } from '../../src/shared/diagnosis'
import type { Lang } from '../../src/shared/ipc'
import type { SampleResult } from '../../src/shared/results'
import { estimate } from '../../src/shared/stats'
import { buildReport, type ReportInput } from '../../src/main/report'
import { reportStrings } from '../../src/main/report/strings'
import { rng, runOf, seedLikeInput } from './report-fixture'

const LANGS: Lang[] = ['en', 'zh-CN']
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length

const ELSEWHERE: Record<Lang, string> = {
  en: 'No step here: your number is explained on another checkpoint or dataset',
  'zh-CN': '此处无此步：您的数字是在另一个检查点或数据集上解释的',
}
const NO_NUMBER: Record<Lang, string> = {
  en: 'no number from your script',
  'zh-CN': '没有您脚本的数字',
}

describe('report QA: the waterfalls of the other datasets', () => {
  for (const lang of LANGS) {
    it(`${lang}: a number explained on one dataset is not called missing on the others`, () => {
      const input = seedLikeInput()
      expect(input.experiment.reportedLoss).toBeTypeOf('number')
      expect(input.experiment.datasets.length).toBeGreaterThan(1)
      const md = buildReport(input, lang).markdown
      expect(md).toContain(ELSEWHERE[lang])
      expect(md).not.toContain(NO_NUMBER[lang])
      // Without a number, the other datasets' waterfalls still say there is none.
      const none: ReportInput = { ...input, experiment: { ...input.experiment } }
      delete (none.experiment as { reportedLoss?: number }).reportedLoss
      const mdNone = buildReport(none, lang).markdown
      expect(mdNone).not.toContain(ELSEWHERE[lang])
      expect(mdNone).toContain(NO_NUMBER[lang])
    })
  }
})

describe('report QA: an SFT number the two SFT losses cannot tell apart', () => {
  function sftInput(reported: (shifted: number) => number): { input: ReportInput; results: SampleResult[] } {
    const base = seedLikeInput()
    const r = rng(11)
    const results: SampleResult[] = Array.from({ length: 12 }, (_, index) => {
      const tokenLosses = Array.from({ length: 40 }, () => 1.5 + r())
      const loss = mean(tokenLosses)
      return {
        index,
        id: (7000 + index).toString(16).padStart(16, '0'),
        tokens: 120,
        inputLength: 0,
        predictLength: 0,
        // As on the demo's SFT checkpoint: the shifted mask scores within a few thousandths of the right one.
        sft: {
          loss,
          tokens: 40,
          shiftedMaskLoss: loss + (r() - 0.5) * 0.02,
          tokenLosses,
          maskedPositions: tokenLosses.map((_, i) => 60 + i),
        },
      }
    })
    const shifted = mean(results.map((x) => x.sft!.shiftedMaskLoss))
    const run = runOf('final', 'train', 'eval_sft.json', results)
    const input: ReportInput = {
      ...base,
      experiment: {
        ...base.experiment,
        datasets: [base.experiment.datasets[0]!],
        reportedLoss: reported(shifted),
      },
      runs: [run],
    }
    return { input, results }
  }

  for (const lang of LANGS) {
    it(`${lang}: says either, with the paired difference, and prints no sentence of dashes`, () => {
      const { input, results } = sftInput((s) => Math.round(s * 1000) / 1000)
      const md = buildReport(input, lang).markdown
      const g = reportStrings(lang).gap
      const d = estimate(results.map((x) => x.sft!.loss - x.sft!.shiftedMaskLoss))!
      expect(Math.abs(d.mean)).toBeLessThanOrEqual(2 * d.stderr!)
      expect(md).toContain(g.sftWhichEither(`${fmtLoss(Math.abs(d.mean))}${fmtPm(d.stderr)}`))
      expect(md).not.toContain(g.sftWhichShifted)
      // No continuation measures in an SFT-only run: no "prints —" line in the fix section.
      expect(md).not.toMatch(/prints —|打印 —|为 —；/)
      expect(md).not.toMatch(/> — nats/)
      // "Explain your number" lists the run's SFT variants (never a table of headers only), and
      // points to the SFT section that weighs the number (an SFT-only report names it after the SFT loss).
      const w = reportStrings(lang)
      expect(md).toContain(w.explain.sftElsewhere(g.sftSectionHeading, g.sftHeading))
      expect(md).toContain(`## ${g.sftSectionHeading}\n\n${g.sftSectionIntro}`)
      expect(md).not.toContain(`## ${g.sectionHeading}`)
      const vw = verdictText(lang)
      for (const measure of ['sft', 'sftShiftedMask'] as const) {
        expect(md).toContain(`| ${vw.candidate({ measure, value: 0 })} |`)
      }
    })
  }
})

describe('report QA: provenance names max_seq_len', () => {
  for (const lang of LANGS) {
    it(`${lang}: the settings row carries the run's max_seq_len`, () => {
      const base = seedLikeInput()
      const settings = { ...base.experiment.settings, maxSeqLen: 384 }
      const runs = base.runs.map((run) => ({ ...run, run: { ...run.run, settings } }))
      const md = buildReport({ ...base, experiment: { ...base.experiment, settings }, runs }, lang).markdown
      expect(md).toContain(lang === 'en' ? 'not added, max_seq_len 384, measures' : '，max_seq_len 384，测量')
    })
  }
})

describe('report QA: zh-CN reads as Chinese', () => {
  it('table headers use full-width parentheses and a Chinese bytes column', () => {
    const md = buildReport(seedLikeInput(), 'zh-CN').markdown
    const headers = md.split('\n').filter((l) => l.startsWith('| ') && l.includes('nats'))
    expect(headers.length).toBeGreaterThan(0)
    for (const h of headers) expect(h).not.toContain(' (nats)')
    expect(md).toContain('教师强制（nats）')
    expect(reportStrings('zh-CN').gap.utf8Bytes).toBe('UTF-8字节数')
    // One spacing for step numbers: the headings write "第 836 步", so the waterfall and verdicts do too.
    expect(md).toMatch(/第 \d+ 步/)
    expect(md).not.toMatch(/第\d+步/)
  })

  it('the training-format method names the BOS convention without nested parentheses', () => {
    const g = reportStrings('zh-CN').gap
    for (const c of [g.conventionWithBos, g.conventionWithoutBos]) {
      const text = g.trainFormatMethod(c, '256')
      expect(text).toContain('max_seq_len = 256')
      expect(text).not.toMatch(/（[^）]*（/)
    }
  })
})

describe('report QA: the held-out headline says it once', () => {
  const CAUSE: Record<Lang, [string, RegExp]> = {
    en: ['above training, as a held-out set should be', /held out/g],
    'zh-CN': ['高于训练loss，留出集本应如此', /这是留出集/g],
  }
  for (const lang of LANGS) {
    it(`${lang}: the generalisation-gap line names the held-out set in one place`, () => {
      const md = buildReport(seedLikeInput(), lang).markdown
      const [cause, heldOut] = CAUSE[lang]
      const lines = md.split('\n').filter((l) => l.startsWith('- ') && l.includes(cause))
      expect(lines.length).toBeGreaterThan(0)
      for (const l of lines) expect(l.match(heldOut)?.length ?? 0).toBeLessThanOrEqual(1)
    })
  }
})

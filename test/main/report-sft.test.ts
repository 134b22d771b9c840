/**
 * An SFT experiment's report reads in SFT terms, in both languages: the comparison with the training
 * loss names MiniMind's SFT loss (the mean over assistant tokens under its mask), not "the right slice";
 * the fix shows the loss mask, not a logits slice; the sample table holds each conversation's SFT
 * numbers; the trajectory tables the SFT loss per checkpoint. Numbers are recomputed here from the
 * per-sample results. The run states its format (settings.format 'sft'), and its samples also carry
 * teacher forcing: the report follows the format.
 */
import { describe, expect, it } from 'vitest'
import { fmtLoss, fmtPct, verdictText } from '../../src/shared/diagnosis'
import type { Lang } from '../../src/shared/ipc'
import type { SampleResult } from '../../src/shared/results'
import { estimate } from '../../src/shared/stats'
import { buildReport, type ReportInput } from '../../src/main/report'
import { reportStrings } from '../../src/main/report/strings'
import { rng, runOf, SETTINGS, seedLikeInput } from './report-fixture'
import { tableRows } from './report-helpers'

const LANGS: Lang[] = ['en', 'zh-CN']
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length

function conversations(seed: number, offset: number): SampleResult[] {
  const r = rng(seed)
  return Array.from({ length: 12 }, (_, index) => {
    const tokenLosses = Array.from({ length: 30 }, () => 1.6 + offset + r())
    const loss = mean(tokenLosses)
    return {
      index,
      id: (7000 + index).toString(16).padStart(16, '0'),
      tokens: 90,
      inputLength: 40,
      predictLength: 8,
      // A stray continuation measure: the run is SFT by its stated format all the same.
      teacherForcing: { loss: loss + 3, tokenLosses: [loss + 3], top1: 0.1 },
      sft: {
        loss,
        tokens: 30,
        shiftedMaskLoss: loss + 0.8 + r() * 0.2,
        tokenLosses,
        maskedPositions: tokenLosses.map((_, i) => 40 + i),
      },
      sftAutoregressive: { loss: loss + 4, stepLosses: [loss + 4], generatedText: 'ok' },
    }
  })
}

function sftInput(): { input: ReportInput; early: SampleResult[]; final: SampleResult[] } {
  const base = seedLikeInput()
  const early = conversations(3, 1)
  const final = conversations(4, 0)
  const sft = (run: ReturnType<typeof runOf>) => ({
    ...run,
    run: { ...run.run, settings: { ...SETTINGS, format: 'sft' as const } },
  })
  const shifted = mean(final.map((x) => x.sft!.shiftedMaskLoss))
  const input: ReportInput = {
    ...base,
    experiment: {
      ...base.experiment,
      datasets: [base.experiment.datasets[0]!],
      reportedLoss: Math.round(shifted * 1000) / 1000,
    },
    runs: [
      sft(runOf('early', 'train', 'eval_sft.json', early)),
      sft(runOf('final', 'train', 'eval_sft.json', final)),
    ],
  }
  return { input, early, final }
}

describe('report of an SFT experiment', () => {
  for (const lang of LANGS) {
    it(`${lang}: train vs eval, the fix, the samples and the trajectory in SFT terms`, () => {
      const { input, early, final } = sftInput()
      const md = buildReport(input, lang).markdown
      const s = reportStrings(lang)
      const reported = input.experiment.reportedLoss!
      const sftMean = mean(final.map((x) => x.sft!.loss))
      const e = estimate(final.map((x) => x.sft!.loss))!

      // Final verification: the evaluation loss is MiniMind's SFT loss, and the number is set against it.
      expect(md).toContain(`- **${s.final.sftEvalLoss('')}**${s.colon}`)
      expect(md).not.toContain(`- **${s.final.evalLoss('')}**`)
      const rel = (reported - sftMean) / reported
      expect(md).toContain(
        s.final.fromReportedSftValue(fmtLoss(reported), fmtLoss(e.mean), fmtPct(Math.abs(rel)), rel >= 0),
      )
      expect(md).not.toContain(s.final.fromReportedValue(fmtLoss(reported), fmtLoss(e.mean), fmtPct(rel)))

      // The fix: the mask, never a logits slice or the pretraining code.
      expect(md).toContain(s.fix.sftRightMask)
      expect(md).toContain(s.fix.sftAfter)
      expect(md).not.toContain('logits_to_keep=')
      expect(md).not.toContain(`**${s.fix.rightSlice}**`)

      // Sample by sample: each conversation's SFT loss, the late mask and their difference.
      const rows = tableRows(md, s.perSample.sample)
      expect(rows).toHaveLength(final.length + 1)
      final.forEach((r, i) => {
        expect(rows[i]!.slice(1, 3)).toEqual([fmtLoss(r.sft!.loss), fmtLoss(r.sft!.shiftedMaskLoss)])
      })
      expect(rows.at(-1)![1]).toBe(fmtLoss(sftMean))

      // The trajectory tables the SFT loss and the generated reply per checkpoint.
      const header = md
        .split('\n')
        .find((l) => l.startsWith(`| ${s.overview.checkpoint} | ${s.overview.step} |`) && l.includes('SFT'))!
      expect(header).toContain(`${s.measures.short.sft}${s.paren('nats')}`)
      expect(header).toContain(`${s.measures.short.sftAutoregressive}${s.paren('nats')}`)
      const earlyE = estimate(early.map((x) => x.sft!.loss))!
      expect(md).toContain(`${fmtLoss(earlyE.mean)} ± ${earlyE.stderr!.toFixed(3)}`)
      // The change is signed with the typographic minus the report's numbers use.
      expect(md).toMatch(lang === 'en' ? /\(SFT loss\): −/ : /（SFT loss）：−/)
    })
  }
})

/**
 * The report's overview, conclusion and provenance for an SFT headline: the key numbers are the SFT
 * loss, the late mask and the reply generated, divided by the SFT loss (not by the stray teacher
 * forcing the samples carry); "not measured yet" gives SFT advice; the settings row lists what the SFT
 * loop scored (the run asked for the pretraining list) and no L or BOS convention. Ratios and standard
 * errors are recomputed here from the per-sample results.
 */
describe('SFT report: overview, conclusion and provenance in SFT terms', () => {
  for (const lang of LANGS) {
    it(`${lang}: key numbers by the SFT loss, SFT advice, the SFT measures scored`, () => {
      const { input, final } = sftInput()
      const md = buildReport(input, lang).markdown
      const s = reportStrings(lang)
      const sftMean = mean(final.map((x) => x.sft!.loss))
      const late = estimate(final.map((x) => x.sft!.shiftedMaskLoss))!
      const reply = estimate(final.map((x) => x.sftAutoregressive!.loss))!

      // Key numbers: "× SFT loss", with the SFT rows, and no teacher-forcing row.
      expect(md).toContain(`| ${s.overview.quantity} | ${s.overview.loss} | ${s.overview.timesSft} |`)
      expect(md).not.toContain(`| ${s.overview.timesTf} |`)
      const rows = tableRows(md, s.overview.quantity)
      const row = (name: string) => rows.find((r) => r[0] === name)!
      expect(row(s.gap.sftLoss).slice(1, 3)).toEqual([
        `${fmtLoss(sftMean)} ± ${estimate(final.map((x) => x.sft!.loss))!.stderr!.toFixed(3)}`,
        '1.00×',
      ])
      expect(row(s.gap.sftShifted).slice(1, 3)).toEqual([
        `${fmtLoss(late.mean)} ± ${late.stderr!.toFixed(3)}`,
        `${(late.mean / sftMean).toFixed(2)}×`,
      ])
      expect(row(s.gap.sftAutoregressive)[2]).toBe(`${(reply.mean / sftMean).toFixed(2)}×`)
      expect(rows.some((r) => r[0] === s.measures.teacherForcing)).toBe(false)
      expect(md).toContain(
        s.overview.keyNoteSft(final.length, '`eval_sft.json`', '`final (step 836)`').slice(0, 40),
      )

      // Not measured (KV cache: not applicable; alignment: no sweep in these results): the SFT advice,
      // never the pretraining measures to run. The mode is measured (the generated reply against the
      // same reply tokens teacher-forced), so it asks for nothing.
      for (const h of ['kvCache', 'alignment'] as const) {
        expect(md).toContain(s.conclusion.howToSft(h, true)!)
        expect(md).not.toContain(s.conclusion.howTo(h))
      }
      expect(md).not.toContain(s.conclusion.howToSft('mode', true)!)
      expect(md).not.toContain(s.conclusion.howTo('mode'))

      // Provenance: the SFT measures scored, under the SFT settings (no L, no BOS).
      const settings = tableRows(md, s.prov.item).find((r) => r[0] === s.prov.settingsAll)!
      expect(settings[1]).toBe(
        s.prov.settingsValueSft(SETTINGS.predictLength, undefined, 'sft, sftAutoregressive', 1, 2, undefined),
      )
      expect(settings[1]).not.toContain('teacherForcing')

      // The waterfall ends at the SFT loss without a number: said so.
      expect(md).toContain(s.gap.waterfallIntroSft)
      expect(md).not.toContain(s.gap.waterfallIntro)
      // Its continuation steps do not apply to conversations: "not applicable", not "not measured".
      const t = verdictText(lang).waterfall
      const steps = tableRows(md, t.words.step)
      for (const step of ['tokenWeighting', 'position', 'bos'] as const) {
        expect(steps.find((r) => r[0]!.endsWith(t.step(step)))!.at(-1)).toBe(t.words.notApplicable)
      }
      expect(steps.find((r) => r[0]!.endsWith(t.step('logNoise')))!.at(-1)).toBe(t.words.measured)
    })
  }

  it('a run that did not generate the reply is told to measure it', () => {
    const { input } = sftInput()
    const strip = (r: SampleResult): SampleResult => ({ ...r, sftAutoregressive: undefined })
    const runs = input.runs.map((run) => ({ ...run, results: run.results.map(strip) }))
    const md = buildReport({ ...input, runs }, 'en').markdown
    const s = reportStrings('en')
    expect(md).toContain(s.conclusion.howToSft('mode', false)!)
    expect(md).not.toContain(s.conclusion.howToSft('mode', true)!)
    expect(tableRows(md, s.prov.item).find((r) => r[0] === s.prov.settingsAll)![1]).toContain('measures sft,')
  })
})

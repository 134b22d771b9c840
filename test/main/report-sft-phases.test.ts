/**
 * Phases 3–5 of an SFT experiment's report are written in SFT terms from the SFT verdicts: the
 * generated reply against the same reply tokens teacher-forced, KV cache not applicable to SFT
 * scoring, and the sweep over assistant targets beside the one-late mask. Built on the demo's PyTorch
 * SFT reference (reference-sft.json); every number is recomputed here from its conversations.
 */
import { describe, expect, it } from 'vitest'
import { fmtLoss, verdictText } from '../../src/shared/diagnosis'
import type { Lang } from '../../src/shared/ipc'
import type { SampleResult } from '../../src/shared/results'
import { buildReport, type ReportInput } from '../../src/main/report'
import { reportStrings } from '../../src/main/report/strings'
import { runOf, SETTINGS, seedLikeInput } from './report-fixture'
import { tableRows } from './report-helpers'
import { readReferenceSft } from '../helpers/reference-sft'

const REF = readReferenceSft()
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
const RESULTS: SampleResult[] = REF.samples.map((s) => ({
  index: s.index,
  id: (9000 + s.index).toString(16).padStart(16, '0'),
  tokens: s.ids.length,
  inputLength: s.sftAutoregressive.promptLength,
  predictLength: s.sftAutoregressive.stepLosses.length,
  sft: { ...s.sft },
  sftAutoregressive: {
    loss: s.sftAutoregressive.loss,
    stepLosses: s.sftAutoregressive.stepLosses,
    generatedText: s.sftAutoregressive.generatedText,
  },
}))

function input(): ReportInput {
  const base = seedLikeInput()
  const run = runOf('final', 'train', 'eval_sft.json', RESULTS)
  return {
    ...base,
    experiment: { ...base.experiment, datasets: [base.experiment.datasets[0]!] },
    runs: [{ ...run, run: { ...run.run, settings: { ...SETTINGS, format: 'sft' as const } } }],
  }
}

/** The markdown from a phase's heading to the next phase's. */
function phase(md: string, title: string): string {
  const lines = md.split('\n')
  const start = lines.indexOf(`### ${title}`)
  expect(start).toBeGreaterThanOrEqual(0)
  const end = lines.findIndex((l, i) => i > start && l.startsWith('### '))
  return lines.slice(start, end).join('\n')
}

describe('SFT report: phases 3–5 in SFT terms', () => {
  for (const lang of ['en', 'zh-CN'] as Lang[]) {
    it(`${lang}: mode, KV cache and alignment from the SFT verdicts, not "not measured"`, () => {
      const md = buildReport(input(), lang).markdown
      const s = reportStrings(lang)
      // Phase 5 is titled for what an SFT run checks, not logits_to_keep.
      expect(md).not.toContain(s.phaseAlign.title)
      const [p3, p4, p5] = [s.phaseMode.title, s.phaseKv.title, s.sftPhases.alignTitle].map((t) =>
        phase(md, t),
      )
      for (const p of [p3, p4, p5]) expect(p).not.toContain(s.notRun)
      // Phase 3: the same reply tokens teacher-forced vs the generated reply, per conversation.
      const forced = mean(
        REF.samples.map((x) => mean(x.sft.tokenLosses.slice(0, x.sftAutoregressive.stepLosses.length))),
      )
      expect(p3).toContain(s.sftPhases.modeMethod)
      expect(p3).not.toContain(s.phaseMode.method)
      expect(p3).toContain(`${fmtLoss(forced)}`)
      expect(p3).toContain(fmtLoss(REF.means.sftAutoregressive))
      expect(p3).toMatch(/±/)
      // Phase 4: not applicable to SFT scoring.
      expect(p4).toContain(s.sftPhases.kvNotApplicable)
      // Its badge says so too, here and in the hypotheses table: not "not measured".
      const na = `➖ ${verdictText(lang).waterfall.words.notApplicable}`
      expect(p4).toContain(`${na}${lang === 'en' ? ': ' : '：'}`)
      expect(p4).not.toContain(verdictText(lang).badge('notMeasured'))
      // Phase 5: the two masks and the sweep over assistant targets.
      const masks = tableRows(p5, s.sftPhases.measure)
      expect(masks[0]).toEqual([s.sftPhases.trainers, fmtLoss(REF.means.sft), '20'])
      expect(masks[1]).toEqual([s.sftPhases.maskLate, fmtLoss(REF.means.sftShiftedMask), '20'])
      const sweep = tableRows(p5, s.phaseAlign.shift)
      const zero = sweep.find((r) => r[0] === '0')!
      expect(zero[1]).toBe(fmtLoss(mean(REF.samples.map((x) => x.sft.offsetSweep['0']!))))
      const plus1 = sweep.find((r) => r[0] === '+1')!
      expect(plus1[1]).toBe(fmtLoss(mean(REF.samples.map((x) => x.sft.offsetSweep['1']!))))
      expect(p5).toContain('✅')
    })
  }

  for (const lang of ['en', 'zh-CN'] as Lang[]) {
    it(`${lang}: the runs table shows no L for the SFT run; final verification counts conversations`, () => {
      const md = buildReport(input(), lang).markdown
      const s = reportStrings(lang)
      const row = tableRows(md.slice(md.indexOf(`### ${s.overview.runsHeading}`)), s.overview.checkpoint)[0]!
      expect(row[4]).toBe('—')
      expect(row[5]).toBe(String(SETTINGS.predictLength))
      const final = md.slice(md.indexOf(`### ${s.final.title}`))
      expect(final).toContain(lang === 'en' ? '20 conversations' : '20 个对话')
      expect(final).not.toContain(lang === 'en' ? '20 samples' : '20 个样本')
      // Nowhere else either (the gap waterfall's steps count conversations too).
      expect(md).not.toMatch(lang === 'en' ? /20 samples/ : /20 ?个样本/)
      expect(md).toContain(lang === 'en' ? '20 conversations against the log window' : '20个对话对比日志窗口')
    })
  }
})

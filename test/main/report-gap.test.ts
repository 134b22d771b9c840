/**
 * Issue 13 in the report: the gap waterfall opens the answer, and the training-format, rolling, bits
 * per byte, BOS-both-ways, loss-by-position and SFT sections appear in both languages with numbers
 * recomputed here from the fixture's per-sample results and log (never read back from the code under test).
 */
import { describe, expect, it } from 'vitest'
import { fmtLoss, fmtPm, fmtSignedLoss, verdictText } from '../../src/shared/diagnosis'
import type { TrainLog } from '../../src/shared/evidence'
import type { Lang } from '../../src/shared/ipc'
import type { RunSettings, SampleResult } from '../../src/shared/results'
import { estimate } from '../../src/shared/stats'
import { buildReport, type ReportInput } from '../../src/main/report'
import { reportStrings } from '../../src/main/report/strings'
import { rng, runOf, seedLikeInput } from './report-fixture'
import { assertWellFormedSvg, checkTables, tableRows } from './report-helpers'

const LANGS: Lang[] = ['en', 'zh-CN']
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
const pm = (xs: number[]): string => {
  const e = estimate(xs)!
  return `${fmtLoss(e.mean)}${fmtPm(e.stderr)}`
}
const MAX_SEQ_LEN = 512

/** The fixture's results with the new measures: whole sample, rolling, BOS both ways, bytes. */
function withGapMeasures(results: SampleResult[], seed: number): SampleResult[] {
  const r = rng(seed)
  return results.map((s) => {
    if (s.skipped !== undefined || !s.teacherForcing) return s
    const tokens = 200 + Math.floor(r() * 300)
    const positionLosses = Array.from({ length: tokens }, (_, i) => 2 + 4 / (1 + i / 8) + (r() - 0.5) * 0.4)
    const loss = mean(positionLosses)
    const bytes = tokens * 3 + Math.floor(r() * 50)
    const tf = s.teacherForcing
    const tfBytes = tf.tokenLosses.length * 3
    return {
      ...s,
      teacherForcing: {
        ...tf,
        bytes: tfBytes,
        bitsPerByte: (tf.loss * tf.tokenLosses.length) / (Math.LN2 * tfBytes),
      },
      trainFormat: {
        loss,
        tokens,
        bytes,
        bitsPerByte: (loss * tokens) / (Math.LN2 * bytes),
        positionLosses,
        truncated: tokens > MAX_SEQ_LEN - 1,
      },
      rolling: {
        loss: loss + 0.05,
        tokens,
        bytes,
        bitsPerByte: ((loss + 0.05) * tokens) / (Math.LN2 * bytes),
        positionLosses: positionLosses.map((x) => x + 0.05),
        windows: 2,
      },
      // The run scores with a BOS (settings.bos 'yes'): withBos is its teacher forcing.
      bosBoth: { withBos: tf.loss, withoutBos: tf.loss + 0.6 + r() * 0.2 },
    }
  })
}

/** A 2026 log (loss = logits_loss + aux_loss) around the fixture's steps. */
function log2026(): TrainLog {
  const r = rng(11)
  const points = Array.from({ length: 400 }, (_, i) => {
    const logitsLoss = 2.4 + 6.4 * Math.exp(-i / 40) + (r() - 0.5) * 0.3
    const auxLoss = 0.01 + r() * 0.02
    return { step: (i + 1) * 100, epoch: 1, loss: logitsLoss + auxLoss, lr: 5e-4, logitsLoss, auxLoss }
  })
  return {
    path: 'train.log',
    format: 'minimind-2026',
    steps: points.length,
    trailingMean: null,
    tail: 20,
    unparsedLines: [],
    points,
    caveat: '',
  }
}

function gapInput(): ReportInput {
  const base = seedLikeInput()
  const settings: RunSettings = { ...base.experiment.settings, bos: 'yes', maxSeqLen: MAX_SEQ_LEN }
  const runs = base.runs.map((run, i) => {
    const results = run.checkpointId === 'final' ? withGapMeasures(run.results, 20 + i) : run.results
    const out = runOf(run.checkpointId, run.datasetId, run.summary!.dataPath, results)
    out.run.settings = settings
    return out
  })
  return { ...base, experiment: { ...base.experiment, settings }, runs, trainLog: log2026() }
}

/** The rows of the first table with `firstHeader` after `heading`. */
function rowsAfter(md: string, heading: string, firstHeader: string): string[][] {
  const at = md.indexOf(heading)
  expect(at, heading).toBeGreaterThanOrEqual(0)
  return tableRows(md.slice(at), firstHeader)
}

describe('report: the gap waterfall and the whole-sample measures', () => {
  const input = gapInput()
  const final = input.runs.find((r) => r.checkpointId === 'final' && r.datasetId === 'train')!
  const scored = final.results.filter((r) => r.skipped === undefined)
  const train = scored.map((r) => r.trainFormat!)
  const tf = scored.map((r) => r.teacherForcing!)

  for (const lang of LANGS) {
    const report = buildReport(input, lang)
    const md = report.markdown
    const g = reportStrings(lang).gap
    const wt = verdictText(lang).waterfall

    it(`${lang}: the waterfall opens the answer, with each step recomputed from the results and the log`, () => {
      expect(md).not.toMatch(/undefined|NaN|\bnull\b|\[object /)
      expect(checkTables(md)).toBeGreaterThanOrEqual(10)
      const answer = md.indexOf(`### ${reportStrings(lang).overview.answerHeading}`)
      const heading = md.indexOf(`### ${g.waterfallHeading('eval_data_from_train.json')}`)
      const runs = md.indexOf(`### ${reportStrings(lang).overview.runsHeading}`)
      expect(answer).toBeGreaterThanOrEqual(0)
      expect(heading).toBeGreaterThan(answer)
      expect(runs).toBeGreaterThan(heading)
      const rows = rowsAfter(md, g.waterfallHeading('eval_data_from_train.json'), wt.words.step)
      const change = (step: string): string => rows.find((r) => r[0]!.endsWith(wt.step(step as never)))![3]!
      // The log window at step 40000: the 50 lines up to it; the logged line is the last of them.
      const window = input.trainLog!.points.filter((p) => p.step <= 40000).slice(-50)
      const line = window[window.length - 1]!.loss
      expect(change('logNoise')).toMatch(
        new RegExp(`^\\${fmtSignedLoss(mean(window.map((p) => p.loss)) - line)} ± `),
      )
      const aux = window.map((p) => p.logitsLoss! - p.loss)
      expect(change('auxLoss').startsWith(fmtSignedLoss(mean(aux)))).toBe(true)
      const weighted =
        train.reduce((s, x) => s + x.loss * x.tokens, 0) / train.reduce((s, x) => s + x.tokens, 0)
      expect(
        change('trainingMix').startsWith(fmtSignedLoss(weighted - mean(window.map((p) => p.logitsLoss!)))),
      ).toBe(true)
      expect(
        change('tokenWeighting').startsWith(fmtSignedLoss(mean(train.map((x) => x.loss)) - weighted)),
      ).toBe(true)
      const position = tf.map((x, i) => x.loss - train[i]!.loss)
      expect(change('position')).toBe(pm(position).replace(/^(\d)/, '+$1'))
      // The user's 12.34 is the misaligned slice: the last measured step, paired over the samples.
      const slicing = scored.map((r) => r.keepLastMisaligned!.loss - r.teacherForcing!.loss)
      expect(change('slicing')).toBe(pm(slicing).replace(/^(\d)/, '+$1'))
      // BOS is measured but aside: the number is reproduced in the run's own convention.
      const bosRow = rows.find((r) => r[0]!.endsWith(wt.step('bos')))!
      expect(bosRow[5]).toBe(wt.words.aside)
      // The residual is 12.34 minus the logged line and every measured step.
      const residual =
        12.34 -
        line -
        (mean(window.map((p) => p.loss)) - line) -
        mean(aux) -
        (weighted - mean(window.map((p) => p.logitsLoss!))) -
        (mean(train.map((x) => x.loss)) - weighted) -
        mean(position) -
        mean(slicing)
      const residualRow = rows.find((r) => r[0] === wt.words.residual)!
      expect(residualRow[3]!.startsWith(fmtSignedLoss(residual))).toBe(true)
      const chart = report.charts.find((c) => c.file.endsWith('waterfall.train.svg'))!
      assertWellFormedSvg(chart.svg)
      expect(md).toContain(`](${chart.file})`)
      expect(chart.svg).toContain(wt.stepShort('residual', {} as never))
    })

    it(`${lang}: training format with its convention and max_seq_len, rolling, bits per byte`, () => {
      expect(md).toContain(`## ${g.sectionHeading}`)
      expect(md).toContain(g.trainFormatMethod(g.conventionWithBos, String(MAX_SEQ_LEN)))
      const rows = rowsAfter(md, `#### ${g.trainFormatHeading}`, g.quantity)
      expect(rows[0]).toEqual([
        g.trainFormat,
        pm(train.map((x) => x.loss)),
        fmtLoss(train.reduce((s, x) => s + x.loss * x.tokens, 0) / train.reduce((s, x) => s + x.tokens, 0)),
        String(train.reduce((s, x) => s + x.tokens, 0)),
        (
          train.reduce((s, x) => s + x.loss * x.tokens, 0) /
          (Math.LN2 * train.reduce((s, x) => s + x.bytes, 0))
        ).toFixed(4),
        String(train.length),
      ])
      expect(rows[1]![0]).toBe(g.teacherForcing)
      // The key numbers carry it too, token-weighted, first among the measures.
      const key = rowsAfter(
        md,
        `### ${reportStrings(lang).overview.keyHeading('eval_data_from_train.json')}`,
        reportStrings(lang).overview.quantity,
      )
      expect(key.find((r) => r[0] === g.trainFormatKey)?.[1]).toBe(rows[0]![2])
      expect(rows[1]![1]).toBe(pm(tf.map((x) => x.loss)))
      const tfBits =
        tf.reduce((s, x) => s + x.loss * x.tokenLosses.length, 0) /
        (Math.LN2 * tf.reduce((s, x) => s + x.bytes!, 0))
      expect(rows[1]![4]).toBe(tfBits.toFixed(4))
      const cut = train.filter((x) => x.truncated).length
      if (cut > 0) expect(md).toContain(g.truncated(cut, train.length))
      const rolling = rowsAfter(md, `#### ${g.rollingHeading}`, g.quantity)
      expect(rolling[0]![1]).toBe(pm(scored.map((r) => r.rolling!.loss)))
      expect(md).toContain(g.windows(2 * scored.length))
      const bpb = rowsAfter(md, `#### ${g.bpbHeading}`, g.scope)
      const tfBpb =
        tf.reduce((s, x) => s + x.loss * x.tokenLosses.length, 0) /
        (Math.LN2 * tf.reduce((s, x) => s + x.bytes!, 0))
      expect(bpb[0]).toEqual([
        g.teacherForcing,
        tfBpb.toFixed(4),
        (2 ** tfBpb).toFixed(4),
        String(tf.reduce((s, x) => s + x.bytes!, 0)),
        String(tf.length),
      ])
      expect(bpb.map((r) => r[0])).toEqual([g.teacherForcing, g.trainFormat, g.rolling])
    })

    it(`${lang}: BOS both ways with the experiment's convention named, and loss by position`, () => {
      const rows = rowsAfter(md, `#### ${g.bosHeading}`, g.quantity)
      expect(rows[0]).toEqual([g.withBos, pm(scored.map((r) => r.bosBoth!.withBos)), String(scored.length)])
      expect(rows[1]).toEqual([
        g.withoutBos,
        pm(scored.map((r) => r.bosBoth!.withoutBos)),
        String(scored.length),
      ])
      const d = scored.map((r) => r.bosBoth!.withoutBos - r.bosBoth!.withBos)
      expect(rows[2]![1]).toBe(pm(d).replace(/^(\d)/, '+$1'))
      expect(md).toContain(g.bosUsed(g.withBos))
      expect(md).toContain(g.bosVerdict(g.withBos, fmtLoss(mean(d))))
      expect(md).toContain(g.positionMethod(String(MAX_SEQ_LEN)))
      const chart = report.charts.find((c) => c.file.endsWith('position-loss.train.svg'))!
      assertWellFormedSvg(chart.svg)
      expect(chart.svg).toContain(`max_seq_len ${MAX_SEQ_LEN}`)
      expect(md).toContain(`](${chart.file})`)
      const at1 = mean(train.map((x) => x.positionLosses[0]!))
      expect(md).toContain(fmtLoss(at1))
    })
  }
})

describe('report: the SFT phase says which loss a reported number is', () => {
  function sftInput(reported: number | undefined): { input: ReportInput; results: SampleResult[] } {
    const base = seedLikeInput()
    const r = rng(5)
    const results: SampleResult[] = Array.from({ length: 12 }, (_, index) => {
      const tokenLosses = Array.from({ length: 40 }, () => 1.5 + r())
      const loss = mean(tokenLosses)
      return {
        index,
        id: (9000 + index).toString(16).padStart(16, '0'),
        tokens: 120,
        inputLength: 0,
        predictLength: 0,
        teacherForcing: { loss, tokenLosses, top1: 0.5 },
        sft: {
          loss,
          tokens: 40,
          shiftedMaskLoss: loss + 1.2 + r() * 0.3,
          tokenLosses,
          maskedPositions: tokenLosses.map((_, i) => 60 + i),
        },
        sftAutoregressive: { loss: loss + 0.9, stepLosses: [loss + 0.9], generatedText: 'ok' },
      }
    })
    const run = runOf('final', 'train', 'eval_sft.json', results)
    const input: ReportInput = {
      ...base,
      experiment: {
        ...base.experiment,
        datasets: [base.experiment.datasets[0]!],
        ...(reported === undefined ? { reportedLoss: undefined } : { reportedLoss: reported }),
      },
      runs: [run],
    }
    if (reported === undefined) delete (input.experiment as { reportedLoss?: number }).reportedLoss
    return { input, results }
  }

  for (const lang of LANGS) {
    it(`${lang}: MiniMind's SFT loss beside the shifted mask, and the number named by its distance`, () => {
      const probe = sftInput(undefined)
      const shifted = mean(probe.results.map((r) => r.sft!.shiftedMaskLoss))
      const { input, results } = sftInput(Math.round(shifted * 1000) / 1000)
      const md = buildReport(input, lang).markdown
      const g = reportStrings(lang).gap
      const rows = rowsAfter(md, `#### ${g.sftHeading}`, g.quantity)
      expect(rows[0]![1]).toBe(pm(results.map((r) => r.sft!.loss)))
      expect(rows[1]![1]).toBe(pm(results.map((r) => r.sft!.shiftedMaskLoss)))
      expect(rows[2]![1]).toBe(pm(results.map((r) => r.sftAutoregressive!.loss)))
      const reported = Math.round(shifted * 1000) / 1000
      const se = (xs: number[]) => estimate(xs)!.stderr!
      const a =
        Math.abs(reported - mean(results.map((r) => r.sft!.loss))) / se(results.map((r) => r.sft!.loss))
      const b = Math.abs(reported - shifted) / se(results.map((r) => r.sft!.shiftedMaskLoss))
      expect(md).toContain(g.sftReported(fmtLoss(reported), a.toFixed(1), b.toFixed(1), g.sftWhichShifted))
      const none = buildReport(sftInput(undefined).input, lang).markdown
      expect(none).toContain(g.sftNoReported)
    })
  }
})

describe('report: the new sections in Chinese prose', () => {
  // The rule of report.test.ts's zh-CN check: no ASCII , : ; ( ) beside a CJK character in prose.
  const CJK = '[\\u3400-\\u9fff\\u3000-\\u303f\\uff00-\\uffef]'
  const ASCII_NEXT_TO_CJK = new RegExp(`${CJK}\\s?[,:;()]|[,:;()]\\s?${CJK}`)
  const prose = (md: string): string[] =>
    md
      .replace(/```[\s\S]*?```/g, '')
      .split('\n')
      .filter((l) => !l.startsWith('|'))
      .map((l) =>
        l
          .replace(/`[^`]*`/g, '')
          .replace(/\]\([^)]*\)/g, ']')
          .replace(/\*+/g, ''),
      )

  it('uses Chinese punctuation in the waterfall and the whole-sample sections', () => {
    const md = buildReport(gapInput(), 'zh-CN').markdown
    expect(md).toContain(`## ${reportStrings('zh-CN').gap.sectionHeading}`)
    expect(prose(md).filter((l) => ASCII_NEXT_TO_CJK.test(l))).toEqual([])
  })
})

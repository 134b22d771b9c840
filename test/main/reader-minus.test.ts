/**
 * One sign rule: a negative number shown to a reader (the window, the report) takes U+2212 MINUS SIGN,
 * through `signed` in src/shared/diagnosis/format.ts; machine formats (the samples CSV) keep ASCII "-".
 * Checked formatter by formatter, as a round trip over many values, and on generated reports.
 */
import { describe, expect, it } from 'vitest'
import {
  MINUS,
  fmtLoss,
  fmtNats,
  fmtPct,
  fmtRatio,
  fmtSci,
  fmtShift,
  fmtSignedLoss,
  fmtSignedNats,
  fmtSignedPct,
  signed,
} from '../../src/shared/diagnosis'
import { buildReport, buildReportModel } from '../../src/main/report'
import { samplesCsv } from '../../src/main/report/samples-csv'
import { rng, seedLikeInput, shiftedInput } from './report-fixture'

describe('the reader’s minus', () => {
  it('is U+2212, and the rule puts it before a negative magnitude only', () => {
    expect(MINUS).toBe('\u2212')
    expect(signed(-1.5, '1.500')).toBe('\u22121.500')
    expect(signed(1.5, '1.500')).toBe('+1.500')
    expect(signed(1.5, '1.500', '')).toBe('1.500')
    // Digits that round to zero carry no direction.
    expect(signed(-0.0001, '0.000')).toBe('+0.000')
    expect(signed(-0.0001, '0.000', '+', ' ')).toBe(' 0.000')
  })

  it('every formatter a reader sees uses it', () => {
    expect(fmtSignedLoss(-0.168)).toBe('−0.168')
    expect(fmtSignedLoss(9.88)).toBe('+9.880')
    expect(fmtSignedLoss(-0.0002)).toBe('+0.000')
    expect(fmtLoss(-1.5)).toBe('−1.500')
    expect(fmtLoss(2.26)).toBe('2.260')
    expect(fmtPct(-0.069)).toBe('−6.9%')
    expect(fmtSignedPct(-0.069)).toBe('−6.9%')
    expect(fmtSignedPct(4.066)).toBe('+406.6%')
    expect(fmtShift(-2)).toBe('−2')
    expect(fmtShift(0)).toBe('0')
    expect(fmtShift(1)).toBe('+1')
    // The exponent keeps the notation a reader types into code.
    expect(fmtSci(-2.4e-5)).toBe('−2.4e-5')
    expect(fmtSci(1e-3)).toBe('1.0e-3')
    expect(fmtNats(-0.5)).toBe('−0.5000')
    expect(fmtSignedNats(-0.16789)).toBe('−0.1679')
    expect(fmtSignedNats(0.00001)).toBe(' 0.0000')
    expect(fmtRatio(-1, 2)).toBe('−0.50×')
  })

  it('reads back as the number it prints, with no ASCII minus anywhere', () => {
    const next = rng(7)
    const formats: [(x: number) => string, number][] = [
      [fmtLoss, 0.0005],
      [fmtSignedLoss, 0.0005],
      [(x) => fmtNats(x), 0.00005],
      [(x) => fmtSignedNats(x), 0.00005],
      [(x) => fmtPct(x).replace('%', ''), 0.05],
      [(x) => fmtSignedPct(x).replace('%', ''), 0.05],
    ]
    for (let i = 0; i < 500; i++) {
      const x = (next() - 0.5) * 20
      formats.forEach(([fmt, tol], k) => {
        const text = fmt(x)
        expect(text, text).not.toContain('-')
        const scale = k >= 4 ? 100 : 1
        expect(Math.abs(Number(text.replace(MINUS, '-')) - x * scale), text).toBeLessThanOrEqual(tol + 1e-9)
      })
    }
  })

  for (const [name, make] of [
    ['seed-like', seedLikeInput],
    ['shifted logits', shiftedInput],
  ] as const) {
    it(`${name}: the report's prose prints negative numbers with it, the CSV with ASCII "-"`, () => {
      const input = make()
      for (const lang of ['en', 'zh-CN'] as const) {
        const md = buildReport(input, lang).markdown
        // Code (blocks and spans) shows what to type, with ASCII signs; the rest is for a reader.
        const prose = md.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '')
        expect(prose.match(/.{0,30}(?<![\w.)\]])-\d.{0,10}/g) ?? []).toEqual([])
        expect(prose, 'the report prints some negative number').toMatch(/\u2212\d+\.\d/)
      }
      const csv = samplesCsv(buildReportModel(input, { fileBase: 'x' }))
      expect(csv).not.toContain(MINUS)
      expect(csv.split('\n')[0]).toContain('offsetSweep-2')
    })
  }
})

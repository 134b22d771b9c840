import { describe, expect, it } from 'vitest'
import {
  THRESHOLDS,
  candidatesFromMeans,
  explainReportedLoss,
  verdictText,
  type Candidate,
} from '../../src/shared/diagnosis'
import type { Means } from '../../src/shared/results'

const seedLike: Means = {
  teacherForcing: 2.731,
  keepLastMisaligned: 12.31,
  keepLastAligned: 2.7312,
  offsetSweep: { '-2': 9.8, '-1': 7.9, '0': 2.731, '1': 12.3099, '2': 11.2 },
  autoregressive: 10.6,
}

describe('explain my number', () => {
  it("finds the seed's misaligned slice for 12.34 and names the measure, not the equal sweep shift", () => {
    const e = explainReportedLoss(12.34, candidatesFromMeans(seedLike))
    expect(e.status).toBe('matched')
    expect(e.match?.measure).toBe('keepLastMisaligned')
    expect(e.match?.rowShift).toBe(1)
    expect(e.match?.relative).toBeCloseTo(0.03 / 12.34, 6)
    expect(e.ambiguous).toBe(false)
    const en = verdictText('en').explanation(e)
    expect(en).toContain('12.310')
    expect(en).toContain('one position late')
    expect(verdictText('zh-CN').explanation(e)).toContain('向后错了1个位置')
  })
  it('finds teacher forcing, autoregressive and a sweep shift when they are nearest', () => {
    expect(explainReportedLoss(2.7, candidatesFromMeans(seedLike)).match?.measure).toBe('teacherForcing')
    expect(explainReportedLoss(10.5, candidatesFromMeans(seedLike)).match?.measure).toBe('autoregressive')
    const s = explainReportedLoss(7.95, candidatesFromMeans(seedLike)).match
    expect(s?.measure).toBe('offsetSweep')
    expect(s?.shift).toBe(-1)
    expect(s?.rowShift).toBe(-1)
  })
  it('matches at exactly the tolerance and not beyond it', () => {
    const c: Candidate[] = [{ measure: 'teacherForcing', value: 10.5 }]
    expect(THRESHOLDS.explainRelativeTolerance).toBe(0.05)
    // |10.5 - 10| / 10 = 0.05 exactly in binary arithmetic.
    expect(explainReportedLoss(10, c).status).toBe('matched')
    expect(explainReportedLoss(10, [{ measure: 'teacherForcing', value: 10.5001 }]).status).toBe('noMatch')
  })
  it('says no variant matches, and names the nearest, when none is within tolerance', () => {
    const e = explainReportedLoss(20, candidatesFromMeans(seedLike))
    expect(e.status).toBe('noMatch')
    expect(e.match).toBeNull()
    expect(e.nearest?.measure).toBe('keepLastMisaligned')
    expect(verdictText('en').explanation(e)).toMatch(/^No variant matches your 20\.000 within 5%/)
    expect(verdictText('zh-CN').explanation(e)).toContain('没有任何一种计算方式')
  })
  it('flags a match as ambiguous when a different slice is also within tolerance', () => {
    const e = explainReportedLoss(10, [
      { measure: 'autoregressive', value: 10.1 },
      { measure: 'keepLastMisaligned', value: 10.2 },
    ])
    expect(e.match?.measure).toBe('autoregressive')
    expect(e.ambiguous).toBe(true)
  })
  it('reports no candidates, and rejects a reported loss that is not a positive number', () => {
    expect(explainReportedLoss(3, []).status).toBe('noCandidates')
    expect(() => explainReportedLoss(0, [])).toThrow(RangeError)
    expect(() => explainReportedLoss(Number.NaN, [])).toThrow(RangeError)
  })
})

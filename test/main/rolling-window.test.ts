/**
 * The rolling measure's description names the window length it used: the run's max_seq_len, or
 * LossLens's default (512) said as such when the run records none, in the report (rollingBlock); the
 * window's sample-table tooltip is checked in test/renderer/sample-columns-width.test.ts.
 */
import { describe, expect, it } from 'vitest'
import type { RunSettings, SampleResult } from '../../src/shared/results'
import { rollingWindow } from '../../src/shared/measures'
import { DEFAULT_MAX_SEQ_LEN } from '../../src/shared/limits'
import { buildReport, type ReportInput } from '../../src/main/report'
import { reportStrings } from '../../src/main/report/strings'
import { seedLikeInput } from './report-fixture'

/** The seed-like input with a rolling loss on every scored sample and the given max_seq_len. */
function withRolling(maxSeqLen: number | undefined): ReportInput {
  const base = seedLikeInput()
  const { maxSeqLen: _drop, ...rest } = base.experiment.settings
  const settings: RunSettings = maxSeqLen === undefined ? rest : { ...rest, maxSeqLen }
  const add = (r: SampleResult): SampleResult =>
    r.skipped !== undefined
      ? r
      : {
          ...r,
          rolling: { loss: 3.1, tokens: 300, bytes: 900, bitsPerByte: 1.5, positionLosses: [], windows: 2 },
        }
  const runs = base.runs.map((run) => ({
    ...run,
    results: run.results.map(add),
    run: { ...run.run, settings },
  }))
  return { ...base, experiment: { ...base.experiment, settings }, runs }
}

/** The method paragraph under the rolling heading. */
function rollingMethod(md: string, heading: string): string {
  const at = md.indexOf(`#### ${heading}`)
  expect(at, heading).toBeGreaterThanOrEqual(0)
  return md.slice(at).split('\n\n')[1]!
}

describe('rolling window length', () => {
  it('is the run’s max_seq_len, else the engine’s default, said as not recorded', () => {
    expect(rollingWindow({ maxSeqLen: 256 })).toEqual({ tokens: 256, recorded: true })
    expect(rollingWindow({})).toEqual({ tokens: DEFAULT_MAX_SEQ_LEN, recorded: false })
    expect(rollingWindow(undefined)).toEqual({ tokens: 512, recorded: false })
  })

  it('the report names the window length the run used', () => {
    const en = rollingMethod(
      buildReport(withRolling(256), 'en').markdown,
      reportStrings('en').gap.rollingHeading,
    )
    expect(en).toContain('disjoint windows of 256 tokens (max_seq_len)')
    expect(en).not.toContain('512')
    const zh = rollingMethod(
      buildReport(withRolling(256), 'zh-CN').markdown,
      reportStrings('zh-CN').gap.rollingHeading,
    )
    expect(zh).toContain('每个 256 个token的互不重叠窗口')
  })

  it('the report says when the length is LossLens’s default, not the run’s', () => {
    const en = rollingMethod(
      buildReport(withRolling(undefined), 'en').markdown,
      reportStrings('en').gap.rollingHeading,
    )
    expect(en).toContain('disjoint windows of 512 tokens')
    expect(en).toContain('the run does not record it')
    const zh = rollingMethod(
      buildReport(withRolling(undefined), 'zh-CN').markdown,
      reportStrings('zh-CN').gap.rollingHeading,
    )
    expect(zh).toContain('512')
    expect(zh).toContain('运行未记录')
  })
})

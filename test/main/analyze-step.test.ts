/** analyze --step N / --last-checkpoint: the flags reach the report as the checkpoint's step (the report itself is stubbed). */
import fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { UsageError } from '../../src/main/engine/errors'
import { readTrainLog } from '../../src/main/engine/evidence/train-log'
import { lastLoggedStep } from '../../src/shared/diagnosis/training-reference'
import type { RunSummary } from '../../src/shared/results'
import { DEMO, tmpDir } from '../engine/fixtures'

const singleRunReport = vi.fn(async (_args: { step?: number }) => ({ files: [] as string[] }))
vi.mock('../../src/main/report/index', () => ({ singleRunReport }))
const { checkReportFlags, reportAfterAnalysis } = await import('../../src/main/cli/analyze-report')

vi.spyOn(console, 'log').mockImplementation(() => undefined)
const out = tmpDir('losslens-analyze-step-')
fs.writeFileSync(join(out, 'results.jsonl'), '')
afterAll(() => fs.rmSync(out, { recursive: true, force: true }))
const log = join(DEMO, 'train.log')

describe('analyze --step / --last-checkpoint', () => {
  it('refuses them without --report, both at once, a bad step, and --last-checkpoint without a log', () => {
    expect(() => checkReportFlags({ step: '5' })).toThrow(/--step only matters with --report/)
    const report = { report: join(out, 'r.md') }
    expect(() =>
      checkReportFlags({ ...report, step: '5', 'last-checkpoint': true, 'train-log': log }),
    ).toThrow(UsageError)
    expect(() => checkReportFlags({ ...report, step: '-3' })).toThrow(/--step must be an integer >= 0/)
    expect(() => checkReportFlags({ ...report, step: '1.5' })).toThrow(UsageError)
    expect(() => checkReportFlags({ ...report, 'last-checkpoint': true })).toThrow(/from --train-log/)
    expect(checkReportFlags({ ...report, step: '250' })).toEqual({ lang: 'en' })
  })

  it('passes --step to the report', async () => {
    singleRunReport.mockClear()
    await reportAfterAnalysis(
      { report: join(out, 'r.md'), step: '250' },
      { modelPath: join(out, 'm.onnx') } as RunSummary,
      out,
    )
    expect(singleRunReport.mock.calls[0]![0].step).toBe(250)
  })

  it("passes the training log's last step with --last-checkpoint", async () => {
    singleRunReport.mockClear()
    await reportAfterAnalysis(
      { report: join(out, 'r.md'), 'train-log': log, 'last-checkpoint': true },
      { modelPath: join(out, 'm.onnx') } as RunSummary,
      out,
    )
    expect(singleRunReport.mock.calls[0]![0].step).toBe(lastLoggedStep(await readTrainLog(log)))
  })

  it('without the flags, passes the step the manifest beside the model records, else none', async () => {
    singleRunReport.mockClear()
    const bare = { modelPath: join(out, 'model.onnx') } as RunSummary
    await reportAfterAnalysis({ report: join(out, 'r.md') }, bare, out)
    expect(singleRunReport.mock.calls[0]![0].step).toBeUndefined()
    const early = { modelPath: join(DEMO, 'checkpoints/early/model.onnx') } as RunSummary
    await reportAfterAnalysis({ report: join(out, 'r.md') }, early, out)
    expect(singleRunReport.mock.calls[1]![0].step).toBe(250)
  })
})

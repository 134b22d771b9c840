/**
 * The runs table's L column for an SFT run: its loop scores whole conversations and never uses L, so
 * the row shows none (the P it shows caps the generated reply). The SFT rule is the diagnosis's own
 * (isSftRunOf over the stated format, else the samples).
 */
import { describe, expect, it } from 'vitest'
import { tableRow, type RunLike } from '../../src/renderer/src/lib/runs-table'
import type { RunSettings, SampleResult } from '../../src/shared/results'
import { readReferenceSft } from '../helpers/reference-sft'

const SETTINGS = {
  inputLength: 100,
  predictLength: 32,
  measures: ['sft'],
  batchSize: 1,
  threads: 1,
} as RunSettings
const run = (patch: Partial<RunLike>): RunLike => ({
  runId: 'r',
  label: 'sft',
  checkpointId: 'sft',
  datasetId: 'eval_sft',
  status: 'finished',
  done: 20,
  total: 20,
  settings: SETTINGS,
  createdAt: null,
  ...patch,
})
const REF = readReferenceSft()
const SFT_RESULTS: SampleResult[] = REF.samples.map((s) => ({
  index: s.index,
  id: `c${s.index}`,
  tokens: s.ids.length,
  inputLength: 0,
  predictLength: 0,
  sft: { ...s.sft },
}))

describe('runs table: L for SFT runs', () => {
  it('a run stating format sft shows no L, and keeps its P', () => {
    const r = tableRow(run({ settings: { ...SETTINGS, format: 'sft' } }), {}, null)
    expect(r.inputLength).toBeNull()
    expect(r.predictLength).toBe(32)
  })

  it("the summary's applied format decides an 'auto' request", () => {
    const summary = { wallSeconds: 1, settings: { format: 'sft' } }
    expect(
      tableRow(run({ settings: { ...SETTINGS, format: 'auto' }, summary }), {}, null).inputLength,
    ).toBeNull()
  })

  it('a run that states no format is SFT by its samples (the reference conversations)', () => {
    expect(tableRow(run({ results: SFT_RESULTS }), {}, null).inputLength).toBeNull()
  })

  it('a pretraining run keeps its L', () => {
    expect(tableRow(run({ settings: { ...SETTINGS, format: 'pretrain' } }), {}, null).inputLength).toBe(100)
    expect(tableRow(run({}), {}, null).inputLength).toBe(100)
  })
})

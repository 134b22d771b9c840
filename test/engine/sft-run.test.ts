/**
 * The SFT run through the engine API (runAnalysis, the inference worker) on the demo's SFT checkpoint and
 * eval_sft.json, against PyTorch: resources/demo/reference-sft.json (tools/reference_sft.py: loss, the
 * one-late mask, the offset sweep, greedy generation with its step losses) and reference.json's `sft`
 * section (tools/make_demo.py: loss and maskLate per conversation, from the .pth itself).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { SampleResultSchema, type RunSettings, type SampleResult } from '../../src/shared/results'
import type { RunEvent } from '../../src/shared/run-events'
import { runAnalysis } from '../../src/main/engine/index'
import { assertClose } from '../helpers/assert-close'
import { DEMO, collect, fixture, tmpDir } from './fixtures'
import { readReferenceSft } from '../helpers/reference-sft'

const TOL = 1e-4

const ref = readReferenceSft(fixture(join(DEMO, 'reference-sft.json')))
const demoRef = JSON.parse(readFileSync(join(DEMO, 'reference.json'), 'utf8')) as {
  sft: { results: { sft: { samples: { index: number; loss: number; maskLate: { loss: number } }[] } } }
}

async function run(data: string, over: Partial<RunSettings> = {}) {
  const events = await collect(
    runAnalysis({
      runId: 'sft',
      label: 'sft',
      modelPath: join(DEMO, 'checkpoints/sft/model.onnx'),
      tokenizerPath: join(DEMO, 'tokenizer.json'),
      dataPath: data,
      settings: {
        inputLength: 64,
        predictLength: ref.settings.predictLength,
        measures: ['teacherForcing', 'sftAutoregressive'],
        batchSize: 8,
        threads: 2,
        bos: 'no',
        provider: 'cpu',
        ...over,
      },
    }),
  )
  const results = events
    .flatMap((e: RunEvent) => (e.type === 'sample' ? [e.result] : []))
    .sort((a, b) => a.index - b.index)
  return { events, results, end: events[events.length - 1]! }
}

describe('SFT run on the demo SFT checkpoint', () => {
  let results: SampleResult[] = []
  let end: RunEvent
  beforeAll(async () => {
    ;({ results, end } = await run(join(DEMO, 'eval_sft.json'), { format: 'sft' }))
  }, 120_000)

  it('finishes with one valid result per conversation', () => {
    expect(end.type, JSON.stringify(end)).toBe('finished')
    expect(results.length).toBe(ref.samples.length)
    for (const r of results) expect(SampleResultSchema.safeParse(r).success).toBe(true)
    if (end.type === 'finished') {
      expect(end.summary.settings.sftRoles).toBe('parity')
      expect(end.summary.settings.format).toBe('sft')
    }
  })

  it('matches reference-sft.json: ids, mask, loss, one-late mask, sweep, generation', () => {
    for (const [i, r] of results.entries()) {
      const e = ref.samples[i]!
      const sft = r.sft!
      expect(sft.ids).toEqual(e.ids)
      expect(sft.maskedPositions).toEqual(e.sft.maskedPositions)
      expect(sft.tokens).toBe(e.sft.tokens)
      expect(sft.tokenTexts).toEqual(e.tokenTexts)
      assertClose(sft.loss, e.sft.loss, TOL, 0, `sample ${i} loss`)
      assertClose(sft.shiftedMaskLoss, e.sft.shiftedMaskLoss, TOL, 0, `sample ${i} shiftedMaskLoss`)
      assertClose(sft.tokenLosses, e.sft.tokenLosses, TOL, 0, `sample ${i} tokenLosses`)
      expect(Object.keys(sft.offsetSweep!).sort()).toEqual(Object.keys(e.sft.offsetSweep).sort())
      for (const [s, v] of Object.entries(e.sft.offsetSweep)) {
        assertClose(sft.offsetSweep![s as '0']!, v, TOL, 0, `sample ${i} sweep ${s}`)
      }
      const ar = r.sftAutoregressive!
      expect(ar.generatedText).toBe(e.sftAutoregressive.generatedText)
      assertClose(ar.stepLosses, e.sftAutoregressive.stepLosses, TOL, 0, `sample ${i} stepLosses`)
      assertClose(ar.loss, e.sftAutoregressive.loss, TOL, 0, `sample ${i} AR loss`)
    }
  })

  it("matches reference.json's sft loss and maskLate, computed by make_demo.py from the .pth", () => {
    const demo = demoRef.sft.results.sft.samples
    expect(demo.length).toBe(results.length)
    for (const d of demo) {
      const r = results[d.index]!
      assertClose(r.sft!.loss, d.loss, TOL, 0, `sample ${d.index} loss`)
      assertClose(r.sft!.shiftedMaskLoss, d.maskLate.loss, TOL, 0, `sample ${d.index} maskLate`)
    }
    // The one-late mask is the number the common bug prints: it differs from the loss on every conversation.
    for (const r of results) expect(Math.abs(r.sft!.shiftedMaskLoss - r.sft!.loss)).toBeGreaterThan(1e-4)
  })

  it('auto format finds the conversations; a JSONL copy gives the same losses; limit and resume apply', async () => {
    const dir = tmpDir()
    const rows = JSON.parse(readFileSync(join(DEMO, 'eval_sft.json'), 'utf8')) as unknown[]
    const jsonl = join(dir, 'sft.jsonl')
    writeFileSync(jsonl, rows.map((r) => JSON.stringify(r)).join('\n') + '\n')
    const auto = await run(jsonl, { limit: 3, measures: ['sft'] })
    expect(auto.end.type).toBe('finished')
    expect(auto.results.map((r) => r.index)).toEqual([0, 1, 2])
    for (const r of auto.results) {
      assertClose(r.sft!.loss, ref.samples[r.index]!.sft.loss, TOL, 0, 'jsonl loss')
      expect(r.sftAutoregressive).toBeUndefined()
    }
    // Resume: the indices already done are not scored again, and the summary covers all of them.
    const resumed = await collect(
      runAnalysis({
        runId: 'resume',
        label: 'sft',
        modelPath: join(DEMO, 'checkpoints/sft/model.onnx'),
        tokenizerPath: join(DEMO, 'tokenizer.json'),
        dataPath: jsonl,
        skipIndices: [0, 1],
        previousResults: auto.results.slice(0, 2),
        settings: {
          inputLength: 1,
          predictLength: 4,
          measures: ['sft'],
          batchSize: 1,
          threads: 2,
          bos: 'no',
          provider: 'cpu',
          limit: 3,
        },
      }),
    )
    expect(resumed.flatMap((e) => (e.type === 'sample' ? [e.result.index] : []))).toEqual([2])
    const fin = resumed[resumed.length - 1]!
    expect(fin.type).toBe('finished')
    if (fin.type === 'finished') expect(fin.summary.counts).toEqual({ total: 3, scored: 3, skipped: 0 })
  }, 60_000)

  it('stops between conversations when cancelled, keeping what was streamed', async () => {
    const abort = new AbortController()
    const events: RunEvent[] = []
    for await (const e of runAnalysis(
      {
        runId: 'cancel',
        label: 'sft',
        modelPath: join(DEMO, 'checkpoints/sft/model.onnx'),
        tokenizerPath: join(DEMO, 'tokenizer.json'),
        dataPath: join(DEMO, 'eval_sft.json'),
        settings: {
          inputLength: 1,
          predictLength: 4,
          measures: ['sft'],
          batchSize: 1,
          threads: 2,
          bos: 'no',
          provider: 'cpu',
        },
      },
      abort.signal,
    )) {
      events.push(e)
      if (e.type === 'sample') abort.abort()
    }
    const last = events[events.length - 1]!
    expect(last.type).toBe('cancelled')
    if (last.type === 'cancelled') expect(last.done).toBeLessThan(ref.samples.length)
  }, 60_000)

  it('a model without a KV cache (recomputed prefix) gives the same SFT numbers as its cached export', async () => {
    const over = { limit: 4, measures: ['sft', 'sftAutoregressive'] } as const
    const both = await Promise.all(
      ['checkpoints/final/model.onnx', 'checkpoints/final/model.plain.onnx'].map(async (m) => {
        const events = await collect(
          runAnalysis({
            runId: m,
            label: m,
            modelPath: join(DEMO, m),
            tokenizerPath: join(DEMO, 'tokenizer.json'),
            dataPath: join(DEMO, 'eval_sft.json'),
            settings: {
              inputLength: 1,
              predictLength: 8,
              batchSize: 1,
              threads: 1,
              bos: 'no',
              provider: 'cpu',
              ...over,
              measures: [...over.measures],
            },
          }),
        )
        return events.flatMap((e) => (e.type === 'sample' ? [e.result] : []))
      }),
    )
    const [cached, plain] = both as [SampleResult[], SampleResult[]]
    expect(plain.length).toBe(4)
    for (const [i, c] of cached.entries()) {
      const p = plain[i]!
      assertClose(p.sft!.loss, c.sft!.loss, TOL, 0, 'loss')
      assertClose(p.sft!.shiftedMaskLoss, c.sft!.shiftedMaskLoss, TOL, 0, 'shiftedMaskLoss')
      assertClose(p.sftAutoregressive!.stepLosses, c.sftAutoregressive!.stepLosses, TOL, 0, 'steps')
      expect(p.sftAutoregressive!.generatedText).toBe(c.sftAutoregressive!.generatedText)
    }
  }, 120_000)

  it('refuses a malformed conversation in one line naming the file and row', async () => {
    const dir = tmpDir()
    const bad = join(dir, 'bad.jsonl')
    writeFileSync(
      bad,
      '{"conversations": [{"role": "user", "content": "q"}]}\n{"conversations": [{"role": "user"}]}\n',
    )
    const { end: e } = await run(bad)
    expect(e.type).toBe('failed')
    if (e.type === 'failed')
      expect(e.message).toBe(`${bad}: line 2: conversations[0] has no string "content"`)
    const mixed = join(dir, 'mixed.jsonl')
    writeFileSync(mixed, '{"text": "plain"}\n')
    const { end: m } = await run(mixed, { format: 'sft' })
    expect(m.type).toBe('failed')
    if (m.type === 'failed') expect(m.message).toMatch(/mixed\.jsonl: row 1: expected \{"conversations"/)
  }, 60_000)
})

/**
 * The whole engine path (worker, provider choice, stacked-KV decoder, tokenizer checks, streaming,
 * cancel) on the tiny random GPT-2 from onnxruntime-genai, with a word-level tokenizer that fits it.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  SampleResultSchema,
  RunSummarySchema,
  type RunSettings,
  type SampleResult,
} from '../../src/shared/results'
import type { RunEvent } from '../../src/shared/run-events'
import { compareTokens, describeModel, runAnalysis, type AnalysisOptions } from '../../src/main/engine/index'
import { InputError } from '../../src/main/engine/errors'
import { maxAbsDiff } from '../helpers/assert-close'
import {
  MINIMIND3_TOKENIZER,
  TINY_MODEL,
  TINY_TOKENIZER,
  collect,
  terminal,
  tmpDir,
  writeDataset,
  writeWordTokenizer,
} from './fixtures'

const L = 8
const P = 6
const N = L + P
// Two too short, one of exactly N tokens (no +2 shift), one of N+1, the rest longer.
const LENGTHS = [20, 5, N, 30, N + 1, 13, 25, 40, 18, 22, 50, 17]

const settings = (over: Partial<RunSettings> = {}): RunSettings => ({
  inputLength: L,
  predictLength: P,
  measures: [
    'teacherForcing',
    'keepLastMisaligned',
    'keepLastAligned',
    'offsetSweep',
    'autoregressive',
    'kvCache',
  ],
  batchSize: 4,
  threads: 1,
  bos: 'no',
  provider: 'cpu',
  ...over,
})

describe('tiny random GPT-2 (int32 ids, stacked past)', () => {
  let dir: string
  let tokenizer: string
  let data: string
  const opts = (over: Partial<AnalysisOptions> = {}, s: Partial<RunSettings> = {}): AnalysisOptions => ({
    runId: 'r1',
    label: 'tiny',
    modelPath: TINY_MODEL,
    tokenizerPath: tokenizer,
    dataPath: data,
    settings: settings(s),
    ...over,
  })
  const samplesOf = (events: RunEvent[]): SampleResult[] =>
    events.flatMap((e) => (e.type === 'sample' ? [e.result] : [])).sort((a, b) => a.index - b.index)
  let baseline: RunEvent[]

  beforeAll(async () => {
    dir = tmpDir()
    tokenizer = writeWordTokenizer(dir)
    data = writeDataset(dir, LENGTHS)
    baseline = await collect(runAnalysis(opts()))
  })

  it('is described: stacked KV cache, int32 ids, vocab 1000, header fields', async () => {
    const { model, provider } = await describeModel(TINY_MODEL)
    expect(model).toMatchObject({
      form: 'optimum',
      numLayers: 5,
      numKvHeads: 4,
      headDim: 8,
      vocabSize: 1000,
      opset: 11,
      hasKvCache: true,
      inputIdsType: 'int32',
      logitsToKeepInput: null,
      hasPositionIds: true,
    })
    expect(model.producer).toMatch(/onnxruntime\.transformers/)
    expect(model.parameterCount).toBeGreaterThan(100_000)
    expect(model.fileBytes).toBeGreaterThan(500_000)
    expect(model.notes.join(' ')).toMatch(/stacked/)
    expect(provider.used).toBe('cpu')
  })

  it('streams started, samples, progress and a schema-valid summary', () => {
    expect(baseline[0]!.type).toBe('started')
    const end = terminal(baseline)
    expect(end.type).toBe('finished')
    const results = samplesOf(baseline)
    expect(results.map((r) => r.index)).toEqual(LENGTHS.map((_, i) => i))
    for (const r of results) SampleResultSchema.parse(r)
    const summary = RunSummarySchema.parse((end as Extract<RunEvent, { type: 'finished' }>).summary)
    expect(summary.counts).toEqual({ total: 12, scored: 10, skipped: 2 })
    expect(summary.means.teacherForcingSteps).toHaveLength(P)
    expect(summary.means.autoregressiveSteps).toHaveLength(P)
    expect(summary.tokensPerSecond).toBeGreaterThan(0)
    expect(baseline.some((e) => e.type === 'progress')).toBe(true)
  })

  it('records too-short samples as skipped with their token count', () => {
    const r = samplesOf(baseline)
    expect(r[1]!.skipped).toMatch(/too short: 5 tokens, needs at least 14/)
    expect(r[1]!.tokens).toBe(5)
    expect(r[1]!.teacherForcing).toBeUndefined()
    expect(r[5]!.skipped).toMatch(/13 tokens/)
  })

  it('scores N and N+1 token samples, leaving out only the shifts they cannot have', () => {
    const r = samplesOf(baseline)
    expect(Object.keys(r[2]!.offsetSweep!).sort()).toEqual(['-1', '-2', '0', '1'])
    expect(Object.keys(r[4]!.offsetSweep!).sort()).toEqual(['-1', '-2', '0', '1', '2'])
    expect(r[2]!.keepLastMisaligned!.loss).toBe(r[2]!.offsetSweep!['1'])
  })

  it('fills the text fields and the measures consistently', () => {
    const r = samplesOf(baseline)[0]!
    expect(r.targetIds).toHaveLength(P)
    expect(r.targetTokens).toEqual(r.targetIds!.map((id) => `w${id}`))
    expect(r.contextText!.split(' ')).toHaveLength(L)
    expect(r.teacherForcing!.tokenLosses).toHaveLength(P)
    expect(r.keepLastAligned!.loss).toBe(r.teacherForcing!.loss)
    expect(r.offsetSweep!['0']).toBe(r.teacherForcing!.loss)
    expect(r.autoregressive!.usedKvCache).toBe(true)
    expect(r.autoregressive!.generatedIds).toHaveLength(P)
    // The first greedy step sees exactly the teacher-forcing context.
    expect(Math.abs(r.autoregressive!.stepLosses[0]! - r.teacherForcing!.tokenLosses[0]!)).toBeLessThan(1e-4)
    expect(r.kvCache!.maxAbsDiff).toBeLessThan(1e-4)
    expect(r.kvCache!.top1Agreement).toBe(1)
  })

  it('gives the same per-sample numbers with batch sizes 1, 4 and 7', async () => {
    const a = samplesOf(baseline)
    for (const batchSize of [1, 7]) {
      const b = samplesOf(await collect(runAnalysis(opts({}, { batchSize }))))
      let worst = 0
      for (let i = 0; i < a.length; i++) {
        const x = a[i]!
        const y = b[i]!
        expect(y.skipped).toBe(x.skipped)
        if (x.skipped) continue
        worst = Math.max(
          worst,
          maxAbsDiff(x.teacherForcing!.tokenLosses, y.teacherForcing!.tokenLosses),
          maxAbsDiff(Object.values(x.offsetSweep!), Object.values(y.offsetSweep!)),
          maxAbsDiff(x.autoregressive!.stepLosses, y.autoregressive!.stepLosses),
        )
        expect(y.autoregressive!.generatedIds).toEqual(x.autoregressive!.generatedIds)
      }
      expect(worst).toBeLessThan(1e-5)
    }
  })

  it('auto records cuda and webgpu failing with reasons, then runs on cpu', async () => {
    const events = await collect(
      runAnalysis(opts({}, { provider: 'auto', measures: ['teacherForcing'], limit: 1 })),
    )
    const started = events[0] as Extract<RunEvent, { type: 'started' }>
    expect(started.type).toBe('started')
    expect(started.provider.used).toBe('cpu')
    if (process.platform === 'linux') {
      const names = started.provider.attempts.map((a) => a.name)
      expect(names).toEqual(['cuda', 'webgpu', 'cpu'])
      for (const a of started.provider.attempts.slice(0, 2)) {
        expect(a.ok).toBe(false)
        expect(a.reason).toBeTruthy()
      }
    }
  })

  it('forcing cuda is a clear error', async () => {
    const end = terminal(await collect(runAnalysis(opts({}, { provider: 'cuda' }))))
    expect(end.type).toBe('failed')
    expect((end as { message: string }).message).toMatch(
      /execution provider "cuda" was requested but failed to load: .+/,
    )
    await expect(describeModel(TINY_MODEL, 'cuda')).rejects.toThrow(/"cuda" was requested/)
  })

  it('cancels between batches, keeping what was streamed', async () => {
    const controller = new AbortController()
    const events: RunEvent[] = []
    for await (const e of runAnalysis(opts({}, { batchSize: 1 }), controller.signal)) {
      events.push(e)
      if (e.type === 'sample' && !e.result.skipped) controller.abort()
    }
    const end = terminal(events)
    expect(end.type).toBe('cancelled')
    const done = samplesOf(events).length
    expect((end as { done: number }).done).toBe(done)
    expect(done).toBeLessThan(LENGTHS.length)
  })

  it('resumes: skipIndices are not rescored and previousResults join the summary', async () => {
    const prev = samplesOf(baseline).slice(0, 5)
    const events = await collect(
      runAnalysis(opts({ skipIndices: prev.map((r) => r.index), previousResults: prev })),
    )
    const started = events[0] as Extract<RunEvent, { type: 'started' }>
    expect(started.alreadyDone).toBe(5)
    expect(samplesOf(events).map((r) => r.index)).toEqual([5, 6, 7, 8, 9, 10, 11])
    const summary = (terminal(events) as Extract<RunEvent, { type: 'finished' }>).summary
    expect(summary.counts).toEqual({ total: 12, scored: 10, skipped: 2 })
    const full = (terminal(baseline) as Extract<RunEvent, { type: 'finished' }>).summary
    expect(Math.abs(summary.means.teacherForcing! - full.means.teacherForcing!)).toBeLessThan(1e-9)
  })

  it('compares a model with itself: zero KL, full top-1 agreement', async () => {
    const { comparison, perSample } = await compareTokens({
      base: { modelPath: TINY_MODEL, label: 'a' },
      other: { modelPath: TINY_MODEL, label: 'b' },
      tokenizerPath: tokenizer,
      dataPath: data,
      inputLength: L,
      predictLength: P,
      provider: 'cpu',
    })
    expect(comparison.samples).toBe(10)
    expect(comparison.tokens).toBe(10 * P)
    expect(comparison.maxKld).toBeLessThan(1e-9)
    expect(comparison.sameTop1).toBe(1)
    expect(perSample.every((s) => s.delta === 0)).toBe(true)
    const tf = samplesOf(baseline).filter((r) => !r.skipped)
    expect(
      maxAbsDiff(
        perSample.map((s) => s.baseLoss),
        tf.map((r) => r.teacherForcing!.loss),
      ),
    ).toBeLessThan(1e-5)
  })

  describe('bad input is a clear error naming the file, never a crash', () => {
    const failure = async (o: AnalysisOptions): Promise<string> => {
      const events = await collect(runAnalysis(o))
      const end = terminal(events)
      expect(end.type).toBe('failed')
      expect(events.filter((e) => e.type === 'sample')).toHaveLength(0)
      return (end as { message: string }).message
    }
    it('a missing model file', async () => {
      const missing = join(dir, 'nope.onnx')
      expect(await failure(opts({ modelPath: missing }))).toBe(`${missing}: file not found`)
    })
    it('a file that is not ONNX', async () => {
      const garbage = join(dir, 'garbage.onnx')
      writeFileSync(garbage, 'this is not a protobuf model\n'.repeat(50))
      const msg = await failure(opts({ modelPath: garbage }))
      expect(msg).toContain(garbage)
      expect(msg).toMatch(/not a loadable ONNX model/)
      await expect(describeModel(garbage)).rejects.toThrow(InputError)
    })
    it('a tokenizer with more ids than the model has logits', async () => {
      const msg = await failure(opts({ tokenizerPath: TINY_TOKENIZER }))
      expect(msg).toContain(TINY_TOKENIZER)
      expect(msg).toContain(TINY_MODEL)
      expect(msg).toMatch(/50295 ids .* 1000 logits/)
      const msg3 = await failure(opts({ tokenizerPath: MINIMIND3_TOKENIZER }))
      expect(msg3).toMatch(/6400 ids .* 1000 logits/)
    })
    it('malformed JSONL, with the line number', async () => {
      const bad = join(dir, 'bad.jsonl')
      writeFileSync(bad, '{"text": "w1 w2"}\n{"text": "w3"}\n{"text": oops}\n')
      const msg = await failure(opts({ dataPath: bad }))
      expect(msg).toMatch(new RegExp(`^${bad}: line 3: malformed JSON`))
    })
    it('a missing dataset', async () => {
      expect(await failure(opts({ dataPath: join(dir, 'none.json') }))).toMatch(/none\.json: file not found/)
    })
    it('P = 0 and L = 0', async () => {
      expect(await failure(opts({}, { predictLength: 0 }))).toMatch(
        /predictLength must be a positive integer, got 0/,
      )
      expect(await failure(opts({}, { inputLength: 0 }))).toMatch(
        /inputLength must be a positive integer, got 0/,
      )
    })
  })
})

/**
 * One analysis run, as a stream of RunEvents: load, score samples batch by batch, summarise.
 * Runs inside the inference worker (analyze.ts spawns it); nothing here touches the window or IPC.
 */
import type { Measure } from '../../shared/measures'
import type { RunSettings, RunSummary, SampleResult } from '../../shared/results'
import type { RunEvent } from '../../shared/run-events'
import { runAutoregressive } from './autoregressive'
import { isSftDataset, readSamples, sampleId, type EvalSample } from './dataset'
import { runSftAnalysis } from './sft/run-sft'
import type { DecoderSession } from './decoder-session'
import { describeSession } from './describe'
import { losslensVersion } from './version'
import { InputError, errorMessage } from './errors'
import { openModel } from './providers'
import { planForward, scoreForward } from './scoring'
import { meansFromResults } from '../../shared/diagnosis/means'
import { mergeResults } from './summary'
import { validateSettings } from './settings'
import { TextTokenizer } from './tokenizer'

/** What a run needs; the window's run manager and the CLI build the same object. */
export interface AnalysisOptions {
  runId: string
  label: string
  modelPath: string
  tokenizerPath: string
  dataPath: string
  settings: RunSettings
  /** Sample indices already in results.jsonl (a resumed run): not scored again. */
  skipIndices?: number[]
  /** Their results, so the finished summary covers the whole run, not just this call. */
  previousResults?: SampleResult[]
}

interface Prepared {
  sample: EvalSample
  ids: number[]
}

/** Decoded text fields of a scored sample, so the window can colour text by loss. */
function textFields(tok: TextTokenizer, T: number[], L: number, P: number): Partial<SampleResult> {
  const target = T.slice(L, L + P)
  return {
    contextText: tok.decode(T.slice(0, L)),
    targetText: tok.decode(target),
    targetTokens: target.map((id) => tok.decode([id])),
    targetIds: target,
  }
}

/**
 * Streams a run. Errors become one `failed` event (the message names the file or setting);
 * `isCancelled` is polled between batches and ends the stream with `cancelled`.
 */
export async function* analyzeCore(
  opts: AnalysisOptions,
  isCancelled: () => boolean,
): AsyncGenerator<RunEvent> {
  const { runId } = opts
  const startedAt = new Date()
  const t0 = performance.now()
  let session: DecoderSession | null = null
  try {
    const settings = validateSettings(opts.settings)
    const L = settings.inputLength
    const P = settings.predictLength
    const N = L + P
    const measures = new Set<Measure>(settings.measures)
    const all = await readSamples(opts.dataPath)
    // SFT datasets (rows of conversations) run their own loop: sft/run-sft.ts.
    if (isSftDataset(all, settings.format, opts.dataPath))
      return yield* runSftAnalysis(opts, settings, all, isCancelled)
    const samples = settings.limit !== undefined ? all.slice(0, settings.limit) : all
    const invalidUtf8 = samples.filter((x) => x.invalidUtf8).length
    const tokenizer = await TextTokenizer.load(opts.tokenizerPath)
    const opened = await openModel(opts.modelPath, settings.provider, settings.threads)
    session = opened.session
    tokenizer.checkFits(await session.ensureVocab(), opts.modelPath)
    const model = await describeSession(session)
    const skip = new Set(opts.skipIndices ?? [])
    const todo = samples.filter((s) => !skip.has(s.index))
    const alreadyDone = samples.length - todo.length
    yield {
      type: 'started',
      runId,
      label: opts.label,
      total: samples.length,
      alreadyDone,
      model,
      provider: opened.report,
    }

    const batchSize = Math.max(1, Math.min(settings.batchSize, session.maxBatch))
    const results: SampleResult[] = []
    let scored = 0
    let scoringSeconds = 0
    const progress = (): RunEvent => {
      const done = alreadyDone + results.length
      const rate = scoringSeconds > 0 ? results.length / scoringSeconds : 0
      return {
        type: 'progress',
        runId,
        done,
        total: samples.length,
        tokensPerSecond: scoringSeconds > 0 ? (scored * N) / scoringSeconds : 0,
        etaSeconds: rate > 0 ? (samples.length - done) / rate : null,
      }
    }
    const s = session
    async function scoreBatch(batch: Prepared[]): Promise<SampleResult[]> {
      const out: SampleResult[] = batch.map(({ sample, ids }) => ({
        index: sample.index,
        id: sampleId(sample.text),
        tokens: ids.length,
        inputLength: L,
        predictLength: P,
        ...textFields(tokenizer, ids, L, P),
      }))
      const plan = planForward(batch[0]!.ids.length, L, P, measures)
      if (plan) {
        const rows = await s.forward(
          batch.map((p) => p.ids.slice(0, plan.length)),
          plan.keep,
        )
        batch.forEach((p, b) =>
          Object.assign(out[b]!, scoreForward(rows, b, p.ids, plan.length, L, P, measures)),
        )
      }
      if (measures.has('autoregressive') || measures.has('kvCache')) {
        const ar = await runAutoregressive(
          s,
          batch.map((p) => p.ids),
          L,
          P,
          measures.has('kvCache'),
        )
        ar.forEach((a, b) => {
          if (measures.has('autoregressive')) {
            out[b]!.autoregressive = {
              loss: a.stepLosses.reduce((x, y) => x + y, 0) / P,
              stepLosses: a.stepLosses,
              generatedIds: a.generatedIds,
              generatedText: tokenizer.decode(a.generatedIds),
              usedKvCache: a.usedKvCache,
            }
          }
          if (a.kvCache) out[b]!.kvCache = a.kvCache
        })
      }
      return out
    }

    // Buckets of equal forward length (almost every sample is cut to N+2 tokens): no padding ever.
    const buckets = new Map<number, Prepared[]>()
    const bucketKey = (n: number) => Math.min(n, N + 2)
    const runBatch = async function* (batch: Prepared[]): AsyncGenerator<RunEvent> {
      const b0 = performance.now()
      const scoredBatch = await scoreBatch(batch)
      scoringSeconds += (performance.now() - b0) / 1000
      scored += scoredBatch.length
      for (const r of scoredBatch) {
        results.push(r)
        yield { type: 'sample', runId, result: r }
      }
      yield progress()
    }
    const cancelled = (): RunEvent => ({ type: 'cancelled', runId, done: alreadyDone + results.length })

    for (const sample of todo) {
      // Only the first N + 2 tokens are ever used (bucketKey): a huge sample is tokenized on a prefix.
      const ids = tokenizer.encodeAtLeast(sample.text, N + 2, settings.addBos)
      if (ids.length < N) {
        const r: SampleResult = {
          index: sample.index,
          id: sampleId(sample.text),
          tokens: ids.length,
          inputLength: L,
          predictLength: P,
          skipped: `too short: ${ids.length} tokens, needs at least ${N} (input ${L} + predict ${P})`,
        }
        results.push(r)
        yield { type: 'sample', runId, result: r }
        continue
      }
      for (const id of ids) {
        if (id >= (session.vocab ?? Infinity)) {
          throw new InputError(
            `sample ${sample.index} encodes to id ${id}, outside the model's vocabulary`,
            opts.dataPath,
          )
        }
      }
      const key = bucketKey(ids.length)
      const bucket = buckets.get(key) ?? []
      bucket.push({ sample, ids })
      buckets.set(key, bucket)
      if (bucket.length >= batchSize) {
        buckets.delete(key)
        if (isCancelled()) return yield cancelled()
        yield* runBatch(bucket)
      }
    }
    for (const bucket of buckets.values()) {
      for (let i = 0; i < bucket.length; i += batchSize) {
        if (isCancelled()) return yield cancelled()
        yield* runBatch(bucket.slice(i, i + batchSize))
      }
    }
    if (isCancelled() && results.length < todo.length) return yield cancelled()

    const merged = mergeResults(opts.previousResults ?? [], results)
    const skippedCount = merged.filter((r) => r.skipped).length
    const finishedAt = new Date()
    const summary: RunSummary = {
      label: opts.label,
      modelPath: opts.modelPath,
      tokenizerPath: opts.tokenizerPath,
      dataPath: opts.dataPath,
      settings,
      model,
      provider: opened.report,
      counts: { total: merged.length, scored: merged.length - skippedCount, skipped: skippedCount },
      means: meansFromResults(merged),
      wallSeconds: (performance.now() - t0) / 1000,
      // Tokens per second = (samples scored in this call) × (L + P) context+target tokens, divided by
      // the seconds spent scoring them (forwards, decoding and scoring; not model loading). It is a
      // throughput of the whole battery per token of sample, not a count of forward-pass tokens.
      tokensPerSecond: scoringSeconds > 0 ? (scored * N) / scoringSeconds : 0,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      losslensVersion: losslensVersion(),
      ...(invalidUtf8 > 0 ? { invalidUtf8Samples: invalidUtf8 } : {}),
    }
    yield { type: 'finished', runId, summary }
  } catch (err) {
    yield { type: 'failed', runId, message: errorMessage(err) }
  } finally {
    if (session) await session.dispose()
  }
}

/**
 * One analysis run, as a stream of RunEvents: load, score samples batch by batch, summarise.
 * Runs inside the inference worker (analyze.ts spawns it); nothing here touches the window or IPC.
 */
import type { Measure } from '../../shared/measures'
import type { RunSettings, SampleResult } from '../../shared/results'
import type { RunEvent } from '../../shared/run-events'
import { runAutoregressive } from './autoregressive'
import { isSftDataset, readSamples, sampleId, type EvalSample } from './dataset'
import { runSftAnalysis } from './sft/run-sft'
import type { DecoderSession } from './decoder-session'
import { describeSession } from './describe'
import { InputError, errorMessage } from './errors'
import { openModel } from './providers'
import { planForward, scoreForward } from './scoring'
import { scoreForwardGraph } from './scoring-graph'
import { DEFAULT_MAX_SEQ_LEN } from '../../shared/limits'
import { scoreBosBoth, scoreRolling, scoreTrainFormat, trainFormatInput } from './whole-sample'
import { mergeResults, runSummary } from './summary'
import { progressEvent, startedEvent } from './run-events'
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
  /** The continuation measures' tokens T (with the BOS first when the run uses one). */
  ids: number[]
  /** The text's own tokens (no BOS): all of them when rolling is asked for, else enough for the rest. */
  textIds: number[]
}

/** Measures that score the continuation window T[L : L+P] and so need a sample of L + P tokens. */
const CONTINUATION_MEASURES: readonly Measure[] = [
  'teacherForcing',
  'keepLastMisaligned',
  'keepLastAligned',
  'offsetSweep',
  'autoregressive',
  'kvCache',
  'bosBoth',
]

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
    const maxSeqLen = settings.maxSeqLen ?? DEFAULT_MAX_SEQ_LEN
    const all = await readSamples(opts.dataPath)
    // SFT datasets (rows of conversations) run their own loop: sft/run-sft.ts.
    if (isSftDataset(all, settings.format, opts.dataPath))
      return yield* runSftAnalysis(opts, settings, all, isCancelled)
    const samples = settings.limit !== undefined ? all.slice(0, settings.limit) : all
    const invalidUtf8 = samples.filter((x) => x.invalidUtf8).length
    const tokenizer = await TextTokenizer.load(opts.tokenizerPath)
    const useBos = tokenizer.usesBos(settings.bos)
    // 'auto' cannot know the convention for sure: when the tokenizer has a BOS, both are scored.
    if ((settings.bos ?? 'auto') === 'auto' && tokenizer.bosId !== null && measures.has('teacherForcing'))
      measures.add('bosBoth')
    if (measures.has('bosBoth') && tokenizer.bosId === null) {
      throw new InputError(
        'bosBoth needs a tokenizer with a bos_token (tokenizer_config.json)',
        tokenizer.path,
      )
    }
    if (useBos && measures.has('trainFormat') && tokenizer.eosId === null) {
      throw new InputError(
        'the BOS/EOS training format (--bos yes) needs an eos_token in tokenizer_config.json',
        tokenizer.path,
      )
    }
    const rollingPrefix = tokenizer.bosId ?? tokenizer.eosId
    const continuation = CONTINUATION_MEASURES.some((m) => measures.has(m))
    const opened = await openModel(opts.modelPath, settings.provider, settings.threads)
    session = opened.session
    tokenizer.checkFits(await session.ensureVocab(), opts.modelPath)
    const model = await describeSession(session)
    const skip = new Set(opts.skipIndices ?? [])
    const todo = samples.filter((s) => !skip.has(s.index))
    const alreadyDone = samples.length - todo.length
    yield startedEvent({
      runId,
      label: opts.label,
      total: samples.length,
      alreadyDone,
      model,
      provider: opened.report,
    })

    const batchSize = Math.max(1, Math.min(settings.batchSize, session.maxBatch))
    const results: SampleResult[] = []
    let scored = 0
    let scoringSeconds = 0
    const progress = (): RunEvent =>
      progressEvent({
        runId,
        total: samples.length,
        alreadyDone,
        doneNow: results.length,
        tokens: scored * N,
        scoringSeconds,
      })
    const s = session
    async function scoreBatch(batch: Prepared[]): Promise<SampleResult[]> {
      const out: SampleResult[] = batch.map(({ sample, ids }) => ({
        index: sample.index,
        id: sampleId(sample.text),
        tokens: ids.length,
        inputLength: L,
        predictLength: P,
        ...(continuation ? textFields(tokenizer, ids, L, P) : {}),
      }))
      const plan = continuation ? planForward(batch[0]!.ids.length, L, P, measures) : null
      if (plan) {
        // Scored inside onnxruntime where the session has the scoring nodes (only [batch, rows, K]
        // log-probabilities fetched); else from the full logits, as before.
        const graph = await scoreForwardGraph(
          s,
          batch.map((p) => p.ids),
          plan,
          L,
          P,
          measures,
        )
        const rows = graph
          ? null
          : await s.forward(
              batch.map((p) => p.ids.slice(0, plan.length)),
              plan.keep,
            )
        batch.forEach((p, b) => {
          const scoredSample = graph ? graph[b]! : scoreForward(rows!, b, p.ids, plan.length, L, P, measures)
          const tf = scoredSample.teacherForcing
          if (tf) {
            const bytes = tokenizer.tokenBytes(p.ids.slice(L, L + P))
            tf.bytes = bytes
            if (bytes > 0) tf.bitsPerByte = (tf.loss * P) / (Math.LN2 * bytes)
          }
          Object.assign(out[b]!, scoredSample)
        })
      }
      if (measures.has('trainFormat')) {
        const inputs = batch.map((p) => trainFormatInput(p.textIds, useBos, maxSeqLen, tokenizer))
        const scoredInputs = await scoreTrainFormat(s, inputs)
        // A sample with no counted target or no bytes has no training-format loss (an empty text).
        scoredInputs.forEach((w, b) => {
          if (w.tokens > 0 && w.bytes > 0) out[b]!.trainFormat = w
        })
      }
      if (measures.has('rolling')) {
        const rolled = await scoreRolling(
          s,
          batch.map((p) => p.textIds),
          rollingPrefix,
          maxSeqLen,
          tokenizer,
        )
        rolled.forEach((w, b) => {
          if (w.tokens > 0 && w.bytes > 0) out[b]!.rolling = w
        })
      }
      if (measures.has('bosBoth')) {
        const long = batch.flatMap((p, b) => (p.textIds.length >= N ? [b] : []))
        const both = await scoreBosBoth(
          s,
          long.map((b) => batch[b]!.textIds),
          L,
          P,
          tokenizer.bosId!,
        )
        long.forEach((b, k) => (out[b]!.bosBoth = both[k]!))
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

    // Continuation measures use the first N + 2 tokens, trainFormat the first maxSeqLen + 1 (to see the
    // cut): a huge sample is tokenized on a prefix. Rolling scores every token, so it needs them all.
    const need = Math.max(N + 2, measures.has('trainFormat') ? maxSeqLen + 1 : 0)
    for (const sample of todo) {
      const textIds = measures.has('rolling')
        ? tokenizer.encode(sample.text)
        : tokenizer.encodeAtLeast(sample.text, need)
      const ids = useBos ? [tokenizer.bosId!, ...textIds] : textIds
      // With continuation measures every measure is taken on the same samples (those of L + P tokens),
      // so their means compare like with like; whole-sample measures alone need two tokens.
      const tooShort = continuation
        ? ids.length < N
          ? `too short: ${ids.length} tokens, needs at least ${N} (input ${L} + predict ${P})`
          : null
        : textIds.length < 2
          ? `too short: ${textIds.length} tokens, a whole-sample measure needs at least 2`
          : null
      if (tooShort !== null) {
        const r: SampleResult = {
          index: sample.index,
          id: sampleId(sample.text),
          tokens: ids.length,
          inputLength: L,
          predictLength: P,
          skipped: tooShort,
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
      bucket.push({ sample, ids, textIds })
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

    const summary = runSummary({
      run: opts,
      // The format as applied ('auto' resolved), as the SFT loop writes 'sft': what a run's readers
      // decide its kind by (statedFormat), whatever measures its samples happen to carry.
      settings: { ...settings, format: 'pretrain' },
      model,
      provider: opened.report,
      merged: mergeResults(opts.previousResults ?? [], results),
      bosUsed: useBos ? 'yes' : 'no',
      t0,
      // Tokens per second = (samples scored in this call) × (L + P) context+target tokens, divided by
      // the seconds spent scoring them (forwards, decoding and scoring; not model loading). It is a
      // throughput of the whole battery per token of sample, not a count of forward-pass tokens.
      tokensPerSecond: scoringSeconds > 0 ? (scored * N) / scoringSeconds : 0,
      startedAt,
      invalidUtf8,
    })
    yield { type: 'finished', runId, summary }
  } catch (err) {
    yield { type: 'failed', runId, message: errorMessage(err) }
  } finally {
    if (session) await session.dispose()
  }
}

/**
 * An analysis run over an SFT dataset (rows of `conversations`), streamed like analyzeCore's: `started`,
 * one `sample` event per conversation (`sft`, `sftAutoregressive`), `progress`, then `finished`, with
 * cancellation polled between conversations and a resumed run's indices skipped.
 *
 * Each conversation is rendered with the tokenizer's chat template, laid out with MiniMind's loss mask
 * (sft-mask.ts) and scored from one full forward (every row is needed: the mask spans the sequence).
 * Conversations differ in length, so each is its own forward: no padding enters a scored row.
 */
import type { Measure } from '../../../shared/measures'
import type { RunSettings, SampleResult } from '../../../shared/results'
import type { RunEvent } from '../../../shared/run-events'
import type { AnalysisOptions } from '../analysis-core'
import { runAutoregressive } from '../autoregressive'
import { sampleId, type EvalSample } from '../dataset'
import { rowOffset, type DecoderSession, type LogitRows } from '../decoder-session'
import { describeSession } from '../describe'
import { InputError, errorMessage } from '../errors'
import { rowStats } from '../math'
import { openModel } from '../providers'
import { progressEvent, startedEvent } from '../run-events'
import { mergeResults, runSummary } from '../summary'
import { TextTokenizer } from '../tokenizer'
import { ChatTemplate, type SftRoles } from './chat-template'
import { scoreSft, sftLayout, type RowCe, type SftLayout } from './sft-mask'

/** MiniMind's SFT max_seq_len default (train_full_sft.py, 2025 and 2026). */
export const DEFAULT_SFT_MAX_SEQ_LEN = 512

/** What an SFT conversation is encoded and masked with. */
export interface SftEncoder {
  tokenizer: TextTokenizer
  template: ChatTemplate
  roles: SftRoles
  maxSeqLen: number
  bosIds: number[]
  eosIds: number[]
  padId: number
}

/** The tokenizer, its chat template and the mask's id patterns for a run's settings. */
export async function loadSftEncoder(tokenizerPath: string, settings: RunSettings): Promise<SftEncoder> {
  const tokenizer = await TextTokenizer.load(tokenizerPath)
  const template = await ChatTemplate.load(tokenizerPath)
  // MiniMind's dataset matches the ids of these two strings (tokenized with nothing added).
  const bosIds = tokenizer.encode('<|im_start|>assistant')
  const eosIds = tokenizer.encode('<|im_end|>')
  const pad = template.specialTokens.pad_token
  const padIds = pad === undefined ? [] : tokenizer.encode(pad)
  return {
    tokenizer,
    template,
    roles: template.resolveRoles(settings.sftRoles),
    maxSeqLen: settings.maxSeqLen ?? DEFAULT_SFT_MAX_SEQ_LEN,
    bosIds,
    eosIds,
    // MiniMind pads with pad_token_id; <|endoftext|> (0) in its tokenizer. Only a reply cut by max_seq_len sees it.
    padId: padIds.length === 1 ? padIds[0]! : 0,
  }
}

/** A conversation's layout under the encoder; `where` names its row for messages. */
export function layoutConversation(enc: SftEncoder, sample: EvalSample, file: string): SftLayout {
  const where = `row ${sample.index + 1}`
  if (!sample.conversation) throw new InputError(`${where}: expected {"conversations": [...]}`, file)
  const text = enc.template.render(sample.conversation, enc.roles, where, file)
  return sftLayout(enc.tokenizer.encode(text), enc.bosIds, enc.eosIds, enc.maxSeqLen, enc.padId)
}

/** Row CE over a full forward's rows, each row's log-sum-exp computed once. */
function rowCe(rows: LogitRows): RowCe {
  const lse = new Map<number, number>()
  return (row, target) => {
    const off = rowOffset(rows, 0, row)
    let l = lse.get(row)
    if (l === undefined) {
      l = rowStats(rows.data, off, rows.vocab).lse
      lse.set(row, l)
    }
    return l - rows.data[off + target]!
  }
}

/** The SFT measures of one conversation (tokens = templated ids before the cut). */
export async function scoreConversation(
  session: DecoderSession,
  enc: SftEncoder,
  sample: EvalSample,
  layout: SftLayout,
  measures: ReadonlySet<Measure>,
  predictLength: number,
): Promise<SampleResult> {
  const tok = enc.tokenizer
  const base = {
    index: sample.index,
    id: sampleId(sample.text),
    tokens: layout.templatedLength,
    inputLength: layout.firstReply?.start ?? layout.ids.length,
    predictLength: 0,
  }
  if (!layout.firstReply) {
    return {
      ...base,
      skipped: `no assistant reply found by MiniMind's mask (<|im_start|>assistant ... <|im_end|>) within ${enc.maxSeqLen} tokens`,
    }
  }
  if (layout.positions.every((p) => p + 1 >= layout.ids.length)) {
    return {
      ...base,
      skipped: 'its only counted token is the last one: the one-late mask has no row to score',
    }
  }
  const { start, length } = layout.firstReply
  const steps = Math.min(predictLength, length)
  const result: SampleResult = {
    ...base,
    predictLength: steps,
    contextText: tok.decode(layout.ids.slice(0, start)),
    targetText: tok.decode(layout.ids.slice(start, start + length)),
  }
  if (measures.has('sft')) {
    // Only rows from the sweep's earliest (p - 3 for the first counted p) are fetched: the system and
    // user turns before it are context, and their rows would cost [rows, vocab] floats for nothing.
    const firstRow = Math.max(0, layout.positions[0]! - 3)
    const rows = await session.forward([layout.ids], layout.ids.length - firstRow)
    result.sft = {
      ...scoreSft(layout, rowCe(rows)),
      ids: layout.ids,
      tokenTexts: layout.ids.map((id) => tok.decode([id])),
    }
  }
  if (measures.has('sftAutoregressive')) {
    const [ar] = await runAutoregressive(session, [layout.ids.slice(0, start + steps)], start, steps, false)
    result.sftAutoregressive = {
      loss: ar!.stepLosses.reduce((a, b) => a + b, 0) / steps,
      stepLosses: ar!.stepLosses,
      generatedText: tok.decode(ar!.generatedIds),
    }
  }
  return result
}

/**
 * Which SFT measures a run computes: `sft` always (it is what an SFT run is for), `sftAutoregressive`
 * when it or `autoregressive` is asked for (the same question, generation from the prompt).
 */
export function sftMeasures(measures: readonly Measure[]): Set<Measure> {
  const out = new Set<Measure>(['sft'])
  if (measures.includes('sftAutoregressive') || measures.includes('autoregressive'))
    out.add('sftAutoregressive')
  return out
}

/** Streams an SFT run; `all` are the dataset's samples (every one a conversation). */
export async function* runSftAnalysis(
  opts: AnalysisOptions,
  settings: RunSettings,
  all: EvalSample[],
  isCancelled: () => boolean,
): AsyncGenerator<RunEvent> {
  const { runId } = opts
  const startedAt = new Date()
  const t0 = performance.now()
  let session: DecoderSession | null = null
  try {
    const samples = settings.limit !== undefined ? all.slice(0, settings.limit) : all
    const invalidUtf8 = samples.filter((x) => x.invalidUtf8).length
    const enc = await loadSftEncoder(opts.tokenizerPath, settings)
    const measures = sftMeasures(settings.measures)
    const opened = await openModel(opts.modelPath, settings.provider, settings.threads)
    session = opened.session
    enc.tokenizer.checkFits(await session.ensureVocab(), opts.modelPath)
    const model = await describeSession(session)
    const skip = new Set(opts.skipIndices ?? [])
    const todo = samples.filter((s) => !skip.has(s.index))
    const alreadyDone = samples.length - todo.length
    // Render every conversation before the first forward: a malformed row fails the run at once.
    const layouts = todo.map((s) => layoutConversation(enc, s, opts.dataPath))
    const vocab = session.vocab ?? Infinity
    layouts.forEach((l, i) => {
      const outside = l.ids.find((id) => id >= vocab)
      if (outside !== undefined) {
        throw new InputError(
          `row ${todo[i]!.index + 1} encodes to id ${outside}, outside the model's vocabulary`,
          opts.dataPath,
        )
      }
    })
    yield startedEvent({
      runId,
      label: opts.label,
      total: samples.length,
      alreadyDone,
      model,
      provider: opened.report,
    })

    const results: SampleResult[] = []
    let forwardTokens = 0
    let scoringSeconds = 0
    for (let i = 0; i < todo.length; i++) {
      if (isCancelled()) return yield { type: 'cancelled', runId, done: alreadyDone + results.length }
      const b0 = performance.now()
      const r = await scoreConversation(session, enc, todo[i]!, layouts[i]!, measures, settings.predictLength)
      scoringSeconds += (performance.now() - b0) / 1000
      if (!r.skipped) forwardTokens += layouts[i]!.ids.length
      results.push(r)
      yield { type: 'sample', runId, result: r }
      yield progressEvent({
        runId,
        total: samples.length,
        alreadyDone,
        doneNow: results.length,
        tokens: forwardTokens,
        scoringSeconds,
      })
    }

    const summary = runSummary({
      run: opts,
      settings: { ...settings, format: 'sft', sftRoles: enc.roles, maxSeqLen: enc.maxSeqLen },
      model,
      provider: opened.report,
      merged: mergeResults(opts.previousResults ?? [], results),
      t0,
      // Tokens per second = templated tokens of the conversations scored in this call (their full
      // forwards) over the seconds spent scoring them, generation included; not model loading.
      tokensPerSecond: scoringSeconds > 0 ? forwardTokens / scoringSeconds : 0,
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

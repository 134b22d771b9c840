/**
 * Whole-sample measures (docs/measurements.md): the training-format loss (a sample encoded and cut
 * as MiniMind's pretraining trainer does) and the rolling loss (the whole sample in disjoint windows,
 * lm-evaluation-harness's loglikelihood_rolling), plus the BOS-both-ways continuation. Encoding and
 * windowing are pure functions here; the log-likelihoods come from target-loglik.ts.
 */
import type { BosBothSchema, WholeSampleSchema } from '../../shared/results'
import type { z } from 'zod'
import type { DecoderSession } from './decoder-session'
import { targetLogLikelihoods } from './target-loglik'

type WholeSample = z.infer<typeof WholeSampleSchema>
type BosBoth = z.infer<typeof BosBothSchema>

/** The special ids and byte counts the encodings need (TextTokenizer provides them). */
export interface TokenInfo {
  bosId: number | null
  eosId: number | null
  padId: number | null
  tokenBytes(ids: readonly number[]): number
}

/** One sample as the trainer feeds it: the sequence, which targets count, and the bytes they decode to. */
export interface TrainFormatInput {
  /** ids fed to the model; X = seq[:-1], Y = seq[1:]. */
  seq: number[]
  /** counted[t]: target seq[t + 1] is not padding (the trainer's loss mask). */
  counted: boolean[]
  /** UTF-8 bytes of the counted text targets (the wrapping EOS counts none). */
  bytes: number
  truncated: boolean
}

/**
 * The training-format encoding of a text's tokens (FACTS.md):
 * - wrap false (MiniMind2 at 29454c3): the text's tokens cut to maxSeqLen;
 * - wrap true (2026 code, some 2025 revisions): [bos] + tokens[:maxSeqLen - 2] + [eos].
 * The trainer masks targets equal to the pad id (pad positions, and a pad token inside the text,
 * which it cannot tell apart); we feed no padding, so only the latter can occur. `textIds` must hold
 * at least maxSeqLen + 1 tokens of the text when it has that many (so truncation is seen).
 */
export function trainFormatInput(
  textIds: readonly number[],
  wrap: boolean,
  maxSeqLen: number,
  tok: TokenInfo,
): TrainFormatInput {
  let seq: number[]
  let textTargets: number[]
  let truncated: boolean
  if (wrap) {
    if (tok.bosId === null || tok.eosId === null) {
      throw new RangeError('the BOS/EOS training format needs a tokenizer with bos_token and eos_token')
    }
    const body = textIds.slice(0, maxSeqLen - 2)
    truncated = textIds.length > maxSeqLen - 2
    seq = [tok.bosId, ...body, tok.eosId]
    textTargets = body
  } else {
    seq = textIds.slice(0, maxSeqLen)
    truncated = textIds.length > maxSeqLen
    textTargets = seq.slice(1)
  }
  const counted = seq.slice(1).map((id) => id !== tok.padId)
  const bytes = tok.tokenBytes(textTargets.filter((id) => id !== tok.padId))
  return { seq, counted, bytes, truncated }
}

/** A window of the rolling loss: `seq` is fed, its last `scored` targets are scored. */
export interface RollingWindow {
  seq: number[]
  scored: number
}

/**
 * lm-evaluation-harness's get_rolling_token_windows(tokens, prefix, maxLen, context_len=1) followed
 * by make_disjoint_window and its (context + continuation)[-(maxLen + 1):] cut: the first window
 * feeds [prefix] + tokens[:maxLen] and scores all of them; each later one scores the next up to
 * maxLen tokens, fed with the maxLen tokens before each. Every token is scored exactly once.
 */
export function rollingWindows(tokens: readonly number[], prefix: number, maxLen: number): RollingWindow[] {
  if (tokens.length === 0) return []
  const windows: RollingWindow[] = []
  const first = Math.min(maxLen, tokens.length)
  windows.push({ seq: [prefix, ...tokens.slice(0, first)], scored: first })
  let predicted = first
  while (predicted < tokens.length) {
    const n = Math.min(tokens.length - predicted, maxLen)
    const end = predicted + n
    windows.push({ seq: tokens.slice(end - maxLen - 1, end), scored: n })
    predicted = end
  }
  return windows
}

function wholeSample(
  losses: number[],
  counted: readonly boolean[] | null,
  bytes: number,
): Omit<WholeSample, 'windows' | 'truncated'> {
  let sum = 0
  let tokens = 0
  losses.forEach((ce, i) => {
    if (counted && !counted[i]) return
    sum += ce
    tokens++
  })
  const loss = tokens > 0 ? sum / tokens : NaN
  return {
    loss,
    tokens,
    bytes,
    bitsPerByte: bytes > 0 ? sum / (Math.LN2 * bytes) : NaN,
    positionLosses: losses,
  }
}

/** Training-format results of a batch of inputs (one forward per sequence length group). */
export async function scoreTrainFormat(
  session: DecoderSession,
  inputs: readonly TrainFormatInput[],
): Promise<WholeSample[]> {
  const ll = await targetLogLikelihoods(
    session,
    inputs.map((x) => x.seq),
  )
  return inputs.map((x, i) => ({
    ...wholeSample(
      Array.from(ll[i]!, (v) => -v),
      x.counted,
      x.bytes,
    ),
    truncated: x.truncated,
  }))
}

/**
 * Rolling results of a batch of texts' full token lists. `prefix` is the token the first window
 * starts from (BOS, else EOS); a tokenizer with neither has no token to predict the first one from,
 * so the text's first token becomes the prefix and is not scored.
 */
export async function scoreRolling(
  session: DecoderSession,
  texts: readonly (readonly number[])[],
  prefix: number | null,
  maxLen: number,
  tok: TokenInfo,
): Promise<WholeSample[]> {
  const scored = texts.map((t) => (prefix === null ? t.slice(1) : t))
  const perText = texts.map((t, i) => rollingWindows(scored[i]!, prefix ?? t[0]!, maxLen))
  const ll = await targetLogLikelihoods(
    session,
    perText.flat().map((w) => w.seq),
  )
  let k = 0
  return texts.map((_, i) => {
    const losses: number[] = []
    for (const w of perText[i]!) {
      const row = ll[k++]!
      for (let j = row.length - w.scored; j < row.length; j++) losses.push(-row[j]!)
    }
    return { ...wholeSample(losses, null, tok.tokenBytes(scored[i]!)), windows: perText[i]!.length }
  })
}

/**
 * Continuation teacher forcing over the same P targets text[L .. L+P-1], fed text[0:L+P] with and
 * without a leading BOS (so the BOS is an extra context token, never one of the L). Needs
 * text.length >= L + P.
 */
export async function scoreBosBoth(
  session: DecoderSession,
  texts: readonly (readonly number[])[],
  L: number,
  P: number,
  bosId: number,
): Promise<BosBoth[]> {
  const N = L + P
  const plain = texts.map((t) => t.slice(0, N))
  const ll = await targetLogLikelihoods(session, [...plain.map((t) => [bosId, ...t]), ...plain])
  const meanCe = (row: Float64Array, from: number) => {
    let sum = 0
    for (let j = 0; j < P; j++) sum -= row[from + j]!
    return sum / P
  }
  // With BOS, seq[t + 1] = text[t]: text[L] is predicted at t = L. Without, at t = L - 1.
  return plain.map((_, i) => ({
    withBos: meanCe(ll[i]!, L),
    withoutBos: meanCe(ll[plain.length + i]!, L - 1),
  }))
}

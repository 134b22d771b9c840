/**
 * Per-position log-likelihood of each next token: the one primitive the whole-sample measures
 * (trainFormat, rolling) are built on. Kept behind this single function so a faster implementation
 * (the log-softmax and the gather done inside onnxruntime, fetching [batch, T] numbers instead of
 * [batch, T, vocab] logits) can replace this one without touching the measures.
 */
import type { DecoderSession } from './decoder-session'
import { rowOffset } from './decoder-session'
import { logSumExp } from './math'

/**
 * Largest number of logits fetched by one forward (float32: 4 bytes each). [8, 512, 6400] would be
 * 26 M values (105 MB); this cap keeps a batch of long sequences near that, whatever the vocabulary.
 */
export const MAX_LOGITS_PER_FORWARD = 32 << 20

/**
 * For each sequence, ll[t] = log p(seq[t+1] | seq[0..t]) for t = 0 .. len-2: inside onnxruntime where
 * the session has the scoring nodes (DecoderSession.targetLogLikelihoods, float32 log-softmax), else a
 * float64 log-softmax of the model's float32 logits. Sequences are grouped by length (a forward needs equal lengths, and
 * padding would change nothing but cost) and run in batches capped by MAX_LOGITS_PER_FORWARD and the
 * graph's fixed batch. A sequence of fewer than 2 tokens gets an empty array.
 */
export async function targetLogLikelihoods(
  session: DecoderSession,
  seqs: number[][],
): Promise<Float64Array[]> {
  const out: Float64Array[] = seqs.map((s) => new Float64Array(Math.max(0, s.length - 1)))
  // The graph path (log-softmax and gather inside onnxruntime, [batch, T] numbers fetched) where the
  // session could add the scoring nodes; today's full-logits path otherwise.
  const scored = seqs.map((s, i) => [s, i] as const).filter(([s]) => s.length >= 2)
  const fast = scored.length > 0 ? await session.targetLogLikelihoods(scored.map(([s]) => s)) : null
  if (fast) {
    scored.forEach(([, i], k) => (out[i] = fast[k]!))
    return out
  }
  const byLength = new Map<number, number[]>()
  seqs.forEach((s, i) => {
    if (s.length < 2) return
    const group = byLength.get(s.length) ?? []
    group.push(i)
    byLength.set(s.length, group)
  })
  const vocab = await session.ensureVocab()
  for (const [length, members] of byLength) {
    const perForward = Math.max(
      1,
      Math.min(session.maxBatch, Math.floor(MAX_LOGITS_PER_FORWARD / (length * vocab))),
    )
    for (let start = 0; start < members.length; start += perForward) {
      const chunk = members.slice(start, start + perForward)
      const rows = await session.forward(
        chunk.map((i) => seqs[i]!),
        length,
      )
      chunk.forEach((i, b) => {
        const seq = seqs[i]!
        const ll = out[i]!
        for (let t = 0; t < length - 1; t++) {
          const off = rowOffset(rows, b, t)
          ll[t] = rows.data[off + seq[t + 1]!]! - logSumExp(rows.data, off, rows.vocab)
        }
      })
    }
  }
  return out
}

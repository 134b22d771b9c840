/**
 * Greedy free-running generation for a batch of samples at once (all share the prefill length L,
 * so no padding is needed): the autoregressive measure and, from the same path, the kvCache check.
 */
import type { DecoderSession, LogitRows } from './decoder-session'
import { rowOffset } from './decoder-session'
import { compareRows, scoreStep } from './scoring'

export interface ArOutcome {
  /** CE of the TRUE token T[L+t] under the model's distribution after its own generated prefix. */
  stepLosses: number[]
  /** The P greedy tokens g_0 .. g_{P-1}. */
  generatedIds: number[]
  usedKvCache: boolean
  /** Incremental vs full-forward logits along the generated path; only with a KV cache and when asked. */
  kvCache?: { maxAbsDiff: number; top1Agreement: number }
}

/**
 * Runs P greedy steps from T[0:L] for every sequence (each must have at least L+P tokens).
 * With a KV cache: one prefill, then P-1 single-token steps; with `checkKv` also one full forward
 * over T[0:L] + g_0 .. g_{P-2} whose last P rows are compared with the P incremental rows.
 * Without a cache: each step recomputes the whole prefix (usedKvCache = false, no kvCache check).
 */
export async function runAutoregressive(
  session: DecoderSession,
  seqs: number[][],
  L: number,
  P: number,
  checkKv: boolean,
): Promise<ArOutcome[]> {
  const B = seqs.length
  const generated: number[][] = seqs.map(() => [])
  const losses: number[][] = seqs.map(() => [])
  const stepRows: { rows: LogitRows; position: number }[] = []
  const take = (rows: LogitRows, position: number) => {
    for (let b = 0; b < B; b++) {
      const { ce, next } = scoreStep(rows, b, position, seqs[b]![L + generated[b]!.length]!)
      losses[b]!.push(ce)
      generated[b]!.push(next)
    }
  }
  const prefixes = seqs.map((s) => s.slice(0, L))
  if (session.hasKvCache) {
    let { logits, cache } = await session.prefill(prefixes, 1)
    take(logits, L - 1)
    stepRows.push({ rows: logits, position: L - 1 })
    for (let t = 1; t < P; t++) {
      ;({ logits, cache } = await session.step(
        generated.map((g) => g[t - 1]!),
        cache,
      ))
      take(logits, L - 1 + t)
      stepRows.push({ rows: logits, position: L - 1 + t })
    }
  } else {
    for (let t = 0; t < P; t++) {
      const inputs = prefixes.map((p, b) => [...p, ...generated[b]!.slice(0, t)])
      take(await session.forward(inputs, 1), L - 1 + t)
    }
  }
  const outcomes: ArOutcome[] = seqs.map((_, b) => ({
    stepLosses: losses[b]!,
    generatedIds: generated[b]!,
    usedKvCache: session.hasKvCache,
  }))
  if (checkKv && session.hasKvCache) {
    const full = await session.forward(
      prefixes.map((p, b) => [...p, ...generated[b]!.slice(0, P - 1)]),
      P,
    )
    for (let b = 0; b < B; b++) {
      let maxAbsDiff = 0
      let agree = 0
      for (const { rows, position } of stepRows) {
        const c = compareRows(
          rows.data,
          rowOffset(rows, b, position),
          full.data,
          rowOffset(full, b, position),
          rows.vocab,
        )
        if (!Number.isNaN(maxAbsDiff) && !(c.maxAbsDiff <= maxAbsDiff)) maxAbsDiff = c.maxAbsDiff
        if (c.sameTop1) agree++
      }
      outcomes[b]!.kvCache = { maxAbsDiff, top1Agreement: agree / P }
    }
  }
  return outcomes
}

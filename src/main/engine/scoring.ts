/**
 * The measurements of docs/measurements.md computed from logit rows (position i's row predicts token i+1).
 * T is a sample's tokens, L the input length, P the predict length, N = L + P.
 *
 * One forward over T[0:N+2] serves teacherForcing, both keepLast variants and the offset sweep:
 * a causal model's row i does not depend on tokens after i, so rows L-1 .. N-2 of that forward are
 * the rows of a forward over T[0:N] (teacherForcing, and logits_to_keep = P+1 minus its last row:
 * keepLastAligned), and rows L .. N-1 are what logits_to_keep = P over T[0:N] returns (keepLastMisaligned).
 */
import type { Measure, SweepShift } from '../../shared/measures'
import { SWEEP_SHIFTS } from '../../shared/measures'
import type { SampleResult } from '../../shared/results'
import { rowOffset, type LogitRows } from './decoder-session'
import { argmax, rowStats } from './math'

/** The forward a sample's teacher-forcing family needs: its length and how many last rows to keep. */
export interface ForwardPlan {
  /** Tokens fed: T[0:length]. */
  length: number
  /** Last rows to fetch. */
  keep: number
}

/** Which forward the requested measures need for a sample of `tokens` tokens (tokens >= N). */
export function planForward(
  tokens: number,
  L: number,
  P: number,
  measures: ReadonlySet<Measure>,
): ForwardPlan | null {
  const N = L + P
  const sweep = measures.has('offsetSweep')
  const misaligned = measures.has('keepLastMisaligned')
  const aligned = measures.has('teacherForcing') || measures.has('keepLastAligned')
  if (!sweep && !misaligned && !aligned) return null
  // Longest forward the definitions use, cut to what the sample has.
  const length = Math.min(tokens, sweep ? N + 2 : N)
  let firstRow = Infinity
  if (aligned) firstRow = L - 1
  if (misaligned) firstRow = Math.min(firstRow, L)
  if (sweep) firstRow = Math.max(0, L - 3)
  return { length, keep: length - firstRow }
}

/** Mean CE of targets T[L .. N-1] scored by rows L-1+s .. N-2+s, or null when the rows are not there. */
class RowScorer {
  readonly #stats = new Map<number, { lse: number; argmax: number }>()
  constructor(
    readonly rows: LogitRows,
    readonly b: number,
    /** Number of tokens the forward saw (rows 0 .. length-1 exist). */
    readonly length: number,
  ) {}

  has(position: number): boolean {
    return (
      position >= 0 &&
      position < this.length &&
      position >= this.rows.firstRow &&
      position < this.rows.firstRow + this.rows.rows
    )
  }

  #row(position: number): { off: number; lse: number; argmax: number } {
    const off = rowOffset(this.rows, this.b, position)
    let stats = this.#stats.get(position)
    if (stats === undefined) {
      stats = rowStats(this.rows.data, off, this.rows.vocab)
      this.#stats.set(position, stats)
    }
    return { off, ...stats }
  }

  ce(position: number, target: number): number {
    const { off, lse } = this.#row(position)
    return lse - this.rows.data[off + target]!
  }

  isTop1(position: number, target: number): boolean {
    return this.#row(position).argmax === target
  }

  shifted(T: number[], L: number, P: number, s: number): number | null {
    const first = L - 1 + s
    const last = L + P - 2 + s
    if (!this.has(first) || !this.has(last)) return null
    let sum = 0
    for (let j = 0; j < P; j++) sum += this.ce(first + j, T[L + j]!)
    return sum / P
  }
}

/** The teacher-forcing family of one batch item, from the rows of a forward over T[0:length]. */
export function scoreForward(
  rows: LogitRows,
  b: number,
  T: number[],
  length: number,
  L: number,
  P: number,
  measures: ReadonlySet<Measure>,
): Pick<SampleResult, 'teacherForcing' | 'keepLastMisaligned' | 'keepLastAligned' | 'offsetSweep'> {
  const scorer = new RowScorer(rows, b, length)
  const out: ReturnType<typeof scoreForward> = {}
  if (measures.has('teacherForcing') || measures.has('keepLastAligned')) {
    const tokenLosses: number[] = []
    let hits = 0
    for (let j = 0; j < P; j++) {
      const pos = L - 1 + j
      tokenLosses.push(scorer.ce(pos, T[L + j]!))
      if (scorer.isTop1(pos, T[L + j]!)) hits++
    }
    const loss = tokenLosses.reduce((a, c) => a + c, 0) / P
    if (measures.has('teacherForcing')) out.teacherForcing = { loss, tokenLosses, top1: hits / P }
    if (measures.has('keepLastAligned')) out.keepLastAligned = { loss }
  }
  if (measures.has('keepLastMisaligned')) {
    const loss = scorer.shifted(T, L, P, 1)
    if (loss !== null) out.keepLastMisaligned = { loss }
  }
  if (measures.has('offsetSweep')) {
    const sweep: Partial<Record<`${SweepShift}`, number>> = {}
    for (const s of SWEEP_SHIFTS) {
      const loss = scorer.shifted(T, L, P, s)
      if (loss !== null) sweep[`${s}`] = loss
    }
    out.offsetSweep = sweep
  }
  return out
}

/** CE of the true token and the greedy (argmax) token of one decode row. */
export function scoreStep(
  rows: LogitRows,
  b: number,
  position: number,
  target: number,
): { ce: number; next: number } {
  const off = rowOffset(rows, b, position)
  const { lse, argmax: next } = rowStats(rows.data, off, rows.vocab)
  return { ce: lse - rows.data[off + target]!, next }
}

/** max |a - b| over two rows and whether their argmaxes agree. NaN anywhere makes the diff NaN. */
export function compareRows(
  a: Float32Array,
  aOff: number,
  b: Float32Array,
  bOff: number,
  vocab: number,
): { maxAbsDiff: number; sameTop1: boolean } {
  let maxAbsDiff = 0
  for (let i = 0; i < vocab; i++) {
    const d = Math.abs(a[aOff + i]! - b[bOff + i]!)
    if (d !== d) {
      maxAbsDiff = NaN
      break
    }
    if (d > maxAbsDiff) maxAbsDiff = d
  }
  return { maxAbsDiff, sameTop1: argmax(a, aOff, vocab) === argmax(b, bOff, vocab) }
}

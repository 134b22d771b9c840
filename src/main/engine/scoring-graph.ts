/**
 * The teacher-forcing family of scoring.ts (teacherForcing, keepLastAligned, keepLastMisaligned,
 * offsetSweep) on the graph path: the same forward (planForward's length and kept rows), but the
 * log-probabilities of the targets and each row's argmax come out of onnxruntime (graph-targets.ts)
 * instead of the kept rows' logits. Same definitions, same numbers to float32 log-softmax precision.
 *
 * Row r of the forward scores, at shift s, target T[r + 1 - s] (rows L-1+s .. N-2+s against targets
 * T[L .. N-1]); each row is asked for the targets of every shift the measures need.
 */
import type { Measure, SweepShift } from '../../shared/measures'
import { SWEEP_SHIFTS } from '../../shared/measures'
import type { DecoderSession, TargetRows } from './decoder-session'
import type { ForwardPlan, scoreForward } from './scoring'

type ContinuationScores = ReturnType<typeof scoreForward>

/** The shifts the measures read: 0 for teacher forcing and keepLastAligned, +1 for misaligned, all for the sweep. */
export function neededShifts(measures: ReadonlySet<Measure>): SweepShift[] {
  const shifts = new Set<SweepShift>()
  if (measures.has('teacherForcing') || measures.has('keepLastAligned')) shifts.add(0)
  if (measures.has('keepLastMisaligned')) shifts.add(1)
  if (measures.has('offsetSweep')) for (const s of SWEEP_SHIFTS) shifts.add(s)
  return SWEEP_SHIFTS.filter((s) => shifts.has(s))
}

/**
 * scoreForward for a batch of samples on the graph path: one forward over T[0:plan.length] per batch,
 * as analysis-core runs it. `samples[b]` is the whole token list of item b (at least plan.length).
 * Null when the session has no scoring nodes (scoringPath 'logits'): score the logits instead.
 */
export async function scoreForwardGraph(
  session: DecoderSession,
  samples: number[][],
  plan: ForwardPlan,
  L: number,
  P: number,
  measures: ReadonlySet<Measure>,
): Promise<ContinuationScores[] | null> {
  if (session.scoringPath !== 'graph') return null
  const shifts = neededShifts(measures)
  if (shifts.length === 0) return samples.map(() => ({}))
  const N = L + P
  const k = shifts.length
  const rows = await session.forwardTargets(
    samples.map((T) => T.slice(0, plan.length)),
    plan.keep,
    k,
    (b, position, ids) => {
      const T = samples[b]!
      shifts.forEach((s, j) => {
        const target = position + 1 - s
        // Rows whose shifted target is outside T[L .. N-1] are not read; any id fills them.
        if (target >= L && target < N && target < T.length) ids[j] = T[target]!
      })
    },
  )
  return samples.map((T, b) => scoreTargets(rows, b, T, plan.length, L, P, measures, shifts))
}

/** One item's measures from its target log-probabilities, following scoreForward line for line. */
function scoreTargets(
  rows: TargetRows,
  b: number,
  T: number[],
  length: number,
  L: number,
  P: number,
  measures: ReadonlySet<Measure>,
  shifts: SweepShift[],
): ContinuationScores {
  const has = (position: number) =>
    position >= 0 && position < length && position >= rows.firstRow && position < rows.firstRow + rows.rows
  const index = (position: number) => b * rows.rows + (position - rows.firstRow)
  const ce = (position: number, s: SweepShift) => {
    if (!has(position)) {
      throw new RangeError(
        `row ${position} of item ${b} is not among the fetched rows ${rows.firstRow}..${rows.firstRow + rows.rows - 1}`,
      )
    }
    return -rows.logprobs[index(position) * rows.k + shifts.indexOf(s)]!
  }
  const shifted = (s: SweepShift): number | null => {
    const first = L - 1 + s
    const last = L + P - 2 + s
    if (!has(first) || !has(last)) return null
    let sum = 0
    for (let j = 0; j < P; j++) sum += ce(first + j, s)
    return sum / P
  }
  const out: ContinuationScores = {}
  if (measures.has('teacherForcing') || measures.has('keepLastAligned')) {
    const tokenLosses: number[] = []
    let hits = 0
    for (let j = 0; j < P; j++) {
      const pos = L - 1 + j
      tokenLosses.push(ce(pos, 0))
      if (rows.argmax[index(pos)] === T[L + j]) hits++
    }
    const loss = tokenLosses.reduce((a, c) => a + c, 0) / P
    if (measures.has('teacherForcing')) out.teacherForcing = { loss, tokenLosses, top1: hits / P }
    if (measures.has('keepLastAligned')) out.keepLastAligned = { loss }
  }
  if (measures.has('keepLastMisaligned')) {
    const loss = shifted(1)
    if (loss !== null) out.keepLastMisaligned = { loss }
  }
  if (measures.has('offsetSweep')) {
    const sweep: Partial<Record<`${SweepShift}`, number>> = {}
    for (const s of SWEEP_SHIFTS) {
      const loss = shifted(s)
      if (loss !== null) sweep[`${s}`] = loss
    }
    out.offsetSweep = sweep
  }
  return out
}

/**
 * "Explain my number": which measured variant reproduces the loss a user's own script reported.
 * The user types 12.34; keepLastMisaligned gives 12.31 on these samples, so their script scores the
 * slice one position late.
 */
import type { Means } from '../results'
import { sweepEntries } from './means'
import { THRESHOLDS } from './thresholds'
import type { Candidate, Explanation, RankedCandidate } from './types'

/** Row shift of the slice a variant scores, relative to the right one (null: not a slice of one forward). */
export function rowShift(c: Candidate): number | null {
  switch (c.measure) {
    case 'teacherForcing':
    case 'keepLastAligned':
    case 'sft':
      return 0
    // sftShiftedMask: MiniMind's SFT loss mask one position late (the input row's mask on the labels).
    case 'keepLastMisaligned':
    case 'sftShiftedMask':
      return 1
    case 'offsetSweep':
      return c.shift ?? null
    case 'autoregressive':
    case 'sftAutoregressive':
      return null
  }
}

/** Every variant of one run's means, in the order that wins ties (the named measures before the sweep). */
export function candidatesFromMeans(
  means: Means,
  ids: { checkpointId?: string; datasetId?: string } = {},
): Candidate[] {
  const out: Candidate[] = []
  const add = (measure: Candidate['measure'], value: number | undefined, shift?: number): void => {
    if (value === undefined || !Number.isFinite(value)) return
    out.push({ measure, value, ...(shift === undefined ? {} : { shift }), ...ids })
  }
  add('teacherForcing', means.teacherForcing)
  add('keepLastMisaligned', means.keepLastMisaligned)
  add('keepLastAligned', means.keepLastAligned)
  for (const [shift, value] of sweepEntries(means.offsetSweep)) add('offsetSweep', value, shift)
  add('autoregressive', means.autoregressive)
  // An SFT run's variants: MiniMind's SFT loss (assistant tokens only), the one-late mask, generation.
  add('sft', means.sft)
  add('sftShiftedMask', means.sftShiftedMask)
  add('sftAutoregressive', means.sftAutoregressive)
  return out
}

/**
 * Ranks the candidates by relative distance to the reported number; the nearest within `tolerance`
 * (relative) is the match. Ties keep the candidates' order. `ambiguous` when another variant that scores
 * a different slice is also within tolerance.
 */
export function explainReportedLoss(
  reported: number,
  candidates: readonly Candidate[],
  tolerance: number = THRESHOLDS.explainRelativeTolerance,
): Explanation {
  if (!Number.isFinite(reported) || reported <= 0) {
    throw new RangeError(`reported loss must be a positive number, got ${reported}`)
  }
  const entries = candidates.map((c, order) => ({
    c: { ...c, relative: Math.abs(c.value - reported) / reported, rowShift: rowShift(c) },
    order,
  }))
  const ranked: RankedCandidate[] = [...entries]
    .sort((a, b) => a.c.relative - b.c.relative || a.order - b.order)
    .map((e) => e.c)
  if (ranked.length === 0) {
    return {
      reported,
      tolerance,
      status: 'noCandidates',
      match: null,
      nearest: null,
      ranked,
      ambiguous: false,
    }
  }
  const nearest = ranked[0]!
  const within = ranked.filter((c) => c.relative <= tolerance)
  // The sweep's shifts 0 and +1 score the same rows as teacherForcing and keepLastMisaligned: when the
  // nearest is one of them, name the measure the user knows (listed first), whichever float noise favours.
  const match =
    nearest.relative <= tolerance
      ? (entries.find((e) => e.c.relative <= tolerance && sameSlice(e.c, nearest))?.c ?? nearest)
      : null
  const ambiguous = match !== null && within.some((c) => !sameSlice(c, match))
  return { reported, tolerance, status: match ? 'matched' : 'noMatch', match, nearest, ranked, ambiguous }
}

function sameSlice(a: RankedCandidate, b: RankedCandidate): boolean {
  return (
    a.rowShift === b.rowShift &&
    (a.rowShift !== null || a.measure === b.measure) &&
    (a.checkpointId ?? null) === (b.checkpointId ?? null) &&
    (a.datasetId ?? null) === (b.datasetId ?? null)
  )
}

/**
 * MiniMind's SFT loss mask and the measures made from it (docs/measurements.md, "SFT loss"). Pure: ids
 * in, positions and means out; run-sft.ts feeds it the model's rows.
 *
 * MiniMind2's SFTDataset (29454c3): the templated ids are cut to max_length and right-padded with the
 * pad id; the mask is found on the padded ids by matching the ids of `<|im_start|>assistant`, skipping
 * one more token (the header's "\n", the +1 in its loop), and marking everything up to and including the
 * ids of `<|im_end|>` and the one token after it. X = ids[:-1], Y = ids[1:], loss_mask = mask[1:]: row t
 * counts when mask[t + 1] = 1. 2026 code marks the same targets (labels -100 elsewhere, shifted inside).
 */
import type { SweepShift } from '../../../shared/measures'
import { SWEEP_SHIFTS } from '../../../shared/measures'

/** MiniMind2's _generate_loss_mask over (padded) ids: 1 at every counted target position. */
export function minimindLossMask(
  ids: number[],
  bosIds: number[],
  eosIds: number[],
  maxLength: number,
): number[] {
  const mask = new Array<number>(ids.length).fill(0)
  const at = (i: number, pattern: number[]) => pattern.every((id, k) => ids[i + k] === id)
  let i = 0
  while (i < ids.length) {
    if (at(i, bosIds)) {
      const start = i + bosIds.length
      let end = start
      while (end < ids.length && !at(end, eosIds)) end++
      for (let j = start + 1; j < Math.min(end + eosIds.length + 1, maxLength); j++)
        if (j < mask.length) mask[j] = 1
      i = end < ids.length ? end + eosIds.length : ids.length
    } else {
      i++
    }
  }
  return mask
}

/** A conversation laid out for scoring: the ids fed, the counted positions and the first reply. */
export interface SftLayout {
  /** Ids the forward sees: the templated ids cut to max_length, padded only when a cut reply's mask runs into pads. */
  ids: number[]
  /** Templated ids before the cut. */
  templatedLength: number
  truncated: boolean
  /** Positions p (in ids) whose token is a counted target; row p - 1 predicts it. */
  positions: number[]
  /** The first assistant turn's counted positions (consecutive): the reply sftAutoregressive generates. */
  firstReply: { start: number; length: number } | null
}

/**
 * Lays out one conversation as MiniMind's trainer sees it. Padding only matters when the cut falls inside
 * a reply: MiniMind then marks pad positions up to max_length as targets too (its end search runs off the
 * end), so the pads are fed as tokens (its SFT forward has no attention mask), exactly as it trains.
 */
export function sftLayout(
  templated: number[],
  bosIds: number[],
  eosIds: number[],
  maxLength: number,
  padId: number,
): SftLayout {
  const cut = templated.slice(0, maxLength)
  const padded = [...cut, ...new Array<number>(maxLength - cut.length).fill(padId)]
  const mask = minimindLossMask(padded, bosIds, eosIds, maxLength)
  let last = cut.length - 1
  for (let p = mask.length - 1; p >= cut.length; p--) {
    if (mask[p]) {
      last = p
      break
    }
  }
  const ids = padded.slice(0, last + 1)
  // Row p - 1 must exist: position 0 is never a target (X = ids[:-1], Y = ids[1:]).
  const positions: number[] = []
  for (let p = 1; p < ids.length; p++) if (mask[p]) positions.push(p)
  let firstReply: SftLayout['firstReply'] = null
  if (positions.length > 0) {
    let length = 1
    while (positions[length] === positions[0]! + length) length++
    firstReply = { start: positions[0]!, length }
  }
  return {
    ids,
    templatedLength: templated.length,
    truncated: templated.length > maxLength,
    positions,
    firstReply,
  }
}

/** CE of token `target` under the logits row at `row` (row r predicts the token at r + 1). */
export type RowCe = (row: number, target: number) => number

function meanOf(xs: number[]): number {
  let s = 0
  for (const x of xs) s += x
  return s / xs.length
}

/**
 * The `sft` measure from a forward over layout.ids: loss = masked mean over rows p - 1; shiftedMaskLoss =
 * the mask applied to rows one position late (rows p, each against its own next token ids[p + 1]; a row
 * with no next token left out), what an evaluation that forgets MiniMind's [1:] computes; the offset
 * sweep scores the counted targets with rows p - 1 + s (a shift whose rows are missing is absent).
 */
export function scoreSft(
  layout: SftLayout,
  ce: RowCe,
): {
  loss: number
  tokens: number
  shiftedMaskLoss: number
  tokenLosses: number[]
  maskedPositions: number[]
  offsetSweep: Partial<Record<`${SweepShift}`, number>>
} {
  const { ids, positions } = layout
  const tokenLosses = positions.map((p) => ce(p - 1, ids[p]!))
  const late = positions.filter((p) => p + 1 < ids.length).map((p) => ce(p, ids[p + 1]!))
  const offsetSweep: Partial<Record<`${SweepShift}`, number>> = {}
  for (const s of SWEEP_SHIFTS) {
    if (positions.every((p) => p - 1 + s >= 0 && p - 1 + s < ids.length)) {
      offsetSweep[`${s}`] =
        s === 0 ? meanOf(tokenLosses) : meanOf(positions.map((p) => ce(p - 1 + s, ids[p]!)))
    }
  }
  return {
    loss: meanOf(tokenLosses),
    tokens: positions.length,
    shiftedMaskLoss: late.length > 0 ? meanOf(late) : NaN,
    tokenLosses,
    maskedPositions: positions,
    offsetSweep,
  }
}

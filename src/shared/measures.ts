import { DEFAULT_MAX_SEQ_LEN } from './limits'

/** The measurements LossLens makes; exact definitions in docs/measurements.md. */
export const MEASURES = [
  'teacherForcing',
  'keepLastMisaligned',
  'keepLastAligned',
  'offsetSweep',
  'autoregressive',
  'kvCache',
  /** Each sample encoded and scored as the trainer does (BOS/EOS convention, max_seq_len, pad mask). */
  'trainFormat',
  /** The whole sample without truncation: disjoint windows of max_seq_len tokens (rollingWindow). */
  'rolling',
  /** Continuation teacher forcing scored with and without a leading BOS. */
  'bosBoth',
  /** MiniMind's SFT loss on a chat-templated conversation (assistant-span mask), and the mask one late. */
  'sft',
  /** The first assistant reply generated greedily from its prompt, true-token CE per step. */
  'sftAutoregressive',
] as const

export type Measure = (typeof MEASURES)[number]

/** The measures that apply to chat-templated conversations only. */
export const SFT_MEASURES: readonly Measure[] = ['sft', 'sftAutoregressive']

/**
 * What a pretraining run measures when none are named: every measure but the SFT ones and bosBoth,
 * which a run with bos 'auto' adds by itself when the tokenizer has a BOS (and which needs one).
 */
export const DEFAULT_MEASURES: readonly Measure[] = MEASURES.filter(
  (m) => m !== 'bosBoth' && !SFT_MEASURES.includes(m),
)

/** Shifts of the offset sweep: rows L-1+s .. N-2+s against targets T[L .. N-1]. s = +1 is the seed's bug. */
export const SWEEP_SHIFTS = [-2, -1, 0, 1, 2] as const
export type SweepShift = (typeof SWEEP_SHIFTS)[number]

/** Parses "a,b,c" into measures; throws RangeError naming the unknown one. */
export function parseMeasures(list: string): Measure[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
  for (const name of names) {
    if (!(MEASURES as readonly string[]).includes(name)) {
      throw new RangeError(`unknown measure "${name}"; known: ${MEASURES.join(', ')}`)
    }
  }
  return names as Measure[]
}

/**
 * The window length the rolling measure scored a run's samples in: the run's max_seq_len, else the
 * engine's default (analysis-core.ts falls back to DEFAULT_MAX_SEQ_LEN for a run that names none).
 * `recorded` says whether the run's settings say it, so a description can say where the number is from.
 */
export function rollingWindow(settings: { maxSeqLen?: number } | null | undefined): {
  tokens: number
  recorded: boolean
} {
  const n = settings?.maxSeqLen
  return n === undefined ? { tokens: DEFAULT_MAX_SEQ_LEN, recorded: false } : { tokens: n, recorded: true }
}

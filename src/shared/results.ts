/**
 * The per-sample result line (one line of results.jsonl) and the run summary (summary.json).
 * Written by the engine, read by the store, the renderer and the report: defined once, here.
 */
import { z } from 'zod'
import { MEASURES } from './measures'
import { ModelDescriptionSchema, ProviderReportSchema } from './model'
import { SETTING_LIMITS, type LimitedSetting } from './limits'

const finite = z.number()

export const BOS_MODES = ['auto', 'yes', 'no'] as const
export type BosMode = (typeof BOS_MODES)[number]
export const DATASET_FORMATS = ['auto', 'pretrain', 'sft'] as const
export type DatasetFormat = (typeof DATASET_FORMATS)[number]
export const SFT_ROLE_MODES = ['auto', 'parity', 'asWritten'] as const
export type SftRoleMode = (typeof SFT_ROLE_MODES)[number]

export const TeacherForcingSchema = z.object({
  /** Mean cross-entropy (nats) over the P target tokens. */
  loss: finite,
  /** Cross-entropy of each target token T[L+j], j = 0 .. P-1. */
  tokenLosses: z.array(finite),
  /** Fraction of target tokens that are the argmax of their row. */
  top1: finite,
  /** -Σ log-likelihood / (ln 2 × UTF-8 bytes of the target text): lm-evaluation-harness's bits_per_byte. */
  bitsPerByte: finite.optional(),
  /** UTF-8 bytes of the scored target text. */
  bytes: z.number().int().nonnegative().optional(),
})

export const LossOnlySchema = z.object({ loss: finite })

/** Keys "-2" .. "2"; a shift whose rows the sample lacks is absent. */
export const OffsetSweepSchema = z.partialRecord(z.enum(['-2', '-1', '0', '1', '2']), finite)

export const AutoregressiveSchema = z.object({
  /** Mean CE of the TRUE next token along the model's own greedy path. */
  loss: finite,
  stepLosses: z.array(finite),
  generatedIds: z.array(z.number().int()),
  generatedText: z.string(),
  /** False when the model has no KV cache and every step recomputed the whole prefix. */
  usedKvCache: z.boolean(),
})

export const KvCacheSchema = z.object({
  maxAbsDiff: finite,
  top1Agreement: finite,
})

/**
 * One sample as the trainer scores it (docs/measurements.md, "Training-format loss"): encoded with the
 * run's BOS/EOS convention, cut to max_seq_len, loss = mean CE over every non-pad target position.
 * Also the shape of `rolling` (the whole sample in disjoint windows of the model's context).
 */
export const WholeSampleSchema = z.object({
  loss: finite,
  /** Target positions scored (the denominator of loss). */
  tokens: z.number().int().nonnegative(),
  /** UTF-8 bytes of the scored text (the text the targets decode to). */
  bytes: z.number().int().nonnegative(),
  bitsPerByte: finite,
  /** positionLosses[i] = CE of the target at position i + 1 (predicted from positions 0..i). */
  positionLosses: z.array(finite),
  /** rolling only: number of windows the sample was scored in. */
  windows: z.number().int().positive().optional(),
  /** True when the sample was longer than max_seq_len and cut (trainFormat only). */
  truncated: z.boolean().optional(),
})

/** Continuation teacher forcing with and without a leading BOS (mean CE over the same P targets). */
export const BosBothSchema = z.object({ withBos: finite, withoutBos: finite })

/** MiniMind's SFT loss on one conversation (docs/measurements.md, "SFT loss"). */
export const SftSchema = z.object({
  /** Masked mean CE over the target positions MiniMind's mask selects. */
  loss: finite,
  /** Number of counted target tokens. */
  tokens: z.number().int().nonnegative(),
  /** The same mean with the mask one position late (the common evaluation bug). */
  shiftedMaskLoss: finite,
  /** CE of each counted target token, in order. */
  tokenLosses: z.array(finite),
  /** Positions (in the templated ids) of the counted target tokens. */
  maskedPositions: z.array(z.number().int().nonnegative()),
  /** Offset sweep over the assistant targets: rows t-1+s against the counted targets. */
  offsetSweep: OffsetSweepSchema.optional(),
  /** Templated ids and each token's text, for the per-token dump in the sample view. */
  ids: z.array(z.number().int()).optional(),
  tokenTexts: z.array(z.string()).optional(),
})

export const SftAutoregressiveSchema = z.object({
  loss: finite,
  stepLosses: z.array(finite),
  generatedText: z.string(),
})

export const SampleResultSchema = z.object({
  index: z.number().int().nonnegative(),
  /** Stable id: first 16 hex digits of SHA-256 of the sample text. */
  id: z.string(),
  /** Number of tokens the whole sample encodes to. */
  tokens: z.number().int().nonnegative(),
  inputLength: z.number().int(),
  predictLength: z.number().int(),
  /** Why the sample was not scored (too short, ...). Absent for scored samples. */
  skipped: z.string().optional(),
  /** Decoded context T[0:L] and target T[L:N], and each target token's text, for the sample view. */
  contextText: z.string().optional(),
  targetText: z.string().optional(),
  targetTokens: z.array(z.string()).optional(),
  targetIds: z.array(z.number().int()).optional(),
  teacherForcing: TeacherForcingSchema.optional(),
  keepLastMisaligned: LossOnlySchema.optional(),
  keepLastAligned: LossOnlySchema.optional(),
  offsetSweep: OffsetSweepSchema.optional(),
  autoregressive: AutoregressiveSchema.optional(),
  kvCache: KvCacheSchema.optional(),
  trainFormat: WholeSampleSchema.optional(),
  rolling: WholeSampleSchema.optional(),
  bosBoth: BosBothSchema.optional(),
  sft: SftSchema.optional(),
  sftAutoregressive: SftAutoregressiveSchema.optional(),
})
export type SampleResult = z.infer<typeof SampleResultSchema>

const bounded = (k: LimitedSetting) => z.number().int().min(SETTING_LIMITS[k].min).max(SETTING_LIMITS[k].max)

const RunSettingsObject = z.object({
  inputLength: bounded('inputLength'),
  predictLength: bounded('predictLength'),
  measures: z.array(z.enum(MEASURES)).min(1).max(MEASURES.length),
  batchSize: bounded('batchSize'),
  threads: bounded('threads'),
  /** 'auto' tries the platform's providers in order; a name forces that one. */
  provider: z.string().max(32),
  limit: bounded('limit').optional(),
  /**
   * BOS convention (docs/minimind.md): 'yes' = continuation scored after a BOS and trainFormat wraps
   * the text as [bos] + text + [eos]; 'no' = the text's tokens only; 'auto' = the convention the code
   * era implies, with bosBoth scored so both are shown. Old files carry addBos instead (read as yes/no).
   */
  bos: z.enum(BOS_MODES).optional(),
  /** The trainer's max_seq_len (a training argument, not the model's max_position_embeddings). */
  maxSeqLen: bounded('maxSeqLen').optional(),
  /** Dataset format: 'auto' = rows with `text` are pretraining, rows with `conversations` SFT. */
  format: z.enum(DATASET_FORMATS).optional(),
  /** SFT roles: MiniMind2 (2025) re-assigns roles by turn parity; 2026 keeps them as written. */
  sftRoles: z.enum(SFT_ROLE_MODES).optional(),
})

/**
 * Run settings as stored and as requested. Files written before `bos` existed carry `addBos: boolean`:
 * it is read as bos 'yes' / 'no' and dropped, so nothing downstream sees it. It wins over a `bos`
 * beside it: LossLens never writes both, so both means old settings merged over new defaults
 * (the demo's manifest over DEFAULT_RUN_SETTINGS), where the old file's choice is the one meant.
 */
export const RunSettingsSchema = RunSettingsObject.extend({ addBos: z.boolean().optional() }).transform(
  ({ addBos, ...rest }): z.infer<typeof RunSettingsObject> =>
    addBos !== undefined ? { ...rest, bos: addBos ? 'yes' : 'no' } : rest,
)
export type RunSettings = z.infer<typeof RunSettingsObject>

export const MeansSchema = z.object({
  teacherForcing: finite.optional(),
  teacherForcingTop1: finite.optional(),
  keepLastMisaligned: finite.optional(),
  keepLastAligned: finite.optional(),
  offsetSweep: OffsetSweepSchema.optional(),
  autoregressive: finite.optional(),
  /** Mean CE at each autoregressive step, over samples. */
  autoregressiveSteps: z.array(finite).optional(),
  /** Mean teacher-forcing CE at each target position, over samples. */
  teacherForcingSteps: z.array(finite).optional(),
  /** Largest kvCache max |diff| over all samples. */
  kvCacheMaxAbsDiff: finite.optional(),
  kvCacheTop1Agreement: finite.optional(),
  /**
   * Whole-sample and bits-per-byte means (docs/measurements.md): `<name>` is the mean over samples of
   * each sample's mean loss; `<name>TokenWeighted` is Σ token losses / Σ tokens over the set (what one
   * big batch of these samples would log); `<name>BitsPerByte` is Σ -log-likelihood / (ln 2 × Σ bytes).
   */
  trainFormat: finite.optional(),
  trainFormatTokenWeighted: finite.optional(),
  trainFormatBitsPerByte: finite.optional(),
  /** Mean training-format CE at each target position (index i = position i + 1), over samples reaching it. */
  trainFormatPositions: z.array(finite).optional(),
  rolling: finite.optional(),
  rollingTokenWeighted: finite.optional(),
  rollingBitsPerByte: finite.optional(),
  teacherForcingBitsPerByte: finite.optional(),
  bosBothWithBos: finite.optional(),
  bosBothWithoutBos: finite.optional(),
  sft: finite.optional(),
  sftTokenWeighted: finite.optional(),
  sftShiftedMask: finite.optional(),
  sftAutoregressive: finite.optional(),
})
export type Means = z.infer<typeof MeansSchema>

export const RunSummarySchema = z.object({
  label: z.string(),
  modelPath: z.string(),
  tokenizerPath: z.string(),
  dataPath: z.string(),
  settings: RunSettingsSchema,
  model: ModelDescriptionSchema,
  provider: ProviderReportSchema,
  counts: z.object({ total: z.number().int(), scored: z.number().int(), skipped: z.number().int() }),
  means: MeansSchema,
  wallSeconds: finite,
  tokensPerSecond: finite,
  startedAt: z.string(),
  finishedAt: z.string(),
  losslensVersion: z.string(),
  /**
   * The BOS convention the run applied ('yes' or 'no'): settings.bos resolved, so a run asked for with
   * 'auto' still names what it scored. Absent in runs written before the setting existed.
   */
  bosUsed: z.enum(['yes', 'no']).optional(),
  /** Samples whose bytes were not valid UTF-8 (the bad bytes were read as U+FFFD); absent when none. */
  invalidUtf8Samples: z.number().int().nonnegative().optional(),
})
export type RunSummary = z.infer<typeof RunSummarySchema>

/**
 * The BOS convention a run scored with, as the run states it: its summary's bosUsed (runs since the
 * bos setting), else an explicit bos setting ('yes' / 'no'); null when it does not say (an 'auto' run
 * still streaming), which leaves the waterfall to read it off the run's bosBoth scores. One rule for the
 * window's diagnosis and the report's.
 */
export function statedBos(
  summary: { bosUsed?: unknown } | null | undefined,
  settings: { bos?: unknown } | null | undefined,
): 'yes' | 'no' | null {
  const stated = summary?.bosUsed
  if (stated === 'yes' || stated === 'no') return stated
  const bos = settings?.bos
  return bos === 'yes' || bos === 'no' ? bos : null
}

/**
 * The per-sample result line (one line of results.jsonl) and the run summary (summary.json).
 * Written by the engine, read by the store, the renderer and the report: defined once, here.
 */
import { z } from 'zod'
import { MEASURES } from './measures'
import { ModelDescriptionSchema, ProviderReportSchema } from './model'
import { SETTING_LIMITS, type LimitedSetting } from './limits'

const finite = z.number()

export const TeacherForcingSchema = z.object({
  /** Mean cross-entropy (nats) over the P target tokens. */
  loss: finite,
  /** Cross-entropy of each target token T[L+j], j = 0 .. P-1. */
  tokenLosses: z.array(finite),
  /** Fraction of target tokens that are the argmax of their row. */
  top1: finite,
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
})
export type SampleResult = z.infer<typeof SampleResultSchema>

const bounded = (k: LimitedSetting) => z.number().int().min(SETTING_LIMITS[k].min).max(SETTING_LIMITS[k].max)

export const RunSettingsSchema = z.object({
  inputLength: bounded('inputLength'),
  predictLength: bounded('predictLength'),
  measures: z.array(z.enum(MEASURES)).min(1).max(MEASURES.length),
  batchSize: bounded('batchSize'),
  threads: bounded('threads'),
  addBos: z.boolean(),
  /** 'auto' tries the platform's providers in order; a name forces that one. */
  provider: z.string().max(32),
  limit: bounded('limit').optional(),
})
export type RunSettings = z.infer<typeof RunSettingsSchema>

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
  /** Samples whose bytes were not valid UTF-8 (the bad bytes were read as U+FFFD); absent when none. */
  invalidUtf8Samples: z.number().int().nonnegative().optional(),
})
export type RunSummary = z.infer<typeof RunSummarySchema>

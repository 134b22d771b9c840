/** Token-level comparison of two checkpoints over the teacher-forcing target rows (llama.cpp --kl-divergence). */
import { z } from 'zod'

/** The KLD percentiles llama.cpp's `--kl-divergence` prints (besides the median, min and max). */
export const KLD_PERCENTILES = [99.9, 99, 95, 90, 10, 5, 1, 0.1] as const
/** The Δp percentiles it prints. */
export const DELTA_P_PERCENTILES = [99.9, 99, 95, 90, 75, 25, 10, 5, 1, 0.1] as const

const finite = z.number()
/** A mean with its standard error, as llama.cpp's "x ± u". */
const WithUncertaintySchema = z.object({ value: finite, uncertainty: finite })
/** One per-row quantity over all target rows: mean ± uncertainty, median, extremes and percentiles (q in 0..100). */
export const SpreadSchema = z.object({
  mean: finite,
  uncertainty: finite,
  median: finite,
  min: finite,
  max: finite,
  percentiles: z.array(z.object({ q: finite, value: finite })).max(32),
})
export type Spread = z.infer<typeof SpreadSchema>

/** What llama.cpp prints under "KL divergence statistics" and "Token probability statistics". */
export const TokenDistributionSchema = z.object({
  kld: SpreadSchema,
  /** Δp = p_other(true token) - p_base(true token), per row. */
  deltaP: SpreadSchema,
  rmsDeltaP: WithUncertaintySchema,
  sameTop1: WithUncertaintySchema,
})
export type TokenDistribution = z.infer<typeof TokenDistributionSchema>

export const TokenComparisonSchema = z.object({
  baseLabel: z.string(),
  otherLabel: z.string(),
  /** KL(base || other) per target row, in nats. */
  meanKld: z.number(),
  medianKld: z.number(),
  /** 99th percentile, linear interpolation between closest ranks (numpy's default). */
  p99Kld: z.number(),
  maxKld: z.number(),
  /** Fraction of rows where both checkpoints' argmax tokens agree. */
  sameTop1: z.number(),
  /** RMS over rows of p_other(true token) - p_base(true token). */
  rmsDeltaP: z.number(),
  samples: z.number().int(),
  tokens: z.number().int(),
  /** The full report; absent on comparisons stored before it was computed. */
  distribution: TokenDistributionSchema.optional(),
})
export type TokenComparison = z.infer<typeof TokenComparisonSchema>

/** How far a token comparison has got: samples scored so far of the total. */
export interface CompareProgress {
  done: number
  total: number
}

/** Token-level comparison of two checkpoints over the teacher-forcing target rows (llama.cpp --kl-divergence). */
import { z } from 'zod'

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
})
export type TokenComparison = z.infer<typeof TokenComparisonSchema>

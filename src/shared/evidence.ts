/** Evidence for the seed's data and weights hypotheses, and the training-loss reference. */
import { z } from 'zod'

export const TensorMatchSchema = z.object({
  checkpointName: z.string(),
  modelName: z.string(),
  transposed: z.boolean(),
  /** True when one checkpoint tensor is matched by a tied initializer (lm_head = embed_tokens). */
  tied: z.boolean(),
  maxAbsDiff: z.number(),
})

export const WeightReportSchema = z.object({
  checkpointPath: z.string(),
  modelPath: z.string(),
  /** Unique checkpoint tensors matched to an initializer within tolerance. */
  matched: z.number().int(),
  /** Unique tensors in the checkpoint (tied duplicates counted once). */
  total: z.number().int(),
  maxAbsDiff: z.number(),
  unmatchedCheckpoint: z.array(z.string()),
  unmatchedModel: z.array(z.string()),
  /** Found by name or shape but with values outside tolerance. */
  mismatched: z.array(
    z.object({ checkpointName: z.string(), modelName: z.string(), maxAbsDiff: z.number() }),
  ),
  matches: z.array(TensorMatchSchema),
  tolerance: z.number(),
  /**
   * Why some unmatched tensors did not pair up: the same name on both sides with other shapes (a
   * checkpoint of another configuration). These names also stay in the unmatched lists.
   */
  shapeMismatched: z
    .array(
      z.object({
        checkpointName: z.string(),
        modelName: z.string(),
        checkpointShape: z.array(z.number().int()),
        modelShape: z.array(z.number().int()),
      }),
    )
    .optional(),
})
export type WeightReport = z.infer<typeof WeightReportSchema>

export const DataConsistencySchema = z.object({
  evalPath: z.string(),
  trainPath: z.string(),
  total: z.number().int(),
  /** Eval samples whose text equals a training row's text exactly. */
  found: z.number().int(),
  /** ... after collapsing whitespace runs and trimming. */
  foundNormalized: z.number().int(),
  /** ... as a substring of a training row (normalised). */
  foundSubstring: z.number().int(),
  notFound: z.array(z.object({ index: z.number().int(), preview: z.string() })),
  trainRows: z.number().int(),
  bytesScanned: z.number().int(),
  /** Training lines that are not JSON or have neither text nor conversations (counted, not fatal). */
  malformedCount: z.number().int().optional(),
  /** Line numbers (1-based) of the first malformed training lines. */
  malformedLines: z.array(z.number().int()).optional(),
  /**
   * SHA-256 of the training file's bytes, computed by the data check while it scans the file: the
   * report's provenance names the training data by it (never re-hashed at report time).
   */
  trainSha256: z.string().optional(),
})
export type DataConsistency = z.infer<typeof DataConsistencySchema>

export const TrainLogPointSchema = z.object({
  step: z.number(),
  epoch: z.number().nullable(),
  loss: z.number(),
  lr: z.number().nullable(),
  /** The cross-entropy part of `loss`, where the log prints it (2026 MiniMind: loss = logits_loss + aux_loss). */
  logitsLoss: z.number().optional(),
  /** The MoE load-balancing loss added into `loss`, where the log prints it (0 for a dense model). */
  auxLoss: z.number().optional(),
})

export const TrainLogSchema = z.object({
  path: z.string(),
  /** minimind-2025 | minimind-2025-late | minimind-2026 | csv | jsonl */
  format: z.string(),
  steps: z.number().int(),
  /** Mean of the last `tail` logged losses. */
  trailingMean: z.number().nullable(),
  tail: z.number().int(),
  unparsedLines: z.array(z.object({ line: z.number().int(), text: z.string() })),
  /** Every non-blank line that gave no point (unparsedLines keeps the first ones only). */
  unparsedCount: z.number().int().optional(),
  points: z.array(TrainLogPointSchema),
  /** MiniMind logs one micro-batch's loss, not an interval average. */
  caveat: z.string(),
  /** The trainer's max_seq_len / max_length when a header or arguments line of the log states it. */
  maxSeqLen: z.number().int().positive().optional(),
})
export type TrainLog = z.infer<typeof TrainLogSchema>

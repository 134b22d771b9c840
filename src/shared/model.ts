/** What the engine found inside an ONNX file, and which execution provider really ran it. */
import { z } from 'zod'

export const TensorInfoSchema = z.object({
  name: z.string(),
  type: z.string(),
  shape: z.array(z.union([z.number(), z.string()])),
})

export const ModelDescriptionSchema = z.object({
  path: z.string(),
  fileBytes: z.number().int(),
  /** plain: input_ids -> logits. optimum: Hugging Face decoder with past_key_values. */
  form: z.enum(['plain', 'optimum']),
  inputs: z.array(TensorInfoSchema),
  outputs: z.array(TensorInfoSchema),
  numLayers: z.number().int().nullable(),
  numKvHeads: z.number().int().nullable(),
  headDim: z.number().int().nullable(),
  vocabSize: z.number().int().nullable(),
  opset: z.number().int().nullable(),
  producer: z.string().nullable(),
  parameterCount: z.number().int().nullable(),
  hasKvCache: z.boolean(),
  /** Name of the logits_to_keep / num_logits_to_keep input, when the graph has one. */
  logitsToKeepInput: z.string().nullable(),
  hasPositionIds: z.boolean(),
  hasAttentionMask: z.boolean(),
  /** Merged decoders carry a use_cache_branch input. */
  hasUseCacheBranch: z.boolean(),
  inputIdsType: z.enum(['int64', 'int32']),
  /** Plain-language notes on what can and cannot be measured with this graph. */
  notes: z.array(z.string()),
})
export type ModelDescription = z.infer<typeof ModelDescriptionSchema>

export const ProviderAttemptSchema = z.object({
  name: z.string(),
  ok: z.boolean(),
  /** Why it was not used (failed to load, did not reproduce CPU logits, not for this platform). */
  reason: z.string().optional(),
  loadMs: z.number().optional(),
})

export const ProviderReportSchema = z.object({
  /** The provider that actually ran the inference. */
  used: z.string(),
  attempts: z.array(ProviderAttemptSchema),
  loadMs: z.number(),
  /**
   * Where target log-probabilities are computed: 'graph' = LogSoftmax/GatherElements appended to the
   * model and run by onnxruntime; 'logits' = full logits fetched and scored in JavaScript (reason says
   * why the graph path was refused). Absent in runs made before it existed.
   */
  scoring: z.object({ path: z.enum(['graph', 'logits']), reason: z.string().nullable() }).optional(),
})
export type ProviderReport = z.infer<typeof ProviderReportSchema>

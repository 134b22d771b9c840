/** Events of one run, streamed from the engine (worker) to the CLI, the main process and the window. */
import { z } from 'zod'
import { ModelDescriptionSchema, ProviderReportSchema } from './model'
import { RunSummarySchema, SampleResultSchema } from './results'

export const RunEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('started'),
    runId: z.string(),
    label: z.string(),
    total: z.number().int(),
    /** Samples already in results.jsonl when a run resumes. */
    alreadyDone: z.number().int(),
    model: ModelDescriptionSchema,
    provider: ProviderReportSchema,
  }),
  z.object({ type: z.literal('sample'), runId: z.string(), result: SampleResultSchema }),
  z.object({
    type: z.literal('progress'),
    runId: z.string(),
    done: z.number().int(),
    total: z.number().int(),
    tokensPerSecond: z.number(),
    etaSeconds: z.number().nullable(),
  }),
  z.object({ type: z.literal('finished'), runId: z.string(), summary: RunSummarySchema }),
  z.object({ type: z.literal('failed'), runId: z.string(), message: z.string() }),
  z.object({ type: z.literal('cancelled'), runId: z.string(), done: z.number().int() }),
])
export type RunEvent = z.infer<typeof RunEventSchema>
export type RunEventType = RunEvent['type']

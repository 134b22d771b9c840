/** experiments/<id>/experiment.json and runs/<runId>/run.json, as stored in the workspace. */
import { z } from 'zod'
import { DataConsistencySchema, WeightReportSchema } from './evidence'
import { ModelDescriptionSchema } from './model'
import { RunSettingsSchema, RunSummarySchema } from './results'

/** Experiment ids look like "1.4.0": letters, digits, dot, dash, underscore; safe as a folder name. */
export const ExperimentIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "-" and "_" only')

export const CheckpointRefSchema = z.object({
  id: z.string(),
  label: z.string(),
  /** Paths are relative to the experiment folder when inside it, absolute otherwise. */
  modelPath: z.string(),
  tokenizerPath: z.string(),
  sourcePath: z.string().optional(),
  step: z.number().int().nonnegative().optional(),
  description: ModelDescriptionSchema.optional(),
  weights: WeightReportSchema.optional(),
})
export type CheckpointRef = z.infer<typeof CheckpointRefSchema>

export const DatasetRefSchema = z.object({
  id: z.string(),
  label: z.string(),
  path: z.string(),
  /** The training JSONL these samples should come from. */
  trainPath: z.string().optional(),
  /** The user says these samples were drawn from the training data (the seed's eval_data_from_train.json). */
  fromTraining: z.boolean().optional(),
  datasetKind: z.enum(['fromTraining', 'heldOut', 'mixed', 'unknown']).optional(),
  sampleCount: z.number().int().optional(),
  consistency: DataConsistencySchema.optional(),
})
export type DatasetRef = z.infer<typeof DatasetRefSchema>

export const ExperimentSchema = z.object({
  id: ExperimentIdSchema,
  title: z.string(),
  notes: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  checkpoints: z.array(CheckpointRefSchema),
  datasets: z.array(DatasetRefSchema),
  trainingLog: z.string().optional(),
  /** A loss the user's own script reported, to be explained by the report ("explain my number"). */
  reportedLoss: z.number().optional(),
  settings: RunSettingsSchema,
})
export type Experiment = z.infer<typeof ExperimentSchema>

/**
 * queued: waiting behind another run of the same request; running: live in the engine;
 * interrupted: run.json said running/queued but no live run existed (crash, quit); resumable like cancelled.
 */
export const RunStatusSchema = z.enum(['queued', 'running', 'finished', 'failed', 'cancelled', 'interrupted'])
export type RunStatus = z.infer<typeof RunStatusSchema>

export const RunInfoSchema = z.object({
  runId: z.string(),
  experimentId: z.string(),
  checkpointId: z.string(),
  datasetId: z.string(),
  label: z.string(),
  settings: RunSettingsSchema,
  status: RunStatusSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  done: z.number().int(),
  total: z.number().int(),
  provider: z.string().optional(),
  error: z.string().optional(),
  summary: RunSummarySchema.optional(),
})
export type RunInfo = z.infer<typeof RunInfoSchema>

export const ExperimentSummarySchema = z.object({
  id: z.string(),
  title: z.string(),
  updatedAt: z.string(),
  lastRun: z.string().nullable(),
  bestLoss: z.number().nullable(),
  runningRuns: z.number().int(),
  /** Set when experiment.json could not be read (corrupt, missing): the message names the file. */
  error: z.string().optional(),
})
export type ExperimentSummary = z.infer<typeof ExperimentSummarySchema>

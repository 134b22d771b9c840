/** experiments/<id>/experiment.json and runs/<runId>/run.json, as stored in the workspace. */
import { z } from 'zod'
import { uniqueSlug } from './slug'
import { DataConsistencySchema, WeightReportSchema } from './evidence'
import { ModelDescriptionSchema } from './model'
import { RunSettingsSchema, RunSummarySchema } from './results'

/** Experiment ids look like "1.4.0": letters, digits, dot, dash, underscore; safe as a folder name. */
export const ExperimentIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "-" and "_" only')

/** What an evaluation set is with respect to the training data. */
export const DATASET_KINDS = ['fromTraining', 'heldOut', 'mixed', 'unknown'] as const
export type DatasetKind = (typeof DATASET_KINDS)[number]

/** The kind a dataset claims: its datasetKind, else an old file's `fromTraining: true`, else unknown. */
export function claimedKind(dataset: { datasetKind?: DatasetKind; fromTraining?: boolean }): DatasetKind {
  return dataset.datasetKind ?? (dataset.fromTraining === true ? 'fromTraining' : 'unknown')
}

export const CheckpointRefSchema = z.object({
  id: z.string(),
  label: z.string(),
  /** Paths are relative to the experiment folder when inside it, absolute otherwise. */
  modelPath: z.string(),
  tokenizerPath: z.string(),
  sourcePath: z.string().optional(),
  /**
   * The training step the checkpoint was saved at, on the training log's axis (the global step the log
   * parser computes). Everything compared with training uses the log just before this step.
   */
  step: z.number().int().nonnegative().optional(),
  description: ModelDescriptionSchema.optional(),
  weights: WeightReportSchema.optional(),
})
export type CheckpointRef = z.infer<typeof CheckpointRefSchema>

/** A new checkpoint of `experiment`: its id is its label made a slug, unique among the checkpoints there. */
export function newCheckpointRef(
  experiment: { checkpoints: { id: string }[] },
  fields: Omit<CheckpointRef, 'id'>,
): CheckpointRef {
  const ids = experiment.checkpoints.map((c) => c.id)
  return { id: uniqueSlug(fields.label, ids, 'checkpoint'), ...fields }
}

export const DatasetRefSchema = z.object({
  id: z.string(),
  label: z.string(),
  path: z.string(),
  /** The training JSONL these samples should come from. */
  trainPath: z.string().optional(),
  /** The user says these samples were drawn from the training data (the seed's eval_data_from_train.json). */
  fromTraining: z.boolean().optional(),
  /**
   * What the set is: drawn from training, held out, mixed, or unknown (the default). The data check
   * settles it; the user can override. Old files' `fromTraining: true` reads as fromTraining.
   */
  datasetKind: z.enum(DATASET_KINDS).optional(),
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

/**
 * SHA-256 (hex) of what a run measured: model, tokenizer and data files, and the settings that change
 * its numbers. `experiment run` skips a pair whose finished run has the same ones.
 */
export const RunInputsSchema = z.object({
  model: z.string(),
  tokenizer: z.string(),
  data: z.string(),
  settings: z.string(),
})
export type RunInputs = z.infer<typeof RunInputsSchema>

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
  /** Absent on runs started before it was kept, and on the window's runs. */
  inputs: RunInputsSchema.optional(),
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

/**
 * reportFromAnalysis: the report straight from one `losslens analyze` run (its summary and results),
 * for `analyze --report FILE`: one checkpoint, one dataset, no workspace needed.
 */
import { basename, dirname, resolve } from 'node:path'
import type { DataConsistency, TrainLog, WeightReport } from '../../shared/evidence'
import type { Experiment, RunInfo } from '../../shared/experiment'
import type { Lang, RenderedReport } from '../../shared/ipc'
import type { RunSummary, SampleResult } from '../../shared/results'
import { readTrainLog } from '../engine/evidence/train-log'
import { buildReport } from './build'
import { sha256File } from './hash'
import type { ReportInput } from './input'
import { losslensVersion } from '../engine/version'
import { writeReport } from './write'

export interface FromAnalysisArgs {
  summary: RunSummary
  results: SampleResult[]
  trainLogPath?: string
  weights?: WeightReport
  consistency?: DataConsistency
  /** The samples were drawn from the training data (when no consistency check says so). */
  fromTraining?: boolean
  /** The loss the user's own script reported, to be explained. */
  reportedLoss?: number
  /** The training step the checkpoint was saved at (analyze --step / --last-checkpoint). */
  step?: number
  lang: Lang
  /** The markdown file to write; charts go to charts/ beside it. */
  outFile: string
  /** Training-log points the training loss averages. */
  tail?: number
  now?: Date
}

/** Builds and writes the report of one analysis run; returns what was written and the rendered report. */
export async function reportFromAnalysis(
  args: FromAnalysisArgs,
): Promise<{ folder: string; files: string[]; rendered: RenderedReport }> {
  const input = await inputFromAnalysis(args)
  const rendered = buildReport(input, args.lang)
  const out = resolve(args.outFile)
  const written = await writeReport(rendered, dirname(out), basename(out))
  return { ...written, rendered }
}

/** The ReportInput of one analysis run: a one-checkpoint, one-dataset experiment named after its label. */
export async function inputFromAnalysis(
  args: Omit<FromAnalysisArgs, 'lang' | 'outFile'>,
): Promise<ReportInput> {
  const { summary, results } = args
  const now = (args.now ?? new Date()).toISOString()
  const id = summary.label.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'analysis'
  const experiment: Experiment = {
    id,
    title: summary.label,
    notes: '',
    createdAt: summary.startedAt,
    updatedAt: summary.finishedAt,
    checkpoints: [
      {
        id: 'model',
        label: summary.label,
        modelPath: summary.modelPath,
        tokenizerPath: summary.tokenizerPath,
        description: summary.model,
        ...(args.step !== undefined ? { step: args.step } : {}),
        ...(args.weights ? { weights: args.weights } : {}),
      },
    ],
    datasets: [
      {
        id: 'data',
        label: basename(summary.dataPath),
        path: summary.dataPath,
        ...(args.fromTraining !== undefined ? { fromTraining: args.fromTraining } : {}),
        ...(args.consistency ? { consistency: args.consistency } : {}),
      },
    ],
    ...(args.trainLogPath ? { trainingLog: args.trainLogPath } : {}),
    ...(args.reportedLoss !== undefined ? { reportedLoss: args.reportedLoss } : {}),
    settings: summary.settings,
  }
  const run: RunInfo = {
    runId: id,
    experimentId: id,
    checkpointId: 'model',
    datasetId: 'data',
    label: summary.label,
    settings: summary.settings,
    status: 'finished',
    createdAt: summary.startedAt,
    updatedAt: summary.finishedAt,
    done: results.length,
    total: results.length,
    provider: summary.provider.used,
    summary,
  }
  const trainLog: TrainLog | null = args.trainLogPath
    ? await readTrainLog(args.trainLogPath, args.tail ? { tail: args.tail } : {})
    : null
  return {
    experiment,
    runs: [{ checkpointId: 'model', datasetId: 'data', run, results, summary }],
    trainLog,
    provenance: {
      checkpoints: {
        model: {
          model: await sha256File(summary.modelPath),
          tokenizer: await sha256File(summary.tokenizerPath),
          source: args.weights ? await sha256File(args.weights.checkpointPath) : null,
        },
      },
      datasets: { data: await sha256File(summary.dataPath) },
      trainLog: args.trainLogPath ? await sha256File(args.trainLogPath) : null,
      losslensVersion: losslensVersion(),
      generatedAt: now,
    },
  }
}

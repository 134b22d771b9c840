/**
 * `analyze ... --report FILE`: after the run, the evidence the flags ask for (weights, data, training
 * log) and the gap-analysis report, written beside the results in one step.
 */
import { existsSync, readFileSync } from 'node:fs'
import { resolve, join } from 'node:path'
import { LangSchema, type Lang } from '../../shared/ipc'
import { SampleResultSchema, type RunSummary, type SampleResult } from '../../shared/results'
import { InputError, UsageError } from '../engine/errors'
import { lastLoggedStep } from '../../shared/diagnosis/training-reference'
import { runIsolated } from '../engine/isolated/client'
import { findCheckpointStep } from '../store/checkpoint-step'
import { singleRunReport } from '../report/index'

type Flags = Record<string, string | boolean | undefined>
const str = (v: Flags, k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined)

/** Validates the report flags before any work is done: UsageError naming the flag, InputError for a missing file. */
export function checkReportFlags(v: Flags): { lang: Lang; reportedLoss?: number } {
  const evidenceFlags = [
    'train-log',
    'train-data',
    'checkpoint',
    'reported-loss',
    'lang',
    'from-training',
    'step',
    'last-checkpoint',
  ]
  const given = evidenceFlags.filter((k) => v[k] !== undefined)
  if (given.length > 0 && v.report === undefined) {
    throw new UsageError(`--${given[0]} only matters with --report FILE`)
  }
  const lang = LangSchema.safeParse(str(v, 'lang') ?? 'en')
  if (!lang.success) throw new UsageError(`--lang must be en or zh-CN, got "${str(v, 'lang')}"`)
  for (const k of ['train-log', 'train-data', 'checkpoint']) {
    const file = str(v, k)
    if (file !== undefined && !existsSync(file)) throw new InputError(`--${k}: file not found`, resolve(file))
  }
  checkStepFlags(v)
  const reported = str(v, 'reported-loss')
  if (reported === undefined) return { lang: lang.data }
  const reportedLoss = Number(reported)
  if (!Number.isFinite(reportedLoss) || reportedLoss <= 0) {
    throw new UsageError(`--reported-loss must be a positive number, got "${reported}"`)
  }
  return { lang: lang.data, reportedLoss }
}

/** --step N or --last-checkpoint (which needs --train-log), not both; UsageError naming the flag. */
function checkStepFlags(v: Flags): number | undefined {
  const text = str(v, 'step')
  if (text !== undefined && v['last-checkpoint'] === true)
    throw new UsageError('give --step N or --last-checkpoint, not both')
  if (v['last-checkpoint'] === true && str(v, 'train-log') === undefined)
    throw new UsageError('--last-checkpoint takes its step from --train-log FILE')
  if (text === undefined) return undefined
  const step = Number(text)
  if (!Number.isSafeInteger(step) || step < 0)
    throw new UsageError(`--step must be an integer >= 0, got "${text}"`)
  return step
}

/** The checkpoint's step: --step, or the training log's last step with --last-checkpoint. */
async function stepFromFlags(v: Flags, modelPath: string): Promise<number | undefined> {
  const given = checkStepFlags(v)
  if (given !== undefined) return given
  if (v['last-checkpoint'] !== true) {
    // As `experiment add-checkpoint` does: the exporter's manifest, else a name that says the step.
    const found = findCheckpointStep({
      modelPath,
      ...(str(v, 'checkpoint') ? { sourcePath: str(v, 'checkpoint') } : {}),
    })
    if (found) console.log(`step ${found.step} (from the ${found.from})`)
    return found?.step
  }
  const log = resolve(str(v, 'train-log')!)
  const last = lastLoggedStep(await runIsolated({ kind: 'parseTrainLog', path: log }))
  if (last === null) throw new InputError('no loss lines in the training log, so no last step', log)
  return last
}

function readResults(file: string): SampleResult[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => SampleResultSchema.parse(JSON.parse(line)))
}

/** Verifies what the flags name, then writes the report; prints where it went. */
export async function reportAfterAnalysis(v: Flags, summary: RunSummary, outDir: string): Promise<void> {
  const { lang, reportedLoss } = checkReportFlags(v)
  const checkpoint = str(v, 'checkpoint')
  const trainData = str(v, 'train-data')
  const weights = checkpoint
    ? await runIsolated({
        kind: 'verifyWeights',
        checkpointPath: resolve(checkpoint),
        modelPath: summary.modelPath,
      })
    : undefined
  if (weights) console.log(`weights: ${weights.matched}/${weights.total} unique tensors matched`)
  const consistency = trainData
    ? await runIsolated({ kind: 'checkData', evalPath: summary.dataPath, trainPath: resolve(trainData) })
    : undefined
  if (consistency)
    console.log(`data: ${consistency.found}/${consistency.total} samples found in the training data`)
  const trainLog = str(v, 'train-log')
  const step = await stepFromFlags(v, summary.modelPath)
  const written = await singleRunReport({
    ...(step !== undefined ? { step } : {}),
    summary,
    results: readResults(join(outDir, 'results.jsonl')),
    lang,
    outFile: resolve(str(v, 'report')!),
    ...(trainLog ? { trainLogPath: resolve(trainLog) } : {}),
    ...(weights ? { weights } : {}),
    ...(consistency ? { consistency } : {}),
    ...(v['from-training'] === true ? { fromTraining: true } : {}),
    ...(reportedLoss !== undefined ? { reportedLoss } : {}),
  })
  console.log(`report: ${written.files.join(', ')}`)
}

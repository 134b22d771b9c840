/**
 * loadReportInput: an experiment folder on disk (experiments/<id>/) into a ReportInput:
 * experiment.json, the run chosen for each checkpoint x dataset, the training log, file hashes.
 */
import fs from 'node:fs'
import { join, resolve } from 'node:path'
import { TokenComparisonSchema, type TokenComparison } from '../../shared/compare'
import { scoredResults } from '../../shared/diagnosis'
import type { TrainLog } from '../../shared/evidence'
import { ExperimentSchema, RunInfoSchema, type Experiment, type RunInfo } from '../../shared/experiment'
import { InputError, errorMessage } from '../engine/errors'
import { readTrainLog } from '../engine/evidence/train-log'
import { readJsonFile } from '../store/atomic'
import { readResults } from '../store/results-file'
import { sha256File } from './hash'
import type { FileHash, ReportInput, ReportProvenance, ReportRun } from './input'
import { losslensVersion } from '../engine/version'

export interface LoadOptions {
  /** Logged points the training loss averages (default: the parser's, 10). */
  tail?: number
  /** Token comparisons to include; default: comparisons/<baseRunId>--<otherRunId>.json of the chosen runs. */
  tokenComparisons?: TokenComparison[]
  /** The report's date; default now. */
  now?: Date
  /** Only these runs (the window's picker); each checkpoint × dataset still gets at most one. */
  runIds?: string[]
}

/** A ReportInput and what was skipped on the way (unreadable runs, torn result lines, a bad log). */
export interface LoadedReportInput extends ReportInput {
  warnings: string[]
}

/** Reads `experimentDir` (the folder holding experiment.json); InputError when it is not an experiment. */
export async function loadReportInput(
  experimentDir: string,
  options: LoadOptions = {},
): Promise<LoadedReportInput> {
  const dir = resolve(experimentDir)
  const file = join(dir, 'experiment.json')
  if (!fs.existsSync(file)) throw new InputError('no experiment.json here: pass the experiment folder', dir)
  let raw: unknown
  try {
    raw = await readJsonFile(file)
  } catch (err) {
    throw new InputError(errorMessage(err))
  }
  const parsed = ExperimentSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new InputError(
      `not a valid experiment (${issue?.path.join('.') || '(root)'}: ${issue?.message})`,
      file,
    )
  }
  const experiment = parsed.data
  const warnings: string[] = []
  const runs = await loadRuns(dir, experiment, warnings, options.runIds)
  let trainLog: TrainLog | null = null
  if (experiment.trainingLog) {
    try {
      trainLog = await readTrainLog(
        resolve(dir, experiment.trainingLog),
        options.tail ? { tail: options.tail } : {},
      )
    } catch (err) {
      warnings.push(`training log not used: ${errorMessage(err)}`)
    }
  }
  return {
    experiment,
    runs,
    trainLog,
    tokenComparisons: options.tokenComparisons ?? (await storedComparisons(dir, runs, warnings)),
    provenance: await provenance(dir, experiment, runs, options.now ?? new Date()),
    warnings,
  }
}

/** The run each checkpoint x dataset is reported from (see pickRun). */
async function loadRuns(
  dir: string,
  experiment: Experiment,
  warnings: string[],
  runIds?: string[],
): Promise<ReportRun[]> {
  const only = runIds ? new Set(runIds) : null
  const runsDir = join(dir, 'runs')
  const entries = fs.existsSync(runsDir) ? await fs.promises.readdir(runsDir, { withFileTypes: true }) : []
  const candidates: ReportRun[] = []
  for (const e of entries) {
    if (!e.isDirectory() || e.name.startsWith('.') || (only && !only.has(e.name))) continue
    const runDir = join(runsDir, e.name)
    if (!fs.existsSync(join(runDir, 'run.json'))) continue
    let run: RunInfo
    try {
      const info = RunInfoSchema.safeParse(await readJsonFile(join(runDir, 'run.json')))
      if (!info.success) {
        const issue = info.error.issues[0]
        warnings.push(
          `${join(runDir, 'run.json')}: not a valid run (${issue?.path.join('.')}: ${issue?.message})`,
        )
        continue
      }
      run = info.data
    } catch (err) {
      warnings.push(errorMessage(err))
      continue
    }
    const read = await readResults(join(runDir, 'results.jsonl'))
    warnings.push(...read.warnings)
    candidates.push({
      checkpointId: run.checkpointId,
      datasetId: run.datasetId,
      run,
      results: [...read.results].sort((a, b) => a.index - b.index),
      summary: run.summary ?? null,
    })
  }
  const chosen: ReportRun[] = []
  for (const c of experiment.checkpoints) {
    for (const d of experiment.datasets) {
      const run = pickRun(candidates.filter((r) => r.checkpointId === c.id && r.datasetId === d.id))
      if (run) chosen.push(run)
    }
  }
  return chosen
}

/**
 * The most recent run with scored results, a finished one before any that stopped early: a cancelled
 * retry must not hide the complete run before it.
 */
export function pickRun(runs: ReportRun[]): ReportRun | null {
  const withResults = runs.filter((r) => scoredResults(r.results).length > 0)
  const newest = (list: ReportRun[]): ReportRun | null =>
    [...list].sort(
      (a, b) =>
        b.run.createdAt.localeCompare(a.run.createdAt) ||
        b.run.updatedAt.localeCompare(a.run.updatedAt) ||
        b.run.runId.localeCompare(a.run.runId),
    )[0] ?? null
  return newest(withResults.filter((r) => r.run.status === 'finished')) ?? newest(withResults)
}

/** Stored token comparisons between two of the runs the report uses (compare:tokens writes them). */
async function storedComparisons(
  dir: string,
  runs: ReportRun[],
  warnings: string[],
): Promise<TokenComparison[]> {
  const folder = join(dir, 'comparisons')
  const names = fs.existsSync(folder) ? (await fs.promises.readdir(folder)).sort() : []
  const ids = new Set(runs.map((r) => r.run.runId))
  const out: TokenComparison[] = []
  for (const name of names) {
    const m = /^(.+)--(.+)\.json$/.exec(name)
    if (!m || !ids.has(m[1]!) || !ids.has(m[2]!)) continue
    try {
      out.push(TokenComparisonSchema.parse(await readJsonFile(join(folder, name))))
    } catch (err) {
      warnings.push(`${join(folder, name)}: ignored (${errorMessage(err)})`)
    }
  }
  return out
}

async function provenance(
  dir: string,
  experiment: Experiment,
  runs: ReportRun[],
  now: Date,
): Promise<ReportProvenance> {
  const hash = (stored: string | undefined): Promise<FileHash | null> =>
    stored ? sha256File(resolve(dir, stored), stored) : Promise.resolve(null)
  const used = (pred: (r: ReportRun) => boolean): boolean => runs.some(pred)
  const checkpoints: ReportProvenance['checkpoints'] = {}
  for (const c of experiment.checkpoints) {
    if (!used((r) => r.checkpointId === c.id)) continue
    checkpoints[c.id] = {
      model: await hash(c.modelPath),
      tokenizer: await hash(c.tokenizerPath),
      source: await hash(c.sourcePath),
    }
  }
  const datasets: ReportProvenance['datasets'] = {}
  for (const d of experiment.datasets) {
    if (used((r) => r.datasetId === d.id)) datasets[d.id] = await hash(d.path)
  }
  return {
    checkpoints,
    datasets,
    trainLog: await hash(experiment.trainingLog),
    losslensVersion: losslensVersion(),
    generatedAt: now.toISOString(),
  }
}

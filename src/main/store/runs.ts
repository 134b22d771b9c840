/** runs/<runId>/run.json (status, counts, summary) and results.jsonl of an experiment. */
import fs from 'node:fs'
import { join } from 'node:path'
import { RunInfoSchema, type RunInfo } from '../../shared/experiment'
import { readJsonFile, StoreError, writeJsonAtomic } from './atomic'
import { readResults, type ResultsRead } from './results-file'
import type { TrashFn, Workspace } from './workspace'

export function runFile(ws: Workspace, experimentId: string, runId: string): string {
  return join(ws.runDir(experimentId, runId), 'run.json')
}
export function resultsFile(ws: Workspace, experimentId: string, runId: string): string {
  return join(ws.runDir(experimentId, runId), 'results.jsonl')
}

/** Reads run.json; StoreError naming the file when it is missing or corrupt. */
export async function readRun(ws: Workspace, experimentId: string, runId: string): Promise<RunInfo> {
  const file = runFile(ws, experimentId, runId)
  const parsed = RunInfoSchema.safeParse(await readJsonFile(file))
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new StoreError(
      `${file}: not a valid run (${issue?.path.join('.') || '(root)'}: ${issue?.message})`,
      file,
    )
  }
  return { ...parsed.data, experimentId, runId }
}

/** Writes run.json atomically, creating the run folder when needed. */
export async function writeRun(ws: Workspace, run: RunInfo): Promise<void> {
  await fs.promises.mkdir(ws.runDir(run.experimentId, run.runId), { recursive: true })
  await writeJsonAtomic(runFile(ws, run.experimentId, run.runId), RunInfoSchema.parse(run))
}

/** Every readable run of an experiment, oldest first, and a warning for each unreadable one. */
export async function listRuns(
  ws: Workspace,
  experimentId: string,
): Promise<{ runs: RunInfo[]; warnings: string[] }> {
  const runs: RunInfo[] = []
  const warnings: string[] = []
  for (const runId of await ws.runIds(experimentId)) {
    try {
      runs.push(await readRun(ws, experimentId, runId))
    } catch (err) {
      warnings.push((err as Error).message)
    }
  }
  return { runs, warnings }
}

/** The run's per-sample results; a torn last line is dropped with a warning. */
export function readRunResults(ws: Workspace, experimentId: string, runId: string): Promise<ResultsRead> {
  return readResults(resultsFile(ws, experimentId, runId))
}

/** Moves a run's folder to the trash. */
export async function deleteRun(
  ws: Workspace,
  experimentId: string,
  runId: string,
  trash: TrashFn,
): Promise<void> {
  const dir = ws.runDir(experimentId, runId)
  if (!fs.existsSync(dir)) throw new StoreError(`no run "${runId}" in experiment "${experimentId}"`, dir)
  await trash(dir)
}

/** A run id that sorts by time: UTC "YYYYMMDD-HHMMSS-<checkpoint>" (with "-2", "-3" when taken). */
export function makeRunId(date: Date, checkpointId: string, taken: ReadonlySet<string> = new Set()): string {
  const iso = date.toISOString()
  const stamp = `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`
  const slug = checkpointId.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 64) || 'run'
  const base = `${stamp}-${slug}`
  if (!taken.has(base)) return base
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`
}

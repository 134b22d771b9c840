/**
 * experiments/<id>/comparisons/<baseRunId>--<otherRunId>.json: token-level comparisons of two runs'
 * checkpoints, kept so the report can include them without running the models again.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { TokenComparisonSchema, type TokenComparison } from '../../shared/compare'
import { readJsonFile, writeJsonAtomic } from './atomic'
import type { Workspace } from './workspace'

function comparisonsDir(ws: Workspace, experimentId: string): string {
  return join(ws.experimentDir(experimentId), 'comparisons')
}

/** Stores a comparison (the run ids are validated as folder-safe by runDir). */
export async function saveComparison(
  ws: Workspace,
  experimentId: string,
  baseRunId: string,
  otherRunId: string,
  comparison: TokenComparison,
): Promise<void> {
  ws.runDir(experimentId, baseRunId)
  ws.runDir(experimentId, otherRunId)
  const dir = comparisonsDir(ws, experimentId)
  await fs.promises.mkdir(dir, { recursive: true })
  await writeJsonAtomic(join(dir, `${baseRunId}--${otherRunId}.json`), comparison)
}

/** The stored comparisons whose two runs still exist; unreadable files are skipped with a warning. */
export async function readComparisons(ws: Workspace, experimentId: string): Promise<TokenComparison[]> {
  const dir = comparisonsDir(ws, experimentId)
  const names = await fs.promises.readdir(dir).catch(() => [] as string[])
  const runs = new Set(await ws.runIds(experimentId))
  const out: TokenComparison[] = []
  for (const name of names.sort()) {
    const m = /^(.+)--(.+)\.json$/.exec(name)
    if (!m || !runs.has(m[1]!) || !runs.has(m[2]!)) continue
    try {
      out.push(TokenComparisonSchema.parse(await readJsonFile(join(dir, name))))
    } catch (err) {
      console.warn(`${join(dir, name)}: ignored (${(err as Error).message})`)
    }
  }
  return out
}

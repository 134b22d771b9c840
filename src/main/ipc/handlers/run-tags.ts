/**
 * run:tags and run:setTags: the labels a user gives runs in the runs table. Kept in tags.json beside the
 * run's run.json (the run manager rewrites run.json while a run streams, and would drop a field it does
 * not know), so a tag travels with the run's folder: deleted, renamed or duplicated with it.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { RunTagsSchema } from '../../../shared/ipc'
import { readJsonFile, StoreError, writeJsonAtomic } from '../../store/atomic'
import type { Workspace } from '../../store/workspace'
import type { HandlerContext } from '../context'
import type { HandlerGroup } from '../types'

export const TAGS_FILE = 'tags.json'

/** A run's tags; none when it has no tags.json. StoreError naming the file when it is corrupt. */
export async function readRunTags(ws: Workspace, experimentId: string, runId: string): Promise<string[]> {
  const file = join(ws.runDir(experimentId, runId), TAGS_FILE)
  if (!fs.existsSync(file)) return []
  const parsed = RunTagsSchema.safeParse(await readJsonFile(file))
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new StoreError(
      `${file}: not a list of tags (${issue?.path.join('.') || '(root)'}: ${issue?.message})`,
      file,
    )
  }
  return parsed.data
}

/** Tags in the order given, trimmed, each once. */
export function normalizeTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((t) => t.trim()))]
}

export function runTagHandlers(ctx: HandlerContext): HandlerGroup<'run:tags' | 'run:setTags'> {
  const ws = () => ctx.current().workspace
  return {
    'run:tags': async ({ experimentId }) => {
      const out: Record<string, string[]> = {}
      for (const runId of await ws().runIds(experimentId)) {
        try {
          const tags = await readRunTags(ws(), experimentId, runId)
          if (tags.length > 0) out[runId] = tags
        } catch (err) {
          // One bad file must not hide every other run's tags.
          console.warn((err as Error).message)
        }
      }
      return out
    },
    'run:setTags': async ({ experimentId, runId, tags }) => {
      const dir = ws().runDir(experimentId, runId)
      if (!fs.existsSync(join(dir, 'run.json')))
        throw new StoreError(`no run "${runId}" in experiment "${experimentId}"`, dir)
      const clean = normalizeTags(tags)
      await writeJsonAtomic(join(dir, TAGS_FILE), clean)
      return clean
    },
  }
}

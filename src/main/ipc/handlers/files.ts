/** file:choose (native dialog, grants the path), fs:list (the bridge's picker) and experiment:addFiles. */
import fs from 'node:fs'
import os from 'node:os'
import { dirname, join, resolve } from 'node:path'
import type { Experiment } from '../../../shared/experiment'
import type { FolderListing } from '../../../shared/ipc'
import { mapExperimentPaths } from '../../store/paths'
import type { Workspace } from '../../store/workspace'
import { addFiles } from '../add-files'
import type { HandlerContext } from '../context'
import { matchesKind } from '../../../shared/file-kinds'
import { withSampleCounts } from './sample-counts'
import { checkCheckpointFiles, checkDatasetFile } from './validate'
import type { HandlerGroup } from '../types'

const MAX_ENTRIES = 5000

export function fileHandlers(
  ctx: HandlerContext,
): HandlerGroup<'file:choose' | 'fs:list' | 'experiment:addFiles'> {
  return {
    'file:choose': async ({ kind, title }) => {
      if (!ctx.host.chooseFile)
        throw new Error('no file dialogs in the browser: the window lists folders with fs:list')
      const path = await ctx.host.chooseFile(kind, title)
      if (path) ctx.access.grant(path)
      if (path && kind === 'python') ctx.access.grantProgram?.(path)
      return path
    },
    'fs:list': async ({ path, kind }) => {
      if (ctx.host.kind !== 'bridge')
        throw new Error('fs:list serves the browser bridge; the desktop app uses file:choose')
      const folder = path ? ctx.access.check(path, 'folder to list') : ctx.current().workspace.root
      return listFolder(folder, kind)
    },
    'experiment:addFiles': async ({ experimentId, paths }) => {
      const ws = ctx.current().workspace
      const allowed: string[] = []
      const refused: { path: string; reason: string }[] = []
      for (const path of paths) {
        try {
          allowed.push(ctx.access.check(path, 'dropped file'))
        } catch (err) {
          refused.push({ path, reason: (err as Error).message })
        }
      }
      // Sorted once on a snapshot to learn which checkpoints and datasets the drop would add; each is
      // read as a run would, and a file that fails is refused with that message instead of added.
      const snapshot = addFiles(absolutePaths(ws, await ws.getExperiment(experimentId)), allowed)
      const bad = await badNewFiles(ctx, snapshot.experiment, allowed)
      for (const [path, reason] of bad) refused.push({ path, reason })
      const usable = allowed.filter((p) => !bad.has(p))
      let result: ReturnType<typeof addFiles> | undefined
      const experiment = await ws.updateExperiment(experimentId, (current) => {
        result = addFiles(absolutePaths(ws, current), usable)
        return result.experiment
      })
      return {
        experiment: await withSampleCounts(ctx, experiment),
        added: result?.added ?? [],
        ignored: [...refused, ...(result?.ignored ?? [])],
      }
    },
  }
}

/**
 * The dropped files among the experiment's checkpoints (model or tokenizer) and datasets that a run
 * could not use, with the reason; a model refused takes its dropped tokenizer and .pth along.
 */
async function badNewFiles(
  ctx: HandlerContext,
  after: Experiment,
  dropped: string[],
): Promise<Map<string, string>> {
  const isDropped = new Set(dropped)
  const bad = new Map<string, string>()
  const usedTokenizers = new Set<string>()
  const badTokenizers = new Map<string, string>()
  for (const c of after.checkpoints) {
    if (!isDropped.has(c.modelPath)) continue
    const check = await checkCheckpointFiles(ctx, c.modelPath, c.tokenizerPath)
    if (check.ok) {
      usedTokenizers.add(c.tokenizerPath)
      continue
    }
    for (const p of [c.modelPath, c.sourcePath]) if (p && isDropped.has(p)) bad.set(p, check.message)
    if (isDropped.has(c.tokenizerPath)) badTokenizers.set(c.tokenizerPath, check.message)
  }
  // A dropped tokenizer goes only when no model dropped with it can use it.
  for (const [p, message] of badTokenizers) if (!usedTokenizers.has(p)) bad.set(p, message)
  for (const d of after.datasets) {
    if (!isDropped.has(d.path)) continue
    const check = await checkDatasetFile(ctx, d.path)
    if (!check.ok) bad.set(d.path, check.message)
  }
  return bad
}

/** The experiment with every stored path made absolute (the store makes inside ones relative again). */
function absolutePaths(ws: Workspace, e: Experiment): Experiment {
  return mapExperimentPaths(e, (p) => (p ? ws.resolvePath(e.id, p) : p))
}

/** Folders first, then files of the kind; dot-files left out; at most MAX_ENTRIES. */
export async function listFolder(
  folder: string,
  kind?: Parameters<typeof matchesKind>[1],
): Promise<FolderListing> {
  const path = resolve(folder || os.homedir())
  const dirents = await fs.promises.readdir(path, { withFileTypes: true })
  const entries: FolderListing['entries'] = []
  for (const d of dirents) {
    if (d.name.startsWith('.')) continue
    const full = join(path, d.name)
    let isDirectory = d.isDirectory()
    let bytes = 0
    if (d.isSymbolicLink() || d.isFile()) {
      const stat = await fs.promises.stat(full).catch(() => null)
      if (!stat) continue
      isDirectory = stat.isDirectory()
      bytes = stat.isFile() ? stat.size : 0
    }
    if (!isDirectory && !matchesKind(d.name, kind)) continue
    entries.push({ name: d.name, path: full, isDirectory, bytes })
  }
  entries.sort((a, b) => Number(b.isDirectory) - Number(a.isDirectory) || a.name.localeCompare(b.name))
  const parent = dirname(path)
  return { path, parent: parent === path ? null : parent, entries: entries.slice(0, MAX_ENTRIES) }
}

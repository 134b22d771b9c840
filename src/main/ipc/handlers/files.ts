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
      let result: ReturnType<typeof addFiles> | undefined
      const experiment = await ws.updateExperiment(experimentId, (current) => {
        result = addFiles(absolutePaths(ws, current), allowed)
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

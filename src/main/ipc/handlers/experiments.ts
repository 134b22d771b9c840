/** workspace:*, experiment:* and settings:* requests. */
import { resolve } from 'node:path'
import { providerChoices } from '../../engine/providers'
import { DEMO_EXPERIMENT_ID } from '../../store/demo'
import type { Experiment, ExperimentSummary } from '../../../shared/experiment'
import type { AppSettings, WorkspaceInfo } from '../../../shared/ipc'
import type { SettingsFile } from '../../store/app-settings'
import { withFoundStep } from '../../store/checkpoint-step'
import { isInside } from '../../store/paths'
import { listRuns } from '../../store/runs'
import type { ExperimentEntry, Workspace } from '../../store/workspace'
import type { HandlerContext } from '../context'
import { withSampleCounts } from './sample-counts'
import type { HandlerGroup } from '../types'
import { checkProgram } from './programs'

type Channels =
  | 'workspace:info'
  | 'workspace:choose'
  | 'experiment:list'
  | 'experiment:get'
  | 'experiment:create'
  | 'experiment:save'
  | 'experiment:rename'
  | 'experiment:duplicate'
  | 'experiment:delete'
  | 'settings:get'
  | 'settings:set'

export function experimentHandlers(ctx: HandlerContext): HandlerGroup<Channels> {
  const ws = () => ctx.current().workspace
  const info = (): WorkspaceInfo => ({
    path: ws().root,
    version: ctx.version,
    host: ctx.host.kind,
    platform: process.platform,
    providers: providerChoices(),
    demoExperimentId: DEMO_EXPERIMENT_ID,
  })
  const refuseWhileRunning = (experimentId: string, doing: string) => {
    if (ctx.current().runs.liveRuns(experimentId).length > 0) {
      throw new Error(`experiment ${experimentId} has a run queued or running; cancel it before you ${doing}`)
    }
  }

  return {
    'workspace:info': async () => info(),
    'workspace:choose': async () => {
      if (!ctx.host.chooseFolder) {
        throw new Error(
          'the browser bridge serves the workspace given with --workspace; restart it to use another',
        )
      }
      const folder = await ctx.host.chooseFolder('Choose the LossLens workspace folder')
      if (!folder) return null
      await ctx.switchWorkspace(folder)
      return info()
    },
    'experiment:list': async () => {
      const { runs } = ctx.current()
      return Promise.all(
        (await ws().listExperiments()).map((entry) => summarise(ws(), entry, runs.liveRuns(entry.id).length)),
      )
    },
    // Experiments from before counts were kept (or whose data changed) get them on first open.
    'experiment:get': async ({ experimentId }) =>
      withSampleCounts(ctx, await ws().getExperiment(experimentId)),
    'experiment:create': async ({ id, title }) => ws().createExperiment({ id, title }),
    'experiment:save': async (experiment) => {
      const current = await ws().getExperiment(experiment.id)
      checkNewPaths(ctx, ws(), current, experiment)
      // A checkpoint added without a step gets the one its manifest or file name records.
      const dir = ws().experimentDir(current.id)
      const known = new Set(current.checkpoints.map((c) => c.id))
      const checkpoints = experiment.checkpoints.map((c) => (known.has(c.id) ? c : withFoundStep(c, dir)))
      return withSampleCounts(ctx, await ws().saveExperiment({ ...experiment, checkpoints }))
    },
    'experiment:rename': async ({ experimentId, newId }) => {
      refuseWhileRunning(experimentId, 'rename it')
      return ws().renameExperiment(experimentId, newId)
    },
    'experiment:duplicate': async ({ experimentId, newId }) => ws().duplicateExperiment(experimentId, newId),
    // The request is the confirmation: the window asks the user before sending it.
    'experiment:delete': async ({ experimentId }) => {
      refuseWhileRunning(experimentId, 'delete it')
      await ws().deleteExperiment(experimentId, (path) => ctx.host.trash(path))
    },
    'settings:get': async () => {
      const settings = appSettings(await ctx.settings.read())
      // The bridge's interpreter is the one it was started with, whatever the settings file says.
      return ctx.host.kind === 'bridge'
        ? { ...settings, python: await checkProgram(ctx, undefined) }
        : settings
    },
    'settings:set': async ({ python, minimindDir }) => {
      if (ctx.host.kind === 'bridge' && python !== undefined) await checkProgram(ctx, python)
      const change = {
        ...(python !== undefined && ctx.host.kind !== 'bridge'
          ? { python: python && (await checkProgram(ctx, python)) }
          : {}),
        ...(minimindDir !== undefined
          ? { minimindDir: minimindDir && ctx.access.check(minimindDir, 'MiniMind folder') }
          : {}),
      }
      return appSettings(await ctx.settings.update(change))
    },
  }
}

/** The settings the window sees (not the remembered workspace). */
function appSettings({ python, minimindDir }: SettingsFile): AppSettings {
  return { ...(python ? { python } : {}), ...(minimindDir ? { minimindDir } : {}) }
}

/** The sidebar's line for one experiment: last run, best teacher-forcing loss, live runs. */
async function summarise(ws: Workspace, entry: ExperimentEntry, live: number): Promise<ExperimentSummary> {
  if ('error' in entry) {
    return {
      id: entry.id,
      title: entry.id,
      updatedAt: '',
      lastRun: null,
      bestLoss: null,
      runningRuns: 0,
      error: entry.error,
    }
  }
  const { runs } = await listRuns(ws, entry.id)
  const losses = runs
    .filter((r) => r.status === 'finished')
    .map((r) => r.summary?.means.teacherForcing)
    .filter((x): x is number => typeof x === 'number' && Number.isFinite(x))
  const last = runs.reduce<string | null>((a, r) => (a && a > r.updatedAt ? a : r.updatedAt), null)
  return {
    id: entry.id,
    title: entry.experiment.title,
    updatedAt: entry.experiment.updatedAt,
    lastRun: last,
    bestLoss: losses.length > 0 ? Math.min(...losses) : null,
    runningRuns: live,
  }
}

/** Paths of an experiment with what each is for. */
export function experimentPaths(e: Experiment): [what: string, path: string][] {
  const out: [string, string][] = []
  for (const c of e.checkpoints) {
    out.push([`checkpoint ${c.id} model`, c.modelPath], [`checkpoint ${c.id} tokenizer`, c.tokenizerPath])
    if (c.sourcePath) out.push([`checkpoint ${c.id} source`, c.sourcePath])
  }
  for (const d of e.datasets) {
    out.push([`dataset ${d.id}`, d.path])
    if (d.trainPath) out.push([`dataset ${d.id} training data`, d.trainPath])
  }
  if (e.trainingLog) out.push(['training log', e.trainingLog])
  return out
}

/** Every path the save adds must be one the user chose (or inside the experiment); kept ones are fine. */
function checkNewPaths(ctx: HandlerContext, ws: Workspace, current: Experiment, next: Experiment): void {
  const dir = ws.experimentDir(current.id)
  const known = new Set(experimentPaths(current).map(([, p]) => resolve(dir, p)))
  for (const [what, path] of experimentPaths(next)) {
    if (path === '') continue
    const abs = resolve(dir, path)
    if (known.has(abs) || isInside(dir, abs)) continue
    ctx.access.check(abs, what)
  }
}

/** run:*, compare:tokens and report:* requests. */
import type { RunInfo } from '../../../shared/experiment'
import type { Lang } from '../../../shared/ipc'
import { readComparisons, saveComparison } from '../../store/comparisons'
import { deleteRun, listRuns, readRun, readRunResults } from '../../store/runs'
import { CancellableTasks } from '../cancellable'
import type { HandlerContext } from '../context'
import type { HandlerGroup } from '../types'

type Channels =
  | 'run:start'
  | 'run:cancel'
  | 'run:resume'
  | 'run:list'
  | 'run:results'
  | 'run:delete'
  | 'compare:tokens'
  | 'compare:cancel'
  | 'report:render'
  | 'report:export'

export function runHandlers(ctx: HandlerContext): HandlerGroup<Channels> {
  /** The live state of a run when it is queued or running; a stale 'running' on disk reads as interrupted. */
  const current = (run: RunInfo): RunInfo => {
    const live = ctx.current().runs.liveInfo(run.experimentId, run.runId)
    if (live) return live
    return run.status === 'running' || run.status === 'queued' ? { ...run, status: 'interrupted' } : run
  }
  const ws = () => ctx.current().workspace
  /** The report from stored results, with the token comparisons stored by compare:tokens. */
  const render = async (experimentId: string, lang: Lang, runIds?: string[]) =>
    ctx.services.renderReport(
      ws().experimentDir(experimentId),
      lang,
      await readComparisons(ws(), experimentId),
      runIds ? { runIds } : {},
    )

  /** Running token comparisons by experiment and run pair, so the window can stop one. */
  const comparisons = new CancellableTasks()
  const pairKey = (experimentId: string, base: string, other: string) => `${experimentId}/${base}/${other}`

  return {
    'run:start': async (request) => ({ runIds: await ctx.current().runs.start(request) }),
    'run:cancel': async ({ experimentId, runId }) => ctx.current().runs.cancel(experimentId, runId),
    'run:resume': async ({ experimentId, runId }) => ({
      runId: await ctx.current().runs.resume(experimentId, runId),
    }),
    'run:list': async ({ experimentId }) => {
      const { runs, warnings } = await listRuns(ws(), experimentId)
      for (const warning of warnings) console.warn(warning)
      return runs.map(current)
    },
    'run:results': async ({ experimentId, runId }) => {
      const run = current(await readRun(ws(), experimentId, runId))
      const { results, warnings } = await readRunResults(ws(), experimentId, runId)
      return { run, results, ...(warnings.length > 0 ? { warnings } : {}) }
    },
    'run:delete': async ({ experimentId, runId }) => {
      if (ctx.current().runs.isLive(experimentId, runId))
        throw new Error(`run ${runId} is running; cancel it first`)
      await deleteRun(ws(), experimentId, runId, (path) => ctx.host.trash(path))
    },
    'compare:tokens': async ({ experimentId, baseRunId, otherRunId }) => {
      const experiment = await ws().getExperiment(experimentId)
      const [base, other] = await Promise.all([
        readRun(ws(), experimentId, baseRunId),
        readRun(ws(), experimentId, otherRunId),
      ])
      if (base.datasetId !== other.datasetId) {
        throw new Error(
          `runs ${baseRunId} and ${otherRunId} scored different datasets; compare runs on the same samples`,
        )
      }
      const files = (run: RunInfo) => {
        const c = experiment.checkpoints.find((x) => x.id === run.checkpointId)
        if (!c)
          throw new Error(
            `checkpoint "${run.checkpointId}" of run ${run.runId} is no longer in the experiment`,
          )
        return {
          label: c.label,
          modelPath: ws().resolvePath(experimentId, c.modelPath),
          tokenizerPath: ws().resolvePath(experimentId, c.tokenizerPath),
        }
      }
      const dataset = experiment.datasets.find((d) => d.id === base.datasetId)
      if (!dataset)
        throw new Error(`dataset "${base.datasetId}" of run ${baseRunId} is no longer in the experiment`)
      const comparison = await comparisons.run(
        pairKey(experimentId, baseRunId, otherRunId),
        {
          busy: `${baseRunId} and ${otherRunId} are already being compared`,
          cancelled: 'token comparison cancelled',
        },
        (signal) =>
          ctx.services.compareTokens(
            {
              base: files(base),
              other: files(other),
              dataPath: ws().resolvePath(experimentId, dataset.path),
              settings: base.settings,
            },
            signal,
            ({ done, total }) =>
              ctx.emit('compare:progress', { experimentId, baseRunId, otherRunId, done, total }),
          ),
      )
      await saveComparison(ws(), experimentId, baseRunId, otherRunId, comparison)
      return comparison
    },
    'compare:cancel': async ({ experimentId, baseRunId, otherRunId }) =>
      comparisons.cancel(pairKey(experimentId, baseRunId, otherRunId)),
    'report:render': async ({ experimentId, lang, runIds }) => render(experimentId, lang, runIds),
    'report:export': async ({ experimentId, lang, chooseFolder, runIds }) => {
      let folder = ws().reportsDir(experimentId)
      if (chooseFolder && ctx.host.chooseFolder) {
        const chosen = await ctx.host.chooseFolder('Export the report to')
        if (!chosen) return null
        folder = chosen
      }
      const rendered = await render(experimentId, lang, runIds)
      return { folder, files: await ctx.services.writeReport(rendered, folder, `report-${lang}.md`) }
    },
  }
}

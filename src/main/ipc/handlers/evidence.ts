/** checkpoint:*, dataset:* and trainlog:parse: the engine's and evidence module's checks, stored on the experiment. */
import fs from 'node:fs'
import { join } from 'node:path'
import { kindFromConsistency } from '../../../shared/diagnosis'
import { claimedKind, type CheckpointRef } from '../../../shared/experiment'
import { uniqueSlug } from '../../../shared/slug'
import { checkpointOf, datasetOf } from '../../store/paths'
import { CancellableTasks } from '../cancellable'
import type { HandlerContext } from '../context'
import type { HandlerGroup } from '../types'
import { checkProgram } from './programs'

type Channels =
  | 'checkpoint:describe'
  | 'checkpoint:verifyWeights'
  | 'checkpoint:import'
  | 'checkpoint:importCancel'
  | 'dataset:checkConsistency'
  | 'dataset:cancelCheck'
  | 'dataset:sample'
  | 'trainlog:parse'

export function evidenceHandlers(ctx: HandlerContext): HandlerGroup<Channels> {
  const ws = () => ctx.current().workspace
  const patchCheckpoint = (experimentId: string, id: string, patch: Partial<CheckpointRef>) =>
    ws().updateExperiment(experimentId, (e) => ({
      ...e,
      checkpoints: e.checkpoints.map((c) => (c.id === id ? { ...c, ...patch } : c)),
    }))

  /** The running import of each experiment, and the running consistency checks, so the window can stop them. */
  const imports = new CancellableTasks()
  const checks = new CancellableTasks()

  return {
    'checkpoint:describe': async ({ experimentId, checkpointId }) => {
      const c = checkpointOf(await ws().getExperiment(experimentId), checkpointId)
      const description = await ctx.services.describeModel(ws().resolvePath(experimentId, c.modelPath))
      await patchCheckpoint(experimentId, checkpointId, { description })
      return description
    },
    'checkpoint:verifyWeights': async ({ experimentId, checkpointId }) => {
      const c = checkpointOf(await ws().getExperiment(experimentId), checkpointId)
      if (!c.sourcePath)
        throw new Error(`checkpoint ${checkpointId} has no source .pth/.safetensors to verify against`)
      const weights = await ctx.services.verifyWeights({
        checkpointPath: ws().resolvePath(experimentId, c.sourcePath),
        modelPath: ws().resolvePath(experimentId, c.modelPath),
      })
      await patchCheckpoint(experimentId, checkpointId, { weights })
      return weights
    },
    'checkpoint:import': async (req) => {
      const { experimentId, checkpointPath, minimindDir, python, label, numHeads } = req
      const source = ctx.access.check(checkpointPath, 'checkpoint to import')
      const repo = ctx.access.check(minimindDir, 'MiniMind folder')
      const program = await checkProgram(ctx, python)
      const configPath = req.configPath ? ctx.access.check(req.configPath, 'model config') : undefined
      const experiment = await ws().getExperiment(experimentId)
      // The experiment's own eval samples (small, and like the training data) let the exporter check
      // the head count; not the training file, which can be tens of GB.
      const probe = experiment.datasets[0]?.path
      const probeDataPath = probe ? ws().resolvePath(experimentId, probe) : undefined
      const name =
        label.trim() ||
        source
          .split(/[\\/]/)
          .pop()!
          .replace(/\.[^.]+$/, '')
      const id = uniqueSlug(
        name,
        experiment.checkpoints.map((c) => c.id),
        'checkpoint',
      )
      const outDir = join(ws().experimentDir(experimentId), 'checkpoints', id)
      const result = await imports.run(
        experimentId,
        {
          busy: `an import is already running in ${experimentId}`,
          cancelled: 'import cancelled: nothing was added',
        },
        async (signal) => {
          const fresh = !fs.existsSync(outDir)
          await fs.promises.mkdir(outDir, { recursive: true })
          try {
            return await ctx.services.importCheckpoint(
              {
                checkpointPath: source,
                minimindDir: repo,
                python: program,
                outDir,
                ...(configPath ? { configPath } : {}),
                ...(numHeads !== undefined ? { numHeads } : {}),
                ...(probeDataPath && fs.existsSync(probeDataPath) ? { probeDataPath } : {}),
              },
              (line) => ctx.emit('import:log', { experimentId, line }),
              signal,
            )
          } catch (err) {
            // A failed or cancelled export leaves no half-written checkpoint folder behind.
            if (fresh) await fs.promises.rm(outDir, { recursive: true, force: true })
            throw err
          }
        },
      )
      const tokenizerPath =
        result.tokenizerPath ??
        [join(outDir, 'tokenizer.json'), join(repo, 'model', 'tokenizer.json')].find((p) => fs.existsSync(p))
      if (!tokenizerPath)
        throw new Error(`the exporter wrote ${result.modelPath} but no tokenizer.json was found for it`)
      return ws().updateExperiment(experimentId, (e) => ({
        ...e,
        checkpoints: [
          ...e.checkpoints,
          {
            id: uniqueSlug(
              id,
              e.checkpoints.map((c) => c.id),
            ),
            label: name,
            modelPath: result.modelPath,
            tokenizerPath,
            sourcePath: source,
          },
        ],
      }))
    },
    'checkpoint:importCancel': async ({ experimentId }) => imports.cancel(experimentId),
    'dataset:checkConsistency': async ({ experimentId, datasetId }) => {
      const d = datasetOf(await ws().getExperiment(experimentId), datasetId)
      if (!d.trainPath) throw new Error(`dataset ${datasetId} has no training data to check against`)
      const trainPath = ws().resolvePath(experimentId, d.trainPath)
      let percent = -1
      const consistency = await checks.run(
        `${experimentId}/${datasetId}`,
        { busy: `dataset ${datasetId} is already being checked`, cancelled: 'consistency check cancelled' },
        (signal) =>
          ctx.services.checkDataConsistency(
            { evalPath: ws().resolvePath(experimentId, d.path), trainPath },
            (bytesRead, totalBytes) => {
              const now = Math.floor((100 * bytesRead) / Math.max(totalBytes, 1))
              if (now === percent) return
              percent = now
              ctx.emit('dataset:checkProgress', { experimentId, datasetId, bytesRead, totalBytes })
            },
            signal,
          ),
      )
      await ws().updateExperiment(experimentId, (e) => ({
        ...e,
        // A set nobody has said anything about takes the kind the check found; a claim stays (the
        // diagnosis then holds the check against it).
        datasets: e.datasets.map((x) =>
          x.id !== datasetId
            ? x
            : claimedKind(x) === 'unknown'
              ? { ...x, consistency, datasetKind: kindFromConsistency(consistency) }
              : { ...x, consistency },
        ),
      }))
      return consistency
    },
    'dataset:cancelCheck': async ({ experimentId, datasetId }) =>
      checks.cancel(`${experimentId}/${datasetId}`),
    'dataset:sample': async ({ experimentId, datasetId, index }) => {
      const d = datasetOf(await ws().getExperiment(experimentId), datasetId)
      return { text: await ctx.services.sampleText(ws().resolvePath(experimentId, d.path), index) }
    },
    'trainlog:parse': async ({ experimentId }) => {
      const e = await ws().getExperiment(experimentId)
      if (!e.trainingLog) return null
      return ctx.services.parseTrainLog(ws().resolvePath(experimentId, e.trainingLog))
    },
  }
}

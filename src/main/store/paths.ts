/** How experiment.json stores file paths: relative (with "/") inside the experiment folder, absolute outside. */
import { isAbsolute, relative, resolve, sep } from 'node:path'
import type { CheckpointRef, DatasetRef, Experiment } from '../../shared/experiment'

/** True when `child` is `parent` or lies beneath it (both resolved, no "..") */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(resolve(parent), resolve(child))
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
}

/** The form a path is stored in: relative to `experimentDir` when inside it, absolute otherwise. */
export function toStoredPath(experimentDir: string, path: string): string {
  const abs = resolve(experimentDir, path)
  if (!isInside(experimentDir, abs)) return abs
  return relative(resolve(experimentDir), abs).split(sep).join('/')
}

/** The absolute path of a stored path. */
export function resolveStoredPath(experimentDir: string, stored: string): string {
  return resolve(experimentDir, stored)
}

/** `e` with every file path (models, tokenizers, sources, datasets, training data, log) passed through `f`. */
export function mapExperimentPaths(e: Experiment, f: (path: string) => string): Experiment {
  return {
    ...e,
    checkpoints: e.checkpoints.map((c) => ({
      ...c,
      modelPath: f(c.modelPath),
      tokenizerPath: f(c.tokenizerPath),
      ...(c.sourcePath !== undefined ? { sourcePath: f(c.sourcePath) } : {}),
    })),
    datasets: e.datasets.map((d) => ({
      ...d,
      path: f(d.path),
      ...(d.trainPath !== undefined ? { trainPath: f(d.trainPath) } : {}),
    })),
    ...(e.trainingLog !== undefined ? { trainingLog: f(e.trainingLog) } : {}),
  }
}

/** The checkpoint `id` of an experiment; an Error naming both when it has none. */
export function checkpointOf(e: Experiment, id: string): CheckpointRef {
  const c = e.checkpoints.find((x) => x.id === id)
  if (!c) throw new Error(`experiment ${e.id} has no checkpoint "${id}"`)
  return c
}

/** The dataset `id` of an experiment; an Error naming both when it has none. */
export function datasetOf(e: Experiment, id: string): DatasetRef {
  const d = e.datasets.find((x) => x.id === id)
  if (!d) throw new Error(`experiment ${e.id} has no dataset "${id}"`)
  return d
}

/**
 * The training step a checkpoint was saved at (CheckpointRef.step), found without asking the user: the
 * exporter's manifest.json beside the ONNX model (field `step`), else what its file and folder names
 * say (src/shared/checkpoint-step.ts: `step_1200`, `ckpt_1200.pth`, `checkpoint-1200/`; never MiniMind's
 * `pretrain_512.pth`, whose number is the hidden size). Steps are on the training log's global axis.
 */
import fs from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { stepFromPaths, type FoundStep } from '../../shared/checkpoint-step'

export { stepFromName, stepFromPaths, type FoundStep } from '../../shared/checkpoint-step'

/** The `step` of the exporter's manifest.json in `folder`, or null (no file, not JSON, no integer step). */
export function stepFromManifest(folder: string): number | null {
  let raw: unknown
  try {
    raw = JSON.parse(fs.readFileSync(join(folder, 'manifest.json'), 'utf8'))
  } catch {
    return null
  }
  const step = (raw as { step?: unknown } | null)?.step
  return typeof step === 'number' && Number.isSafeInteger(step) && step >= 0 ? step : null
}

/**
 * The step of a checkpoint: the manifest beside its model, else the source's file name, the model's
 * file name, then a folder holding them named for its step (checkpoint-1200/). Null when nothing says.
 */
export function findCheckpointStep(paths: { modelPath: string; sourcePath?: string }): FoundStep | null {
  const manifest = stepFromManifest(dirname(paths.modelPath))
  if (manifest !== null) return { step: manifest, from: `manifest.json beside ${basename(paths.modelPath)}` }
  return stepFromPaths([paths.sourcePath, paths.modelPath])
}

/**
 * `checkpoint` with its step filled from the manifest or its names when the user gave none; paths are
 * resolved against `experimentDir` (stored paths may be relative to it).
 */
export function withFoundStep<C extends { modelPath: string; sourcePath?: string; step?: number }>(
  checkpoint: C,
  experimentDir = '.',
): C {
  if (checkpoint.step !== undefined || !checkpoint.modelPath) return checkpoint
  const found = findCheckpointStep({
    modelPath: resolve(experimentDir, checkpoint.modelPath),
    ...(checkpoint.sourcePath ? { sourcePath: resolve(experimentDir, checkpoint.sourcePath) } : {}),
  })
  return found ? { ...checkpoint, step: found.step } : checkpoint
}

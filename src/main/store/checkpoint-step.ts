/**
 * The training step a checkpoint was saved at (CheckpointRef.step), found without asking the user:
 * the exporter's manifest.json beside the ONNX model (field `step`), else a file or folder name that
 * says "step" (`step_1200`, `global_step1200`, `iter_1200`, `ckpt_1200.pth`, `checkpoint-1200/`,
 * `model-1200.pth`). MiniMind's own names, `{stage}_{hidden}{_moe}.pth` (`pretrain_512.pth`,
 * `full_sft_768_moe.pth`), carry the hidden size, not a step, and give none; so does any other bare
 * `name_123`: a number counts only after a word that means "step" or after a dash before a weights
 * extension.
 *
 * The step axis is the training log's: MiniMind logs `Epoch:[e/E](s/S)`, the step within an epoch, and
 * the log parser turns it into the global optimizer step (e-1)*S+s. A step from a manifest or a name is
 * taken to be on that same global axis (what a training script's own step counter and the exporter's
 * `--step` record); `--last` takes the log's last global step.
 */
import fs from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'

export interface FoundStep {
  step: number
  /** Where it was found, for a message ("manifest.json beside the model", "file name step_1200.pth"). */
  from: string
}

/** A number after a word for "step": step_1200, step-1200, step1200, global_step1200, iter_1200, ckpt_1200, checkpoint-1200. */
const STEP_WORD =
  /(?:^|[^a-z])(?:global_?step|steps?|iter(?:ation)?s?|ckpt|checkpoint)[_-]?(\d+)(?![a-z0-9])/i
/** A trailing "-1200" before a weights or model extension: model-1200.pth, run-1200.safetensors. */
const DASH_NUMBER = /^.*[a-z)]-(\d{2,})\.(?:pth|pt|ckpt|bin|safetensors|onnx)$/i
/** MiniMind's checkpoint names: the number is the hidden size (FACTS.md), never a step. */
const MINIMIND_NAME = /^[a-z][a-z_]*?_\d+(?:_moe)?(?:_resume)?\.(?:pth|pt)$/i
/** A folder that is named for its step as a whole (checkpoint-1200, step_1200, global_step1200). */
const STEP_FOLDER = /^(?:global_?step|steps?|iter(?:ation)?s?|ckpt|checkpoint)[_-]?(\d+)$/i
/** Sharded files ("model-00001-of-00002.safetensors") number shards, not steps; "minimind-3" is a version. */
const SHARD = /-\d+-of-\d+\./i

/** The step a single file or folder name carries, or null (see the module comment for the forms). */
export function stepFromName(name: string): number | null {
  if (MINIMIND_NAME.test(name) && !/step|iter|ckpt|checkpoint/i.test(name)) return null
  if (SHARD.test(name) || /^minimind-?\d/i.test(name)) return null
  const word = STEP_WORD.exec(name)
  const digits = word?.[1] ?? DASH_NUMBER.exec(name)?.[1]
  if (digits === undefined) return null
  const n = Number(digits)
  return Number.isSafeInteger(n) ? n : null
}

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

/** Names that say nothing about a step: the exporter's and Hugging Face's fixed file names. */
const GENERIC_STEM = /^(model|decoder_model(_merged)?|pytorch_model|model\.plain)$/i

/**
 * The step of a checkpoint: the manifest beside its model, else the source's file name, the model's
 * file name, then a folder holding them named for its step as a whole (checkpoint-1200/, two levels up
 * at most: a folder called "steps2024" is not a step). Null when nothing says.
 */
export function findCheckpointStep(paths: { modelPath: string; sourcePath?: string }): FoundStep | null {
  const manifest = stepFromManifest(dirname(paths.modelPath))
  if (manifest !== null) return { step: manifest, from: `manifest.json beside ${basename(paths.modelPath)}` }
  const files = [paths.sourcePath, paths.modelPath].filter((p): p is string => !!p)
  for (const file of files) {
    const name = basename(file)
    if (GENERIC_STEM.test(name.replace(/\.[^.]+$/, ''))) continue
    const step = stepFromName(name)
    if (step !== null) return { step, from: `file name ${name}` }
  }
  for (const file of files) {
    let folder = dirname(file)
    for (let level = 0; level < 2; level++) {
      const name = basename(folder)
      const digits = STEP_FOLDER.exec(name)?.[1]
      const step = digits !== undefined && Number.isSafeInteger(Number(digits)) ? Number(digits) : null
      if (step !== null) return { step, from: `folder name ${name}` }
      const up = dirname(folder)
      if (up === folder) break
      folder = up
    }
  }
  return null
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

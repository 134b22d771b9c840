/**
 * The training step a checkpoint's file or folder names carry, for main (src/main/store/checkpoint-step.ts,
 * which reads the exporter's manifest first) and the window alike: a name that says "step"
 * (`step_1200`, `global_step1200`, `iter_1200`, `ckpt_1200.pth`, `checkpoint-1200/`, `model-1200.pth`).
 * MiniMind's own names, `{stage}_{hidden}{_moe}.pth` (`pretrain_512.pth`, `full_sft_768_moe.pth`),
 * carry the hidden size, not a step, and give none; so does any other bare `name_123`: a number counts
 * only after a word that means "step" or after a dash before a weights extension, and a folder only
 * when it is named for its step as a whole (a folder called "steps2024" is not a step).
 *
 * The step axis is the training log's: MiniMind logs `Epoch:[e/E](s/S)`, the step within an epoch, and
 * the log parser turns it into the global optimizer step (e-1)*S+s. A step from a name or a manifest is
 * taken to be on that same global axis (what a training script's own step counter and the exporter's
 * `--step` record).
 */
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

/** Names that say nothing about a step: the exporter's and Hugging Face's fixed file names. */
const GENERIC_STEM = /^(model|decoder_model(_merged)?|pytorch_model|model\.plain)$/i

/**
 * The step the names of a checkpoint's files say: each file's name in order (e.g. the source .pth, then
 * the model), then a folder holding one (two levels up at most) named for its step as a whole.
 */
export function stepFromPaths(paths: (string | undefined)[]): FoundStep | null {
  const files = paths.filter((p): p is string => !!p)
  const segments = (p: string) => p.split(/[\\/]/).filter(Boolean)
  for (const file of files) {
    const name = segments(file).pop() ?? ''
    if (GENERIC_STEM.test(name.replace(/\.[^.]+$/, ''))) continue
    const step = stepFromName(name)
    if (step !== null) return { step, from: `file name ${name}` }
  }
  for (const file of files) {
    for (const name of segments(file).slice(0, -1).slice(-2).reverse()) {
      const digits = STEP_FOLDER.exec(name)?.[1]
      if (digits !== undefined && Number.isSafeInteger(Number(digits)))
        return { step: Number(digits), from: `folder name ${name}` }
    }
  }
  return null
}

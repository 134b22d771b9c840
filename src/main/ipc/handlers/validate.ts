/**
 * files:validate, and the same check for dropped files: a model is loaded and described by the engine
 * (a text file named .onnx fails here), its tokenizer loaded and fitted to the model's vocabulary, a
 * dataset parsed and counted, each by the engine's own readers (the parsers in the isolated child), so
 * the message is the one the run would have failed with.
 */
import { resolve } from 'node:path'
import type { FileCheck } from '../../../shared/ipc'
import { isInside } from '../../store/paths'
import { experimentPaths } from './experiments'
import type { HandlerContext } from '../context'
import type { HandlerGroup } from '../types'

/** Reads a model and its tokenizer as a run would; never throws for a bad file. */
export async function checkCheckpointFiles(
  ctx: HandlerContext,
  modelPath: string,
  tokenizerPath: string,
): Promise<FileCheck> {
  try {
    const model = await ctx.services.describeModel(modelPath)
    const tokenizerSize = await ctx.services.tokenizerFit(tokenizerPath, modelPath, model.vocabSize)
    return { ok: true, vocabSize: model.vocabSize, tokenizerSize }
  } catch (err) {
    return { ok: false, message: errorText(err) }
  }
}

/** Parses and counts a dataset as a run would; never throws for a bad file. */
export async function checkDatasetFile(ctx: HandlerContext, path: string): Promise<FileCheck> {
  try {
    const samples = await ctx.services.countSamples(path)
    if (samples === 0) return { ok: false, message: `${path}: no samples in the file` }
    return { ok: true, samples }
  } catch (err) {
    return { ok: false, message: errorText(err) }
  }
}

/** One line: the engine's messages name the file and the problem; a multi-line native error is cut. */
function errorText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  return message.split('\n')[0]!.trim()
}

/**
 * The rule experiment:save applies to the paths it is given: relative ones are in the experiment's
 * folder, a path inside it or one the experiment already uses is fine, any other must be one the user
 * chose (the desktop app's grants; the bridge allows any path on its machine).
 */
async function allowedPaths(
  ctx: HandlerContext,
  experimentId: string | undefined,
): Promise<(path: string, what: string) => string> {
  if (!experimentId) return (path, what) => ctx.access.check(path, what)
  const ws = ctx.current().workspace
  const dir = ws.experimentDir(experimentId)
  const known = new Set(experimentPaths(await ws.getExperiment(experimentId)).map(([, p]) => resolve(dir, p)))
  return (path, what) => {
    const abs = resolve(dir, path)
    return known.has(abs) || isInside(dir, abs) ? abs : ctx.access.check(abs, what)
  }
}

export function validateHandlers(ctx: HandlerContext): HandlerGroup<'files:validate'> {
  return {
    'files:validate': async (request) => {
      const allowed = await allowedPaths(ctx, request.experimentId)
      if (request.kind === 'checkpoint') {
        const modelPath = allowed(request.modelPath, 'model')
        const tokenizerPath = allowed(request.tokenizerPath, 'tokenizer')
        return checkCheckpointFiles(ctx, modelPath, tokenizerPath)
      }
      return checkDatasetFile(ctx, allowed(request.path, 'dataset'))
    },
  }
}

/**
 * files:validate, and the same check for dropped files: a model is loaded and described by the engine
 * (a text file named .onnx fails here), its tokenizer loaded and fitted to the model's vocabulary, a
 * dataset parsed and counted, each by the engine's own readers (the parsers in the isolated child), so
 * the message is the one the run would have failed with.
 */
import type { FileCheck } from '../../../shared/ipc'
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

export function validateHandlers(ctx: HandlerContext): HandlerGroup<'files:validate'> {
  return {
    'files:validate': async (request) => {
      if (request.kind === 'checkpoint') {
        const modelPath = ctx.access.check(request.modelPath, 'model')
        const tokenizerPath = ctx.access.check(request.tokenizerPath, 'tokenizer')
        return checkCheckpointFiles(ctx, modelPath, tokenizerPath)
      }
      return checkDatasetFile(ctx, ctx.access.check(request.path, 'dataset'))
    },
  }
}

/**
 * The engine, evidence and report modules behind the handlers' EngineServices interface: the one
 * place the window's hosts (Electron, the bridge) meet the engine's real functions.
 */
import { compareTokens, describeModel, runAnalysis } from './engine'
import { InputError } from './engine/errors'
import { runExporter } from './engine/evidence/run-exporter'
import { runIsolated } from './engine/isolated/client'
import type { EngineServices } from './ipc/context'
import { buildReport, loadReportInput, writeReport } from './report'

export interface EngineServiceOptions {
  /** tools/export_onnx.py for "Import checkpoint" (default: found above the engine's module). */
  exporterScript?: string
}

export function createEngineServices(options: EngineServiceOptions = {}): EngineServices {
  return {
    runAnalysis,
    describeModel: async (modelPath) => (await describeModel(modelPath)).model,
    async compareTokens({ base, other, dataPath, settings }, signal, onProgress) {
      if (base.tokenizerPath !== other.tokenizerPath) {
        // The engine scores both checkpoints on one tokenisation of the samples.
        const { readFile } = await import('node:fs/promises')
        const [a, b] = await Promise.all([readFile(base.tokenizerPath), readFile(other.tokenizerPath)])
        if (!a.equals(b))
          throw new InputError('the two checkpoints use different tokenizers; token comparison needs one')
      }
      const result = await compareTokens(
        {
          base: { modelPath: base.modelPath, label: base.label },
          other: { modelPath: other.modelPath, label: other.label },
          tokenizerPath: base.tokenizerPath,
          dataPath,
          inputLength: settings.inputLength,
          predictLength: settings.predictLength,
          ...(settings.limit !== undefined ? { limit: settings.limit } : {}),
          bos: settings.bos ?? 'auto',
          batchSize: settings.batchSize,
          threads: settings.threads,
          provider: settings.provider,
        },
        signal,
        onProgress,
      )
      return result.comparison
    },
    // Every parser of the user's files runs in a child process: a file that aborts Node ends the task, not the app.
    verifyWeights: ({ checkpointPath, modelPath }) =>
      runIsolated({ kind: 'verifyWeights', checkpointPath, modelPath }),
    checkDataConsistency: ({ evalPath, trainPath }, onProgress, signal) =>
      runIsolated(
        { kind: 'checkData', evalPath, trainPath },
        { ...(onProgress ? { onProgress } : {}), ...(signal ? { signal } : {}) },
      ),
    parseTrainLog: (path) => runIsolated({ kind: 'parseTrainLog', path }),
    async importCheckpoint(input, onLine, signal) {
      const script = options.exporterScript
      const result = await runExporter(script ? { ...input, exporterScript: script } : input, onLine, signal)
      return {
        modelPath: result.modelPath,
        ...(result.tokenizerPath ? { tokenizerPath: result.tokenizerPath } : {}),
      }
    },
    countSamples: (dataPath) => runIsolated({ kind: 'countSamples', dataPath }),
    tokenizerFit: (tokenizerPath, modelPath, vocab) =>
      runIsolated({ kind: 'tokenizerFit', tokenizerPath, modelPath, vocab }),
    sampleText: (dataPath, index) => runIsolated({ kind: 'sampleText', dataPath, index }),
    async renderReport(experimentDir, lang, tokenComparisons, options = {}) {
      const input = await loadReportInput(experimentDir, {
        tokenComparisons,
        ...(options.runIds ? { runIds: options.runIds } : {}),
      })
      for (const warning of input.warnings) console.warn(warning)
      return buildReport(input, lang)
    },
    writeReport: async (rendered, folder, fileName) => (await writeReport(rendered, folder, fileName)).files,
  }
}

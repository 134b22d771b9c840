/** A stand-in for the engine's runAnalysis: N samples, optional delay per sample, honours the AbortSignal. */
import type { ModelDescription } from '../../../src/shared/model'
import type { RunSummary, SampleResult } from '../../../src/shared/results'
import type { RunEvent } from '../../../src/shared/run-events'
import type { RunAnalysisOptions } from '../../../src/main/runs/run-manager'

export const fakeModel: ModelDescription = {
  path: '/m.onnx',
  fileBytes: 1,
  form: 'plain',
  inputs: [],
  outputs: [],
  numLayers: null,
  numKvHeads: null,
  headDim: null,
  vocabSize: null,
  opset: null,
  producer: null,
  parameterCount: null,
  hasKvCache: false,
  logitsToKeepInput: null,
  hasPositionIds: false,
  hasAttentionMask: false,
  hasUseCacheBranch: false,
  inputIdsType: 'int64',
  notes: [],
}

export function fakeSample(index: number): SampleResult {
  return {
    index,
    id: `s${index}`,
    tokens: 100,
    inputLength: 64,
    predictLength: 30,
    teacherForcing: { loss: 2 + index / 10, tokenLosses: [2], top1: 0.5 },
  }
}

export interface FakeEngineOptions {
  total?: number
  delayMs?: number
  /** Throw this message after this many new samples. */
  failAfter?: number
  calls?: RunAnalysisOptions[]
}

/** Builds a runAnalysis function over `total` fake samples. */
export function fakeEngine(o: FakeEngineOptions = {}) {
  const total = o.total ?? 5
  return async function* runAnalysis(
    options: RunAnalysisOptions,
    signal?: AbortSignal,
  ): AsyncIterable<RunEvent> {
    o.calls?.push(options)
    const { runId } = options
    const skip = new Set(options.skipIndices ?? [])
    const provider = { used: 'cpu', attempts: [], loadMs: 1 }
    yield {
      type: 'started',
      runId,
      label: options.label,
      total,
      alreadyDone: skip.size,
      model: fakeModel,
      provider,
    }
    const results = [...(options.previousResults ?? [])]
    let fresh = 0
    for (let index = 0; index < total; index++) {
      if (skip.has(index)) continue
      if (o.delayMs) await new Promise((r) => setTimeout(r, o.delayMs))
      if (signal?.aborted) {
        yield { type: 'cancelled', runId, done: results.length }
        return
      }
      if (o.failAfter !== undefined && fresh >= o.failAfter) throw new Error('worker crashed')
      const result = fakeSample(index)
      results.push(result)
      fresh++
      yield { type: 'sample', runId, result }
      yield { type: 'progress', runId, done: results.length, total, tokensPerSecond: 1, etaSeconds: 0 }
    }
    const mean = results.reduce((a, r) => a + (r.teacherForcing?.loss ?? 0), 0) / results.length
    const summary: RunSummary = {
      label: options.label,
      modelPath: options.modelPath,
      tokenizerPath: options.tokenizerPath,
      dataPath: options.dataPath,
      settings: options.settings,
      model: fakeModel,
      provider,
      counts: { total, scored: results.length, skipped: 0 },
      means: { teacherForcing: mean },
      wallSeconds: 1,
      tokensPerSecond: 1,
      startedAt: new Date().toISOString(),
      finishedAt: new Date().toISOString(),
      losslensVersion: 'test',
    }
    yield { type: 'finished', runId, summary }
  }
}

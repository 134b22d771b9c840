/** A LossLensApi double for renderer tests: scripted handlers per channel, recorded calls, pushed events. */
import type {
  EventChannel,
  EventPayloads,
  LossLensApi,
  RequestArgs,
  RequestChannel,
  RequestResults,
} from '../../src/shared/ipc'
import type { Experiment } from '../../src/shared/experiment'
import type { SampleResult } from '../../src/shared/results'
import type { ModelDescription, ProviderReport } from '../../src/shared/model'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { installHost } from '../../src/renderer/src/api'
import { i18n } from '../../src/renderer/src/i18n'

type Handler<C extends RequestChannel> = (
  args: RequestArgs<C>,
) => RequestResults[C] | Promise<RequestResults[C]>

export class FakeApi implements LossLensApi {
  readonly calls: { channel: RequestChannel; args: unknown }[] = []
  readonly #handlers = new Map<RequestChannel, Handler<never>>()
  readonly #listeners = new Map<EventChannel, Set<(payload: never) => void>>()

  handle<C extends RequestChannel>(channel: C, handler: Handler<C>): this {
    this.#handlers.set(channel, handler as unknown as Handler<never>)
    return this
  }

  async invoke<C extends RequestChannel>(channel: C, args: RequestArgs<C>): Promise<RequestResults[C]> {
    this.calls.push({ channel, args })
    const handler = this.#handlers.get(channel) as Handler<C> | undefined
    if (!handler) throw new Error(`FakeApi: no handler for ${channel}`)
    return handler(args)
  }

  on<E extends EventChannel>(channel: E, listener: (payload: EventPayloads[E]) => void): () => void {
    let set = this.#listeners.get(channel)
    if (!set) this.#listeners.set(channel, (set = new Set()))
    set.add(listener as (payload: never) => void)
    return () => set.delete(listener as (payload: never) => void)
  }

  emit<E extends EventChannel>(channel: E, payload: EventPayloads[E]): void {
    for (const l of this.#listeners.get(channel) ?? []) (l as (p: EventPayloads[E]) => void)(payload)
  }

  listenerCount(channel: EventChannel): number {
    return this.#listeners.get(channel)?.size ?? 0
  }

  callsOf(channel: RequestChannel): unknown[] {
    return this.calls.filter((c) => c.channel === channel).map((c) => c.args)
  }
}

export function experiment(id = '1.4.0', patch: Partial<Experiment> = {}): Experiment {
  return {
    id,
    title: 'baseline',
    notes: '',
    createdAt: '2026-11-28T00:00:00.000Z',
    updatedAt: '2026-11-28T00:00:00.000Z',
    checkpoints: [],
    datasets: [],
    settings: {
      inputLength: 32,
      predictLength: 30,
      measures: ['teacherForcing', 'keepLastMisaligned', 'offsetSweep', 'autoregressive', 'kvCache'],
      batchSize: 1,
      threads: 0,
      bos: 'no' as const,
      provider: 'auto',
    },
    ...patch,
  }
}

/** A deterministic scored sample: losses derived from the index so tests can recompute them. */
export function sample(index: number, predictLength = 4): SampleResult {
  const tf = 2 + (index % 10) / 10
  const tokenLosses = Array.from(
    { length: predictLength },
    (_, j) => tf + (j - (predictLength - 1) / 2) * 0.1,
  )
  return {
    index,
    id: `id${String(index).padStart(14, '0')}`,
    tokens: 40 + index,
    inputLength: 32,
    predictLength,
    contextText: `context ${index}`,
    targetText: `target ${index}`,
    targetTokens: Array.from({ length: predictLength }, (_, j) => ` t${j}`),
    teacherForcing: { loss: tf, tokenLosses, top1: 0.5 },
    keepLastMisaligned: { loss: tf * 4 },
    keepLastAligned: { loss: tf },
    offsetSweep: { '-2': tf + 2, '-1': tf + 1, '0': tf, '1': tf * 4, '2': tf * 5 },
    autoregressive: {
      loss: tf + 3,
      stepLosses: tokenLosses.map((x, j) => x + j),
      generatedIds: [1, 2, 3, 4].slice(0, predictLength),
      generatedText: `greedy ${index}`,
      usedKvCache: true,
    },
    kvCache: { maxAbsDiff: 1e-6 * (index + 1), top1Agreement: 1 },
  }
}

export const model: ModelDescription = {
  path: '/m/model.onnx',
  fileBytes: 1000,
  form: 'optimum',
  inputs: [],
  outputs: [],
  numLayers: 2,
  numKvHeads: 2,
  headDim: 8,
  vocabSize: 6400,
  opset: 17,
  producer: null,
  parameterCount: 123456,
  hasKvCache: true,
  logitsToKeepInput: null,
  hasPositionIds: true,
  hasAttentionMask: true,
  hasUseCacheBranch: false,
  inputIdsType: 'int64',
  notes: [],
}

export const provider: ProviderReport = {
  used: 'cpu',
  attempts: [{ name: 'cpu', ok: true, loadMs: 12 }],
  loadMs: 12,
}

/** A fresh host for a component test: a new FakeApi installed as the bridge, a new active Pinia, English. */
export function installFakeHost(): { api: FakeApi; pinia: Pinia } {
  const api = new FakeApi()
  installHost({ kind: 'bridge', api })
  const pinia = createPinia()
  setActivePinia(pinia)
  i18n.global.locale.value = 'en'
  return { api, pinia }
}

/**
 * Runs and their streamed samples. Sample arrays stay out of Vue's deep reactivity (plain arrays in
 * markRaw buffers); views depend on `version`, which advances at most ~4 times a second while samples
 * stream, and at once when a run starts, ends or fails.
 */
import { defineStore } from 'pinia'
import { markRaw, onScopeDispose, ref, shallowRef } from 'vue'
import type { RunInfo, RunStatus } from '../../../shared/experiment'
import type { EventPayloads } from '../../../shared/ipc'
import type { ModelDescription, ProviderReport } from '../../../shared/model'
import type { RunSettings, RunSummary, SampleResult } from '../../../shared/results'
import { useApi, useHost } from '../api'
import { errorText } from '../lib/format'

/** Milliseconds between view updates while samples stream (~4 Hz). */
export const FLUSH_INTERVAL_MS = 250

/**
 * One run as the window knows it: stored info merged with what streamed in. The store mutates its
 * buffers in place, outside Vue's reactivity; views get a fresh shallow copy at each version (so a
 * component given a run re-renders when it changes), sharing the same results array.
 */
export interface RunBuffer {
  runId: string
  experimentId: string
  label: string
  checkpointId: string | null
  datasetId: string | null
  status: RunStatus
  total: number
  done: number
  /** Samples already stored when the current stream (a resume) started. */
  alreadyDone: number
  tokensPerSecond: number | null
  etaSeconds: number | null
  /** The execution provider that actually ran it. */
  provider: string | null
  providerReport: ProviderReport | null
  model: ModelDescription | null
  settings: RunSettings | null
  summary: RunSummary | null
  error: string | null
  createdAt: string | null
  /** Results in arrival order; one per sample index. */
  results: SampleResult[]
  positionOf: Map<number, number>
  /** performance.now() when this stream started, and `done` then, for the client-side ETA. */
  streamStartMs: number | null
  streamStartDone: number
  /** True once run:results has been loaded (the table holds every stored sample). */
  loaded: boolean
}

function newBuffer(runId: string, experimentId: string): RunBuffer {
  return markRaw({
    runId,
    experimentId,
    label: runId,
    checkpointId: null,
    datasetId: null,
    status: 'queued',
    total: 0,
    done: 0,
    alreadyDone: 0,
    tokensPerSecond: null,
    etaSeconds: null,
    provider: null,
    providerReport: null,
    model: null,
    settings: null,
    summary: null,
    error: null,
    createdAt: null,
    results: [],
    positionOf: new Map(),
    streamStartMs: null,
    streamStartDone: 0,
    loaded: false,
  })
}

/** Queued or running: the engine still owns it. */
export function isLive(buffer: { status: RunStatus }): boolean {
  return buffer.status === 'running' || buffer.status === 'queued'
}

/** Adds or replaces a sample (a resumed run may resend one). */
export function putResult(buffer: RunBuffer, result: SampleResult): void {
  const at = buffer.positionOf.get(result.index)
  if (at === undefined) {
    buffer.positionOf.set(result.index, buffer.results.length)
    buffer.results.push(result)
  } else buffer.results[at] = result
}

function applyInfo(buffer: RunBuffer, info: RunInfo): void {
  buffer.label = info.label
  buffer.checkpointId = info.checkpointId
  buffer.datasetId = info.datasetId
  buffer.settings = info.settings
  buffer.createdAt = info.createdAt
  buffer.total = info.total
  // A live stream knows better than a stored snapshot taken a moment ago.
  if (buffer.streamStartMs === null || !isLive(info)) {
    buffer.status = info.status
    buffer.done = Math.max(info.done, buffer.results.length)
  }
  buffer.provider = info.provider ?? info.summary?.provider.used ?? buffer.provider
  buffer.error = info.error ?? null
  if (info.summary) {
    buffer.summary = info.summary
    buffer.providerReport = info.summary.provider
    buffer.model = info.summary.model
    buffer.tokensPerSecond = info.summary.tokensPerSecond
  }
}

/** Seconds left: the engine's figure when it gives one, else from this stream's rate so far. */
export function estimateEta(buffer: RunBuffer, nowMs: number): number | null {
  if (buffer.status !== 'running') return null
  if (buffer.etaSeconds !== null) return buffer.etaSeconds
  if (buffer.streamStartMs === null) return null
  const doneHere = buffer.done - buffer.streamStartDone
  const elapsed = (nowMs - buffer.streamStartMs) / 1000
  if (doneHere <= 0 || elapsed <= 0 || buffer.total <= 0) return null
  return ((buffer.total - buffer.done) * elapsed) / doneHere
}

export const useRunStore = defineStore('run', () => {
  const buffers = shallowRef(new Map<string, RunBuffer>())
  /** Advances when buffered data changed; read it (or call the getters below) to re-render. */
  const version = ref(0)
  const listError = ref<string | null>(null)
  const startError = ref<string | null>(null)
  const actionError = ref<string | null>(null)
  const starting = ref(false)
  const selectedRunId = ref<string | null>(null)
  /** Sample index (SampleResult.index) open in the detail pane. */
  const selectedSample = ref<number | null>(null)
  /** Run ids per experiment, newest first, as last listed. */
  const order = shallowRef(new Map<string, string[]>())
  const listeners = new Set<(experimentId: string, runId: string, status: RunStatus) => void>()

  let timer: ReturnType<typeof setTimeout> | null = null
  let lastFlush = 0
  function flush(): void {
    if (timer) clearTimeout(timer)
    timer = null
    lastFlush = Date.now()
    version.value++
  }
  /** Schedules a view update no sooner than FLUSH_INTERVAL_MS after the last one. */
  function touch(immediate = false): void {
    if (immediate) return flush()
    if (timer) return
    timer = setTimeout(flush, Math.max(0, lastFlush + FLUSH_INTERVAL_MS - Date.now()))
  }

  function bufferFor(runId: string, experimentId: string): RunBuffer {
    let b = buffers.value.get(runId)
    if (!b) {
      b = newBuffer(runId, experimentId)
      buffers.value.set(runId, b)
      const ids = order.value.get(experimentId) ?? []
      if (!ids.includes(runId)) order.value.set(experimentId, [runId, ...ids])
    }
    return b
  }

  function handle(event: EventPayloads['run:event']): void {
    const b = bufferFor(event.runId, event.experimentId)
    switch (event.type) {
      case 'started':
        b.status = 'running'
        b.label = event.label
        b.total = event.total
        b.alreadyDone = event.alreadyDone
        b.done = Math.max(event.alreadyDone, b.done)
        b.provider = event.provider.used
        b.providerReport = event.provider
        b.model = event.model
        b.error = null
        b.etaSeconds = null
        b.streamStartMs = Date.now()
        b.streamStartDone = b.done
        return touch(true)
      case 'sample':
        putResult(b, event.result)
        if (b.done < b.results.length) b.done = b.results.length
        return touch()
      case 'progress':
        b.done = event.done
        b.total = event.total
        b.tokensPerSecond = event.tokensPerSecond
        b.etaSeconds = event.etaSeconds
        return touch()
      case 'finished':
        b.status = 'finished'
        b.summary = event.summary
        b.providerReport = event.summary.provider
        b.provider = event.summary.provider.used
        b.model = event.summary.model
        b.settings = event.summary.settings
        b.tokensPerSecond = event.summary.tokensPerSecond
        b.done = event.summary.counts.total
        b.total = Math.max(b.total, event.summary.counts.total)
        b.etaSeconds = null
        break
      case 'failed':
        b.status = 'failed'
        b.error = event.message
        b.etaSeconds = null
        break
      case 'cancelled':
        b.status = 'cancelled'
        b.done = event.done
        b.etaSeconds = null
        break
    }
    touch(true)
    for (const listener of listeners) listener(event.experimentId, event.runId, b.status)
  }

  let unsubscribe: (() => void) | null = null
  /** Starts listening to run events (idempotent; the app calls it once the host is known). */
  function subscribe(): void {
    if (unsubscribe || !useHost().api) return
    unsubscribe = useApi().on('run:event', handle)
  }
  onScopeDispose(() => {
    unsubscribe?.()
    unsubscribe = null
    if (timer) clearTimeout(timer)
  })

  /** Called when a run ends (finished, failed, cancelled): the sidebar's best loss may change. */
  function onRunEnded(
    listener: (experimentId: string, runId: string, status: RunStatus) => void,
  ): () => void {
    listeners.add(listener)
    return () => listeners.delete(listener)
  }

  async function list(experimentId: string): Promise<void> {
    subscribe()
    try {
      const infos = await useApi().invoke('run:list', { experimentId })
      const sorted = [...infos].sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      for (const info of sorted) applyInfo(bufferFor(info.runId, experimentId), info)
      const live = (order.value.get(experimentId) ?? []).filter(
        (id) =>
          !sorted.some((i) => i.runId === id) && isLive(buffers.value.get(id) ?? { status: 'finished' }),
      )
      order.value.set(experimentId, [...live, ...sorted.map((i) => i.runId)])
      listError.value = null
    } catch (e) {
      listError.value = errorText(e)
    }
    touch(true)
  }

  /** Loads in flight, by run: a second caller (two panels overlaying the same picked run) waits for it. */
  const loading = new Map<string, Promise<void>>()
  /** Loads a run's stored results (once; live samples keep streaming into the same buffer). */
  function load(experimentId: string, runId: string, force = false): Promise<void> {
    const b = bufferFor(runId, experimentId)
    if (b.loaded && !force) return Promise.resolve()
    const inFlight = loading.get(runId)
    if (inFlight && !force) return inFlight
    const p = fetchResults(b, experimentId, runId).finally(() => {
      if (loading.get(runId) === p) loading.delete(runId)
    })
    loading.set(runId, p)
    return p
  }
  async function fetchResults(b: RunBuffer, experimentId: string, runId: string): Promise<void> {
    try {
      const { run, results } = await useApi().invoke('run:results', { experimentId, runId })
      applyInfo(b, run)
      for (const r of results) if (!b.positionOf.has(r.index)) putResult(b, r)
      b.results.sort((x, y) => x.index - y.index)
      b.positionOf.clear()
      b.results.forEach((r, i) => b.positionOf.set(r.index, i))
      if (b.done < b.results.length) b.done = b.results.length
      b.loaded = true
      b.error = run.error ?? b.error
    } catch (e) {
      b.error = errorText(e)
    }
    touch(true)
  }

  async function start(
    experimentId: string,
    checkpointIds: string[],
    datasetId: string,
    settings: RunSettings,
  ): Promise<string[]> {
    subscribe()
    starting.value = true
    startError.value = null
    try {
      const { runIds } = await useApi().invoke('run:start', {
        experimentId,
        checkpointIds,
        datasetId,
        settings,
      })
      for (const [i, runId] of runIds.entries()) {
        const b = bufferFor(runId, experimentId)
        b.checkpointId ??= checkpointIds[i] ?? null
        b.datasetId ??= datasetId
        b.settings ??= settings
        b.loaded = true
      }
      if (runIds[0]) select(runIds[0])
      touch(true)
      return runIds
    } catch (e) {
      startError.value = errorText(e)
      return []
    } finally {
      starting.value = false
    }
  }

  async function cancel(runId: string): Promise<void> {
    const b = buffers.value.get(runId)
    if (!b || !isLive(b)) return
    actionError.value = null
    try {
      await useApi().invoke('run:cancel', { experimentId: b.experimentId, runId })
    } catch (e) {
      actionError.value = errorText(e)
    }
  }

  async function resume(runId: string): Promise<void> {
    const b = buffers.value.get(runId)
    if (!b) return
    actionError.value = null
    try {
      if (!b.loaded) await load(b.experimentId, runId)
      const r = await useApi().invoke('run:resume', { experimentId: b.experimentId, runId })
      const target = bufferFor(r.runId, b.experimentId)
      if (!isLive(target)) {
        target.status = 'queued'
        target.error = null
        target.streamStartMs = Date.now()
        target.streamStartDone = target.done
      }
      select(r.runId)
      touch(true)
    } catch (e) {
      actionError.value = errorText(e)
    }
  }

  async function remove(runId: string): Promise<void> {
    const b = buffers.value.get(runId)
    if (!b) return
    await useApi().invoke('run:delete', { experimentId: b.experimentId, runId })
    buffers.value.delete(runId)
    order.value.set(
      b.experimentId,
      (order.value.get(b.experimentId) ?? []).filter((id) => id !== runId),
    )
    if (selectedRunId.value === runId) selectedRunId.value = null
    touch(true)
  }

  function select(runId: string | null): void {
    if (selectedRunId.value !== runId) selectedSample.value = null
    selectedRunId.value = runId
  }

  /**
   * Reactive getters: each reads `version` and returns snapshots, so computed()s and components built
   * on them follow the stream.
   */
  function get(runId: string | null | undefined): Readonly<RunBuffer> | null {
    void version.value
    const b = runId ? buffers.value.get(runId) : undefined
    return b ? { ...b } : null
  }
  function runsOf(experimentId: string | null | undefined): Readonly<RunBuffer>[] {
    void version.value
    if (!experimentId) return []
    return (order.value.get(experimentId) ?? []).flatMap((id) => {
      const b = buffers.value.get(id)
      return b ? [{ ...b }] : []
    })
  }
  /** Whether the experiment's stored runs have been listed (a view may wait for it). */
  function listed(experimentId: string | null | undefined): boolean {
    void version.value
    return !!experimentId && order.value.has(experimentId)
  }
  function activeRuns(experimentId?: string): Readonly<RunBuffer>[] {
    void version.value
    return [...buffers.value.values()]
      .filter((b) => isLive(b) && (!experimentId || b.experimentId === experimentId))
      .map((b) => ({ ...b }))
  }

  return {
    version,
    listError,
    startError,
    actionError,
    starting,
    selectedRunId,
    selectedSample,
    handle,
    subscribe,
    onRunEnded,
    list,
    load,
    start,
    cancel,
    resume,
    remove,
    select,
    get,
    runsOf,
    listed,
    activeRuns,
    flush,
  }
})

/**
 * Runs the engine's analyses one after another, writes each run's run.json and results.jsonl as its
 * events arrive, and forwards the events to the window. Cancel aborts through the run's AbortController;
 * a cancelled or interrupted run resumes by skipping the samples already in results.jsonl.
 */
import type { AnalysisOptions } from '../engine/analysis-core'
import type { RunInfo, RunInputs } from '../../shared/experiment'
import type { ModelDescription } from '../../shared/model'
import type { RunSettings } from '../../shared/results'
import type { RunEvent } from '../../shared/run-events'
import { ResultsAppender } from '../store/results-file'
import { listRuns, makeRunId, readRun, readRunResults, resultsFile, writeRun } from '../store/runs'
import { checkpointOf, datasetOf } from '../store/paths'
import type { Workspace } from '../store/workspace'
import { Throttle } from './throttle'

/**
 * What the engine's runAnalysis takes: the engine's own AnalysisOptions (a type-only import, so the
 * main process does not load onnxruntime by importing the run manager).
 */
export type RunAnalysisOptions = AnalysisOptions
export type RunAnalysisFn = (options: RunAnalysisOptions, signal?: AbortSignal) => AsyncIterable<RunEvent>

export type RunEventMessage = RunEvent & { experimentId: string }

export interface RunManagerOptions {
  workspace: Workspace
  runAnalysis: RunAnalysisFn
  /** Sends a run event to the window(s). */
  emit: (event: RunEventMessage) => void
  /** Least time between two forwarded progress events (default 100 ms: at most 10 a second). */
  progressIntervalMs?: number
  /** Least time between two run.json writes while a run streams (default 1 s). */
  persistIntervalMs?: number
  now?: () => Date
}

interface LiveRun {
  info: RunInfo
  controller: AbortController
  /** Set on shutdown: the run ends as 'interrupted', not 'cancelled'. */
  interrupted?: boolean
}

const key = (experimentId: string, runId: string) => `${experimentId}/${runId}`

export class RunManager {
  readonly workspace: Workspace
  readonly #opts: Required<Omit<RunManagerOptions, 'workspace'>>
  readonly #live = new Map<string, LiveRun>()
  readonly #queue: LiveRun[] = []
  #pump: Promise<void> | null = null

  constructor(options: RunManagerOptions) {
    this.workspace = options.workspace
    this.#opts = { progressIntervalMs: 100, persistIntervalMs: 1000, now: () => new Date(), ...options }
  }

  /** At startup: runs that run.json says are running or queued have no live run, so they were interrupted. */
  async recover(): Promise<RunInfo[]> {
    const marked: RunInfo[] = []
    for (const experimentId of await this.workspace.experimentIds()) {
      for (const run of (await listRuns(this.workspace, experimentId)).runs) {
        if ((run.status !== 'running' && run.status !== 'queued') || this.isLive(experimentId, run.runId))
          continue
        const { results } = await readRunResults(this.workspace, experimentId, run.runId)
        const info: RunInfo = { ...run, status: 'interrupted', done: results.length, updatedAt: this.#now() }
        await writeRun(this.workspace, info)
        marked.push(info)
      }
    }
    return marked
  }

  /** Queues one run per checkpoint (executed one after another); returns their run ids. */
  async start(request: {
    experimentId: string
    checkpointIds: string[]
    datasetId: string
    settings: RunSettings
    /** Hashes of the run's inputs, kept in run.json (one checkpoint per request when given). */
    inputs?: RunInputs
  }): Promise<string[]> {
    const { experimentId, datasetId, settings, inputs } = request
    const experiment = await this.workspace.getExperiment(experimentId)
    const checkpointIds = [...new Set(request.checkpointIds)]
    for (const id of checkpointIds) checkpointOf(experiment, id)
    datasetOf(experiment, datasetId)
    const busy = checkpointIds.filter((id) =>
      this.#liveRuns(experimentId).some((r) => r.info.checkpointId === id),
    )
    if (busy.length > 0) throw new Error(`checkpoint ${busy.join(', ')} already has a run queued or running`)

    const taken = new Set(await this.workspace.runIds(experimentId))
    const runIds: string[] = []
    for (const checkpointId of checkpointIds) {
      const runId = makeRunId(this.#opts.now(), checkpointId, taken)
      taken.add(runId)
      const now = this.#now()
      const info: RunInfo = {
        runId,
        experimentId,
        checkpointId,
        datasetId,
        label: checkpointOf(experiment, checkpointId).label,
        settings,
        status: 'queued',
        createdAt: now,
        updatedAt: now,
        done: 0,
        total: 0,
        ...(inputs ? { inputs } : {}),
      }
      await writeRun(this.workspace, info)
      this.#enqueue(info)
      runIds.push(runId)
    }
    return runIds
  }

  /** Queues a stopped run again; it skips the samples already in its results.jsonl. */
  async resume(experimentId: string, runId: string): Promise<string> {
    if (this.isLive(experimentId, runId)) throw new Error(`run ${runId} is already queued or running`)
    const run = await readRun(this.workspace, experimentId, runId)
    if (run.status === 'finished') throw new Error(`run ${runId} has finished; start a new run instead`)
    const busy = this.#liveRuns(experimentId).find((r) => r.info.checkpointId === run.checkpointId)
    if (busy)
      throw new Error(
        `checkpoint ${run.checkpointId} already has a run queued or running (${busy.info.runId})`,
      )
    const info: RunInfo = { ...run, status: 'queued', updatedAt: this.#now() }
    delete info.error
    await writeRun(this.workspace, info)
    this.#enqueue(info)
    return runId
  }

  /** Cancels a queued or running run; its results so far are kept. */
  async cancel(experimentId: string, runId: string): Promise<void> {
    const live = this.#live.get(key(experimentId, runId))
    if (!live) throw new Error(`run ${runId} is not running`)
    const queued = this.#queue.indexOf(live)
    if (queued === -1) {
      live.controller.abort()
      return
    }
    this.#queue.splice(queued, 1)
    this.#live.delete(key(experimentId, runId))
    live.info = { ...live.info, status: 'cancelled', updatedAt: this.#now() }
    await writeRun(this.workspace, live.info)
    this.#opts.emit({ type: 'cancelled', runId, done: live.info.done, experimentId })
  }

  isLive(experimentId: string, runId: string): boolean {
    return this.#live.has(key(experimentId, runId))
  }

  /** The in-memory state of a live run (fresher than its run.json), or undefined. */
  liveInfo(experimentId: string, runId: string): RunInfo | undefined {
    const live = this.#live.get(key(experimentId, runId))
    return live ? { ...live.info } : undefined
  }

  /** Live runs (queued or running), of one experiment or all. */
  liveRuns(experimentId?: string): RunInfo[] {
    return this.#liveRuns(experimentId).map((r) => ({ ...r.info }))
  }

  /**
   * On quit: drops the queue and stops the running run; stopped runs end 'interrupted'. Waits at most
   * `timeoutMs` for the engine to stop (a run still marked running is found interrupted at next start).
   */
  async shutdown(timeoutMs = 5000): Promise<void> {
    for (const live of this.#queue.splice(0)) {
      this.#live.delete(key(live.info.experimentId, live.info.runId))
      await writeRun(this.workspace, { ...live.info, status: 'interrupted', updatedAt: this.#now() })
    }
    for (const live of this.#live.values()) {
      live.interrupted = true
      live.controller.abort()
    }
    let timer: ReturnType<typeof setTimeout> | undefined
    await Promise.race([this.#pump, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))])
    clearTimeout(timer)
  }

  /** Resolves when the queue is empty (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#pump) await this.#pump
  }

  #liveRuns(experimentId?: string): LiveRun[] {
    return [...this.#live.values()].filter(
      (r) => experimentId === undefined || r.info.experimentId === experimentId,
    )
  }

  #enqueue(info: RunInfo): void {
    const live: LiveRun = { info, controller: new AbortController() }
    this.#live.set(key(info.experimentId, info.runId), live)
    this.#queue.push(live)
    this.#pump ??= this.#drain().finally(() => {
      this.#pump = null
    })
  }

  async #drain(): Promise<void> {
    for (let live = this.#queue.shift(); live; live = this.#queue.shift()) {
      try {
        await this.#execute(live)
      } catch (err) {
        console.error(`run ${live.info.runId}: ${(err as Error).message}`)
      } finally {
        this.#live.delete(key(live.info.experimentId, live.info.runId))
      }
    }
  }

  async #execute(live: LiveRun): Promise<void> {
    const ws = this.workspace
    const { experimentId, runId } = live.info
    const emit = (event: RunEvent) => this.#opts.emit({ ...event, runId, experimentId })
    // run.json writes of one run go one after another, so a late periodic write never lands after the last.
    let writes: Promise<void> = Promise.resolve()
    const save = () => (writes = writes.catch(() => undefined).then(() => writeRun(ws, live.info)))
    const persist = new Throttle(this.#opts.persistIntervalMs, save)
    const progress = new Throttle(this.#opts.progressIntervalMs, (event: RunEvent) => emit(event))
    let appender: ResultsAppender | null = null
    let ended = false
    const end = async (status: RunInfo['status'], patch: Partial<RunInfo>, event: RunEvent) => {
      ended = true
      progress.cancel()
      persist.cancel()
      live.info = { ...live.info, ...patch, status, updatedAt: this.#now() }
      await save()
      emit(event)
    }
    const stopped = () =>
      end(
        live.interrupted ? 'interrupted' : 'cancelled',
        {},
        { type: 'cancelled', runId, done: live.info.done },
      )

    try {
      const experiment = await ws.getExperiment(experimentId)
      const checkpoint = checkpointOf(experiment, live.info.checkpointId)
      const dataset = datasetOf(experiment, live.info.datasetId)
      const previous = await readRunResults(ws, experimentId, runId)
      for (const warning of previous.warnings) console.warn(warning)
      const done = new Set(previous.results.map((r) => r.index))
      appender = ResultsAppender.open(resultsFile(ws, experimentId, runId), previous.validBytes)
      live.info = { ...live.info, status: 'running', done: done.size, updatedAt: this.#now() }
      await save()
      if (live.controller.signal.aborted) return await stopped()

      const stream = this.#opts.runAnalysis(
        {
          runId,
          label: checkpoint.label,
          modelPath: ws.resolvePath(experimentId, checkpoint.modelPath),
          tokenizerPath: ws.resolvePath(experimentId, checkpoint.tokenizerPath),
          dataPath: ws.resolvePath(experimentId, dataset.path),
          settings: live.info.settings,
          skipIndices: [...done],
          previousResults: previous.results,
        },
        live.controller.signal,
      )
      for await (const event of stream) {
        switch (event.type) {
          case 'started':
            live.info = { ...live.info, total: event.total, provider: event.provider.used }
            await save()
            emit(event)
            if (!checkpoint.description) await this.#describe(experimentId, checkpoint.id, event.model)
            break
          case 'sample':
            if (done.has(event.result.index)) break
            appender.append(event.result)
            done.add(event.result.index)
            live.info = { ...live.info, done: done.size, updatedAt: this.#now() }
            persist.call()
            emit(event)
            break
          case 'progress':
            progress.call(event)
            break
          case 'finished':
            await end('finished', { summary: event.summary, done: done.size }, event)
            break
          case 'failed':
            await end('failed', { error: event.message }, event)
            break
          case 'cancelled':
            await stopped()
            break
        }
        if (ended) break
      }
      if (!ended) {
        if (live.controller.signal.aborted) await stopped()
        else
          await end(
            'failed',
            { error: 'the engine stopped without a result' },
            failed(runId, 'the engine stopped without a result'),
          )
      }
    } catch (err) {
      if (ended) throw err
      if (live.controller.signal.aborted) await stopped()
      else {
        const message = (err as Error).message ?? String(err)
        await end('failed', { error: message }, failed(runId, message))
      }
    } finally {
      progress.cancel()
      persist.cancel()
      appender?.close()
    }
  }

  /** Keeps what the engine found in the model on the checkpoint, for the experiment view. */
  async #describe(experimentId: string, checkpointId: string, description: ModelDescription): Promise<void> {
    await this.workspace
      .updateExperiment(experimentId, (e) => ({
        ...e,
        checkpoints: e.checkpoints.map((c) =>
          c.id === checkpointId && !c.description ? { ...c, description } : c,
        ),
      }))
      .catch((err: unknown) =>
        console.warn(`could not store the model description: ${(err as Error).message}`),
      )
  }

  #now(): string {
    return this.#opts.now().toISOString()
  }
}

function failed(runId: string, message: string): RunEvent {
  return { type: 'failed', runId, message }
}

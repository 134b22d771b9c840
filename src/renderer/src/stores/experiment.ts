/**
 * The open experiment: its definition (checkpoints, datasets, training log, notes, run settings) and
 * the evidence gathered about it (model descriptions, weight checks, data consistency, training curve).
 */
import { uniqueSlug } from '../../../shared/slug'
import { defineStore } from 'pinia'
import { onScopeDispose, ref, shallowRef } from 'vue'
import { kindFromConsistency } from '../../../shared/diagnosis'
import {
  claimedKind,
  type CheckpointRef,
  type DatasetKind,
  type DatasetRef,
  type Experiment,
} from '../../../shared/experiment'
import type { DataConsistency, TrainLog, WeightReport } from '../../../shared/evidence'
import type { ModelDescription } from '../../../shared/model'
import type { RunSettings } from '../../../shared/results'
import type { FileCheck, RequestArgs } from '../../../shared/ipc'
import { useApi, useHost } from '../api'
import { basename, errorText } from '../lib/format'
import { readStored, writeStored } from './ui'

/** The state of one request made about one item (a checkpoint, a dataset). */
export interface Task<T> {
  busy: boolean
  error: string | null
  result: T | null
}

export interface NewCheckpoint {
  label: string
  modelPath: string
  tokenizerPath: string
  sourcePath?: string
  /** The training step it was saved at, on the log's axis. */
  step?: number
}

export interface NewDataset {
  label: string
  path: string
  trainPath?: string
  /** What the user says the set is; 'unknown' until the data check or the user settles it. */
  datasetKind: DatasetKind
}

export interface ImportRequest {
  checkpointPath: string
  minimindDir: string
  python: string
  label: string
  configPath?: string
  numHeads?: number
}

/**
 * A dataset with a data check's result, as main stores it: a set nobody has said anything about takes
 * the kind the check found (all found: drawn from training; none: held out; else mixed).
 */
export function withConsistency(d: DatasetRef, c: DataConsistency): DatasetRef {
  return claimedKind(d) === 'unknown'
    ? { ...d, consistency: c, datasetKind: kindFromConsistency(c) }
    : { ...d, consistency: c }
}

export const useExperimentStore = defineStore('experiment', () => {
  const current = shallowRef<Experiment | null>(null)
  const loading = ref(false)
  const error = ref<string | null>(null)
  const descriptions = ref<Record<string, Task<ModelDescription>>>({})
  const weights = ref<Record<string, Task<WeightReport>>>({})
  const consistency = ref<Record<string, Task<DataConsistency>>>({})
  const trainLog = ref<Task<TrainLog | null>>({ busy: false, error: null, result: null })
  const importTask = ref<Task<Experiment>>({ busy: false, error: null, result: null })
  const importLog = ref<string[]>([])
  /** Which checkpoints and dataset the next run uses (null: all checkpoints / the first dataset). */
  const plan = ref<{ checkpointIds: string[] | null; datasetId: string | null }>({
    checkpointIds: null,
    datasetId: null,
  })
  /**
   * The run settings on screen (the panel's draft) when they differ from the saved ones, or 'invalid'
   * while a field is not a valid value. A run started now uses these, not experiment.json's, which may
   * still be in a debounced or in-flight save.
   */
  const screenSettings = shallowRef<RunSettings | 'invalid' | null>(null)
  const addFilesReport = ref<{ added: string[]; ignored: { path: string; reason: string }[] } | null>(null)

  /** Share of the training file a running consistency check has read, by dataset id (0..1). */
  const checkProgress = ref<Record<string, number>>({})

  let unsubscribe: (() => void) | null = null
  function subscribe(): void {
    if (unsubscribe || !useHost().api) return
    const offLog = useApi().on('import:log', (payload) => {
      if (payload.experimentId !== current.value?.id) return
      importLog.value.push(payload.line)
    })
    const offProgress = useApi().on('dataset:checkProgress', (p) => {
      if (p.experimentId !== current.value?.id) return
      checkProgress.value[p.datasetId] = p.bytesRead / Math.max(p.totalBytes, 1)
    })
    unsubscribe = () => {
      offLog()
      offProgress()
    }
  }
  onScopeDispose(() => {
    unsubscribe?.()
    unsubscribe = null
  })

  function reset(): void {
    descriptions.value = {}
    weights.value = {}
    consistency.value = {}
    trainLog.value = { busy: false, error: null, result: null }
    importLog.value = []
    importTask.value = { busy: false, error: null, result: null }
    addFilesReport.value = null
    screenSettings.value = null
    plan.value = { checkpointIds: null, datasetId: null }
  }

  /** The settings a run started now uses: the ones on screen; null while one of them is invalid. */
  function runSettings(): RunSettings | null {
    const screen = screenSettings.value
    if (screen === 'invalid') return null
    return screen ?? current.value?.settings ?? null
  }

  /**
   * Ticked checkpoints are the user's view of an experiment, not part of its definition: they live in
   * the window's storage (localStorage, in Electron and in a browser), keyed by experiment id.
   */
  const ticksKey = (experimentId: string) => `losslens.ticks.${experimentId}`
  function setTicks(checkpointIds: string[]): void {
    plan.value.checkpointIds = checkpointIds
    const id = current.value?.id
    if (id) writeStored(ticksKey(id), JSON.stringify(checkpointIds))
  }
  function loadTicks(experimentId: string): void {
    try {
      const ids = JSON.parse(readStored(ticksKey(experimentId)) ?? 'null') as unknown
      if (Array.isArray(ids) && ids.every((x) => typeof x === 'string'))
        plan.value.checkpointIds = ids as string[]
    } catch {
      // A damaged entry: all checkpoints ticked, as for a new experiment.
    }
  }

  /** The run plan resolved against what the experiment has now. */
  function resolvedPlan(): { checkpointIds: string[]; datasetId: string | null } {
    const exp = current.value
    if (!exp) return { checkpointIds: [], datasetId: null }
    const ids = exp.checkpoints.map((c) => c.id)
    const checkpointIds = plan.value.checkpointIds
      ? plan.value.checkpointIds.filter((id) => ids.includes(id))
      : ids
    const datasetId = exp.datasets.some((d) => d.id === plan.value.datasetId)
      ? plan.value.datasetId
      : (exp.datasets[0]?.id ?? null)
    return { checkpointIds, datasetId }
  }

  /** The experiment asked for last: an answer for an earlier request (a slower one) is dropped. */
  let opening: string | null = null
  async function open(experimentId: string): Promise<void> {
    subscribe()
    opening = experimentId
    if (current.value?.id !== experimentId) {
      reset()
      loadTicks(experimentId)
    }
    loading.value = true
    error.value = null
    try {
      const experiment = await useApi().invoke('experiment:get', { experimentId })
      if (opening !== experimentId) return
      current.value = experiment
      void loadTrainLog()
    } catch (e) {
      if (opening !== experimentId) return
      error.value = errorText(e)
      current.value = null
    } finally {
      if (opening === experimentId) loading.value = false
    }
  }

  function close(): void {
    opening = null
    current.value = null
    reset()
  }

  /** Replaces the open experiment with what the host returned (after save, rename, import...). */
  function adopt(experiment: Experiment): void {
    const logChanged = experiment.trainingLog !== current.value?.trainingLog
    current.value = experiment
    if (logChanged) void loadTrainLog()
  }

  async function save(patch: Partial<Experiment>): Promise<Experiment | null> {
    if (!current.value) return null
    const saved = await useApi().invoke('experiment:save', { ...current.value, ...patch })
    adopt(saved)
    return saved
  }

  async function saveNotes(notes: string): Promise<void> {
    await save({ notes })
  }

  async function saveSettings(settings: RunSettings): Promise<void> {
    await save({ settings })
  }

  /** The panel reports what is on screen as it changes (null: same as saved; 'invalid': a bad field). */
  function showSettings(settings: RunSettings | 'invalid' | null): void {
    screenSettings.value = settings
  }

  /** Reads the files as a run would before they are added; throws the run's one-line message when one is unusable. */
  async function validate(request: RequestArgs<'files:validate'>): Promise<FileCheck & { ok: true }> {
    const check = await useApi().invoke('files:validate', request)
    if (!check.ok) throw new Error(check.message)
    return check
  }

  async function addCheckpoint(input: NewCheckpoint): Promise<CheckpointRef | null> {
    if (!current.value) return null
    await validate({
      kind: 'checkpoint',
      experimentId: current.value.id,
      modelPath: input.modelPath,
      tokenizerPath: input.tokenizerPath,
    })
    if (!current.value) return null
    const label = input.label.trim() || basename(input.modelPath.replace(/[\\/][^\\/]+$/, '')) || 'model'
    const id = uniqueSlug(
      label,
      current.value.checkpoints.map((c) => c.id),
    )
    const ref: CheckpointRef = { id, label, modelPath: input.modelPath, tokenizerPath: input.tokenizerPath }
    if (input.sourcePath) ref.sourcePath = input.sourcePath
    if (input.step !== undefined) ref.step = input.step
    await save({ checkpoints: [...current.value.checkpoints, ref] })
    void describe(id)
    return ref
  }

  /** Saves a change to one checkpoint (its step, say); `step: undefined` clears it. */
  async function updateCheckpoint(checkpointId: string, patch: Partial<CheckpointRef>): Promise<void> {
    if (!current.value) return
    await save({
      checkpoints: current.value.checkpoints.map((c) => {
        if (c.id !== checkpointId) return c
        const next = { ...c, ...patch }
        if ('step' in patch && patch.step === undefined) delete next.step
        return next
      }),
    })
  }

  async function removeCheckpoint(checkpointId: string): Promise<void> {
    if (!current.value) return
    await save({ checkpoints: current.value.checkpoints.filter((c) => c.id !== checkpointId) })
  }

  async function addDataset(input: NewDataset): Promise<DatasetRef | null> {
    if (!current.value) return null
    const check = await validate({ kind: 'dataset', experimentId: current.value.id, path: input.path })
    if (!current.value) return null
    const label = input.label.trim() || basename(input.path)
    const id = uniqueSlug(
      label.replace(/\.(json|jsonl)$/i, ''),
      current.value.datasets.map((d) => d.id),
    )
    const ref: DatasetRef = { id, label, path: input.path, datasetKind: input.datasetKind }
    if (check.samples !== undefined) ref.sampleCount = check.samples
    if (input.trainPath) ref.trainPath = input.trainPath
    await save({ datasets: [...current.value.datasets, ref] })
    return ref
  }

  async function updateDataset(datasetId: string, patch: Partial<DatasetRef>): Promise<void> {
    if (!current.value) return
    await save({ datasets: current.value.datasets.map((d) => (d.id === datasetId ? { ...d, ...patch } : d)) })
  }

  async function removeDataset(datasetId: string): Promise<void> {
    if (!current.value) return
    await save({ datasets: current.value.datasets.filter((d) => d.id !== datasetId) })
  }

  async function setTrainingLog(path: string | undefined): Promise<void> {
    await save({ trainingLog: path })
  }

  /** Runs a request for one item, keeping busy/error/result in `tasks`, and patches the experiment. */
  async function track<T>(
    tasks: { value: Record<string, Task<T>> },
    key: string,
    work: () => Promise<T>,
  ): Promise<T | null> {
    tasks.value[key] = { busy: true, error: null, result: tasks.value[key]?.result ?? null }
    try {
      const result = await work()
      tasks.value[key] = { busy: false, error: null, result }
      return result
    } catch (e) {
      tasks.value[key] = { busy: false, error: errorText(e), result: null }
      return null
    }
  }

  function patchCheckpoint(checkpointId: string, patch: Partial<CheckpointRef>): void {
    const exp = current.value
    if (!exp) return
    current.value = {
      ...exp,
      checkpoints: exp.checkpoints.map((c) => (c.id === checkpointId ? { ...c, ...patch } : c)),
    }
  }

  async function describe(checkpointId: string): Promise<void> {
    const experimentId = current.value?.id
    if (!experimentId) return
    const d = await track(descriptions, checkpointId, () =>
      useApi().invoke('checkpoint:describe', { experimentId, checkpointId }),
    )
    if (d && current.value?.id === experimentId) patchCheckpoint(checkpointId, { description: d })
  }

  async function verifyWeights(checkpointId: string): Promise<void> {
    const experimentId = current.value?.id
    if (!experimentId) return
    const w = await track(weights, checkpointId, () =>
      useApi().invoke('checkpoint:verifyWeights', { experimentId, checkpointId }),
    )
    if (w && current.value?.id === experimentId) patchCheckpoint(checkpointId, { weights: w })
  }

  async function checkConsistency(datasetId: string): Promise<void> {
    const experimentId = current.value?.id
    if (!experimentId) return
    checkProgress.value[datasetId] = 0
    const c = await track(consistency, datasetId, () =>
      useApi().invoke('dataset:checkConsistency', { experimentId, datasetId }),
    )
    delete checkProgress.value[datasetId]
    const exp = current.value
    if (c && exp?.id === experimentId) {
      current.value = {
        ...exp,
        datasets: exp.datasets.map((d) => (d.id === datasetId ? withConsistency(d, c) : d)),
      }
    }
  }

  /** Stops a running consistency check; checkConsistency then shows main's "cancelled" error. */
  async function cancelCheck(datasetId: string): Promise<void> {
    const experimentId = current.value?.id
    if (experimentId && consistency.value[datasetId]?.busy)
      await useApi().invoke('dataset:cancelCheck', { experimentId, datasetId })
  }

  async function loadTrainLog(): Promise<void> {
    const exp = current.value
    if (!exp?.trainingLog) {
      trainLog.value = { busy: false, error: null, result: null }
      return
    }
    trainLog.value = { busy: true, error: null, result: trainLog.value.result }
    try {
      const result = await useApi().invoke('trainlog:parse', { experimentId: exp.id })
      trainLog.value = { busy: false, error: null, result }
    } catch (e) {
      trainLog.value = { busy: false, error: errorText(e), result: null }
    }
  }

  async function importCheckpoint(req: ImportRequest): Promise<boolean> {
    const exp = current.value
    if (!exp) return false
    importLog.value = []
    importTask.value = { busy: true, error: null, result: null }
    try {
      const result = await useApi().invoke('checkpoint:import', { experimentId: exp.id, ...req })
      importTask.value = { busy: false, error: null, result }
      adopt(result)
      return true
    } catch (e) {
      importTask.value = { busy: false, error: errorText(e), result: null }
      return false
    }
  }

  /** Stops the running import; importCheckpoint then ends with main's "cancelled" error. */
  async function cancelImport(): Promise<void> {
    const exp = current.value
    if (exp && importTask.value.busy)
      await useApi().invoke('checkpoint:importCancel', { experimentId: exp.id })
  }

  /** Files dropped on the window (paths from the desktop app), sorted by kind in main. */
  async function addFiles(paths: string[]): Promise<void> {
    const exp = current.value
    if (!exp || paths.length === 0) return
    const r = await useApi().invoke('experiment:addFiles', { experimentId: exp.id, paths })
    addFilesReport.value = { added: r.added, ignored: r.ignored }
    adopt(r.experiment)
  }

  return {
    current,
    loading,
    error,
    descriptions,
    weights,
    consistency,
    trainLog,
    importTask,
    importLog,
    addFilesReport,
    plan,
    resolvedPlan,
    setTicks,
    screenSettings,
    showSettings,
    runSettings,
    open,
    close,
    adopt,
    save,
    saveNotes,
    saveSettings,
    addCheckpoint,
    updateCheckpoint,
    removeCheckpoint,
    addDataset,
    updateDataset,
    removeDataset,
    setTrainingLog,
    describe,
    verifyWeights,
    checkConsistency,
    cancelCheck,
    checkProgress,
    loadTrainLog,
    importCheckpoint,
    cancelImport,
    addFiles,
  }
})

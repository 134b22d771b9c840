/**
 * Which run stands for each checkpoint × dataset in the Overview and the report (see
 * lib/reference-runs.ts), the diagnosis made from those runs, and the names its sentences use.
 */
import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import { diagnose, statedFormat, type Diagnosis, type Names } from '../../../shared/diagnosis'
import { statedBos } from '../../../shared/results'
import { pairKey, referencePairs, type ReferencePair } from '../lib/reference-runs'
import { useExperimentStore } from './experiment'
import { useRunStore } from './run'

export const useReferenceStore = defineStore('reference', () => {
  const experiment = useExperimentStore()
  const runStore = useRunStore()
  /** Per experiment: pairKey -> the run picked by hand, or null to leave the pair out. */
  const overrides = ref<Record<string, Record<string, string | null>>>({})

  const pairs = computed<ReferencePair[]>(() => {
    const exp = experiment.current
    return referencePairs(exp, runStore.runsOf(exp?.id), overrides.value[exp?.id ?? ''] ?? {})
  })
  /** The pairs that have a run in use. */
  const used = computed(() => pairs.value.filter((p) => p.run !== null))
  /** The run ids in use, in the experiment's checkpoint × dataset order. */
  const runIds = computed(() => used.value.map((p) => p.run!.runId))
  /** True while a run in use has not had its per-sample results loaded yet. */
  const loading = computed(() => used.value.some((p) => !p.run!.loaded))

  function pick(checkpointId: string, datasetId: string, runId: string | null): void {
    const id = experiment.current?.id
    if (!id) return
    overrides.value = {
      ...overrides.value,
      [id]: { ...(overrides.value[id] ?? {}), [pairKey(checkpointId, datasetId)]: runId },
    }
  }
  /** Back to the default for every pair. */
  function reset(): void {
    const id = experiment.current?.id
    if (!id) return
    const next = { ...overrides.value }
    delete next[id]
    overrides.value = next
  }

  // The diagnosis needs every sample of the runs in use (means and standard errors come from them).
  watch(
    runIds,
    (ids) => {
      const exp = experiment.current?.id
      if (!exp) return
      for (const id of ids) if (!runStore.get(id)?.loaded) void runStore.load(exp, id)
    },
    { immediate: true },
  )

  const names = computed<Names>(() => {
    const exp = experiment.current
    return {
      checkpoint: (id) => exp?.checkpoints.find((c) => c.id === id)?.label ?? id,
      dataset: (id) => exp?.datasets.find((d) => d.id === id)?.label ?? id,
    }
  })

  /**
   * The last diagnosis and what it was made from: the run store's version advances ~4 times a second
   * while any run streams, but the runs in use are finished, so the same inputs give back the same
   * object and nothing downstream recomputes.
   */
  let last: { exp: unknown; log: unknown; runs: unknown[]; value: Diagnosis } | null = null

  const diagnosis = computed<Diagnosis | null>(() => {
    const exp = experiment.current
    if (!exp) return null
    const runs = used.value.flatMap((p) => {
      const r = runStore.get(p.run!.runId)
      if (!r?.loaded) return []
      return [
        {
          runId: r.runId,
          checkpointId: p.checkpointId,
          datasetId: p.datasetId,
          results: r.results,
          hasKvCache: r.summary?.model.hasKvCache ?? r.model?.hasKvCache,
          bosUsed: statedBos(r.summary, r.settings),
          format: statedFormat(r.summary, r.settings),
        },
      ]
    })
    const log = experiment.trainLog.result
    const made = runs.flatMap((r) => [r.runId, r.results, r.results.length, r.bosUsed, r.format])
    if (
      last &&
      last.exp === exp &&
      last.log === log &&
      last.runs.length === made.length &&
      last.runs.every((x, i) => x === made[i])
    )
      return last.value
    const value = diagnose({
      runs,
      checkpoints: exp.checkpoints.map((c) => ({
        id: c.id,
        step: c.step ?? null,
        weights: c.weights ?? null,
      })),
      datasets: exp.datasets.map((d) => ({
        id: d.id,
        datasetKind: d.datasetKind,
        fromTraining: d.fromTraining,
        consistency: d.consistency ?? null,
      })),
      trainLog: log,
      reportedLoss: exp.reportedLoss ?? null,
    })
    last = { exp, log, runs: made, value }
    return value
  })

  return { overrides, pairs, used, runIds, loading, pick, reset, names, diagnosis }
})

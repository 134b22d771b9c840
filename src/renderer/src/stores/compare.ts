/** The compare tab: which runs (same dataset) are side by side, the joined table, token-level KLD. */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { TokenComparison } from '../../../shared/compare'
import { useApi } from '../api'
import { errorText } from '../lib/format'
import { compareMeasure, joinRuns, sharedMeasures, type CompareMeasure, type JoinedRow } from '../lib/compare'
import { useRunStore, type RunBuffer } from './run'

/** |delta| (nats) above which a sample counts as changed, until the user moves it. */
export const DEFAULT_THRESHOLD = 0.05

/** True when a run has at least one scored sample (stored or streamed). */
export function hasScored(b: RunBuffer): boolean {
  return b.done > 0 || b.results.length > 0
}

export const useCompareStore = defineStore('compare', () => {
  const runStore = useRunStore()
  const experimentId = ref<string | null>(null)
  /** Selected runs; the first one is the base the others are compared against. */
  const runIds = ref<string[]>([])
  const threshold = ref(DEFAULT_THRESHOLD)
  const changedOnly = ref(false)
  const tokens = ref<Record<string, { busy: boolean; error: string | null; result: TokenComparison | null }>>(
    {},
  )

  /**
   * Runs with scored samples: only those can be compared. A run that failed (or is still starting)
   * before scoring a sample would empty the scatter and, as the newest run, become the base.
   */
  const candidates = computed<RunBuffer[]>(() => runStore.runsOf(experimentId.value).filter(hasScored))
  const selected = computed<RunBuffer[]>(() =>
    runIds.value.flatMap((id) => {
      const b = runStore.get(id)
      return b ? [b] : []
    }),
  )
  const datasetId = computed(() => selected.value[0]?.datasetId ?? null)
  /**
   * The measure the whole tab compares (summary, charts, joined table): the one the user picked while
   * every selected run has it, else the first they share (SFT loss for SFT runs, teacher forcing for
   * pretraining runs); null when they share none (an SFT run beside a pretraining run).
   */
  const picked = ref<CompareMeasure | null>(null)
  const shared = computed<CompareMeasure[]>(() => sharedMeasures(selected.value.map((b) => b.results)))
  const measure = computed<CompareMeasure | null>(() => compareMeasure(shared.value, picked.value))
  const rows = computed<JoinedRow[]>(() =>
    measure.value
      ? joinRuns(
          selected.value.map((b) => b.results),
          measure.value,
        )
      : [],
  )

  function setExperiment(id: string): void {
    if (experimentId.value === id) return
    experimentId.value = id
    runIds.value = []
    tokens.value = {}
  }

  /** A sensible first selection: the newest run of each checkpoint on the newest run's dataset. */
  function autoSelect(): void {
    if (runIds.value.length) return
    const all = candidates.value
    const dataset = all[0]?.datasetId
    const seen = new Set<string | null>()
    const pick: string[] = []
    for (const b of all) {
      if (b.datasetId !== dataset || seen.has(b.checkpointId)) continue
      seen.add(b.checkpointId)
      pick.push(b.runId)
    }
    if (pick.length >= 2) void setRuns(pick.slice(0, 4))
  }

  /**
   * The user's selection, base first. The base stays the one the user chose (makeBase, or the first
   * ticked) while it is selected, whatever else is ticked or unticked.
   */
  async function setRuns(ids: string[]): Promise<void> {
    const base = runIds.value[0]
    runIds.value = base !== undefined && ids.includes(base) ? [base, ...ids.filter((x) => x !== base)] : ids
    const exp = experimentId.value
    if (!exp) return
    await Promise.all(ids.map((id) => runStore.load(exp, id)))
  }

  function toggle(runId: string): void {
    const ids = runIds.value.includes(runId)
      ? runIds.value.filter((x) => x !== runId)
      : [...runIds.value, runId]
    void setRuns(ids)
  }

  function makeBase(runId: string): void {
    const ids = [runId, ...runIds.value.filter((x) => x !== runId)]
    runIds.value = ids
    void setRuns(ids)
  }

  const tokenKey = (base: string, other: string) => `${base}|${other}`

  async function compareTokens(baseRunId: string, otherRunId: string): Promise<void> {
    const exp = experimentId.value
    if (!exp) return
    const key = tokenKey(baseRunId, otherRunId)
    tokens.value[key] = { busy: true, error: null, result: tokens.value[key]?.result ?? null }
    try {
      const result = await useApi().invoke('compare:tokens', { experimentId: exp, baseRunId, otherRunId })
      tokens.value[key] = { busy: false, error: null, result }
    } catch (e) {
      tokens.value[key] = { busy: false, error: errorText(e), result: null }
    }
  }

  /** Stops a running token comparison; compareTokens then records main's "cancelled" error. */
  async function cancelTokens(baseRunId: string, otherRunId: string): Promise<void> {
    const exp = experimentId.value
    if (exp && tokens.value[tokenKey(baseRunId, otherRunId)]?.busy)
      await useApi().invoke('compare:cancel', { experimentId: exp, baseRunId, otherRunId })
  }

  function tokenResult(baseRunId: string, otherRunId: string) {
    return tokens.value[tokenKey(baseRunId, otherRunId)] ?? null
  }

  return {
    experimentId,
    runIds,
    threshold,
    changedOnly,
    tokens,
    candidates,
    selected,
    datasetId,
    picked,
    shared,
    measure,
    rows,
    setExperiment,
    autoSelect,
    setRuns,
    toggle,
    makeBase,
    compareTokens,
    cancelTokens,
    tokenResult,
  }
})

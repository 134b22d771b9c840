/** The workspace: where it is, which host serves it, its experiments (sidebar) and app settings. */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { AppSettings, WorkspaceInfo } from '../../../shared/ipc'
import type { Experiment, ExperimentSummary } from '../../../shared/experiment'
import { useApi, useHost } from '../api'
import { errorText } from '../lib/format'

export const useWorkspaceStore = defineStore('workspace', () => {
  const info = shallowRef<WorkspaceInfo | null>(null)
  const experiments = shallowRef<ExperimentSummary[]>([])
  const settings = shallowRef<AppSettings>({})
  const loading = ref(false)
  const error = ref<string | null>(null)

  /** True when the window has no native dialogs or file paths (a browser through the bridge). */
  const isBridge = computed(() => (info.value?.host ?? useHost().kind) !== 'electron')

  /**
   * The existing experiment an id would collide with: the same id, or one differing only in case
   * (the same folder on macOS and Windows). `self`: the experiment being renamed.
   */
  function takenBy(id: string, self?: string): string | null {
    const lower = id.toLowerCase()
    return experiments.value.find((e) => e.id !== self && e.id.toLowerCase() === lower)?.id ?? null
  }

  async function load(): Promise<void> {
    loading.value = true
    error.value = null
    try {
      const api = useApi()
      const [i, list, s] = await Promise.all([
        api.invoke('workspace:info', undefined),
        api.invoke('experiment:list', undefined),
        api.invoke('settings:get', undefined).catch(() => ({}) as AppSettings),
      ])
      info.value = i
      experiments.value = list
      settings.value = s
    } catch (e) {
      error.value = errorText(e)
    } finally {
      loading.value = false
    }
  }

  async function refresh(): Promise<void> {
    try {
      experiments.value = await useApi().invoke('experiment:list', undefined)
      error.value = null
    } catch (e) {
      error.value = errorText(e)
    }
  }

  async function chooseWorkspace(): Promise<void> {
    const chosen = await useApi().invoke('workspace:choose', undefined)
    if (chosen) {
      info.value = chosen
      await refresh()
    }
  }

  /** Creates an experiment; errors are thrown to the form that asked. */
  async function create(id: string, title: string): Promise<Experiment> {
    const created = await useApi().invoke('experiment:create', { id, title })
    await refresh()
    return created
  }

  async function rename(experimentId: string, newId: string): Promise<Experiment> {
    const renamed = await useApi().invoke('experiment:rename', { experimentId, newId })
    await refresh()
    return renamed
  }

  async function duplicate(experimentId: string, newId: string): Promise<Experiment> {
    const copy = await useApi().invoke('experiment:duplicate', { experimentId, newId })
    await refresh()
    return copy
  }

  async function remove(experimentId: string): Promise<void> {
    await useApi().invoke('experiment:delete', { experimentId })
    await refresh()
  }

  async function saveSettings(patch: AppSettings): Promise<void> {
    settings.value = await useApi().invoke('settings:set', patch)
  }

  return {
    info,
    experiments,
    settings,
    loading,
    error,
    isBridge,
    takenBy,
    load,
    refresh,
    chooseWorkspace,
    create,
    rename,
    duplicate,
    remove,
    saveSettings,
  }
})

/**
 * The report tab: rendered markdown + chart SVGs from main, in the chosen language, made from the runs
 * the picker chose (the same runs as the Overview); export and copy.
 */
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { Lang, RenderedReport } from '../../../shared/ipc'
import { useApi } from '../api'
import { errorText } from '../lib/format'

export const useReportStore = defineStore('report', () => {
  const lang = ref<Lang>('en')
  const report = shallowRef<RenderedReport | null>(null)
  const experimentId = ref<string | null>(null)
  const loading = ref(false)
  const error = ref<string | null>(null)
  const exported = ref<{ folder: string; files: string[] } | null>(null)
  const exportError = ref<string | null>(null)
  const exporting = ref(false)

  /** The run picker is open (it stays open across tabs). */
  const pickerOpen = ref(false)
  /** The runs the last render used (export writes the same report). */
  const runIds = ref<string[] | undefined>(undefined)

  async function render(id: string, language: Lang = lang.value, runs?: string[]): Promise<void> {
    lang.value = language
    if (experimentId.value !== id) {
      report.value = null
      exported.value = null
      runIds.value = undefined
    }
    if (runs) runIds.value = [...runs]
    experimentId.value = id
    loading.value = true
    error.value = null
    try {
      report.value = await useApi().invoke('report:render', {
        experimentId: id,
        lang: language,
        ...(runIds.value ? { runIds: runIds.value } : {}),
      })
    } catch (e) {
      error.value = errorText(e)
    } finally {
      loading.value = false
    }
  }

  async function exportReport(id: string, chooseFolder: boolean): Promise<void> {
    exporting.value = true
    exportError.value = null
    try {
      exported.value = await useApi().invoke('report:export', {
        experimentId: id,
        lang: lang.value,
        chooseFolder,
        ...(runIds.value ? { runIds: runIds.value } : {}),
      })
    } catch (e) {
      exportError.value = errorText(e)
    } finally {
      exporting.value = false
    }
  }

  return {
    lang,
    report,
    experimentId,
    runIds,
    pickerOpen,
    loading,
    error,
    exported,
    exportError,
    exporting,
    render,
    exportReport,
  }
})

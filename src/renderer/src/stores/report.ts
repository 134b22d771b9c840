/** The report tab: rendered markdown + chart SVGs from main, in the chosen language; export and copy. */
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

  async function render(id: string, language: Lang = lang.value): Promise<void> {
    lang.value = language
    if (experimentId.value !== id) {
      report.value = null
      exported.value = null
    }
    experimentId.value = id
    loading.value = true
    error.value = null
    try {
      report.value = await useApi().invoke('report:render', { experimentId: id, lang: language })
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
    loading,
    error,
    exported,
    exportError,
    exporting,
    render,
    exportReport,
  }
})

/**
 * What chart builders need from the window: the theme and the chart words in the window's language,
 * and the runs to draw together (the run shown with the runs picked in the runs table).
 */
import { computed, watch } from 'vue'
import { CHART_THEMES } from '../../../shared/charts/frame'
import { chartText, type ChartContext } from '../../../shared/charts/text'
import type { ChartRun } from '../../../shared/charts/run-charts'
import { windowChartRun } from '../charts/runs'
import { useExperimentStore } from '../stores/experiment'
import { useRunStore, type RunBuffer } from '../stores/run'
import { useRunSelectionStore } from '../stores/run-selection'
import { useUiStore } from '../stores/ui'

export function useChart() {
  const ui = useUiStore()
  const ctx = computed<ChartContext>(() => ({ theme: CHART_THEMES[ui.theme], text: chartText(ui.locale) }))
  return { ctx }
}

/**
 * The run shown, then every other run picked in the runs table: overlaid on the per-step, offset
 * sweep and per-position charts, each in its checkpoint's colour. Follows the run store's version.
 */
export function useOverlayRuns(shown: () => Readonly<RunBuffer> | null) {
  const runs = useRunStore()
  const selection = useRunSelectionStore()
  const experiment = useExperimentStore()
  const { ctx } = useChart()
  // Picked runs not yet read from disk are loaded once, so they can be drawn.
  watch(
    () => selection.selected,
    (ids) => {
      const exp = experiment.current?.id
      for (const id of ids) {
        const b = runs.get(id)
        if (exp && b && !b.loaded) void runs.load(exp, id)
      }
    },
    { immediate: true },
  )
  return computed<ChartRun[]>(() => {
    void runs.version
    const first = shown()
    const picked = selection.selected
      .filter((id) => id !== first?.runId)
      .flatMap((id) => {
        const b = runs.get(id)
        return b ? [b] : []
      })
    const all = first ? [first, ...picked] : picked
    const datasets = new Set(all.map((b) => b.datasetId))
    return all.map((b) => windowChartRun(b, experiment.current, ctx.value.text, datasets.size > 1))
  })
}

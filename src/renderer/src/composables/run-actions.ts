/** Starting and cancelling runs from anywhere (the Run button, the r / Esc keys). */
import { useI18n } from 'vue-i18n'
import { useExperimentStore } from '../stores/experiment'
import { isLive, useRunStore } from '../stores/run'
import { useUiStore } from '../stores/ui'

export function useRunActions() {
  const experiment = useExperimentStore()
  const runs = useRunStore()
  const ui = useUiStore()
  const { t } = useI18n()

  /** Why a run cannot start now, or null. */
  function blocker(): string | null {
    const exp = experiment.current
    if (!exp) return t('runs.noExperiment')
    const plan = experiment.resolvedPlan()
    if (exp.checkpoints.length === 0) return t('runs.needCheckpoint')
    if (plan.checkpointIds.length === 0) return t('runs.pickCheckpoint')
    if (!plan.datasetId) return t('runs.needDataset')
    return null
  }

  async function startRun(): Promise<void> {
    const exp = experiment.current
    const why = blocker()
    if (!exp || why) {
      runs.startError = why
      return
    }
    const plan = experiment.resolvedPlan()
    // The settings on screen, not experiment.json's: their save may still be debounced or in flight.
    const settings = experiment.runSettings()
    if (!settings) {
      runs.startError = t('settings.invalid')
      return
    }
    const ids = await runs.start(exp.id, plan.checkpointIds, plan.datasetId!, settings)
    if (ids.length) ui.tab = 'runs'
  }

  /** Cancels the selected run if it is running, else the newest running run of this experiment. */
  async function cancelRun(): Promise<boolean> {
    const selected = runs.get(runs.selectedRunId)
    const target =
      selected && isLive(selected) ? selected : runs.activeRuns(experiment.current?.id ?? undefined)[0]
    if (!target) return false
    await runs.cancel(target.runId)
    ui.notify('info', t('runs.cancelling', { label: target.label }))
    return true
  }

  return { blocker, startRun, cancelRun }
}

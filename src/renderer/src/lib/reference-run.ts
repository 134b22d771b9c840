/** The run the overview summarises: the selected run when it has a summary, else the newest finished one. */
import { computed } from 'vue'
import type { Means } from '../../../shared/results'
import type { EvalLine } from '../charts/train-curve'
import { useExperimentStore } from '../stores/experiment'
import { useRunStore, type RunBuffer } from '../stores/run'

export function useReferenceRun() {
  const runs = useRunStore()
  const experiment = useExperimentStore()
  const run = computed<RunBuffer | null>(() => {
    const all = runs.runsOf(experiment.current?.id)
    const selected = all.find((r) => r.runId === runs.selectedRunId && r.summary)
    return selected ?? all.find((r) => r.summary) ?? null
  })
  const evalLines = computed<EvalLine[]>(() => evalLinesOf(run.value?.summary?.means ?? {}))
  return { run, evalLines }
}

/** The evaluation levels drawn over the training curve (teacher forcing, the misaligned slice, autoregressive). */
export function evalLinesOf(m: Means): EvalLine[] {
  const lines: EvalLine[] = []
  if (m.teacherForcing !== undefined) lines.push({ measure: 'teacherForcing', value: m.teacherForcing })
  if (m.keepLastMisaligned !== undefined)
    lines.push({ measure: 'keepLastMisaligned', value: m.keepLastMisaligned })
  if (m.autoregressive !== undefined) lines.push({ measure: 'autoregressive', value: m.autoregressive })
  return lines
}

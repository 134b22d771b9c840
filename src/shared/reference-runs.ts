/**
 * Which stored run stands for a checkpoint × dataset when nobody picked one: the newest finished run
 * with the experiment's current input and predict lengths; failing that, the newest with results, marked
 * as a fallback so the report says so. One ordering and one lengths rule for the report and the window.
 */
import type { RunInfo, RunStatus } from './experiment'

export type RunChoice = 'settings' | 'fallback'

/** What the rule reads of a run, whether the report's stored RunInfo or the window's live buffer. */
export interface RunFacts {
  runId: string
  status: RunStatus
  /** null for a run the window only knows from a live stream: it sorts as the newest. */
  createdAt: string | null
  updatedAt?: string | null
  settings: { inputLength: number; predictLength: number } | null
}

/** Newest first: by creation, then last update, then run id (ids begin with their start time). */
export function newestFirst<T>(runs: readonly T[], facts: (r: T) => RunFacts): T[] {
  const key = (s: string | null | undefined): string => s ?? '\uffff'
  return [...runs].sort((x, y) => {
    const a = facts(x)
    const b = facts(y)
    return (
      key(b.createdAt).localeCompare(key(a.createdAt)) ||
      key(b.updatedAt).localeCompare(key(a.updatedAt)) ||
      b.runId.localeCompare(a.runId)
    )
  })
}

/** Whether a run was made with these input and predict lengths. */
export function hasLengths(
  run: Pick<RunFacts, 'settings'>,
  settings: { inputLength: number; predictLength: number },
): boolean {
  return (
    run.settings?.inputLength === settings.inputLength &&
    run.settings?.predictLength === settings.predictLength
  )
}

/**
 * The reference run among `runs` (all of one checkpoint × dataset) that have scored samples
 * (`scored(r)`). A finished run wins over newer ones that stopped early (a cancelled retry must not
 * hide the complete run before it).
 */
export function pickReferenceRun<T extends { run: RunInfo }>(
  runs: readonly T[],
  scored: (r: T) => number,
  settings?: { inputLength: number; predictLength: number },
): (T & { choice?: RunChoice }) | null {
  const facts = (r: T): RunFacts => r.run
  const withResults = runs.filter((r) => scored(r) > 0)
  const best = (list: T[]): T | null => {
    const ordered = newestFirst(list, facts)
    return ordered.find((r) => r.run.status === 'finished') ?? ordered[0] ?? null
  }
  if (!settings) return best(withResults)
  const same = best(withResults.filter((r) => hasLengths(r.run, settings)))
  if (same) return { ...same, choice: 'settings' }
  const other = best(withResults)
  return other ? { ...other, choice: 'fallback' } : null
}

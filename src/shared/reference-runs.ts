/**
 * Which stored run stands for a checkpoint × dataset when nobody picked one: the newest finished run
 * with the experiment's current input and predict lengths; failing that, the newest with results, marked
 * as a fallback so the report and the Overview say so. One rule for the report and the window.
 */
import type { RunInfo } from './experiment'

export type RunChoice = 'settings' | 'fallback'

/**
 * The reference run among `runs` (all of one checkpoint × dataset); `scored(r)` counts its scored
 * samples. A finished run wins over newer ones that stopped early (a cancelled retry must not hide the
 * complete run before it).
 */
export function pickReferenceRun<T extends { run: RunInfo }>(
  runs: readonly T[],
  scored: (r: T) => number,
  settings?: { inputLength: number; predictLength: number },
): (T & { choice?: RunChoice }) | null {
  const withResults = runs.filter((r) => scored(r) > 0)
  const newest = (list: T[]): T | null =>
    [...list].sort(
      (a, b) =>
        b.run.createdAt.localeCompare(a.run.createdAt) ||
        b.run.updatedAt.localeCompare(a.run.updatedAt) ||
        b.run.runId.localeCompare(a.run.runId),
    )[0] ?? null
  const best = (list: T[]): T | null =>
    newest(list.filter((r) => r.run.status === 'finished')) ?? newest(list)
  if (!settings) return best(withResults)
  const same = best(
    withResults.filter(
      (r) =>
        r.run.settings.inputLength === settings.inputLength &&
        r.run.settings.predictLength === settings.predictLength,
    ),
  )
  if (same) return { ...same, choice: 'settings' }
  const other = best(withResults)
  return other ? { ...other, choice: 'fallback' } : null
}

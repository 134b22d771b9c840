/**
 * Ids of checkpoints, datasets and runs: folder-safe and lower-case, made the same way by main (drops,
 * imports, the demo) and by the window (the add dialogs), so one label always gives one id.
 */

/** A folder-safe, lower-case id from a label ("Final (step 20k)" -> "final-step-20k"), unique among `taken`. */
export function uniqueSlug(label: string, taken: Iterable<string>, fallback = 'item'): string {
  const base =
    label
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[-._]+|[-._]+$/g, '')
      .slice(0, 48) || fallback
  const used = new Set(taken)
  if (!used.has(base)) return base
  for (let n = 2; ; n++) if (!used.has(`${base}-${n}`)) return `${base}-${n}`
}

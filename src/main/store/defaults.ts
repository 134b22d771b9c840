/** What a new experiment starts with. */
import { MEASURES } from '../../shared/measures'
import type { RunSettings } from '../../shared/results'

/** The seed's split (64 context tokens, 30 predicted) with every measure on. */
export const DEFAULT_RUN_SETTINGS: RunSettings = {
  inputLength: 64,
  predictLength: 30,
  measures: [...MEASURES],
  batchSize: 1,
  threads: 0,
  addBos: false,
  provider: 'auto',
}

/** A folder-safe, lower-case id from a label ("Final ckpt" -> "final-ckpt"), unique among `taken`. */
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

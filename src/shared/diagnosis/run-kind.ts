/**
 * Whether a run is an SFT run (conversations scored with MiniMind's SFT loss) or a pretraining run: the
 * one rule the diagnosis takes its path by (the waterfall, train vs eval). It is the dataset's kind as
 * the run states it, not which measures its samples happen to carry: a run may hold both kinds.
 */
import type { SampleResult } from '../results'
import { isScored } from './means'

export type RunFormat = 'sft' | 'pretrain'

/**
 * The dataset format a run scored, as the run states it: its summary's settings (both run loops write
 * the format as applied, 'auto' resolved), else its settings as requested when they name one; null when
 * neither says ('auto' still streaming, or a run written before the format was recorded).
 */
export function statedFormat(
  summary: { settings?: { format?: unknown } } | null | undefined,
  settings: { format?: unknown } | null | undefined,
): RunFormat | null {
  for (const f of [summary?.settings?.format, settings?.format]) {
    if (f === 'sft' || f === 'pretrain') return f
  }
  return null
}

/**
 * An SFT run: by its stated format; a run that does not state one by its samples, of which only the
 * SFT loop writes `sft` (a pretraining run never does, whatever it was asked to measure).
 */
export function isSftRunOf(format: RunFormat | null | undefined, results: readonly SampleResult[]): boolean {
  if (format) return format === 'sft'
  return results.some((r) => r.sft !== undefined && isScored(r))
}

/** The run table's columns: what each shows, how it sorts, how it is formatted, its measure colour. */
import type { SampleResult } from '../../../shared/results'
import { MEASURE_COLORS } from '../../../shared/palette'
import { fmtInt } from './format'
import { fmtKvDiff, fmtNats } from '../../../shared/diagnosis'
import type { GlossaryLang } from '../../../shared/glossary'

export type SampleColumnKey =
  | 'index'
  | 'tokens'
  | 'teacherForcing'
  | 'keepLastMisaligned'
  | 'autoregressive'
  | 'kvCache'
  | 'sft'
  | 'sftShiftedMask'
  | 'sftTokens'
  | 'sftAutoregressive'
  | 'trainFormat'
  | 'rolling'
  | 'teacherForcingBitsPerByte'
  | 'bosWith'
  | 'bosWithout'

export interface SampleColumn {
  key: SampleColumnKey
  /** i18n key of the header. */
  label: string
  /** i18n key of the header's tooltip, where the short header needs saying in full. */
  title?: string
  /** i18n key of a shorter header, for a table wide with the new measures (the full name is its tooltip). */
  short?: string
  get: (r: SampleResult) => number | null
  /** The cell's text; lang for the words some cells carry ("0 (bit-identical)"). */
  format: (x: number | null, lang?: GlossaryLang) => string
  color?: string
  /** Px its cells need; the header may need more (columnTrack). */
  cells: number
  /** Takes a share of the table's spare width beyond its minimum (losses); else exactly its minimum. */
  grow?: boolean
}

// Narrow enough that a pretraining run's nine columns fit beside nothing at 1024 px ("10.1285" fits).
const LOSS_CELLS = 68

/**
 * Px a header's text takes at the header's 11 px font, over-estimated so it fits with room: a CJK
 * character about 12 px, anything else about 7 (the window's fonts differ by platform; nothing is
 * measured at run time).
 */
export function headerTextWidth(text: string): number {
  let px = 0
  for (const ch of text) px += /[\u2E80-\u9FFF\uF900-\uFAFF\uFF00-\uFFEF]/.test(ch) ? 12 : 7
  return px
}

/** What a header adds to its text (SampleTable.vue .th): 6 px padding a side, a 3 px gap, an 8 px sort arrow. */
export const HEADER_CHROME = 6 + 6 + 3 + 8

/** The i18n key of the header a column shows: its short name in a compact (wide) table, where it has one. */
export const headerKey = (c: SampleColumn, compact: boolean): string =>
  compact && c.short ? c.short : c.label

/**
 * The column's grid track for the header text shown (in the window's language): wide enough for its
 * cells and for that header, so no language's header is cut ("token 数" needs 77 px where "tokens"
 * needs 65). A growing column's minimum is that width and it takes spare room beyond it.
 */
export function columnTrack(c: SampleColumn, header: string): string {
  const px = Math.max(c.cells, headerTextWidth(header) + HEADER_CHROME)
  return c.grow ? `minmax(${px}px, 1fr)` : `${px}px`
}

/** A loss column (nats, four decimals) in a measure's colour. */
function loss(
  key: SampleColumnKey,
  label: string,
  color: string,
  get: (r: SampleResult) => number | undefined,
  title?: string,
): SampleColumn {
  return {
    key,
    label,
    title,
    get: (r) => get(r) ?? null,
    format: (x) => fmtNats(x),
    color,
    cells: LOSS_CELLS,
    grow: true,
  }
}

export const SAMPLE_COLUMNS: SampleColumn[] = [
  { key: 'index', label: 'table.index', get: (r) => r.index, format: (x) => fmtInt(x), cells: 48 },
  // "12,345" in the table's monospace digits, with its padding.
  { key: 'tokens', label: 'table.tokens', get: (r) => r.tokens, format: (x) => fmtInt(x), cells: 56 },
  {
    ...loss(
      'teacherForcing',
      'measure.teacherForcing',
      MEASURE_COLORS.teacherForcing,
      (r) => r.teacherForcing?.loss,
    ),
    short: 'runsTable.mean.teacherForcing',
  },
  {
    ...loss(
      'keepLastMisaligned',
      'measure.keepLastMisaligned',
      MEASURE_COLORS.keepLastMisaligned,
      (r) => r.keepLastMisaligned?.loss,
    ),
    short: 'runsTable.mean.keepLastMisaligned',
  },
  {
    ...loss(
      'autoregressive',
      'measure.autoregressive',
      MEASURE_COLORS.autoregressive,
      (r) => r.autoregressive?.loss,
    ),
    short: 'runsTable.mean.autoregressive',
  },
  {
    key: 'kvCache',
    label: 'table.kvDiff',
    get: (r) => r.kvCache?.maxAbsDiff ?? null,
    format: (x, lang) => fmtKvDiff(x, lang),
    color: MEASURE_COLORS.kvCache,
    // Room for "0 (bit-identical)".
    cells: 132,
    grow: true,
  },
  // SFT runs (docs/measurements.md, "SFT loss").
  loss('sft', 'gapui.col.sft', MEASURE_COLORS.sft, (r) => r.sft?.loss, 'gapui.colTitle.sft'),
  // The one-late mask is the bug's number, so it takes the misaligned slice's colour, as the seed's bug does.
  loss(
    'sftShiftedMask',
    'gapui.col.sftShiftedMask',
    MEASURE_COLORS.keepLastMisaligned,
    (r) => r.sft?.shiftedMaskLoss,
    'gapui.colTitle.sftShiftedMask',
  ),
  {
    key: 'sftTokens',
    label: 'gapui.col.sftTokens',
    title: 'gapui.colTitle.sftTokens',
    get: (r) => r.sft?.tokens ?? null,
    format: (x) => fmtInt(x),
    color: MEASURE_COLORS.sft,
    // A count of target tokens; the header ("counted", "计入词元") sets the width.
    cells: 56,
  },
  loss(
    'sftAutoregressive',
    'gapui.col.sftAutoregressive',
    MEASURE_COLORS.sftAutoregressive,
    (r) => r.sftAutoregressive?.loss,
    'gapui.colTitle.sftAutoregressive',
  ),
  // Pretraining runs: the whole sample as the trainer scores it, and in the model's context windows.
  loss(
    'trainFormat',
    'gapui.col.trainFormat',
    MEASURE_COLORS.trainFormat,
    (r) => r.trainFormat?.loss,
    'gapui.colTitle.trainFormat',
  ),
  // Its tooltip names the window length (SampleTable fills {n} and {source} from the run's settings).
  loss('rolling', 'gapui.col.rolling', MEASURE_COLORS.rolling, (r) => r.rolling?.loss, 'polish.rollingTitle'),
  // Bits per byte: the measure's colour, as the number is the same loss per byte of text. The
  // training-format one is in the runs table's means and the trajectory, not here, to keep the
  // table readable at 1024 px.
  loss(
    'teacherForcingBitsPerByte',
    'gapui.col.teacherForcingBitsPerByte',
    MEASURE_COLORS.teacherForcing,
    (r) => r.teacherForcing?.bitsPerByte,
    'gapui.colTitle.teacherForcingBitsPerByte',
  ),
  loss(
    'bosWith',
    'gapui.col.bosWith',
    MEASURE_COLORS.bosBoth,
    (r) => r.bosBoth?.withBos,
    'gapui.colTitle.bosWith',
  ),
  loss(
    'bosWithout',
    'gapui.col.bosWithout',
    MEASURE_COLORS.bosBoth,
    (r) => r.bosBoth?.withoutBos,
    'gapui.colTitle.bosWithout',
  ),
]

export const columnByKey = (key: SampleColumnKey): SampleColumn => SAMPLE_COLUMNS.find((c) => c.key === key)!

/** Always shown: they say which sample a row is. */
const IDENTITY: readonly SampleColumnKey[] = ['index', 'tokens']
/** Before any sample has a value (a run just started), the continuation measures' columns stand ready. */
const BEFORE_ANY: readonly SampleColumnKey[] = [
  'teacherForcing',
  'keepLastMisaligned',
  'autoregressive',
  'kvCache',
]

/**
 * The columns a run's rows have: the identity columns, then every measure column some scored sample
 * has a value in (a column a run lacks would be a column of dashes: an SFT run has no continuation).
 */
export function visibleColumns(rows: readonly SampleResult[]): SampleColumn[] {
  const scored = rows.filter((r) => !r.skipped)
  const has = SAMPLE_COLUMNS.filter(
    (c) => !IDENTITY.includes(c.key) && scored.some((r) => c.get(r) !== null),
  ).map((c) => c.key)
  const shown = new Set([...IDENTITY, ...(has.length > 0 ? has : BEFORE_ANY)])
  return SAMPLE_COLUMNS.filter((c) => shown.has(c.key))
}

/**
 * The runs table's rows (one per run: what was run, how, and every measure's mean), their sort and
 * filter, and the settings diff of two runs. Pure, so the rules are tested without a window.
 */
import type { RunStatus } from '../../../shared/experiment'
import { isSftRunOf, statedFormat } from '../../../shared/diagnosis/run-kind'
import { MeansSchema, type Means, type RunSettings, type SampleResult } from '../../../shared/results'
import type { SortDir } from './compare'

/** What a row needs to know of a run (the run store's buffer satisfies it). */
export interface RunLike {
  runId: string
  label: string
  checkpointId: string | null
  datasetId: string | null
  status: RunStatus
  done: number
  total: number
  provider?: string | null | undefined
  settings: RunSettings | null
  createdAt: string | null
  summary?: { wallSeconds: number; settings?: { format?: unknown } } | null | undefined
  /** The run's samples, for the SFT rule when the run does not state its format. */
  results?: readonly SampleResult[]
}

export interface RunsTableRow {
  runId: string
  checkpoint: string
  step: number | null
  dataset: string
  /** L; null for an SFT run, whose loop does not use it (its P caps the generated reply). */
  inputLength: number | null
  predictLength: number | null
  measures: readonly string[]
  batch: number | null
  provider: string | null
  status: RunStatus
  done: number
  total: number
  /** Seconds the run took (its summary's wall time); null until it finishes. */
  duration: number | null
  createdAt: string | null
  tags: readonly string[]
  settings: RunSettings | null
  /** Every scalar mean of the run (summary means once finished). */
  means: Readonly<Record<string, number>>
}

/** The scalar means, in MeansSchema's order: the per-step arrays and the sweep object have charts of their own. */
const MEAN_KEYS = Object.keys(MeansSchema.shape)

export function scalarMeans(means: Means): Record<string, number> {
  const out: Record<string, number> = {}
  for (const key of MEAN_KEYS) {
    const v = (means as Record<string, unknown>)[key]
    if (typeof v === 'number' && Number.isFinite(v)) out[key] = v
  }
  return out
}

/** The mean columns to show: those any of the rows has, in MeansSchema's order. */
export function meanColumns(rows: readonly RunsTableRow[]): string[] {
  return MEAN_KEYS.filter((k) => rows.some((r) => r.means[k] !== undefined))
}

export function tableRow(
  run: RunLike,
  means: Means,
  experiment: {
    checkpoints: readonly { id: string; label: string; step?: number | undefined }[]
    datasets: readonly { id: string; label: string }[]
  } | null,
  tags: readonly string[] = [],
): RunsTableRow {
  const checkpoint = experiment?.checkpoints.find((c) => c.id === run.checkpointId)
  const s = run.settings
  // An SFT run stores the L it was asked for, but its loop scores whole conversations: no L to show.
  const sft = isSftRunOf(statedFormat(run.summary, s), run.results ?? [])
  return {
    runId: run.runId,
    checkpoint: run.label || checkpoint?.label || run.checkpointId || run.runId,
    step: checkpoint?.step ?? null,
    dataset: experiment?.datasets.find((d) => d.id === run.datasetId)?.label ?? run.datasetId ?? '',
    inputLength: sft ? null : (s?.inputLength ?? null),
    predictLength: s?.predictLength ?? null,
    measures: s?.measures ?? [],
    batch: s?.batchSize ?? null,
    provider: run.provider ?? null,
    status: run.status,
    done: run.done,
    total: run.total,
    duration: run.summary?.wallSeconds ?? null,
    createdAt: run.createdAt,
    tags,
    settings: s,
    means: scalarMeans(means),
  }
}

/** Sort keys: a column name, or `mean:<key>`. Text columns sort by locale, numbers numerically, blanks last. */
export type RunsSortKey =
  | 'checkpoint'
  | 'step'
  | 'dataset'
  | 'inputLength'
  | 'predictLength'
  | 'measures'
  | 'batch'
  | 'provider'
  | 'status'
  | 'duration'
  | 'createdAt'
  | `mean:${string}`

function sortValue(row: RunsTableRow, key: RunsSortKey): string | number | null {
  if (key.startsWith('mean:')) return row.means[key.slice(5)] ?? null
  switch (key) {
    case 'checkpoint':
    case 'dataset':
    case 'status':
      return row[key] || null
    case 'provider':
      return row.provider
    case 'createdAt':
      return row.createdAt ? Date.parse(row.createdAt) : null
    case 'measures':
      return row.measures.length
    default:
      return row[key as 'step' | 'inputLength' | 'predictLength' | 'batch' | 'duration']
  }
}

export function sortRows(rows: readonly RunsTableRow[], key: RunsSortKey, dir: SortDir): RunsTableRow[] {
  const sign = dir === 'asc' ? 1 : -1
  return rows
    .map((row, i) => ({ row, i, v: sortValue(row, key) }))
    .sort((a, b) => {
      const blankA = a.v === null || (typeof a.v === 'number' && Number.isNaN(a.v))
      const blankB = b.v === null || (typeof b.v === 'number' && Number.isNaN(b.v))
      if (blankA || blankB) return blankA && blankB ? a.i - b.i : blankA ? 1 : -1
      const c =
        typeof a.v === 'number' && typeof b.v === 'number'
          ? a.v - b.v
          : String(a.v).localeCompare(String(b.v), undefined, { numeric: true })
      return c === 0 ? a.i - b.i : c * sign
    })
    .map((x) => x.row)
}

export interface RunsFilter {
  hideFailed: boolean
  /** Words that must each appear in the checkpoint, dataset, provider, status or a tag (case-insensitive). */
  text: string
}

export function filterRows(rows: readonly RunsTableRow[], f: RunsFilter): RunsTableRow[] {
  const words = f.text.toLowerCase().split(/\s+/).filter(Boolean)
  return rows.filter((r) => {
    if (f.hideFailed && r.status === 'failed') return false
    if (words.length === 0) return true
    const hay = [r.checkpoint, r.dataset, r.provider ?? '', r.status, ...r.tags].join('\n').toLowerCase()
    return words.every((w) => hay.includes(w))
  })
}

/** One line of a settings diff: the field, its value in each run, and whether they differ. */
export interface SettingsDiffLine {
  key: string
  a: string
  b: string
  differs: boolean
}

/** The fields of RunSettings in a fixed order; any other field either run has follows, sorted. */
const SETTING_ORDER = [
  'inputLength',
  'predictLength',
  'measures',
  'batchSize',
  'threads',
  'provider',
  'addBos',
  'bos',
  'limit',
  'maxSeqLen',
  'format',
  'sftRoles',
]

function show(v: unknown): string {
  if (v === undefined || v === null) return '—'
  if (Array.isArray(v)) return v.join(', ')
  return String(v)
}

/**
 * Two runs' settings side by side: what was run (checkpoint, dataset, the provider that ran it) and every
 * setting either run stored. A setting one run lacks shows "—" (older runs predate some fields).
 */
export function settingsDiff(a: RunsTableRow, b: RunsTableRow): SettingsDiffLine[] {
  const lines: SettingsDiffLine[] = []
  const push = (key: string, x: unknown, y: unknown) => {
    const sa = show(x)
    const sb = show(y)
    lines.push({ key, a: sa, b: sb, differs: sa !== sb })
  }
  push('checkpoint', a.checkpoint, b.checkpoint)
  push('step', a.step, b.step)
  push('dataset', a.dataset, b.dataset)
  push('providerUsed', a.provider, b.provider)
  const sa = (a.settings ?? {}) as Record<string, unknown>
  const sb = (b.settings ?? {}) as Record<string, unknown>
  const extra = [...new Set([...Object.keys(sa), ...Object.keys(sb)])]
    .filter((k) => !SETTING_ORDER.includes(k))
    .sort()
  for (const key of [...SETTING_ORDER, ...extra]) {
    if (sa[key] === undefined && sb[key] === undefined) continue
    push(key, sa[key], sb[key])
  }
  return lines
}

/** The run table's columns: what each shows, how it sorts, how it is formatted, its measure colour. */
import type { SampleResult } from '../../../shared/results'
import { MEASURE_COLORS } from '../../../shared/palette'
import { fmtInt } from './format'
import { fmtKvDiff, fmtNats } from '../../../shared/diagnosis'

export type SampleColumnKey =
  'index' | 'tokens' | 'teacherForcing' | 'keepLastMisaligned' | 'autoregressive' | 'kvCache'

export interface SampleColumn {
  key: SampleColumnKey
  /** i18n key of the header. */
  label: string
  get: (r: SampleResult) => number | null
  format: (x: number | null) => string
  color?: string
  width: string
}

export const SAMPLE_COLUMNS: SampleColumn[] = [
  { key: 'index', label: 'table.index', get: (r) => r.index, format: (x) => fmtInt(x), width: '48px' },
  { key: 'tokens', label: 'table.tokens', get: (r) => r.tokens, format: (x) => fmtInt(x), width: '72px' },
  {
    key: 'teacherForcing',
    label: 'measure.teacherForcing',
    get: (r) => r.teacherForcing?.loss ?? null,
    format: (x) => fmtNats(x),
    color: MEASURE_COLORS.teacherForcing,
    width: 'minmax(80px, 1fr)',
  },
  {
    key: 'keepLastMisaligned',
    label: 'measure.keepLastMisaligned',
    get: (r) => r.keepLastMisaligned?.loss ?? null,
    format: (x) => fmtNats(x),
    color: MEASURE_COLORS.keepLastMisaligned,
    width: 'minmax(80px, 1fr)',
  },
  {
    key: 'autoregressive',
    label: 'measure.autoregressive',
    get: (r) => r.autoregressive?.loss ?? null,
    format: (x) => fmtNats(x),
    color: MEASURE_COLORS.autoregressive,
    width: 'minmax(80px, 1fr)',
  },
  {
    key: 'kvCache',
    label: 'table.kvDiff',
    get: (r) => r.kvCache?.maxAbsDiff ?? null,
    format: (x) => fmtKvDiff(x),
    color: MEASURE_COLORS.kvCache,
    // Room for "0 (bit-identical)".
    width: 'minmax(132px, 1fr)',
  },
]

export const columnByKey = (key: SampleColumnKey): SampleColumn => SAMPLE_COLUMNS.find((c) => c.key === key)!

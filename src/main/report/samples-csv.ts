/** Every scored and skipped sample of every run in the report, one CSV row each (`<report>.samples.csv`). */
import { SWEEP_SHIFTS } from '../../shared/measures'
import type { SampleResult } from '../../shared/results'
import type { ReportModel } from './report-model'

const MEASURES: [string, (r: SampleResult) => number | undefined][] = [
  ['teacherForcing', (r) => r.teacherForcing?.loss],
  ['keepLastMisaligned', (r) => r.keepLastMisaligned?.loss],
  ['keepLastAligned', (r) => r.keepLastAligned?.loss],
  ...SWEEP_SHIFTS.map((s): [string, (r: SampleResult) => number | undefined] => [
    `offsetSweep${s > 0 ? '+' : ''}${s}`,
    (r) => r.offsetSweep?.[String(s) as '0'],
  ]),
  ['autoregressive', (r) => r.autoregressive?.loss],
  ['teacherForcingTop1', (r) => r.teacherForcing?.top1],
  ['kvCacheMaxAbsDiff', (r) => r.kvCache?.maxAbsDiff],
]

/** A CSV field, quoted when it holds a comma, quote or line break (RFC 4180). */
function field(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** What the CSV reads of a run: a report's runs, or the one run the window downloads. */
export interface CsvRun {
  checkpoint: { id: string }
  step: number | null
  dataset: { id: string }
  stored: { results: readonly SampleResult[] }
}

/** The CSV text: checkpoint, step, dataset, index (0-based, as stored), id, tokens, each measure, skipped. */
export function samplesCsv(model: { runs: readonly CsvRun[] } | ReportModel): string {
  const header = [
    'checkpoint',
    'step',
    'dataset',
    'index',
    'id',
    'tokens',
    ...MEASURES.map(([n]) => n),
    'skipped',
  ]
  const lines = [header.join(',')]
  for (const run of model.runs) {
    for (const r of run.stored.results) {
      lines.push(
        [
          field(run.checkpoint.id),
          run.step === null ? '' : String(run.step),
          field(run.dataset.id),
          String(r.index),
          field(r.id),
          String(r.tokens),
          ...MEASURES.map(([, pick]) => {
            const v = pick(r)
            return v === undefined || !Number.isFinite(v) ? '' : String(v)
          }),
          field(r.skipped ?? ''),
        ].join(','),
      )
    }
  }
  return lines.join('\n') + '\n'
}

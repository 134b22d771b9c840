/**
 * Training logs into a loss curve: MiniMind's own log lines (three eras, docs/minimind.md) and CSV / JSONL
 * exports of wandb or swanlab. Every non-blank line that yields no point is counted and kept with
 * its line number, so a reader sees what was skipped.
 */
import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import type { TrainLog } from '../../../shared/evidence'
import { InputError, checkInputFile } from '../errors'

type Point = TrainLog['points'][number]

/** Options of a parse. */
export interface ParseLogOptions {
  /** How many of the last points the trailing mean covers (default 10). */
  tail?: number
}

export const DEFAULT_TAIL = 10
/** The largest training log read whole (a year of MiniMind logging is a few MB). */
const MAX_LOG_BYTES = 256 << 20
const UNPARSED_KEPT = 200
const UNPARSED_TEXT_CHARS = 200

export const LOSS_CAVEAT =
  'MiniMind logs the loss of one micro-batch at each logging step (times accumulation_steps), not an ' +
  'average over the interval; single points are noisy, so compare evaluation loss with the trailing mean.'

// Epoch:[1/2](100/44160) followed by the values, in any of MiniMind's separators.
const MINIMIND_LINE = /Epoch:\s*\[(\d+)\s*\/\s*(\d+)\]\s*\(\s*(\d+)\s*\/\s*(\d+)\s*\)(.*)$/
const LOSS_VALUE = /(?<![\w])loss:\s*([-+0-9.eE]+|nan|inf)/i
const LR_VALUE = /(?<![\w])lr:\s*([-+0-9.eE]+)/
// 2026 lines print the loss's parts beside it: loss = logits_loss + aux_loss (the MoE balance term).
const LOGITS_LOSS_VALUE = /(?<![\w])logits_loss:\s*([-+0-9.eE]+)/
const AUX_LOSS_VALUE = /(?<![\w])aux_loss:\s*([-+0-9.eE]+)/

const COLUMNS = {
  loss: ['loss', 'train/loss', 'train_loss', 'training_loss', 'train/train_loss'],
  step: ['step', '_step', 'global_step', 'train/global_step', 'iteration', 'iter'],
  lr: ['lr', 'learning_rate', 'train/lr', 'train/learning_rate'],
  epoch: ['epoch', 'train/epoch'],
  logitsLoss: ['logits_loss', 'train/logits_loss'],
  auxLoss: ['aux_loss', 'train/aux_loss'],
}

/** The loss's parts where the log carries them; nothing is added for a part it does not print. */
function parts(logitsLoss: number | null, auxLoss: number | null): Pick<Point, 'logitsLoss' | 'auxLoss'> {
  return {
    ...(logitsLoss !== null ? { logitsLoss } : {}),
    ...(auxLoss !== null ? { auxLoss } : {}),
  }
}

/** Accumulates points and unparsed lines while a format's parser walks the file. */
class Collector {
  readonly points: Point[] = []
  readonly unparsed: TrainLog['unparsedLines'] = []
  unparsedCount = 0

  skip(line: number, text: string): void {
    this.unparsedCount++
    if (this.unparsed.length < UNPARSED_KEPT)
      this.unparsed.push({ line, text: text.slice(0, UNPARSED_TEXT_CHARS) })
  }
}

function finite(text: string | undefined): number | null {
  if (text === undefined || text.trim() === '') return null
  const n = Number(text)
  return Number.isFinite(n) ? n : null
}

/** MiniMind's log lines; returns the era most lines were written in. */
function parseMiniMind(lines: string[], out: Collector): string {
  const eras = new Map<string, number>()
  lines.forEach((text, i) => {
    if (text.trim() === '') return
    const m = MINIMIND_LINE.exec(text)
    const lossText = m ? LOSS_VALUE.exec(m[5]!)?.[1] : undefined
    const loss = finite(lossText)
    if (!m || loss === null) return out.skip(i + 1, text)
    const [epoch, , step, stepsPerEpoch] = [m[1], m[2], m[3], m[4]].map(Number) as [
      number,
      number,
      number,
      number,
    ]
    out.points.push({
      // Steps restart each epoch: a global step keeps the curve monotonic across epochs.
      step: (epoch - 1) * stepsPerEpoch + step,
      epoch,
      loss,
      lr: finite(LR_VALUE.exec(m[5]!)?.[1]),
      ...parts(finite(LOGITS_LOSS_VALUE.exec(m[5]!)?.[1]), finite(AUX_LOSS_VALUE.exec(m[5]!)?.[1])),
    })
    const era = /logits_loss|epoch_time/.test(m[5]!)
      ? 'minimind-2026'
      : (lossText!.split('.')[1]?.length ?? 0) >= 6
        ? 'minimind-2025-late'
        : 'minimind-2025'
    eras.set(era, (eras.get(era) ?? 0) + 1)
  })
  return [...eras.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'minimind-2025'
}

/** Finds a column by its usual names, then by a `... - loss` / `.../loss` suffix (wandb exports). */
function findColumn(headers: string[], names: string[]): number {
  const lower = headers.map((h) => h.trim().toLowerCase())
  for (const n of names) {
    const at = lower.indexOf(n)
    if (at >= 0) return at
  }
  return lower.findIndex((h) =>
    names.some((n) => (h.endsWith(` - ${n}`) || h.endsWith(`/${n}`)) && !h.includes('__')),
  )
}

/** Splits one CSV line, honouring double quotes ("" inside quotes is a quote). */
export function splitCsvLine(line: string): string[] {
  const cells: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"'
        i++
      } else if (c === '"') quoted = false
      else cell += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      cells.push(cell)
      cell = ''
    } else cell += c
  }
  cells.push(cell)
  return cells
}

function parseCsv(lines: string[], out: Collector, path: string): void {
  const headerAt = lines.findIndex((l) => l.trim() !== '')
  if (headerAt < 0) return
  const headers = splitCsvLine(lines[headerAt]!)
  const col = Object.fromEntries(
    Object.entries(COLUMNS).map(([k, names]) => [k, findColumn(headers, names)]),
  ) as Record<keyof typeof COLUMNS, number>
  if (col.loss < 0) throw new InputError(`CSV has no loss column (columns: ${headers.join(', ')})`, path)
  for (let i = headerAt + 1; i < lines.length; i++) {
    const text = lines[i]!
    if (text.trim() === '') continue
    const cells = splitCsvLine(text)
    const loss = finite(cells[col.loss])
    if (loss === null) {
      out.skip(i + 1, text)
      continue
    }
    out.points.push({
      step: (col.step >= 0 ? finite(cells[col.step]) : null) ?? out.points.length + 1,
      epoch: col.epoch >= 0 ? finite(cells[col.epoch]) : null,
      loss,
      lr: col.lr >= 0 ? finite(cells[col.lr]) : null,
      ...parts(
        col.logitsLoss >= 0 ? finite(cells[col.logitsLoss]) : null,
        col.auxLoss >= 0 ? finite(cells[col.auxLoss]) : null,
      ),
    })
  }
}

function pick(row: Record<string, unknown>, names: string[]): number | null {
  for (const n of names) {
    const v = row[n]
    if (typeof v === 'number' && Number.isFinite(v)) return v
    if (typeof v === 'string' && finite(v) !== null) return finite(v)
  }
  return null
}

function parseJsonl(lines: string[], out: Collector): void {
  lines.forEach((text, i) => {
    if (text.trim() === '') return
    let row: unknown
    try {
      row = JSON.parse(text)
    } catch {
      return out.skip(i + 1, text)
    }
    const r = row && typeof row === 'object' ? (row as Record<string, unknown>) : {}
    const loss = pick(r, COLUMNS.loss)
    if (loss === null) return out.skip(i + 1, text)
    out.points.push({
      step: pick(r, COLUMNS.step) ?? out.points.length + 1,
      epoch: pick(r, COLUMNS.epoch),
      loss,
      lr: pick(r, COLUMNS.lr),
      ...parts(pick(r, COLUMNS.logitsLoss), pick(r, COLUMNS.auxLoss)),
    })
  })
}

/** Which parser a file needs: by extension, then by its first non-blank line. */
function detectFormat(path: string, lines: string[]): 'csv' | 'jsonl' | 'minimind' {
  const ext = extname(path).toLowerCase()
  if (ext === '.csv') return 'csv'
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl'
  const first = lines.find((l) => l.trim() !== '')?.trim() ?? ''
  if (first.startsWith('{')) return 'jsonl'
  if (!MINIMIND_LINE.test(first) && first.includes(',') && findColumn(splitCsvLine(first), COLUMNS.loss) >= 0)
    return 'csv'
  return 'minimind'
}

// `max_seq_len=512` (argparse Namespace), `"max_seq_len": 512` (JSON arguments), `max_length: 512`, `--max_seq_len 512`.
const MAX_SEQ_LEN = /(?<![\w])-{0,2}["']?(?:max_seq_len|max_length|max_seq_length)["']?\s*[=:\s]\s*(\d+)/

/**
 * The trainer's max_seq_len when the log states it before its first loss line (a printed argparse
 * Namespace, a JSON arguments line or a header); later lines are not looked at, so a sample's text
 * quoted in the log cannot set it.
 */
export function maxSeqLenFromLog(lines: readonly string[], firstPointLine: number): number | undefined {
  for (let i = 0; i < Math.min(lines.length, firstPointLine); i++) {
    const m = MAX_SEQ_LEN.exec(lines[i]!)
    const n = m ? Number(m[1]) : NaN
    if (Number.isInteger(n) && n >= 2) return n
  }
  return undefined
}

/** Parses log contents into a loss curve with its trailing mean. */
export function parseTrainLog(content: string, path: string, options: ParseLogOptions = {}): TrainLog {
  const tail = options.tail ?? DEFAULT_TAIL
  const lines = content.replace(/^\uFEFF/, '').split(/\r?\n/)
  const out = new Collector()
  const kind = detectFormat(path, lines)
  let format: string = kind
  if (kind === 'minimind') format = parseMiniMind(lines, out)
  else if (kind === 'csv') parseCsv(lines, out, path)
  else parseJsonl(lines, out)
  const last = out.points.slice(-tail)
  const firstPoint = kind === 'minimind' ? lines.findIndex((l) => MINIMIND_LINE.test(l)) : -1
  const maxSeqLen = maxSeqLenFromLog(
    lines,
    firstPoint < 0 ? (kind === 'minimind' ? lines.length : 0) : firstPoint,
  )
  return {
    path,
    format,
    steps: out.points.length,
    trailingMean: last.length > 0 ? last.reduce((s, p) => s + p.loss, 0) / last.length : null,
    tail,
    unparsedLines: out.unparsed,
    unparsedCount: out.unparsedCount,
    points: out.points,
    caveat: LOSS_CAVEAT,
    ...(maxSeqLen !== undefined ? { maxSeqLen } : {}),
  }
}

/** Reads and parses a training log; InputError when it is missing or holds no loss at all. */
export async function readTrainLog(path: string, options: ParseLogOptions = {}): Promise<TrainLog> {
  await checkInputFile(path, MAX_LOG_BYTES, 'training log')
  let content: string
  try {
    content = await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new InputError(code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? String(err)})`, path)
  }
  const log = parseTrainLog(content, path, options)
  if (log.steps === 0) {
    throw new InputError(
      `no loss values found (${log.unparsedCount ?? 0} non-blank lines did not parse; expected MiniMind's ` +
        '"Epoch:[1/1](100/N) loss:..." lines, or CSV/JSONL with a loss column)',
      path,
    )
  }
  return log
}

/**
 * Evaluation samples: a JSON array or JSONL of `{"text": ...}` pretrain rows or
 * `{"conversations": [{role, content}, ...]}` SFT rows (rendered with MiniMind's ChatML template).
 */
import { createHash } from 'node:crypto'
import { isUtf8 } from 'node:buffer'
import { readFile } from 'node:fs/promises'
import type { DatasetFormat } from '../../shared/results'
import { InputError, checkInputFile, jsonErrorWithoutText } from './errors'

export interface EvalSample {
  /** Position in the file (0-based), stable across runs: results.jsonl and resume rely on it. */
  index: number
  /** The row's text; for a conversation row its plain ChatML rendering (renderConversation), which the id hashes. */
  text: string
  /** The turns of a `conversations` row, as written (an SFT run renders them with the tokenizer's template). */
  conversation?: ChatTurn[]
  /** Its bytes were not valid UTF-8 (the bad bytes read as U+FFFD). */
  invalidUtf8?: true
}

/** The largest evaluation set read whole (they are small; training data is streamed elsewhere). */
export const MAX_DATASET_BYTES = 512 << 20

export interface ChatTurn {
  /** Absent when the row gave none: MiniMind2 ignores roles (turn parity decides), 2026 code needs them. */
  role?: string
  content: string
}

/** MiniMind's ChatML rendering of a conversation (no system prompt added). */
export function renderConversation(turns: ChatTurn[]): string {
  return turns.map((t) => `<|im_start|>${t.role ?? 'user'}\n${t.content}<|im_end|>\n`).join('')
}

/** The turns of a `conversations` array; InputError naming the row and turn when one is malformed. */
function conversationTurns(turns: unknown[], file: string, where: string): ChatTurn[] {
  return turns.map((t, i) => {
    const turn = t as Record<string, unknown> | null
    if (!turn || typeof turn !== 'object' || typeof turn.content !== 'string') {
      throw new InputError(`${where}: conversations[${i}] has no string "content"`, file)
    }
    if (turn.role !== undefined && typeof turn.role !== 'string') {
      throw new InputError(`${where}: conversations[${i}] has a "role" that is not a string`, file)
    }
    return turn.role === undefined ? { content: turn.content } : { role: turn.role, content: turn.content }
  })
}

/** One row read: its text, and its turns when it is a conversation. */
function sampleRow(row: unknown, file: string, where: string): { text: string; conversation?: ChatTurn[] } {
  if (typeof row === 'string') return { text: row }
  if (row && typeof row === 'object') {
    const r = row as Record<string, unknown>
    if (typeof r.text === 'string') return { text: r.text }
    if (Array.isArray(r.conversations)) {
      const conversation = conversationTurns(r.conversations, file, where)
      return { text: renderConversation(conversation), conversation }
    }
  }
  throw new InputError(`${where}: expected {"text": ...} or {"conversations": [...]}`, file)
}

/** Text of one row; throws InputError naming the row when it has neither text nor conversations. */
export function sampleText(row: unknown, file: string, where: string): string {
  return sampleRow(row, file, where).text
}

/**
 * Whether a run over these samples is an SFT run: 'auto' when every row is a conversation, 'sft' asks
 * for it (every row must then be one), 'pretrain' never. A file mixing both kinds is refused under
 * 'auto' and 'sft', naming the first row of the other kind.
 */
export function isSftDataset(
  samples: EvalSample[],
  format: DatasetFormat | undefined,
  file: string,
): boolean {
  if ((format ?? 'auto') === 'pretrain' || samples.length === 0) return false
  const first = samples[0]!
  const sft = format === 'sft' || first.conversation !== undefined
  const odd = samples.find((s) => (s.conversation !== undefined) !== sft)
  if (odd) {
    const row = `row ${odd.index + 1}`
    throw new InputError(
      sft
        ? `${row}: expected {"conversations": [...]} (an SFT dataset), found a text row`
        : `${row}: a {"conversations": [...]} row among text rows; pick --format pretrain or sft`,
      file,
    )
  }
  return sft
}

/** Parses dataset file contents (JSON array, or JSONL with one object per line). */
export function parseSamples(content: string, file: string): EvalSample[] {
  const trimmed = content.replace(/^\uFEFF/, '').trimStart()
  if (trimmed.length === 0) throw new InputError('the file is empty', file)
  if (trimmed.startsWith('[')) {
    let rows: unknown
    try {
      rows = JSON.parse(trimmed)
    } catch (err) {
      throw new InputError(`not valid JSON (${jsonErrorWithoutText(err)})`, file)
    }
    if (!Array.isArray(rows)) throw new InputError('expected a JSON array of samples', file)
    return rows.map((row, index) => ({ index, ...sampleRow(row, file, `item ${index + 1}`) }))
  }
  const samples: EvalSample[] = []
  const lines = content.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (line.length === 0) continue
    let row: unknown
    try {
      row = JSON.parse(line)
    } catch (err) {
      throw new InputError(`line ${i + 1}: malformed JSON (${jsonErrorWithoutText(err)})`, file)
    }
    samples.push({ index: samples.length, ...sampleRow(row, file, `line ${i + 1}`) })
  }
  return samples
}

/** Reads a dataset file; InputError when it is missing, a folder, too large or malformed. */
export async function readSamples(file: string): Promise<EvalSample[]> {
  let bytes: Buffer
  try {
    const size = await checkInputFile(file, undefined, 'dataset')
    if (size > MAX_DATASET_BYTES) {
      throw new InputError(
        `${size} bytes is more than LossLens reads as an evaluation set (${MAX_DATASET_BYTES >> 20} MiB); draw a smaller one with make-eval`,
        file,
      )
    }
    bytes = await readFile(file)
  } catch (err) {
    if (err instanceof InputError) throw err
    const code = (err as NodeJS.ErrnoException).code
    throw new InputError(code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? String(err)})`, file)
  }
  const samples = parseSamples(bytes.toString('utf8'), file)
  if (!isUtf8(bytes)) markInvalidUtf8(samples, bytes)
  return samples
}

/**
 * Marks the samples whose bytes are not valid UTF-8. JSONL: by line; a JSON array: the samples whose
 * text holds U+FFFD (which is what the bad bytes became).
 */
function markInvalidUtf8(samples: EvalSample[], bytes: Buffer): void {
  const head = bytes
    .subarray(0, 4096)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart()
  if (head.startsWith('[')) {
    for (const s of samples) if (s.text.includes('\uFFFD')) s.invalidUtf8 = true
    return
  }
  let index = 0
  let start = 0
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start)
    if (end < 0) end = bytes.length
    const line = bytes.subarray(start, end)
    if (line.toString('latin1').trim().length > 0) {
      if (!isUtf8(line) && samples[index]) samples[index]!.invalidUtf8 = true
      index++
    }
    start = end + 1
  }
}

/** Stable sample id: the first 16 hex digits of the SHA-256 of its text. */
export function sampleId(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16)
}

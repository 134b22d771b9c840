/**
 * Evaluation samples: a JSON array or JSONL of `{"text": ...}` pretrain rows or
 * `{"conversations": [{role, content}, ...]}` SFT rows (rendered with MiniMind's ChatML template).
 */
import { createHash } from 'node:crypto'
import { isUtf8 } from 'node:buffer'
import { readFile } from 'node:fs/promises'
import { InputError, checkInputFile, jsonErrorWithoutText } from './errors'

export interface EvalSample {
  /** Position in the file (0-based), stable across runs: results.jsonl and resume rely on it. */
  index: number
  text: string
  /** Its bytes were not valid UTF-8 (the bad bytes read as U+FFFD). */
  invalidUtf8?: true
}

/** The largest evaluation set read whole (they are small; training data is streamed elsewhere). */
export const MAX_DATASET_BYTES = 512 << 20

interface ChatTurn {
  role: string
  content: string
}

/** MiniMind's ChatML rendering of a conversation (no system prompt added). */
export function renderConversation(turns: ChatTurn[]): string {
  return turns.map((t) => `<|im_start|>${t.role}\n${t.content}<|im_end|>\n`).join('')
}

/** Text of one row; throws InputError naming the row when it has neither text nor conversations. */
export function sampleText(row: unknown, file: string, where: string): string {
  if (typeof row === 'string') return row
  if (row && typeof row === 'object') {
    const r = row as Record<string, unknown>
    if (typeof r.text === 'string') return r.text
    if (Array.isArray(r.conversations)) {
      const turns = r.conversations.map((t, i) => {
        const turn = t as Record<string, unknown>
        if (!turn || typeof turn.content !== 'string') {
          throw new InputError(`${where}: conversations[${i}] has no string "content"`, file)
        }
        return { role: typeof turn.role === 'string' ? turn.role : 'user', content: turn.content }
      })
      return renderConversation(turns)
    }
  }
  throw new InputError(`${where}: expected {"text": ...} or {"conversations": [...]}`, file)
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
    return rows.map((row, index) => ({ index, text: sampleText(row, file, `item ${index + 1}`) }))
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
    samples.push({ index: samples.length, text: sampleText(row, file, `line ${i + 1}`) })
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

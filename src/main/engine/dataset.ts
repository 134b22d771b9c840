/**
 * Evaluation samples: a JSON array or JSONL of `{"text": ...}` pretrain rows or
 * `{"conversations": [{role, content}, ...]}` SFT rows (rendered with MiniMind's ChatML template).
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { InputError, jsonErrorWithoutText } from './errors'

export interface EvalSample {
  /** Position in the file (0-based), stable across runs: results.jsonl and resume rely on it. */
  index: number
  text: string
}

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

/** Reads a dataset file; InputError when it is missing or malformed. */
export async function readSamples(file: string): Promise<EvalSample[]> {
  let content: string
  try {
    content = await readFile(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new InputError(code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? String(err)})`, file)
  }
  return parseSamples(content, file)
}

/** Stable sample id: the first 16 hex digits of the SHA-256 of its text. */
export function sampleId(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16)
}

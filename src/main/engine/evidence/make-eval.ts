/**
 * "Make eval set from training data": N rows drawn uniformly and reproducibly (seeded mulberry32,
 * reservoir sampling in one streamed pass) from a training JSONL, written as a JSON array like the
 * seed's eval_data_from_train.json.
 */
import { rename, writeFile } from 'node:fs/promises'
import { InputError } from '../errors'
import { sampleText } from '../dataset'
import { forEachLine, type StreamOptions } from './line-stream'

/** mulberry32: a small, fast 32-bit PRNG; the same seed gives the same draw on every platform. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** An eval row as written: pretrain text, or an SFT conversation kept as it was. */
export type EvalRow = { text: string } | { conversations: unknown[] }

/** The draw: rows in training-file order, with where each came from. */
export interface EvalDraw {
  rows: Array<{ line: number; row: EvalRow }>
  /** Valid training rows seen (the population drawn from). */
  population: number
  malformedCount: number
}

/** Options of a draw. */
export interface DrawOptions extends StreamOptions {
  count: number
  seed: number
}

/** Draws `count` rows uniformly at random (Algorithm R) in one pass over the training JSONL. */
export async function drawEvalRows(trainPath: string, options: DrawOptions): Promise<EvalDraw> {
  if (!Number.isInteger(options.count) || options.count < 1)
    throw new RangeError(`count must be >= 1, got ${options.count}`)
  const random = mulberry32(options.seed)
  const reservoir: Array<{ line: number; row: EvalRow }> = []
  let population = 0
  let malformedCount = 0
  await forEachLine(
    trainPath,
    (line, lineNumber) => {
      if (line.trim().length === 0) return
      let row: EvalRow
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>
        const text = sampleText(parsed, trainPath, `line ${lineNumber}`)
        row =
          Array.isArray(parsed.conversations) && typeof parsed.text !== 'string'
            ? { conversations: parsed.conversations }
            : { text }
      } catch {
        malformedCount++
        return
      }
      population++
      if (reservoir.length < options.count) reservoir.push({ line: lineNumber, row })
      else {
        const j = Math.floor(random() * population)
        if (j < options.count) reservoir[j] = { line: lineNumber, row }
      }
    },
    options,
  )
  if (population === 0) throw new InputError('no {"text"} or {"conversations"} rows to draw from', trainPath)
  reservoir.sort((a, b) => a.line - b.line)
  return { rows: reservoir, population, malformedCount }
}

/** Draws an eval set and writes it (pretty JSON, non-ASCII kept as is) atomically to `outPath`. */
export async function writeEvalSet(
  trainPath: string,
  outPath: string,
  options: DrawOptions,
): Promise<EvalDraw & { outPath: string }> {
  const draw = await drawEvalRows(trainPath, options)
  const tmp = `${outPath}.${process.pid}.tmp`
  await writeFile(
    tmp,
    JSON.stringify(
      draw.rows.map((r) => r.row),
      null,
      2,
    ) + '\n',
    'utf8',
  )
  await rename(tmp, outPath)
  return { ...draw, outPath }
}

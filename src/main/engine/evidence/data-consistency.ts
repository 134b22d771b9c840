/**
 * Do the evaluation samples come from the training data? One streamed pass over the training JSONL
 * answers it at three strengths: the same text, the same text after whitespace normalisation, and
 * contained in a training row. Memory is bounded by the eval set: hash maps of eval texts, and for
 * containment a rolling hash of each still-unfound sample's first K characters (its anchor), so each
 * training row is scanned once whatever the number of samples.
 */
import type { DataConsistency } from '../../../shared/evidence'
import { readSamples, sampleText, type EvalSample } from '../dataset'
import { createHash } from 'node:crypto'
import { open, readFile, stat, type FileHandle } from 'node:fs/promises'
import { InputError, checkInputFile } from '../errors'
import { forEachLine, type StreamOptions } from './line-stream'

// Whitespace other than a plain space, two spaces in a row, or a space at either end.
const NEEDS_NORMALIZING = /[^\S ]| {2}|^ | $/

/** Whitespace runs collapsed to one space, ends trimmed: what "the same text" means loosely. */
export function normalizeWhitespace(text: string): string {
  // Most rows are already normal (single spaces inside): testing is cheaper than rebuilding them.
  return NEEDS_NORMALIZING.test(text) ? text.replace(/\s+/g, ' ').trim() : text
}

/** How strongly a sample was found: 3 exact, 2 after normalisation, 1 as a substring, 0 not yet. */
type Strength = 0 | 1 | 2 | 3

/** Longest anchor; shorter when a sample is shorter. Long enough to make false hits rare. */
const ANCHOR_MAX = 32
const PREVIEW_CHARS = 80
const JSON_ARRAY_MAX_BYTES = 256 << 20
const MALFORMED_KEPT = 20
const HASH_BASE = 0x01000193

/** Polynomial hash of s[from, from + k) mod 2^32, the same one the rolling scan maintains. */
function hashOf(s: string, from: number, k: number): number {
  let h = 0
  for (let i = from; i < from + k; i++) h = (Math.imul(h, HASH_BASE) + s.charCodeAt(i)) | 0
  return h
}

/** Finds, for every sample not yet found, whether its normalised text occurs inside a row. */
class AnchorIndex {
  readonly k: number
  readonly #byHash = new Map<number, number[]>()
  // A 2^20-bit prefilter in front of the map: most positions of a row are rejected by one load.
  readonly #filter = new Uint8Array(1 << 17)
  readonly #dropOut: number // HASH_BASE^k, to remove the character leaving the window
  #pending: number

  constructor(
    private readonly texts: string[],
    candidates: number[],
  ) {
    const lengths = candidates.map((i) => texts[i]!.length).filter((n) => n > 0)
    this.k = Math.min(ANCHOR_MAX, ...lengths)
    let pow = 1
    for (let i = 0; i < this.k; i++) pow = Math.imul(pow, HASH_BASE)
    this.#dropOut = pow
    this.#pending = 0
    for (const i of candidates) {
      if (texts[i]!.length === 0) continue
      const h = hashOf(texts[i]!, 0, this.k)
      const list = this.#byHash.get(h)
      if (list) list.push(i)
      else this.#byHash.set(h, [i])
      this.#filter[(h >>> 12) >> 3]! |= 1 << ((h >>> 12) & 7)
      this.#pending++
    }
  }

  get pending(): number {
    return this.#pending
  }

  /** Calls `found(i)` for each pending sample contained in `row`; found samples leave the index. */
  scan(row: string, found: (sample: number) => void): void {
    const k = this.k
    if (this.#pending === 0 || row.length < k) return
    let h = hashOf(row, 0, k)
    for (let pos = 0; ; pos++) {
      const bucket = (h >>> 12) >> 3
      if (this.#filter[bucket]! & (1 << ((h >>> 12) & 7))) this.#check(row, pos, h, found)
      if (pos + k >= row.length) break
      h =
        (Math.imul(h, HASH_BASE) + row.charCodeAt(pos + k) - Math.imul(row.charCodeAt(pos), this.#dropOut)) |
        0
    }
  }

  /** Stops looking for a sample (found some other way). */
  remove(sample: number): void {
    const text = this.texts[sample]!
    if (text.length === 0) return
    const list = this.#byHash.get(hashOf(text, 0, this.k))
    const at = list?.indexOf(sample) ?? -1
    if (list && at >= 0) {
      list.splice(at, 1)
      this.#pending--
    }
  }

  #check(row: string, pos: number, h: number, found: (sample: number) => void): void {
    const list = this.#byHash.get(h)
    if (!list) return
    for (let j = list.length - 1; j >= 0; j--) {
      const i = list[j]!
      if (row.startsWith(this.texts[i]!, pos)) {
        list.splice(j, 1)
        this.#pending--
        found(i)
      }
    }
  }
}

/** Options of a data-consistency check. */
export type CheckDataOptions = StreamOptions

/** Finds `samples` in the training JSONL at `trainPath` (one streamed pass). */
export async function findSamplesInTraining(
  samples: EvalSample[],
  trainPath: string,
  evalPath: string,
  options: CheckDataOptions = {},
): Promise<DataConsistency> {
  const strength: Strength[] = samples.map(() => 0)
  const normalized = samples.map((s) => normalizeWhitespace(s.text))
  const exact = indexBy(samples.map((s) => s.text))
  const loose = indexBy(normalized)
  const anchors = new AnchorIndex(
    normalized,
    samples.map((_, i) => i),
  )
  const raise = (i: number, to: Strength) => {
    // Found exactly or loosely: no need to look for it inside rows any more.
    if (strength[i] === 0 && to > 1) anchors.remove(i)
    if (strength[i]! < to) strength[i] = to
  }
  let trainRows = 0
  let malformedCount = 0
  const malformedLines: number[] = []

  const onRow = (text: string) => {
    trainRows++
    for (const i of exact.get(text) ?? []) raise(i, 3)
    const norm = normalizeWhitespace(text)
    for (const i of loose.get(norm) ?? []) raise(i, 2)
    anchors.scan(norm, (i) => raise(i, 1))
  }

  let bytes: number
  // The training file's SHA-256, for the report's provenance: taken in the same pass, never re-read.
  const hash = createHash('sha256')
  if (await startsWithJsonArray(trainPath)) {
    // Not JSONL but a JSON array (an eval-style file): small ones are read whole, rows in order.
    const { size } = await stat(trainPath)
    if (size > JSON_ARRAY_MAX_BYTES) {
      throw new InputError(
        'a JSON array this large cannot be streamed: give the training data as JSONL',
        trainPath,
      )
    }
    for (const sample of await readSamples(trainPath)) onRow(sample.text)
    hash.update(await readFile(trainPath))
    options.onProgress?.(size, size)
    bytes = size
  } else {
    bytes = (
      await forEachLine(
        trainPath,
        (line, lineNumber) => {
          if (line.trim().length === 0) return
          let text: string
          try {
            text = sampleText(JSON.parse(line), trainPath, `line ${lineNumber}`)
          } catch {
            malformedCount++
            if (malformedLines.length < MALFORMED_KEPT) malformedLines.push(lineNumber)
            return
          }
          onRow(text)
        },
        { ...options, onChunk: (chunk) => hash.update(chunk) },
      )
    ).bytes
  }
  // An empty sample is contained in any row.
  if (trainRows > 0) normalized.forEach((t, i) => t.length === 0 && raise(i, 1))

  return {
    evalPath,
    trainPath,
    total: samples.length,
    found: strength.filter((s) => s >= 3).length,
    foundNormalized: strength.filter((s) => s >= 2).length,
    foundSubstring: strength.filter((s) => s >= 1).length,
    notFound: samples
      .filter((_, i) => strength[i] === 0)
      .map((s) => ({ index: s.index, preview: preview(s.text) })),
    trainRows,
    bytesScanned: bytes,
    trainSha256: hash.digest('hex'),
    malformedCount,
    malformedLines,
  }
}

/** Reads the eval set and finds its samples in the training JSONL. */
export async function checkDataConsistency(
  evalPath: string,
  trainPath: string,
  options: CheckDataOptions = {},
): Promise<DataConsistency> {
  const samples = await readSamples(evalPath)
  await checkInputFile(trainPath, undefined, 'training data file')
  return findSamplesInTraining(samples, trainPath, evalPath, options)
}

/** True when the file's first non-blank character opens a JSON array. */
async function startsWithJsonArray(path: string): Promise<boolean> {
  let fh: FileHandle
  try {
    fh = await open(path, 'r')
  } catch {
    return false // forEachLine names the missing file
  }
  try {
    const head = Buffer.alloc(4096)
    const { bytesRead } = await fh.read(head, 0, head.length, 0).catch(() => ({ bytesRead: 0 }))
    return head
      .toString('utf8', 0, bytesRead)
      .replace(/^\uFEFF/, '')
      .trimStart()
      .startsWith('[')
  } finally {
    await fh.close()
  }
}

function indexBy(texts: string[]): Map<string, number[]> {
  const map = new Map<string, number[]>()
  texts.forEach((t, i) => {
    const list = map.get(t)
    if (list) list.push(i)
    else map.set(t, [i])
  })
  return map
}

function preview(text: string): string {
  const flat = normalizeWhitespace(text)
  return flat.length > PREVIEW_CHARS ? `${flat.slice(0, PREVIEW_CHARS)}…` : flat
}

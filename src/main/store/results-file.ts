/**
 * runs/<runId>/results.jsonl: one SampleResult per line, appended and flushed per sample so a crash
 * loses at most the sample in flight. A torn last line (the write a crash cut short) is ignored with a
 * warning when read, and cut off before the file is appended to again.
 */
import fs from 'node:fs'
import { SampleResultSchema, type SampleResult } from '../../shared/results'

export interface ResultsRead {
  /** Results in file order, one per sample index (the first line for an index wins). */
  results: SampleResult[]
  warnings: string[]
  /** Length in bytes of the file up to and including the last complete, valid line. */
  validBytes: number
}

/** Parses results.jsonl contents; `file` only names the file in warnings. */
export function parseResults(content: Buffer, file: string): ResultsRead {
  const results: SampleResult[] = []
  const warnings: string[] = []
  const seen = new Set<number>()
  let validBytes = 0
  let start = 0
  let lineNo = 0
  while (start < content.length) {
    lineNo++
    const nl = content.indexOf(0x0a, start)
    const end = nl === -1 ? content.length : nl
    const complete = nl !== -1
    const text = content.subarray(start, end).toString('utf8').trim()
    start = end + 1
    if (text.length === 0) {
      if (complete) validBytes = start
      continue
    }
    const result = parseLine(text)
    const isLast = start >= content.length
    if (!result || !complete) {
      warnings.push(
        isLast
          ? `${file}: line ${lineNo} is incomplete or corrupt (an interrupted write) and was ignored`
          : `${file}: line ${lineNo} is corrupt and was ignored`,
      )
      continue
    }
    validBytes = start
    if (seen.has(result.index)) continue
    seen.add(result.index)
    results.push(result)
  }
  return { results, warnings, validBytes }
}

function parseLine(text: string): SampleResult | null {
  try {
    const parsed = SampleResultSchema.safeParse(JSON.parse(text))
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}

/** Reads results.jsonl; a missing file is an empty run. */
export async function readResults(file: string): Promise<ResultsRead> {
  let content: Buffer
  try {
    content = await fs.promises.readFile(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { results: [], warnings: [], validBytes: 0 }
    throw err
  }
  return parseResults(content, file)
}

/** Appends result lines to results.jsonl with an fdatasync after each, on one open descriptor. */
export class ResultsAppender {
  #fd: number | null

  private constructor(
    fd: number,
    readonly file: string,
  ) {
    this.#fd = fd
  }

  /**
   * Opens `file` for appending. `validBytes` (from readResults) cuts off a torn last line first, so the
   * next result starts on a line of its own.
   */
  static open(file: string, validBytes?: number): ResultsAppender {
    const fd = fs.openSync(file, 'a')
    try {
      if (validBytes !== undefined && fs.fstatSync(fd).size > validBytes) {
        fs.ftruncateSync(fd, validBytes)
        fs.fdatasyncSync(fd)
      }
    } catch (err) {
      fs.closeSync(fd)
      throw err
    }
    return new ResultsAppender(fd, file)
  }

  /** Appends one result as a line and flushes it to disk before returning. */
  append(result: SampleResult): void {
    if (this.#fd === null) throw new Error(`${this.file}: appender is closed`)
    fs.appendFileSync(this.#fd, JSON.stringify(result) + '\n')
    fs.fdatasyncSync(this.#fd)
  }

  close(): void {
    if (this.#fd === null) return
    fs.closeSync(this.#fd)
    this.#fd = null
  }
}

/**
 * One pass over a (possibly tens of GB) text file, line by line, in bounded memory: chunks are
 * split on '\n' by hand (faster than readline), each line decoded once. Progress is reported per
 * chunk and an AbortSignal stops the pass between chunks.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { InputError } from '../errors'

/** Progress and cancellation of a pass over a file. */
export interface StreamOptions {
  signal?: AbortSignal
  /** Called after each chunk with the bytes read so far and the file's size. */
  onProgress?: (bytesRead: number, totalBytes: number) => void
  /** Chunk size in bytes (default 1 MiB). */
  chunkBytes?: number
  /** Called with each chunk's raw bytes as read (a hash of the file in the same pass). */
  onChunk?: (chunk: Buffer) => void
  /** The longest line accepted, in bytes (default MAX_LINE_BYTES); a longer one is an InputError. */
  maxLineBytes?: number
}

/** No JSONL row LossLens reads is near this long; a file without newlines is refused here, not after GBs. */
export const MAX_LINE_BYTES = 64 << 20

/** Calls `onLine(text, lineNumber)` for every line (1-based numbers, '\r\n' tolerated, BOM dropped). */
export async function forEachLine(
  path: string,
  onLine: (text: string, lineNumber: number) => void,
  options: StreamOptions = {},
): Promise<{ bytes: number; lines: number }> {
  let total: number
  try {
    const st = await stat(path)
    if (st.isDirectory()) throw new InputError('is a folder, not a file', path)
    if (!st.isFile()) throw new InputError('is not a regular file (a device, socket or pipe)', path)
    total = st.size
  } catch (err) {
    if (err instanceof InputError) throw err
    const code = (err as NodeJS.ErrnoException).code
    throw new InputError(code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? String(err)})`, path)
  }
  options.signal?.throwIfAborted()
  const stream = createReadStream(path, { highWaterMark: options.chunkBytes ?? 1 << 20 })
  const maxLine = options.maxLineBytes ?? MAX_LINE_BYTES
  // The start of a line that spans chunks, kept as a list of pieces (joined once, when the line ends),
  // so a long line costs linear time, not a copy per chunk.
  let carry: Buffer[] = []
  let carryBytes = 0
  let lineNumber = 0
  let bytes = 0
  const emit = (buf: Buffer, start: number, end: number) => {
    if (end > start && buf[end - 1] === 0x0d) end--
    let text = buf.toString('utf8', start, end)
    if (++lineNumber === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    onLine(text, lineNumber)
  }
  const tooLong = () =>
    new InputError(
      `line ${lineNumber + 1} is longer than ${maxLine >> 20} MiB (is this a JSONL file with one row per line?)`,
      path,
    )
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      options.signal?.throwIfAborted()
      bytes += chunk.length
      options.onChunk?.(chunk)
      let start = 0
      let nl = chunk.indexOf(0x0a)
      if (carryBytes > 0 && nl >= 0) {
        if (carryBytes + nl > maxLine) throw tooLong()
        const joined: Buffer = Buffer.concat([...carry, chunk.subarray(0, nl)])
        carry = []
        carryBytes = 0
        emit(joined, 0, joined.length)
        start = nl + 1
        nl = chunk.indexOf(0x0a, start)
      }
      while (nl >= 0) {
        if (nl - start > maxLine) throw tooLong()
        emit(chunk, start, nl)
        start = nl + 1
        nl = chunk.indexOf(0x0a, start)
      }
      if (start < chunk.length) {
        carry.push(chunk.subarray(start))
        carryBytes += chunk.length - start
        if (carryBytes > maxLine) throw tooLong()
      }
      options.onProgress?.(bytes, total)
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EISDIR') throw new InputError('is a folder, not a file', path)
    if (code && !(err instanceof InputError) && (err as Error).name !== 'AbortError')
      throw new InputError(`cannot read (${code})`, path)
    throw err
  } finally {
    stream.destroy()
  }
  if (carryBytes > 0) {
    const last = Buffer.concat(carry)
    emit(last, 0, last.length)
  }
  return { bytes, lines: lineNumber }
}

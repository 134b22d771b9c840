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
}

/** Calls `onLine(text, lineNumber)` for every line (1-based numbers, '\r\n' tolerated, BOM dropped). */
export async function forEachLine(
  path: string,
  onLine: (text: string, lineNumber: number) => void,
  options: StreamOptions = {},
): Promise<{ bytes: number; lines: number }> {
  let total: number
  try {
    total = (await stat(path)).size
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new InputError(code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? String(err)})`, path)
  }
  options.signal?.throwIfAborted()
  const stream = createReadStream(path, { highWaterMark: options.chunkBytes ?? 1 << 20 })
  let carry: Buffer | null = null
  let lineNumber = 0
  let bytes = 0
  const emit = (buf: Buffer, start: number, end: number) => {
    if (end > start && buf[end - 1] === 0x0d) end--
    let text = buf.toString('utf8', start, end)
    if (++lineNumber === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    onLine(text, lineNumber)
  }
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      options.signal?.throwIfAborted()
      bytes += chunk.length
      options.onChunk?.(chunk)
      let start = 0
      let nl = chunk.indexOf(0x0a)
      if (carry && nl >= 0) {
        const joined: Buffer = Buffer.concat([carry, chunk.subarray(0, nl)])
        carry = null
        emit(joined, 0, joined.length)
        start = nl + 1
        nl = chunk.indexOf(0x0a, start)
      }
      while (nl >= 0) {
        emit(chunk, start, nl)
        start = nl + 1
        nl = chunk.indexOf(0x0a, start)
      }
      if (start < chunk.length)
        carry = carry ? Buffer.concat([carry, chunk.subarray(start)]) : chunk.subarray(start)
      options.onProgress?.(bytes, total)
    }
  } finally {
    stream.destroy()
  }
  if (carry && carry.length > 0) emit(carry, 0, carry.length)
  return { bytes, lines: lineNumber }
}

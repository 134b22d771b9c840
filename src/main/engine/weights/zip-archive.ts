/**
 * Just enough of the zip format to read torch.save archives: the central directory (zip64
 * included, as torch writes it past 4 GB) and positional reads of stored entries, so one tensor
 * can be read without reading the others. Deflated entries (an archive re-zipped by hand) are
 * inflated as a stream, keeping only the bytes asked for and stopping at the entry's declared size.
 *
 * Every size the archive declares is checked against the file's real size before anything is
 * allocated, and reads are done in chunks below 2^31 bytes (Node aborts the process on one larger
 * read), so a crafted archive ends in an InputError naming the file, never in an abort.
 */
import { open, type FileHandle } from 'node:fs/promises'
import { createInflateRaw } from 'node:zlib'
import { InputError } from '../errors'

interface ZipEntry {
  name: string
  method: number
  compressedSize: number
  size: number
  localHeaderOffset: number
}

const EOCD = 0x06054b50
const ZIP64_LOCATOR = 0x07064b50
const ZIP64_EOCD = 0x06064b50
const CENTRAL = 0x02014b50
const LOCAL = 0x04034b50

/** True when the file starts like a zip archive ("PK\x03\x04"). */
export function looksLikeZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04
}

/** An open zip archive; `close()` when done. */
export class ZipArchive {
  readonly #fh: FileHandle
  readonly #entries: Map<string, ZipEntry>
  readonly #fileSize: number

  private constructor(
    readonly path: string,
    fh: FileHandle,
    entries: Map<string, ZipEntry>,
    fileSize: number,
  ) {
    this.#fh = fh
    this.#entries = entries
    this.#fileSize = fileSize
  }

  /** Opens an archive and reads its central directory; InputError naming the file when it is not one. */
  static async open(path: string): Promise<ZipArchive> {
    const fh = await open(path, 'r')
    try {
      const { size } = await fh.stat()
      const entries = await readCentralDirectory(fh, path, size)
      return new ZipArchive(path, fh, entries, size)
    } catch (err) {
      await fh.close()
      throw err
    }
  }

  /** Entry names in directory order. */
  names(): string[] {
    return [...this.#entries.keys()]
  }

  /** Uncompressed size of an entry, or undefined when it is absent. */
  size(name: string): number | undefined {
    return this.#entries.get(name)?.size
  }

  /** Bytes [start, start + length) of an entry's uncompressed contents. */
  async read(name: string, start = 0, length?: number): Promise<Buffer> {
    const entry = this.#entries.get(name)
    if (!entry) throw new InputError(`archive has no entry "${name}"`, this.path)
    const want = length ?? entry.size - start
    if (start < 0 || start + want > entry.size) {
      throw new InputError(`entry "${name}" is ${entry.size} bytes; asked for ${want} at ${start}`, this.path)
    }
    if (want > MAX_READ_BYTES) {
      throw new InputError(
        `entry "${name}": a read of ${want} bytes is more than LossLens reads at once (${MAX_READ_BYTES})`,
        this.path,
      )
    }
    const local = await readExactly(this.#fh, entry.localHeaderOffset, 30, this.path)
    if (local.readUInt32LE(0) !== LOCAL)
      throw new InputError(`corrupt zip: bad local header for "${name}"`, this.path)
    const dataStart = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28)
    if (dataStart + entry.compressedSize > this.#fileSize) {
      throw new InputError(
        `corrupt zip: entry "${name}" declares ${entry.compressedSize} bytes at ${dataStart}, past the end of the ${this.#fileSize}-byte file`,
        this.path,
      )
    }
    if (entry.method === 0) return readExactly(this.#fh, dataStart + start, want, this.path)
    if (entry.method === 8) return this.#inflate(entry, dataStart, start, want)
    throw new InputError(`entry "${name}" uses zip compression method ${entry.method}`, this.path)
  }

  /**
   * Inflates a deflated entry as a stream, in bounded memory: only bytes [start, start + want) are
   * kept, and more output than the entry's declared size (a zip bomb lying about its size) is an error.
   */
  async #inflate(entry: ZipEntry, dataStart: number, start: number, want: number): Promise<Buffer> {
    const out = Buffer.alloc(want)
    const end = start + want
    let produced = 0
    const inflater = createInflateRaw({ chunkSize: 1 << 20 })
    const feed = (async () => {
      for (let at = 0; at < entry.compressedSize && produced < end; at += CHUNK_BYTES) {
        const n = Math.min(CHUNK_BYTES, entry.compressedSize - at)
        const chunk = await readExactly(this.#fh, dataStart + at, n, this.path)
        if (!inflater.write(chunk)) await new Promise<void>((r) => inflater.once('drain', () => r()))
      }
      inflater.end()
    })()
    try {
      for await (const piece of inflater as AsyncIterable<Buffer>) {
        const from = Math.max(start, produced)
        const to = Math.min(end, produced + piece.length)
        if (to > from) piece.copy(out, from - start, from - produced, to - produced)
        produced += piece.length
        if (produced > entry.size) {
          throw new InputError(
            `corrupt zip: entry "${entry.name}" inflates to more than its declared ${entry.size} bytes (a zip bomb?)`,
            this.path,
          )
        }
        if (produced >= end) break
      }
      await feed
    } catch (err) {
      inflater.destroy()
      await feed.catch(() => undefined)
      if (err instanceof InputError) throw err
      throw new InputError(
        `corrupt zip: entry "${entry.name}" does not inflate (${errorCode(err)})`,
        this.path,
      )
    } finally {
      inflater.destroy()
    }
    if (produced < end) {
      throw new InputError(
        `corrupt zip: entry "${entry.name}" inflates to ${produced} bytes, less than its declared ${entry.size}`,
        this.path,
      )
    }
    return out
  }

  async close(): Promise<void> {
    await this.#fh.close()
  }
}

/** One read call's most bytes: Node aborts on a read of 2^31 bytes or more. */
export const CHUNK_BYTES = 256 << 20
/** The most one entry read returns (a tensor of 4 GiB would not fit in a Float32Array's widening anyway). */
export const MAX_READ_BYTES = 2 ** 32 - 1

function errorCode(err: unknown): string {
  const e = err as NodeJS.ErrnoException
  return e?.code ?? (err instanceof Error ? err.message : String(err))
}

/** Reads exactly `length` bytes at `position`, in chunks below 2^31 bytes; InputError when the file ends first. */
export async function readExactly(
  fh: FileHandle,
  position: number,
  length: number,
  path: string,
): Promise<Buffer> {
  if (!Number.isSafeInteger(length) || length < 0 || length > MAX_READ_BYTES) {
    throw new InputError(`a read of ${length} bytes is more than LossLens reads at once`, path)
  }
  const buf = Buffer.alloc(length)
  let done = 0
  while (done < length) {
    const n = Math.min(CHUNK_BYTES, length - done)
    const { bytesRead } = await fh.read(buf, done, n, position + done)
    if (bytesRead === 0) throw new InputError(`truncated: wanted ${length} bytes at ${position}`, path)
    done += bytesRead
  }
  return buf
}

async function readCentralDirectory(
  fh: FileHandle,
  path: string,
  size: number,
): Promise<Map<string, ZipEntry>> {
  // The end record is 22 bytes plus a comment of at most 65535 bytes.
  const tailLength = Math.min(size, 22 + 65535 + 20)
  const tail = await readExactly(fh, size - tailLength, tailLength, path)
  let at = -1
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      at = i
      break
    }
  }
  if (at < 0) throw new InputError('not a zip archive (no end of central directory)', path)
  let count = tail.readUInt16LE(at + 10)
  let cdSize = tail.readUInt32LE(at + 12)
  let cdOffset = tail.readUInt32LE(at + 16)
  if (at >= 20 && tail.readUInt32LE(at - 20) === ZIP64_LOCATOR) {
    const z64Offset = Number(tail.readBigUInt64LE(at - 20 + 8))
    const z64 = await readExactly(fh, z64Offset, 56, path)
    if (z64.readUInt32LE(0) !== ZIP64_EOCD) throw new InputError('corrupt zip64 end record', path)
    count = Number(z64.readBigUInt64LE(32))
    cdSize = Number(z64.readBigUInt64LE(40))
    cdOffset = Number(z64.readBigUInt64LE(48))
  }
  if (cdOffset + cdSize > size) {
    throw new InputError(
      `corrupt zip: the central directory (${cdSize} bytes at ${cdOffset}) runs past the end of the ${size}-byte file (truncated?)`,
      path,
    )
  }
  if (count * 46 > cdSize) {
    throw new InputError(
      `corrupt zip: ${count} entries cannot fit in a ${cdSize}-byte central directory (truncated?)`,
      path,
    )
  }
  const cd = await readExactly(fh, cdOffset, cdSize, path)
  const entries = new Map<string, ZipEntry>()
  let p = 0
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL)
      throw new InputError('corrupt zip central directory', path)
    const nameLength = cd.readUInt16LE(p + 28)
    const extraLength = cd.readUInt16LE(p + 30)
    const commentLength = cd.readUInt16LE(p + 32)
    const entry: ZipEntry = {
      name: cd.toString('utf8', p + 46, p + 46 + nameLength),
      method: cd.readUInt16LE(p + 10),
      compressedSize: cd.readUInt32LE(p + 20),
      size: cd.readUInt32LE(p + 24),
      localHeaderOffset: cd.readUInt32LE(p + 42),
    }
    applyZip64Extra(entry, cd.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength))
    checkEntry(entry, size, path)
    entries.set(entry.name, entry)
    p += 46 + nameLength + extraLength + commentLength
  }
  return entries
}

/** A declared size or offset that cannot be true of a file this size is a named error, before any allocation. */
function checkEntry(e: ZipEntry, fileSize: number, path: string): void {
  if (e.localHeaderOffset + 30 > fileSize || e.localHeaderOffset + 30 + e.compressedSize > fileSize) {
    throw new InputError(
      `corrupt zip: entry "${e.name}" declares ${e.compressedSize} bytes at offset ${e.localHeaderOffset}, past the end of the ${fileSize}-byte file`,
      path,
    )
  }
  if (e.method === 0 && e.size !== e.compressedSize) {
    throw new InputError(
      `corrupt zip: stored entry "${e.name}" declares ${e.size} bytes but holds ${e.compressedSize}`,
      path,
    )
  }
  // Deflate cannot expand more than about 1032:1; a larger declared ratio is a lie (or a bomb).
  if (e.method === 8 && e.size > 1100 * e.compressedSize + 1024) {
    throw new InputError(
      `corrupt zip: entry "${e.name}" declares ${e.size} bytes from ${e.compressedSize} compressed, more than deflate can produce`,
      path,
    )
  }
}

/** Fields saturated at 0xFFFFFFFF are in the zip64 extra block, in this order. */
function applyZip64Extra(entry: ZipEntry, extra: Buffer): void {
  let p = 0
  while (p + 4 <= extra.length) {
    const id = extra.readUInt16LE(p)
    const len = extra.readUInt16LE(p + 2)
    if (id === 0x0001) {
      let q = p + 4
      const next = (): number => {
        const v = Number(extra.readBigUInt64LE(q))
        q += 8
        return v
      }
      if (entry.size === 0xffffffff) entry.size = next()
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = next()
      if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = next()
      return
    }
    p += 4 + len
  }
}

/**
 * Just enough of the zip format to read torch.save archives: the central directory (zip64
 * included, as torch writes it past 4 GB) and positional reads of stored entries, so one tensor
 * can be read without reading the others. Deflated entries (an archive re-zipped by hand) are
 * inflated whole.
 */
import { open, type FileHandle } from 'node:fs/promises'
import { inflateRawSync } from 'node:zlib'
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

  private constructor(
    readonly path: string,
    fh: FileHandle,
    entries: Map<string, ZipEntry>,
  ) {
    this.#fh = fh
    this.#entries = entries
  }

  /** Opens an archive and reads its central directory; InputError naming the file when it is not one. */
  static async open(path: string): Promise<ZipArchive> {
    const fh = await open(path, 'r')
    try {
      const entries = await readCentralDirectory(fh, path)
      return new ZipArchive(path, fh, entries)
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
    const local = await readExactly(this.#fh, entry.localHeaderOffset, 30, this.path)
    if (local.readUInt32LE(0) !== LOCAL)
      throw new InputError(`corrupt zip: bad local header for "${name}"`, this.path)
    const dataStart = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28)
    if (entry.method === 0) return readExactly(this.#fh, dataStart + start, want, this.path)
    if (entry.method === 8) {
      const whole = inflateRawSync(await readExactly(this.#fh, dataStart, entry.compressedSize, this.path))
      return whole.subarray(start, start + want)
    }
    throw new InputError(`entry "${name}" uses zip compression method ${entry.method}`, this.path)
  }

  async close(): Promise<void> {
    await this.#fh.close()
  }
}

async function readExactly(fh: FileHandle, position: number, length: number, path: string): Promise<Buffer> {
  const buf = Buffer.alloc(length)
  let done = 0
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done)
    if (bytesRead === 0) throw new InputError(`truncated: wanted ${length} bytes at ${position}`, path)
    done += bytesRead
  }
  return buf
}

async function readCentralDirectory(fh: FileHandle, path: string): Promise<Map<string, ZipEntry>> {
  const { size } = await fh.stat()
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
    entries.set(entry.name, entry)
    p += 46 + nameLength + extraLength + commentLength
  }
  return entries
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

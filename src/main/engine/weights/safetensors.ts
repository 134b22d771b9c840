/**
 * safetensors: an 8-byte little-endian header length, a JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?}`, then the tensors' bytes.
 */
import { open } from 'node:fs/promises'
import { InputError, jsonErrorWithoutText } from '../errors'
import { readExactly } from './zip-archive'
import type { Checkpoint, CheckpointTensor } from './checkpoint'
import { bytesToFloat32, ELEMENT_BYTES, elementCount, type ElementType } from './float-bits'

const DTYPES: Record<string, ElementType> = {
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  F64: 'float64',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U8: 'uint8',
  BOOL: 'bool',
}

/** The largest header read: safetensors' own limit is 100 MB, and real headers are kilobytes. */
const MAX_HEADER_BYTES = 16 << 20

interface HeaderEntry {
  dtype: string
  shape: number[]
  data_offsets: [number, number]
}

function isHeaderEntry(v: unknown): v is HeaderEntry {
  const e = v as HeaderEntry
  return (
    !!e &&
    typeof e.dtype === 'string' &&
    Array.isArray(e.shape) &&
    e.shape.every((d) => Number.isInteger(d) && d >= 0) &&
    Array.isArray(e.data_offsets) &&
    e.data_offsets.length === 2 &&
    e.data_offsets.every((o) => Number.isInteger(o) && o >= 0)
  )
}

/** Opens a .safetensors file and reads its header; values are read per tensor on demand. */
export async function openSafetensors(path: string): Promise<Checkpoint> {
  const fh = await open(path, 'r')
  try {
    const { size } = await fh.stat()
    if (size < 8)
      throw new InputError(`not a safetensors file (${size} bytes, shorter than its header length)`, path)
    const lengthBytes = await readExactly(fh, 0, 8, path)
    const headerLength = Number(lengthBytes.readBigUInt64LE(0))
    if (headerLength <= 0)
      throw new InputError(`not a safetensors file (header length ${headerLength})`, path)
    if (8 + headerLength > size) {
      throw new InputError(
        `safetensors header of ${headerLength} bytes runs past the end of the ${size}-byte file (truncated?)`,
        path,
      )
    }
    if (headerLength > MAX_HEADER_BYTES) {
      throw new InputError(
        `safetensors header of ${headerLength} bytes is larger than LossLens reads (${MAX_HEADER_BYTES}); real headers are kilobytes`,
        path,
      )
    }
    const headerBytes = await readExactly(fh, 8, headerLength, path)
    let header: Record<string, unknown>
    try {
      header = JSON.parse(headerBytes.toString('utf8')) as Record<string, unknown>
    } catch (err) {
      throw new InputError(`not a safetensors file (header is not JSON: ${jsonErrorWithoutText(err)})`, path)
    }
    if (!header || typeof header !== 'object' || Array.isArray(header))
      throw new InputError('not a safetensors file (header is not a JSON object)', path)
    const dataStart = 8 + headerLength
    const tensors: CheckpointTensor[] = []
    for (const [name, value] of Object.entries(header)) {
      if (name === '__metadata__') continue
      if (!isHeaderEntry(value)) throw new InputError(`safetensors header entry "${name}" is malformed`, path)
      const type = DTYPES[value.dtype]
      if (!type)
        throw new InputError(`tensor "${name}" has dtype ${value.dtype}, which LossLens does not read`, path)
      const [begin, end] = value.data_offsets
      const count = elementCount(value.shape)
      if (end - begin !== count * ELEMENT_BYTES[type] || dataStart + end > size) {
        throw new InputError(
          `tensor "${name}": data_offsets [${begin}, ${end}] do not fit its shape or the file`,
          path,
        )
      }
      tensors.push({
        name,
        shape: value.shape,
        elementType: type,
        // Two names over the same byte range are the same tensor (safetensors forbids overlaps otherwise).
        shareKey: `${begin}:${end}`,
        async read() {
          return bytesToFloat32(await readExactly(fh, dataStart + begin, end - begin, path), type, count)
        },
      })
    }
    return { path, format: 'safetensors', tensors, close: () => fh.close() }
  } catch (err) {
    await fh.close()
    throw err
  }
}

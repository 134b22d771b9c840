/**
 * Reading one ONNX initializer's values, wherever the protobuf scan (../onnx-proto.ts) found them:
 * raw_data, the typed repeated fields (float_data; int32_data, which also carries fp16/bf16 bit
 * patterns; int64_data; double_data), or an external data file beside the model.
 */
import { open, type FileHandle } from 'node:fs/promises'
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path'
import { InputError } from '../errors'
import {
  bfloat16BitsToFloat32,
  bytesToFloat32,
  ELEMENT_BYTES,
  halfBitsToFloat32,
  type ElementType,
} from './float-bits'

// TensorProto.DataType codes the reader can widen to float32.
const DATA_TYPES: Record<number, ElementType> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  16: 'bfloat16',
}

/** The engine's element type for a TensorProto.DataType code, or null when it has none. */
export function onnxElementType(code: number): ElementType | null {
  return DATA_TYPES[code] ?? null
}

/** Where an initializer's values are. */
export type DataRef =
  | { kind: 'raw'; start: number; end: number }
  | { kind: 'packed'; field: 'float' | 'int32' | 'int64' | 'double'; start: number; end: number }
  | { kind: 'values'; values: number[] }
  | { kind: 'external'; location: string; offset: number; length: number | null }
  | { kind: 'none' }

/** Decodes int32/int64 varints as two's complement (negatives take 10 bytes). */
export function signedVarintsOf(bytes: Uint8Array): number[] {
  const out: number[] = []
  let value = 0n
  let shift = 0n
  for (const b of bytes) {
    value |= BigInt(b & 0x7f) << shift
    shift += 7n
    if ((b & 0x80) === 0) {
      out.push(Number(BigInt.asIntN(64, value)))
      value = 0n
      shift = 0n
    }
  }
  return out
}

/** An initializer's identity and where its values are, as the protobuf scan found them. */
export interface TensorSource {
  modelPath: string
  name: string
  data: DataRef
  /** null when the data type cannot be widened to float32. */
  type: ElementType | null
  dataType: number
  count: number
}

/** Reads one initializer's values, widened to float32, checking their number against its dims. */
export async function readTensorValues(source: TensorSource): Promise<Float32Array> {
  const { modelPath: path, name, data, type, dataType, count } = source
  if (type === null)
    throw new InputError(`initializer "${name}": data type ${dataType} cannot be read as float`, path)
  const values = await decodeValues(path, name, data, type, count)
  if (values.length !== count) {
    throw new InputError(`initializer "${name}" holds ${values.length} values for ${count} elements`, path)
  }
  return values
}

async function decodeValues(
  path: string,
  name: string,
  data: DataRef,
  type: ElementType,
  count: number,
): Promise<Float32Array> {
  switch (data.kind) {
    case 'none':
      return new Float32Array(0)
    case 'values':
      return widenIntegerBits(data.values, type)
    case 'raw': {
      if (data.end - data.start !== count * ELEMENT_BYTES[type]) {
        throw new InputError(`initializer "${name}": raw_data has ${data.end - data.start} bytes`, path)
      }
      return bytesToFloat32(await readFileRange(path, data.start, data.end - data.start), type, count)
    }
    case 'packed': {
      const bytes = await readFileRange(path, data.start, data.end - data.start)
      if (data.field === 'float') return bytesToFloat32(bytes, 'float32', count)
      if (data.field === 'double') return bytesToFloat32(bytes, 'float64', count)
      return widenIntegerBits(signedVarintsOf(bytes), type)
    }
    case 'external':
      return readExternal(path, name, data, type, count)
  }
}

/** int32_data / int64_data values; fp16 and bf16 keep their bit patterns in int32_data. */
function widenIntegerBits(values: number[], type: ElementType): Float32Array {
  if (type === 'float16') return halfBitsToFloat32(Uint16Array.from(values))
  if (type === 'bfloat16') return bfloat16BitsToFloat32(Uint16Array.from(values))
  return Float32Array.from(values)
}

async function readExternal(
  modelPath: string,
  name: string,
  data: { location: string; offset: number; length: number | null },
  type: ElementType,
  count: number,
): Promise<Float32Array> {
  const folder = dirname(resolve(modelPath))
  const file = resolve(folder, data.location)
  // As onnx's own checker does: external data must stay inside the model's folder.
  const rel = relative(folder, file)
  if (isAbsolute(data.location) || rel.startsWith('..') || isAbsolute(rel)) {
    throw new InputError(
      `initializer "${name}": external data "${data.location}" is outside the model's folder`,
      modelPath,
    )
  }
  const length = data.length ?? count * ELEMENT_BYTES[type]
  let fh: FileHandle
  try {
    fh = await open(file, 'r')
  } catch {
    throw new InputError(
      `initializer "${name}": external data file "${basename(file)}" not found beside the model`,
      modelPath,
    )
  }
  try {
    const bytes = await readRange(fh, data.offset, length)
    if (bytes.length < count * ELEMENT_BYTES[type]) {
      throw new InputError(
        `initializer "${name}": external data file "${data.location}" is too short`,
        modelPath,
      )
    }
    return bytesToFloat32(bytes, type, count)
  } finally {
    await fh.close()
  }
}

async function readRange(fh: FileHandle, start: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length)
  let done = 0
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, start + done)
    if (bytesRead === 0) break
    done += bytesRead
  }
  return buf.subarray(0, done)
}

async function readFileRange(path: string, start: number, length: number): Promise<Buffer> {
  const fh = await open(path, 'r')
  try {
    return await readRange(fh, start, length)
  } finally {
    await fh.close()
  }
}

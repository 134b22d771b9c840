/**
 * A minimal reader of ONNX ModelProto files, written against onnx.proto's field numbers.
 *
 * It reads the file through positional reads and skips over every length-delimited field it does
 * not need (nodes, tensor payloads), so describing a 2 GB model reads a few kilobytes, and reading
 * one initializer's values reads only that initializer's bytes (inline or in an external data file).
 */
import { open, type FileHandle } from 'node:fs/promises'
import { InputError, checkInputFile } from './errors'
import { elementCount, type ElementType } from './weights/float-bits'
import { onnxElementType, readTensorValues, signedVarintsOf, type DataRef } from './weights/onnx-tensor-data'

/** What a model file says about itself, without its weights. */
export interface OnnxHeader {
  producer: string | null
  producerVersion: string | null
  /** Opset of the default (ai.onnx) domain. */
  opset: number | null
  irVersion: number | null
  /** Sum of the element counts of the main graph's initializers. */
  parameterCount: number
  initializerCount: number
}

/** One initializer of the main graph, with a lazy reader of its values. */
export interface OnnxInitializer {
  name: string
  dims: number[]
  /** TensorProto.DataType code (1 float, 10 float16, 16 bfloat16, ...). */
  dataType: number
  /** The engine's name of the type, or null when it cannot be widened to float32 (strings, fp8, int4). */
  elementType: ElementType | null
  elementCount: number
  /** True when the values live in an external data file. */
  external: boolean
  /** Reads the values, widened to float32. */
  readFloat32(): Promise<Float32Array>
}

/** A field's location in the file: payload [start, end) for wire types 1, 2, 5; the value for varints. */
interface Field {
  number: number
  wire: number
  start: number
  end: number
  varint: number
}

class ProtoError extends Error {}

// Read-ahead per positional read: enough for a node or tensor header, small next to any weight.
const WINDOW_BYTES = 16384

/** Buffered positional reads over one open file. */
class FileWindow {
  #buf: Buffer = Buffer.alloc(0)
  #start = 0

  constructor(
    readonly fh: FileHandle,
    readonly size: number,
  ) {}

  /** Makes bytes [pos, pos + n) (clamped to the file) addressable through `byte()`/`slice()`. */
  async ensure(pos: number, n: number): Promise<void> {
    const end = Math.min(this.size, pos + n)
    if (pos >= this.#start && end <= this.#start + this.#buf.length) return
    const length = Math.max(end - pos, Math.min(WINDOW_BYTES, this.size - pos))
    this.#buf = Buffer.alloc(length)
    const { bytesRead } = await this.fh.read(this.#buf, 0, length, pos)
    this.#buf = this.#buf.subarray(0, bytesRead)
    this.#start = pos
  }

  byte(pos: number): number {
    const b = this.#buf[pos - this.#start]
    if (b === undefined) throw new ProtoError(`unexpected end of data at byte ${pos}`)
    return b
  }

  async slice(start: number, end: number): Promise<Buffer> {
    await this.ensure(start, end - start)
    return this.#buf.subarray(start - this.#start, end - this.#start)
  }
}

/** Decodes a varint at `pos` (within `limit`); numbers above 2^53 lose precision, which no ONNX count reaches. */
function readVarint(win: FileWindow, pos: number, limit: number): { value: number; next: number } {
  let value = 0
  let scale = 1
  for (let i = 0; i < 10; i++) {
    if (pos >= limit) throw new ProtoError(`truncated varint at byte ${pos}`)
    const b = win.byte(pos++)
    value += (b & 0x7f) * scale
    if ((b & 0x80) === 0) return { value, next: pos }
    scale *= 128
  }
  throw new ProtoError(`varint longer than 10 bytes at byte ${pos}`)
}

/** Iterates the fields of the message occupying [start, end). */
async function* fields(win: FileWindow, start: number, end: number): AsyncGenerator<Field> {
  let pos = start
  while (pos < end) {
    await win.ensure(pos, 20)
    const tag = readVarint(win, pos, end)
    const number = Math.floor(tag.value / 8)
    const wire = tag.value % 8
    if (number === 0) throw new ProtoError(`field number 0 at byte ${pos}`)
    pos = tag.next
    let field: Field
    if (wire === 0) {
      const v = readVarint(win, pos, end)
      field = { number, wire, start: pos, end: v.next, varint: v.value }
    } else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4
      field = { number, wire, start: pos, end: pos + size, varint: 0 }
    } else if (wire === 2) {
      const len = readVarint(win, pos, end)
      field = { number, wire, start: len.next, end: len.next + len.value, varint: 0 }
    } else {
      throw new ProtoError(`unsupported wire type ${wire} at byte ${pos}`)
    }
    if (field.end > end) throw new ProtoError(`field ${number} runs past its message at byte ${pos}`)
    yield field
    pos = field.end
  }
}

function expectWire(f: Field, wire: number, what: string): void {
  if (f.wire !== wire)
    throw new ProtoError(`${what} (field ${f.number}) has wire type ${f.wire}, not ${wire}`)
}

async function readString(win: FileWindow, f: Field, what: string): Promise<string> {
  expectWire(f, 2, what)
  return (await win.slice(f.start, f.end)).toString('utf8')
}

/** Decodes the varints packed in [start, end) (non-negative values: dims, fp16 bit patterns). */
async function packedVarints(win: FileWindow, start: number, end: number): Promise<number[]> {
  const out: number[] = []
  let pos = start
  while (pos < end) {
    await win.ensure(pos, 10)
    const v = readVarint(win, pos, end)
    out.push(v.value)
    pos = v.next
  }
  return out
}

interface ModelScan {
  header: OnnxHeader
  tensors: Array<{ name: string; dims: number[]; dataType: number; data: DataRef }>
}

/** Reads a TensorProto's metadata and where its values are, skipping the values themselves. */
async function scanTensor(win: FileWindow, start: number, end: number) {
  let name = ''
  const dims: number[] = []
  let dataType = 0
  let data: DataRef = { kind: 'none' }
  let external = false
  const externalInfo: Record<string, string> = {}
  const loose: number[] = []
  for await (const f of fields(win, start, end)) {
    switch (f.number) {
      case 1: // dims: repeated int64, packed or not
        if (f.wire === 0) dims.push(f.varint)
        else dims.push(...(await packedVarints(win, f.start, f.end)))
        break
      case 2:
        expectWire(f, 0, 'TensorProto.data_type')
        dataType = f.varint
        break
      case 8:
        name = await readString(win, f, 'TensorProto.name')
        break
      case 9:
        expectWire(f, 2, 'TensorProto.raw_data')
        data = { kind: 'raw', start: f.start, end: f.end }
        break
      case 4: // float_data
      case 5: // int32_data
      case 7: // int64_data
      case 10: {
        // double_data
        const field = ({ 4: 'float', 5: 'int32', 7: 'int64', 10: 'double' } as const)[f.number]
        if (f.wire === 2) data = { kind: 'packed', field, start: f.start, end: f.end }
        else loose.push(...(await looseValue(win, f)))
        break
      }
      case 13: {
        expectWire(f, 2, 'TensorProto.external_data')
        let key = ''
        let value = ''
        for await (const e of fields(win, f.start, f.end)) {
          if (e.number === 1) key = await readString(win, e, 'StringStringEntryProto.key')
          if (e.number === 2) value = await readString(win, e, 'StringStringEntryProto.value')
        }
        externalInfo[key] = value
        break
      }
      case 14:
        external = f.varint === 1
        break
    }
  }
  if (loose.length > 0) data = { kind: 'values', values: loose }
  if (external) {
    const location = externalInfo.location
    if (!location) throw new ProtoError(`initializer "${name}" has external data without a location`)
    const length = externalInfo.length === undefined ? null : Number(externalInfo.length)
    data = { kind: 'external', location, offset: Number(externalInfo.offset ?? 0), length }
  }
  return { name, dims, dataType, data }
}

/** One unpacked repeated numeric value (proto2 writers may emit them unpacked). */
async function looseValue(win: FileWindow, f: Field): Promise<number[]> {
  if (f.wire === 0) return signedVarintsOf(await win.slice(f.start, f.end))
  const bytes = await win.slice(f.start, f.end)
  return [f.wire === 5 ? bytes.readFloatLE(0) : bytes.readDoubleLE(0)]
}

async function scanModel(win: FileWindow, withTensors: boolean): Promise<ModelScan> {
  const header: OnnxHeader = {
    producer: null,
    producerVersion: null,
    opset: null,
    irVersion: null,
    parameterCount: 0,
    initializerCount: 0,
  }
  const tensors: ModelScan['tensors'] = []
  let sawGraph = false
  for await (const f of fields(win, 0, win.size)) {
    if (f.number === 1) {
      expectWire(f, 0, 'ModelProto.ir_version')
      header.irVersion = f.varint
    } else if (f.number === 2) header.producer = await readString(win, f, 'ModelProto.producer_name')
    else if (f.number === 3) header.producerVersion = await readString(win, f, 'ModelProto.producer_version')
    else if (f.number === 8) {
      expectWire(f, 2, 'ModelProto.opset_import')
      let domain = ''
      let version: number | null = null
      for await (const o of fields(win, f.start, f.end)) {
        if (o.number === 1) domain = await readString(win, o, 'OperatorSetIdProto.domain')
        if (o.number === 2) version = o.varint
      }
      if ((domain === '' || domain === 'ai.onnx') && version !== null) header.opset = version
    } else if (f.number === 7) {
      expectWire(f, 2, 'ModelProto.graph')
      sawGraph = true
      for await (const g of fields(win, f.start, f.end)) {
        if (g.number !== 5) continue // nodes, inputs, outputs: skipped unread
        expectWire(g, 2, 'GraphProto.initializer')
        const t = await scanTensor(win, g.start, g.end)
        header.initializerCount++
        header.parameterCount += elementCount(t.dims)
        if (withTensors) tensors.push(t)
      }
    }
  }
  if (!sawGraph) throw new ProtoError('it has no graph')
  return { header, tensors }
}

async function withModelFile<T>(path: string, body: (win: FileWindow) => Promise<T>): Promise<T> {
  await checkInputFile(path, undefined, 'ONNX model')
  let fh: FileHandle
  try {
    fh = await open(path, 'r')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new InputError(code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? String(err)})`, path)
  }
  try {
    const { size } = await fh.stat()
    if (size === 0) throw new InputError('not an ONNX model: the file is empty', path)
    return await body(new FileWindow(fh, size))
  } catch (err) {
    if (err instanceof ProtoError) throw new InputError(`not an ONNX model (protobuf: ${err.message})`, path)
    throw err
  } finally {
    await fh.close()
  }
}

/** Producer, opset and parameter count of an ONNX model, without reading its weights. */
export async function readOnnxHeader(path: string): Promise<OnnxHeader> {
  return withModelFile(path, async (win) => (await scanModel(win, false)).header)
}

/** The main graph's initializers with lazy float32 readers (inline, packed or external data). */
export async function readOnnxInitializers(path: string): Promise<OnnxInitializer[]> {
  const { tensors } = await withModelFile(path, (win) => scanModel(win, true))
  return tensors.map((t) => {
    const elementType = onnxElementType(t.dataType)
    const count = elementCount(t.dims)
    return {
      name: t.name,
      dims: t.dims,
      dataType: t.dataType,
      elementType,
      elementCount: count,
      external: t.data.kind === 'external',
      readFloat32: () =>
        readTensorValues({
          modelPath: path,
          name: t.name,
          data: t.data,
          type: elementType,
          dataType: t.dataType,
          count,
        }),
    }
  })
}

/** A main-graph input or output as the file declares it. */
export interface OnnxValueInfo {
  name: string
  /** TensorProto.DataType code of a tensor value (1 float, 7 int64, 10 float16, ...); 0 when not a tensor. */
  elemType: number
  /** Declared rank, or null when the file declares no shape. */
  rank: number | null
}

/** What appending nodes to a model's main graph must know: its opset, names in use and its interface. */
export interface OnnxGraphSurface {
  opset: number | null
  irVersion: number | null
  inputs: OnnxValueInfo[]
  outputs: OnnxValueInfo[]
  /** Every name the main graph defines: inputs, initializers, node outputs, and its node names. */
  names: Set<string>
  /** True when some initializer keeps its values in an external data file. */
  externalData: boolean
  /** Number of ModelProto.graph fields: a file that already carries more than one is not ours to merge into. */
  graphFields: number
}

async function scanValueInfo(win: FileWindow, start: number, end: number): Promise<OnnxValueInfo> {
  let name = ''
  let elemType = 0
  let rank: number | null = null
  for await (const f of fields(win, start, end)) {
    if (f.number === 1) name = await readString(win, f, 'ValueInfoProto.name')
    else if (f.number === 2) {
      expectWire(f, 2, 'ValueInfoProto.type')
      for await (const t of fields(win, f.start, f.end)) {
        if (t.number !== 1) continue // sequence, map, optional: not a tensor
        expectWire(t, 2, 'TypeProto.tensor_type')
        for await (const tt of fields(win, t.start, t.end)) {
          if (tt.number === 1) elemType = tt.varint
          else if (tt.number === 2) {
            expectWire(tt, 2, 'TypeProto.Tensor.shape')
            rank = 0
            for await (const d of fields(win, tt.start, tt.end)) if (d.number === 1) rank++
          }
        }
      }
    }
  }
  return { name, elemType, rank }
}

/**
 * The main graph's interface and the names it defines, read without its weights (for graph-targets.ts,
 * which appends nodes to it).
 */
export async function readOnnxGraphSurface(path: string): Promise<OnnxGraphSurface> {
  return withModelFile(path, async (win) => {
    const out: OnnxGraphSurface = {
      opset: null,
      irVersion: null,
      inputs: [],
      outputs: [],
      names: new Set(),
      externalData: false,
      graphFields: 0,
    }
    for await (const f of fields(win, 0, win.size)) {
      if (f.number === 1) {
        expectWire(f, 0, 'ModelProto.ir_version')
        out.irVersion = f.varint
      } else if (f.number === 8) {
        expectWire(f, 2, 'ModelProto.opset_import')
        let domain = ''
        let version: number | null = null
        for await (const o of fields(win, f.start, f.end)) {
          if (o.number === 1) domain = await readString(win, o, 'OperatorSetIdProto.domain')
          if (o.number === 2) version = o.varint
        }
        if ((domain === '' || domain === 'ai.onnx') && version !== null) out.opset = version
      } else if (f.number === 7) {
        expectWire(f, 2, 'ModelProto.graph')
        out.graphFields++
        for await (const g of fields(win, f.start, f.end)) {
          if (g.number === 1) {
            expectWire(g, 2, 'GraphProto.node')
            for await (const n of fields(win, g.start, g.end)) {
              if (n.number === 2) out.names.add(await readString(win, n, 'NodeProto.output'))
              else if (n.number === 3) out.names.add(await readString(win, n, 'NodeProto.name'))
            }
          } else if (g.number === 5) {
            expectWire(g, 2, 'GraphProto.initializer')
            const t = await scanTensor(win, g.start, g.end)
            out.names.add(t.name)
            if (t.data.kind === 'external') out.externalData = true
          } else if (g.number === 11 || g.number === 12) {
            expectWire(g, 2, g.number === 11 ? 'GraphProto.input' : 'GraphProto.output')
            const info = await scanValueInfo(win, g.start, g.end)
            if (g.number === 11) {
              out.inputs.push(info)
              out.names.add(info.name)
            } else out.outputs.push(info)
          }
        }
      }
    }
    if (out.graphFields === 0) throw new ProtoError('it has no graph')
    return out
  })
}

/**
 * Hostile inputs, generated at run time: truncated and bit-flipped ONNX, zip and safetensors files
 * with sizes that lie, bombs, malicious pickles, long lines, invalid UTF-8, folders, devices, links.
 * Nothing here is committed as a binary; each builder writes into the folder it is given.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { deflateRawSync } from 'node:zlib'
import { REPO } from '../engine/fixtures'

export const DEMO = join(REPO, 'resources/demo')
export const DEMO_MODEL = join(DEMO, 'checkpoints/final/model.onnx')
export const DEMO_TOKENIZER = join(DEMO, 'tokenizer.json')
export const DEMO_DATA = join(DEMO, 'eval_data_from_train.json')
export const DEMO_TRAIN = join(DEMO, 'train.jsonl')
export const DEMO_LOG = join(DEMO, 'train.log')

/** The demo model, tokenizer and the seed's split (L = 64, P = 30) on `data`: the flags every analyze case starts from. */
export function demoAnalyzeFlags(data: string): string[] {
  return [
    '--model',
    DEMO_MODEL,
    '--tokenizer',
    DEMO_TOKENIZER,
    '--data',
    data,
    '--input-length',
    '64',
    '--predict-length',
    '30',
  ]
}
export const TINY_ONNX = join(REPO, 'test/fixtures/weights/tiny.onnx')
export const TINY_PTH = join(REPO, 'test/fixtures/weights/tiny.pth')
export const TINY_SAFETENSORS = join(REPO, 'test/fixtures/weights/tiny.safetensors')

/** A secret that no reply or message may ever quote (it stands for /etc/passwd, keys, ...). */
export const SECRET = 'S3CRET-do-not-echo-7f3a9c'

/** Deterministic pseudo-random bytes. */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x / 4294967296
  }
}

export function flipBits(buf: Buffer, count: number, seed: number, from = 0): Buffer {
  const out = Buffer.from(buf)
  const r = prng(seed)
  for (let i = 0; i < count; i++) {
    const at = from + Math.floor(r() * (out.length - from))
    out[at]! ^= 1 << Math.floor(r() * 8)
  }
  return out
}

// ---------- zip ----------

export interface ZipEntrySpec {
  name: string
  data: Buffer
  deflate?: boolean
  /** Lies written into the central directory. */
  declaredSize?: number
  declaredCompressed?: number
  declaredOffset?: number
}

/** A zip archive (what torch.save writes), with optional lies in its central directory. */
export function makeZip(
  entries: ZipEntrySpec[],
  o: { cdCount?: number; cdSizeDelta?: number; cdOffsetDelta?: number } = {},
): Buffer {
  const parts: Buffer[] = []
  const central: Buffer[] = []
  let offset = 0
  for (const e of entries) {
    const body = e.deflate ? deflateRawSync(e.data) : e.data
    const name = Buffer.from(e.name)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(e.deflate ? 8 : 0, 8)
    local.writeUInt32LE(body.length, 18)
    local.writeUInt32LE(e.data.length, 22)
    local.writeUInt16LE(name.length, 26)
    parts.push(local, name, body)
    const cd = Buffer.alloc(46)
    cd.writeUInt32LE(0x02014b50, 0)
    cd.writeUInt16LE(20, 4)
    cd.writeUInt16LE(20, 6)
    cd.writeUInt16LE(e.deflate ? 8 : 0, 10)
    cd.writeUInt32LE(e.declaredCompressed ?? body.length, 20)
    cd.writeUInt32LE(e.declaredSize ?? e.data.length, 24)
    cd.writeUInt16LE(name.length, 28)
    cd.writeUInt32LE(e.declaredOffset ?? offset, 42)
    central.push(cd, name)
    offset += 30 + name.length + body.length
  }
  const cdBuf = Buffer.concat(central)
  const eocd = Buffer.alloc(22)
  eocd.writeUInt32LE(0x06054b50, 0)
  eocd.writeUInt16LE(o.cdCount ?? entries.length, 8)
  eocd.writeUInt16LE(o.cdCount ?? entries.length, 10)
  eocd.writeUInt32LE(cdBuf.length + (o.cdSizeDelta ?? 0), 12)
  eocd.writeUInt32LE(offset + (o.cdOffsetDelta ?? 0), 16)
  return Buffer.concat([...parts, cdBuf, eocd])
}

// ---------- pickles ----------

/** Protocol-2 pickle: GLOBAL module.name, called with one string (what os.system("id") pickles to). */
export function callPickle(module: string, name: string, arg = 'id'): Buffer {
  const a = Buffer.from(arg)
  const len = Buffer.alloc(4)
  len.writeUInt32LE(a.length)
  return Buffer.concat([
    Buffer.from([0x80, 0x02]),
    Buffer.from(`c${module}\n${name}\n`),
    Buffer.from('X'),
    len,
    a,
    Buffer.from([0x85]), // TUPLE1
    Buffer.from('R.'), // REDUCE, STOP
  ])
}

/** Protocol-4 STACK_GLOBAL form of the same call. */
export function stackGlobalPickle(module: string, name: string): Buffer {
  const s = (t: string) => Buffer.concat([Buffer.from([0x8c, t.length]), Buffer.from(t)])
  return Buffer.concat([
    Buffer.from([0x80, 0x04]),
    s(module),
    s(name),
    Buffer.from([0x93]), // STACK_GLOBAL
    s('id'),
    Buffer.from([0x85]),
    Buffer.from('R.'),
  ])
}

/** INST opcode: `i module\nname\n` builds an object of a class with the marked arguments. */
export function instPickle(module: string, name: string): Buffer {
  return Buffer.concat([Buffer.from('(X\x02\x00\x00\x00id'), Buffer.from(`i${module}\n${name}\n.`)])
}

/** A torch.save-shaped zip whose data.pkl is `pickle`. */
export function torchZip(pickle: Buffer, extra: ZipEntrySpec[] = []): Buffer {
  return makeZip([
    { name: 'archive/data.pkl', data: pickle },
    { name: 'archive/byteorder', data: Buffer.from('little') },
    ...extra,
  ])
}

/** data.pkl of a state_dict {"w": FloatStorage tensor of `shape`} stored under key "0". */
export function stateDictPickle(shape: number[], numel = shape.reduce((a, b) => a * b, 1)): Buffer {
  // {'w': torch._utils._rebuild_tensor_v2(persistent_load(('storage', FloatStorage, '0', 'cpu', numel)), 0, shape, stride, False, OrderedDict())}
  const int = (n: number) => {
    if (n < 2 ** 31) {
      const b = Buffer.alloc(5)
      b[0] = 0x4a // BININT
      b.writeInt32LE(n, 1)
      return b
    }
    const b = Buffer.alloc(10)
    b[0] = 0x8a // LONG1
    b[1] = 8
    b.writeBigInt64LE(BigInt(n), 2)
    return b.subarray(0, 10)
  }
  const str = (t: string) => {
    const b = Buffer.alloc(5)
    b[0] = 0x58
    b.writeUInt32LE(t.length, 1)
    return Buffer.concat([b, Buffer.from(t)])
  }
  const tuple = (items: Buffer[]) => Buffer.concat([Buffer.from('('), ...items, Buffer.from('t')])
  const strides: number[] = []
  let acc = 1
  for (let i = shape.length - 1; i >= 0; i--) {
    strides.unshift(acc)
    acc *= shape[i]!
  }
  return Buffer.concat([
    Buffer.from([0x80, 0x02]),
    Buffer.from('}'), // EMPTY_DICT
    str('w'),
    Buffer.from('ctorch._utils\n_rebuild_tensor_v2\n'),
    Buffer.from('('),
    tuple([str('storage'), Buffer.from('ctorch\nFloatStorage\n'), str('0'), str('cpu'), int(numel)]),
    Buffer.from('Q'), // BINPERSID
    int(0),
    tuple(shape.map(int)),
    tuple(strides.map(int)),
    Buffer.from([0x89]), // NEWFALSE
    Buffer.from('ccollections\nOrderedDict\n)R'),
    Buffer.from('tR'),
    Buffer.from('s.'), // SETITEM, STOP
  ])
}

// ---------- safetensors ----------

export function safetensors(header: unknown, data = Buffer.alloc(0), declaredLength?: bigint): Buffer {
  const h = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header))
  const len = Buffer.alloc(8)
  len.writeBigUInt64LE(declaredLength ?? BigInt(h.length))
  return Buffer.concat([len, h, data])
}

// ---------- text ----------

/** A file of `bytes` bytes with no newline, written in chunks (never whole in memory). */
export function writeLongLine(file: string, bytes: number, char = 'a'): void {
  const fd = fs.openSync(file, 'w')
  const chunk = Buffer.alloc(Math.min(bytes, 8 << 20), char)
  for (let done = 0; done < bytes; done += chunk.length)
    fs.writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - done))
  fs.closeSync(fd)
}

/** A sparse file of `bytes` bytes (zeros), instant to make. */
export function writeSparse(file: string, bytes: number, head = Buffer.alloc(0)): void {
  const fd = fs.openSync(file, 'w')
  fs.writeSync(fd, head, 0, head.length, 0)
  fs.ftruncateSync(fd, bytes)
  fs.closeSync(fd)
}

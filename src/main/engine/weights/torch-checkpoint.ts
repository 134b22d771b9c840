/**
 * torch.save archives (torch >= 1.6): `<name>/data.pkl` describes the object, `<name>/data/<key>`
 * holds each storage's raw little-endian bytes. The pickle is interpreted with a whitelist of the
 * globals a state_dict needs, so loading a checkpoint can never run code.
 */
import { InputError } from '../errors'
import type { Checkpoint, CheckpointTensor } from './checkpoint'
import { bytesToFloat32, ELEMENT_BYTES, elementCount, type ElementType } from './float-bits'
import { PyDict, PyGlobal, PyOpaque, PyTuple, unpickle, type PickleHooks, type PyValue } from './pickle'
import { ZipArchive } from './zip-archive'
import { open } from 'node:fs/promises'

const STORAGE_TYPES: Record<string, ElementType> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
}

/** The most data.pkl LossLens interprets: a real state_dict's pickle is kilobytes. */
const MAX_PICKLE_BYTES = 64 << 20

/** Keys under which training scripts nest the state_dict in a larger checkpoint. */
const NESTED_KEYS = ['model', 'state_dict', 'model_state_dict', 'module', 'net']

interface StorageRef {
  key: string
  type: ElementType
  numel: number
}

interface TensorRecord {
  storage: StorageRef
  offset: number
  size: number[]
  stride: number[]
}

/** The whitelist: what each allowed global means, and the refusal for everything else. */
function stateDictHooks(file: string): PickleHooks {
  return {
    refuse(g) {
      if (g.module === 'collections' && g.name === 'OrderedDict') return null
      if (g.module === 'torch._utils' && (g.name === '_rebuild_tensor_v2' || g.name === '_rebuild_parameter'))
        return null
      if (g.module === 'torch' && g.name in STORAGE_TYPES) return null
      if (g.module === 'torch' && g.name.endsWith('Storage'))
        return `pickle uses ${g.qualified}, a storage type LossLens does not read`
      return `pickle calls ${g.qualified}, which a state_dict never needs`
    },
    call(g, args) {
      if (g.name === 'OrderedDict') {
        const dict = new PyDict()
        const pairs = args[0]
        if (Array.isArray(pairs))
          for (const p of pairs) if (p instanceof PyTuple) dict.map.set(p.items[0] as string, p.items[1]!)
        return dict
      }
      if (g.name === '_rebuild_parameter') return args[0] ?? null
      if (g.name === '_rebuild_tensor_v2') return new PyOpaque(tensorRecord(args, file))
      throw new InputError(`refused: pickle calls ${g.qualified} as a function`, file)
    },
    persistentLoad(pid) {
      const items = pid instanceof PyTuple ? pid.items : []
      const [tag, type, key, , numel] = items
      if (
        tag !== 'storage' ||
        !(type instanceof PyGlobal) ||
        typeof key !== 'string' ||
        typeof numel !== 'number'
      ) {
        throw new InputError('refused: a persistent id that is not a torch storage', file)
      }
      return new PyOpaque({ key, type: STORAGE_TYPES[type.name]!, numel } satisfies StorageRef)
    },
  }
}

function tensorRecord(args: PyValue[], file: string): TensorRecord {
  const [storage, offset, size, stride] = args
  const ints = (v: PyValue | undefined): number[] | null =>
    v instanceof PyTuple && v.items.every((x) => typeof x === 'number') ? (v.items as number[]) : null
  const shape = ints(size)
  const strides = ints(stride)
  if (!(storage instanceof PyOpaque) || typeof offset !== 'number' || !shape || !strides) {
    throw new InputError('refused: _rebuild_tensor_v2 with arguments a state_dict never has', file)
  }
  return { storage: storage.value as StorageRef, offset, size: shape, stride: strides }
}

/** Finds the name -> tensor mapping: the top-level dict, or one nested under a usual key. */
function findStateDict(root: PyValue, file: string): Array<[string, TensorRecord]> {
  const tensorsOf = (d: PyDict): Array<[string, TensorRecord]> => {
    const out: Array<[string, TensorRecord]> = []
    for (const [k, v] of d.map) {
      if (typeof k === 'string' && v instanceof PyOpaque) out.push([k, v.value as TensorRecord])
    }
    return out
  }
  if (!(root instanceof PyDict)) throw new InputError('the pickle is not a dict of tensors', file)
  const direct = tensorsOf(root)
  if (direct.length > 0) return direct
  for (const key of NESTED_KEYS) {
    const nested = root.map.get(key)
    if (nested instanceof PyDict && tensorsOf(nested).length > 0) return tensorsOf(nested)
  }
  const keys = [...root.map.keys()].filter((k) => typeof k === 'string').slice(0, 8)
  throw new InputError(`no tensors found (top-level keys: ${keys.join(', ') || 'none'})`, file)
}

function isContiguous(size: number[], stride: number[]): boolean {
  let expected = 1
  for (let i = size.length - 1; i >= 0; i--) {
    if (size[i] !== 1 && stride[i] !== expected) return false
    expected *= size[i]!
  }
  return true
}

/** Gathers a strided view out of its whole storage. */
function gather(storage: Float32Array, t: TensorRecord): Float32Array {
  const out = new Float32Array(elementCount(t.size))
  const index = new Array<number>(t.size.length).fill(0)
  for (let i = 0; i < out.length; i++) {
    let at = t.offset
    for (let d = 0; d < index.length; d++) at += index[d]! * t.stride[d]!
    out[i] = storage[at]!
    for (let d = index.length - 1; d >= 0; d--) {
      if (++index[d]! < t.size[d]!) break
      index[d] = 0
    }
  }
  return out
}

/** Opens a torch.save zip archive and reads its state_dict's tensor records (not their values). */
export async function openTorchCheckpoint(path: string): Promise<Checkpoint> {
  const zip = await ZipArchive.open(path)
  try {
    const pkl = zip.names().find((n) => n === 'data.pkl' || /^[^/]+\/data\.pkl$/.test(n))
    if (!pkl) throw new InputError('a zip archive without data.pkl: not a torch.save checkpoint', path)
    const prefix = pkl.slice(0, -'data.pkl'.length)
    const pklSize = zip.size(pkl)!
    if (pklSize > MAX_PICKLE_BYTES) {
      throw new InputError(
        `${pkl} is ${pklSize} bytes; a state_dict's pickle is far smaller (at most ${MAX_PICKLE_BYTES} read)`,
        path,
      )
    }
    const orderSize = zip.size(`${prefix}byteorder`)
    if (orderSize !== undefined && orderSize > 16)
      throw new InputError(`${prefix}byteorder is ${orderSize} bytes, not "little" or "big"`, path)
    const order = orderSize ? (await zip.read(`${prefix}byteorder`)).toString() : 'little'
    if (order.trim() !== 'little')
      throw new InputError(`storages are ${order.trim()}-endian; only little-endian is read`, path)
    const root = unpickle(await zip.read(pkl), stateDictHooks(path), path)
    const tensors = findStateDict(root, path).map(([name, t]): CheckpointTensor => {
      const entry = `${prefix}data/${t.storage.key}`
      const bytes = ELEMENT_BYTES[t.storage.type]
      return {
        name,
        shape: t.size,
        elementType: t.storage.type,
        shareKey: `${t.storage.key}@${t.offset}:${t.size.join('x')}:${t.stride.join('x')}`,
        async read() {
          const count = elementCount(t.size)
          if (count === 0) return new Float32Array(0)
          if (isContiguous(t.size, t.stride)) {
            return bytesToFloat32(
              await zip.read(entry, t.offset * bytes, count * bytes),
              t.storage.type,
              count,
            )
          }
          const whole = await zip.read(entry, 0, t.storage.numel * bytes)
          return gather(bytesToFloat32(whole, t.storage.type, t.storage.numel), t)
        },
      }
    })
    return { path, format: 'pth', tensors, close: () => zip.close() }
  } catch (err) {
    await zip.close()
    throw err
  }
}

// The first pickle of the pre-1.6 torch.save format is this magic number.
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn
const BARE_PICKLE_READ = 16 << 20

/**
 * A file that is a pickle but not a zip: the legacy torch.save format, or a bare pickle. Its first
 * pickle is still interpreted under the whitelist, so a malicious one is named as such; either
 * way it is not read further.
 */
export async function refuseBarePickle(path: string): Promise<never> {
  const fh = await open(path, 'r')
  let bytes: Buffer
  try {
    const size = Math.min((await fh.stat()).size, BARE_PICKLE_READ)
    bytes = Buffer.alloc(size)
    await fh.read(bytes, 0, size, 0)
  } finally {
    await fh.close()
  }
  let first: PyValue
  try {
    first = unpickle(bytes, stateDictHooks(path), path)
  } catch (err) {
    if (err instanceof InputError && /refused: pickle (calls|uses)/.test(err.message)) throw err
    first = null
  }
  if (first === LEGACY_MAGIC) {
    throw new InputError(
      'legacy torch.save format (before torch 1.6, or _use_new_zipfile_serialization=False) is not read; ' +
        're-save it with torch >= 1.6: torch.save(torch.load(f), f2)',
      path,
    )
  }
  throw new InputError('a bare pickle, not a torch.save checkpoint (a zip archive) or .safetensors', path)
}

/**
 * A pickle interpreter that executes nothing: it understands the opcodes torch.save writes for a
 * state_dict (protocol 2, also 3-5 framing) and builds plain values. Every GLOBAL must be in the
 * caller's whitelist, which supplies what "calling" it means (an OrderedDict, a tensor record);
 * anything else is refused before it is ever used, naming the global.
 */
import { InputError } from '../errors'

/** A Python tuple (kept apart from lists so persistent ids and shapes read naturally). */
export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

/** A Python dict or OrderedDict, in insertion order. Keys are compared by value for str/int. */
export class PyDict {
  readonly map = new Map<PyKey, PyValue>()
  /** State set by BUILD (an OrderedDict's `_metadata`), kept but never interpreted. */
  state: PyValue = null
}

/** A whitelisted global, as loaded by GLOBAL / STACK_GLOBAL. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`
  }
}

/** A value the caller's whitelist produced (a tensor record, a storage). */
export class PyOpaque {
  constructor(readonly value: unknown) {}
}

export type PyKey = string | number | bigint | boolean | null | PyTuple
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyValue[]
  | PyTuple
  | PyDict
  | PyGlobal
  | PyOpaque
  | Set<PyKey>

/** What the caller allows: the globals a pickle may name, how to call them, and persistent ids. */
export interface PickleHooks {
  /** Why a global is not allowed, or null when it is. */
  refuse(global: PyGlobal): string | null
  /** REDUCE / NEWOBJ on an allowed global. */
  call(global: PyGlobal, args: PyValue[]): PyValue
  /** BINPERSID: torch's storage references. */
  persistentLoad(pid: PyValue): PyValue
}

const MARK = Symbol('mark')
type StackItem = PyValue | typeof MARK

/** Interprets a pickle; InputError naming `file` on an unknown opcode or a refused global. */
export function unpickle(bytes: Uint8Array, hooks: PickleHooks, file: string): PyValue {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const stack: StackItem[] = []
  const memo = new Map<number, PyValue>()
  let pos = 0

  const fail = (why: string): never => {
    throw new InputError(`refused: ${why}`, file)
  }
  const need = (n: number): number => {
    if (pos + n > data.length) fail(`pickle truncated at byte ${pos}`)
    const at = pos
    pos += n
    return at
  }
  const pop = (): PyValue => {
    const v = stack.pop()
    if (v === undefined || v === MARK) return fail(`malformed pickle: stack underflow at byte ${pos}`)
    return v
  }
  const top = (): PyValue => {
    const v = stack[stack.length - 1]
    if (v === undefined || v === MARK) return fail(`malformed pickle: empty stack at byte ${pos}`)
    return v
  }
  const popMark = (): PyValue[] => {
    const at = stack.lastIndexOf(MARK)
    if (at < 0) fail(`malformed pickle: no MARK at byte ${pos}`)
    const items = stack.splice(at) as PyValue[]
    items.shift()
    return items
  }
  const line = (): string => {
    const end = data.indexOf(0x0a, pos)
    if (end < 0) fail('pickle truncated in a GLOBAL')
    const text = data.toString('utf8', pos, end)
    pos = end + 1
    return text
  }
  const loadGlobal = (module: string, name: string): PyGlobal => {
    const g = new PyGlobal(module, name)
    const why = hooks.refuse(g)
    if (why !== null) fail(why)
    return g
  }
  const setItems = (target: PyValue, items: PyValue[]): void => {
    if (!(target instanceof PyDict)) fail('SETITEMS on something that is not a dict')
    const dict = target as PyDict
    for (let i = 0; i + 1 < items.length; i += 2) dict.map.set(asKey(items[i]!, fail), items[i + 1]!)
  }
  const text = (at: number, n: number): string => data.toString('utf8', at, at + n)
  const uint64 = (at: number): number => Number(data.readBigUInt64LE(at))

  for (;;) {
    const op = data[need(1)]!
    switch (op) {
      case 0x80: // PROTO
        need(1)
        break
      case 0x95: // FRAME: framing only, the frame's contents follow inline
        need(8)
        break
      case 0x2e: // STOP
        return pop()
      case 0x28: // MARK
        stack.push(MARK)
        break
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict())
        break
      case 0x5d: // EMPTY_LIST
        stack.push([])
        break
      case 0x29: // EMPTY_TUPLE
        stack.push(new PyTuple([]))
        break
      case 0x8f: // EMPTY_SET
        stack.push(new Set<PyKey>())
        break
      case 0x4e: // NONE
        stack.push(null)
        break
      case 0x88: // NEWTRUE
        stack.push(true)
        break
      case 0x89: // NEWFALSE
        stack.push(false)
        break
      case 0x4a: // BININT
        stack.push(data.readInt32LE(need(4)))
        break
      case 0x4b: // BININT1
        stack.push(data[need(1)]!)
        break
      case 0x4d: // BININT2
        stack.push(data.readUInt16LE(need(2)))
        break
      case 0x8a: // LONG1
      case 0x8b: {
        // LONG4
        const n = op === 0x8a ? data[need(1)]! : data.readUInt32LE(need(4))
        stack.push(littleEndianSigned(data.subarray(need(n), pos)))
        break
      }
      case 0x47: // BINFLOAT (big-endian)
        stack.push(data.readDoubleBE(need(8)))
        break
      case 0x58: {
        // BINUNICODE
        const n = data.readUInt32LE(need(4))
        stack.push(text(need(n), n))
        break
      }
      case 0x8c: {
        // SHORT_BINUNICODE
        const n = data[need(1)]!
        stack.push(text(need(n), n))
        break
      }
      case 0x8d: {
        // BINUNICODE8
        const n = uint64(need(8))
        stack.push(text(need(n), n))
        break
      }
      case 0x55: // SHORT_BINSTRING (Python 2 str)
      case 0x43: {
        // SHORT_BINBYTES
        const n = data[need(1)]!
        const at = need(n)
        stack.push(
          op === 0x55 ? data.toString('latin1', at, at + n) : Uint8Array.from(data.subarray(at, at + n)),
        )
        break
      }
      case 0x54: // BINSTRING
      case 0x42: {
        // BINBYTES
        const n = data.readUInt32LE(need(4))
        const at = need(n)
        stack.push(
          op === 0x54 ? data.toString('latin1', at, at + n) : Uint8Array.from(data.subarray(at, at + n)),
        )
        break
      }
      case 0x8e: {
        // BINBYTES8
        const n = uint64(need(8))
        const at = need(n)
        stack.push(Uint8Array.from(data.subarray(at, at + n)))
        break
      }
      case 0x71: // BINPUT
        memo.set(data[need(1)]!, top())
        break
      case 0x72: // LONG_BINPUT
        memo.set(data.readUInt32LE(need(4)), top())
        break
      case 0x94: // MEMOIZE
        memo.set(memo.size, top())
        break
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const key = op === 0x68 ? data[need(1)]! : data.readUInt32LE(need(4))
        if (!memo.has(key)) fail(`malformed pickle: memo ${key} unset at byte ${pos}`)
        stack.push(memo.get(key)!)
        break
      }
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line()
        stack.push(loadGlobal(module, line()))
        break
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop()
        const module = pop()
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL without strings')
        stack.push(loadGlobal(module as string, name as string))
        break
      }
      case 0x74: // TUPLE
        stack.push(new PyTuple(popMark()))
        break
      case 0x85: // TUPLE1
      case 0x86: // TUPLE2
      case 0x87: {
        // TUPLE3
        const n = op - 0x84
        const items: PyValue[] = []
        for (let i = 0; i < n; i++) items.unshift(pop())
        stack.push(new PyTuple(items))
        break
      }
      case 0x6c: // LIST
        stack.push(popMark())
        break
      case 0x64: {
        // DICT
        const dict = new PyDict()
        setItems(dict, popMark())
        stack.push(dict)
        break
      }
      case 0x61: {
        // APPEND
        const v = pop()
        const list = top()
        if (!Array.isArray(list)) fail('APPEND to something that is not a list')
        ;(list as PyValue[]).push(v)
        break
      }
      case 0x65: {
        // APPENDS
        const items = popMark()
        const list = top()
        if (!Array.isArray(list)) fail('APPENDS to something that is not a list')
        ;(list as PyValue[]).push(...items)
        break
      }
      case 0x73: {
        // SETITEM
        const v = pop()
        const k = pop()
        setItems(top(), [k, v])
        break
      }
      case 0x75: {
        // SETITEMS
        const items = popMark()
        setItems(top(), items)
        break
      }
      case 0x90: {
        // ADDITEMS
        const items = popMark()
        const set = top()
        if (!(set instanceof Set)) fail('ADDITEMS to something that is not a set')
        for (const item of items) (set as Set<PyKey>).add(asKey(item, fail))
        break
      }
      case 0x91: // FROZENSET
        stack.push(new Set<PyKey>(popMark().map((v) => asKey(v, fail))))
        break
      case 0x30: // POP
        stack.pop()
        break
      case 0x31: // POP_MARK
        popMark()
        break
      case 0x32: // DUP
        stack.push(top())
        break
      case 0x51: // BINPERSID
        stack.push(hooks.persistentLoad(pop()))
        break
      case 0x52: // REDUCE
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args), only ever for whitelisted globals
        const args = pop()
        const callable = pop()
        if (!(callable instanceof PyGlobal))
          fail(`${op === 0x52 ? 'REDUCE' : 'NEWOBJ'} on a value that is not a global`)
        if (!(args instanceof PyTuple)) fail('REDUCE arguments are not a tuple')
        stack.push(hooks.call(callable as PyGlobal, (args as PyTuple).items))
        break
      }
      case 0x62: {
        // BUILD: __setstate__; kept on dicts (OrderedDict._metadata), ignored elsewhere
        const state = pop()
        const target = top()
        if (target instanceof PyDict) target.state = state
        break
      }
      default:
        fail(
          `pickle opcode 0x${op.toString(16)} at byte ${pos - 1} is not one torch.save writes for a state_dict`,
        )
    }
  }
}

function asKey(v: PyValue, fail: (why: string) => never): PyKey {
  if (v === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof v) || v instanceof PyTuple) {
    return v as PyKey
  }
  return fail('a dict key that is not a string, number or tuple')
}

/** Python's LONG1/LONG4 payload: little-endian two's complement; small values as numbers. */
function littleEndianSigned(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0
  let v = 0n
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!)
  if (bytes[bytes.length - 1]! & 0x80) v -= 1n << BigInt(bytes.length * 8)
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v
}

/** Writes every hostile file the CLI and IPC suites use into one temp folder; returns their paths. */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import { join } from 'node:path'
import { tmpDir } from '../engine/fixtures'
import {
  DEMO_MODEL,
  SECRET,
  TINY_PTH,
  callPickle,
  flipBits,
  instPickle,
  makeZip,
  safetensors,
  stackGlobalPickle,
  stateDictPickle,
  torchZip,
  writeLongLine,
  writeSparse,
} from './inputs'

export type Files = Record<string, string>

export function writeHostileFiles(): { dir: string; f: Files } {
  const dir = tmpDir('losslens-hostile-')
  const f: Files = {}
  const put = (name: string, data: Buffer | string) => {
    const p = join(dir, name)
    fs.writeFileSync(p, data)
    f[name] = p
    return p
  }
  // Generic non-files and lookalikes.
  f.missing = join(dir, 'no-such-file')
  f.folder = join(dir, 'a-folder')
  fs.mkdirSync(f.folder)
  put('empty', '')
  put('secret.txt', `root:x:0:0:${SECRET}:/root:/bin/bash\n${SECRET}\n`)
  put('random.bin', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)))
  f.loop = join(dir, 'loop-a')
  fs.symlinkSync(join(dir, 'loop-b'), f.loop)
  fs.symlinkSync(f.loop, join(dir, 'loop-b'))
  f.devZero = '/dev/zero'
  f.devUrandom = '/dev/urandom'
  f.proc = '/proc/self/environ'
  f.fifo = join(dir, 'a-fifo')
  try {
    execFileSync('mkfifo', [f.fifo])
  } catch {
    f.fifo = f.devZero
  }

  // ONNX: truncated and bit-flipped copies of the demo model.
  const model = fs.readFileSync(DEMO_MODEL)
  put('trunc16.onnx', model.subarray(0, 16))
  put('trunc-half.onnx', model.subarray(0, model.length >> 1))
  put('trunc-99.onnx', model.subarray(0, Math.floor(model.length * 0.99)))
  for (let i = 1; i <= 4; i++) put(`flip${i}.onnx`, flipBits(model, 8 * i, i, 0))
  put('flip-head.onnx', flipBits(model, 64, 99, 0).subarray(0, 4096))
  put('secret.onnx', `${SECRET}\n`)

  // Zip archives (torch.save) with hostile sizes.
  const tiny = fs.readFileSync(TINY_PTH)
  put('zip-truncated.pth', tiny.subarray(0, tiny.length >> 1))
  const good = stateDictPickle([4, 4])
  const storage = Buffer.alloc(64)
  put(
    'zip-size-fffffffe.pth',
    torchZip(good, [{ name: 'archive/data/0', data: storage, declaredSize: 0xfffffffe }]),
  )
  put(
    'zip-compressed-fffffffe.pth',
    torchZip(good, [
      { name: 'archive/data/0', data: storage, declaredSize: 0xfffffffe, declaredCompressed: 0xfffffffe },
    ]),
  )
  put('zip-cd-count.pth', makeZip([{ name: 'archive/data.pkl', data: good }], { cdCount: 900 }))
  put(
    'zip-cd-past-eof.pth',
    makeZip([{ name: 'archive/data.pkl', data: good }], { cdOffsetDelta: 1_000_000 }),
  )
  put('zip-cd-size.pth', makeZip([{ name: 'archive/data.pkl', data: good }], { cdSizeDelta: 5_000_000 }))
  put(
    'zip-offset-past-eof.pth',
    makeZip([{ name: 'archive/data.pkl', data: good, declaredOffset: 0x7fffffff }]),
  )
  put(
    'zip-deflate-lie.pth',
    makeZip([
      { name: 'archive/data.pkl', data: Buffer.alloc(1 << 20, 0x4e), deflate: true, declaredSize: 100 },
    ]),
  )
  put(
    'zip-pickle-bomb.pth',
    makeZip([{ name: 'archive/data.pkl', data: Buffer.alloc(100 << 20), deflate: true }]),
  )
  put('zip-no-pickle.pth', makeZip([{ name: 'archive/readme.txt', data: Buffer.from(SECRET) }]))
  put('zip-pickle-secret.pth', torchZip(Buffer.from(SECRET)))
  put('zip-not-dict.pth', torchZip(Buffer.from([0x80, 0x02, 0x4b, 0x07, 0x2e]))) // the int 7
  put(
    'zip-huge-tensor.pth',
    torchZip(stateDictPickle([1 << 20, 1 << 12]), [{ name: 'archive/data/0', data: storage }]),
  )
  put(
    'zip-tensor-past-storage.pth',
    torchZip(stateDictPickle([32]), [{ name: 'archive/data/0', data: storage }]),
  )
  put(
    'zip-method-99.pth',
    (() => {
      const z = torchZip(good)
      z.writeUInt16LE(99, 8) // the local header's method: the central one is what is read
      const cd = z.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]))
      const first = z.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]))
      z.writeUInt16LE(99, first + 10)
      return cd > 0 ? z : z
    })(),
  )
  put(
    'zip-bad-byteorder.pth',
    makeZip([
      { name: 'archive/data.pkl', data: good },
      { name: 'archive/byteorder', data: Buffer.from('big') },
    ]),
  )

  // Malicious pickles: all must be refused by name, none run.
  const calls: [string, string][] = [
    ['os', 'system'],
    ['posix', 'system'],
    ['nt', 'system'],
    ['subprocess', 'Popen'],
    ['subprocess', 'check_output'],
    ['builtins', 'eval'],
    ['builtins', 'exec'],
    ['__builtin__', 'eval'],
    ['shutil', 'rmtree'],
    ['webbrowser', 'open'],
    ['runpy', '_run_code'],
    ['torch', 'load'],
  ]
  for (const [m, n] of calls) put(`pickle-${m}-${n}.pth`, torchZip(callPickle(m, n, `touch ${dir}/pwned`)))
  put('pickle-stack-global.pth', torchZip(stackGlobalPickle('os', 'system')))
  put('pickle-inst.pth', torchZip(instPickle('os', 'system')))
  put('bare-os-system.pth', callPickle('os', 'system', `touch ${dir}/pwned`))
  put('bare-eval.pth', stackGlobalPickle('builtins', 'eval'))

  // safetensors.
  put(
    'st-header-past-eof.safetensors',
    safetensors({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, Buffer.alloc(4), 10_000n),
  )
  put('st-header-2-63.safetensors', safetensors('{}', Buffer.alloc(0), 1n << 63n))
  put('st-header-secret.safetensors', safetensors(`{${SECRET}}`))
  put('st-header-array.safetensors', safetensors('[1,2,3]'))
  const hugeHeader = join(dir, 'st-header-huge.safetensors')
  const len = Buffer.alloc(8)
  len.writeBigUInt64LE(BigInt(20 << 20))
  writeSparse(hugeHeader, (20 << 20) + 8, Buffer.concat([len, Buffer.from('{')]))
  f['st-header-huge.safetensors'] = hugeHeader
  put(
    'st-offsets-past-eof.safetensors',
    safetensors({ w: { dtype: 'F32', shape: [1 << 20], data_offsets: [0, 4 << 20] } }, Buffer.alloc(16)),
  )
  put(
    'st-bad-dtype.safetensors',
    safetensors({ w: { dtype: 'Q4_K', shape: [4], data_offsets: [0, 4] } }, Buffer.alloc(4)),
  )
  put(
    'st-negative-shape.safetensors',
    safetensors({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, Buffer.alloc(4)),
  )
  put(
    'st-offsets-mismatch.safetensors',
    safetensors({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 4] } }, Buffer.alloc(4)),
  )
  put('st-4-bytes.safetensors', Buffer.from([1, 0, 0, 0]))

  // Datasets, tokenizers, logs.
  put('data-secret.jsonl', `{"text": "ok"}\n${SECRET}\n`)
  put('data-secret-array.json', `[{"text": "ok"}, ${SECRET}]`)
  put('data-wrong-shape.jsonl', '{"foo": 1}\n')
  put('data-bad-conversations.jsonl', '{"conversations": [{"role": "user"}]}\n')
  put('data-deep.json', '['.repeat(200_000))
  put('data-numbers.json', '[1, 2, 3]')
  put('data-whitespace.jsonl', '\n\n   \n')
  put('data-nul.jsonl', Buffer.from('{"text": "a\u0000b"}\n\u0000\u0000\u0000\n'))
  put(
    'data-short.jsonl',
    Array.from({ length: 5 }, (_, i) => JSON.stringify({ text: `short ${i}` })).join('\n'),
  )
  writeSparse(join(dir, 'data-huge.jsonl'), 600 << 20)
  f['data-huge.jsonl'] = join(dir, 'data-huge.jsonl')
  fs.symlinkSync(f['secret.txt']!, join(dir, 'data-link-to-secret.jsonl'))
  f['data-link-to-secret.jsonl'] = join(dir, 'data-link-to-secret.jsonl')
  put('tok-secret.json', SECRET)
  put('tok-no-model.json', '{"version": "1.0"}')
  put('tok-array.json', '[]')
  put('tok-bad-model.json', '{"model": {"type": "NoSuchModel", "vocab": {}}}')
  put('log-secret.log', `${SECRET}\n${SECRET}\n`)
  writeSparse(join(dir, 'log-huge.log'), 300 << 20)
  f['log-huge.log'] = join(dir, 'log-huge.log')
  writeLongLine(join(dir, 'train-no-newline.jsonl'), 70 << 20)
  f['train-no-newline.jsonl'] = join(dir, 'train-no-newline.jsonl')
  put('train-secret.json', `[${SECRET}]`)
  return { dir, f }
}

/**
 * verify-weights on hostile checkpoints: every one ends with exit 3 (or 1: "the check found a
 * problem") and one line naming the file and the problem; no pickle runs anything; nothing aborts.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectClear, quietConsole, runInProcess, type Expectation } from './harness'
import { writeHostileFiles, type Files } from './files'
import { TINY_ONNX } from './inputs'
import { inProcessLauncher, setChildLauncher } from '../../src/main/engine/isolated/client'

let dir: string
let f: Files
beforeAll(() => {
  quietConsole()
  // Parsers run in this process here (fast); crash-isolation.test.ts checks the real child.
  setChildLauncher(inProcessLauncher)
  ;({ dir, f } = writeHostileFiles())
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const input = (problem: RegExp): Expectation => ({ code: 3, problem })

const checkpoints: [string, Expectation][] = [
  ['missing', input(/file not found/)],
  ['folder', input(/is a folder/)],
  ['empty', input(/not a checkpoint/)],
  ['secret.txt', input(/not a checkpoint/)],
  ['random.bin', input(/not a checkpoint|pickle/)],
  ['loop', input(/cannot read \(ELOOP\)/)],
  ['devZero', input(/not a regular file/)],
  ['fifo', input(/not a regular file/)],
  ['trunc16.onnx', input(/not a checkpoint/)],
  ['zip-truncated.pth', input(/not a zip archive|corrupt zip|truncated/)],
  ['zip-size-fffffffe.pth', input(/stored entry "archive\/data\/0" declares 4294967294 bytes/)],
  ['zip-compressed-fffffffe.pth', input(/declares 4294967294 bytes .* past the end/)],
  ['zip-cd-count.pth', input(/900 entries cannot fit/)],
  ['zip-cd-past-eof.pth', input(/central directory .* runs past the end/)],
  ['zip-cd-size.pth', input(/central directory .* runs past the end/)],
  ['zip-offset-past-eof.pth', input(/past the end of the \d+-byte file/)],
  ['zip-deflate-lie.pth', input(/more than deflate can produce|inflates to more than its declared/)],
  ['zip-pickle-bomb.pth', input(/data\.pkl is 104857600 bytes/)],
  ['zip-no-pickle.pth', input(/without data\.pkl/)],
  ['zip-pickle-secret.pth', input(/pickle|opcode|not a dict/i)],
  ['zip-not-dict.pth', input(/not a dict of tensors/)],
  ['zip-tensor-past-storage.pth', input(/entry "archive\/data\/0" is 64 bytes; asked for 128/)],
  ['zip-method-99.pth', input(/compression method 99/)],
  ['zip-bad-byteorder.pth', input(/big-endian/)],
  ['pickle-stack-global.pth', input(/refused: pickle calls os\.system/)],
  ['pickle-inst.pth', input(/refused: pickle (calls os\.system|opcode 0x69)/)],
  ['bare-os-system.pth', input(/refused: pickle calls os\.system/)],
  ['bare-eval.pth', input(/refused: pickle calls builtins\.eval/)],
  ['st-header-past-eof.safetensors', input(/header of 10000 bytes runs past the end/)],
  ['st-header-2-63.safetensors', input(/header length|runs past the end/)],
  ['st-header-secret.safetensors', input(/header is not JSON/)],
  ['st-header-array.safetensors', input(/not a checkpoint/)],
  ['st-header-huge.safetensors', input(/larger than LossLens reads/)],
  ['st-offsets-past-eof.safetensors', input(/do not fit its shape or the file/)],
  ['st-bad-dtype.safetensors', input(/dtype Q4_K/)],
  ['st-negative-shape.safetensors', input(/malformed/)],
  ['st-offsets-mismatch.safetensors', input(/do not fit its shape/)],
  ['st-4-bytes.safetensors', input(/not a checkpoint/)],
]
for (const [m, n] of [
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
]) {
  checkpoints.push([`pickle-${m}-${n}.pth`, input(new RegExp(`refused: pickle calls ${m}\\.${n}`))])
}

describe('verify-weights --checkpoint <hostile>', () => {
  it.concurrent.each(checkpoints)('%s', async (name, e) => {
    const path = f[name]!
    const o = await runInProcess('verify-weights', ['--checkpoint', path, '--model', TINY_ONNX])
    expectClear(o, { ...e, names: path })
    expect(fs.existsSync(join(dir, 'pwned')), 'a pickle ran a command').toBe(false)
  })

  it('a tensor declaring 16 GiB that matches nothing is never read: exit 1, no blow-up', async () => {
    const o = await runInProcess('verify-weights', [
      '--checkpoint',
      f['zip-huge-tensor.pth']!,
      '--model',
      TINY_ONNX,
    ])
    expect(o.code).toBe(1)
  })
})

describe('verify-weights --model <hostile>', () => {
  const models: [string, RegExp][] = [
    ['missing', /file not found/],
    ['folder', /is a folder/],
    ['empty', /not an ONNX model/],
    ['secret.onnx', /not an ONNX model/],
    ['trunc-half.onnx', /not an ONNX model|truncated/],
    ['devUrandom', /not a regular file/],
  ]
  it.concurrent.each(models)('%s', async (name, problem) => {
    const o = await runInProcess('verify-weights', [
      '--checkpoint',
      join(__dirname, '../fixtures/weights/tiny.pth'),
      '--model',
      f[name]!,
    ])
    expectClear(o, { code: 3, problem, names: f[name]! })
  })
})

/**
 * Crashes, hangs and blow-ups, checked on real processes: a native abort in the file-parsing child
 * ends the task, not the caller; the CLI on the worst inputs ends within a time limit and under a
 * stated peak RSS of its process tree (guards, not performance targets). The GB-sized cases run
 * under `npm run test:hostile` (LOSSLENS_HOSTILE=full).
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { forkLauncher, runIsolated, setChildLauncher } from '../../src/main/engine/isolated/client'
import { InputError } from '../../src/main/engine/errors'
import { tmpDir } from '../engine/fixtures'
import { FULL, runGuarded } from './harness'
import {
  DEMO_DATA,
  demoAnalyzeFlags,
  makeZip,
  stateDictPickle,
  TINY_ONNX,
  torchZip,
  writeLongLine,
  writeSparse,
} from './inputs'

let dir: string
beforeAll(() => {
  setChildLauncher(forkLauncher)
  dir = tmpDir('losslens-guarded-')
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

/** One line, the file named, no stack: what the user reads. */
function expectOneLine(stderr: string, file: string, problem: RegExp) {
  const lines = stderr.trim().split('\n')
  expect(lines, stderr).toHaveLength(1)
  expect(lines[0]).toContain(file)
  expect(lines[0]).toMatch(problem)
}

describe('the file-parsing child contains a crash', () => {
  it('a native abort (SIGABRT) in the child is an error naming the file; this process lives on', async () => {
    const err = await runIsolated({ kind: 'selfTest', how: 'abort' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(InputError)
    expect((err as Error).message).toMatch(/helper process \(it was ended by SIGABRT\)/)
  })

  it('a cancelled task kills its child (a hang ends when the caller stops it)', async () => {
    const controller = new AbortController()
    const pending = runIsolated({ kind: 'selfTest', how: 'hang' }, { signal: controller.signal })
    setTimeout(() => controller.abort(), 500)
    await expect(pending).rejects.toThrow(/cancelled/)
  })

  it('verify-weights in a real child: a lying zip is a named error', async () => {
    const file = join(dir, 'lie.pth')
    fs.writeFileSync(
      file,
      torchZip(stateDictPickle([4, 4]), [
        { name: 'archive/data/0', data: Buffer.alloc(64), declaredSize: 0xfffffffe },
      ]),
    )
    await expect(
      runIsolated({ kind: 'verifyWeights', checkpointPath: file, modelPath: TINY_ONNX }),
    ).rejects.toThrow(/declares 4294967294 bytes/)
  })
})

describe('the CLI on inputs that used to blow up (spawned, time and RSS guards)', () => {
  it('verify-weights on a 100 MB deflate bomb as data.pkl: exit 3 in < 60 s, < 700 MB', async () => {
    const file = join(dir, 'bomb.pth')
    fs.writeFileSync(
      file,
      makeZip([{ name: 'archive/data.pkl', data: Buffer.alloc(100 << 20), deflate: true }]),
    )
    const r = await runGuarded(['verify-weights', '--checkpoint', file, '--model', TINY_ONNX], {
      timeoutMs: 60_000,
    })
    expect(r.timedOut).toBe(false)
    expect(r.code).toBe(3)
    expectOneLine(r.stderr, file, /data\.pkl is 104857600 bytes/)
    expect(r.peakRssMb).toBeLessThan(700)
  })

  it('analyze on a 5 MB single-line sample: tokenized on a prefix, exit 0 in < 90 s, < 1200 MB', async () => {
    const data = join(dir, 'long.jsonl')
    const text = 'def f(x):\n    return x + 1\n'.repeat(200_000)
    fs.writeFileSync(data, JSON.stringify({ text }) + '\n')
    const r = await runGuarded(
      ['analyze', ...demoAnalyzeFlags(data), '--measures', 'teacherForcing', '--out', join(dir, 'long-out')],
      { timeoutMs: 90_000 },
    )
    expect(r.timedOut).toBe(false)
    expect(r.code, r.stderr).toBe(0)
    expect(r.peakRssMb).toBeLessThan(1200)
  })

  it('check-data on 70 MB without a newline: exit 3 in < 60 s, < 700 MB', async () => {
    const train = join(dir, 'one-line.jsonl')
    writeLongLine(train, 70 << 20)
    const r = await runGuarded(['check-data', '--data', DEMO_DATA, '--train', train], { timeoutMs: 60_000 })
    expect(r.timedOut).toBe(false)
    expect(r.code).toBe(3)
    expectOneLine(r.stderr, train, /line 1 is longer than 64 MiB/)
    expect(r.peakRssMb).toBeLessThan(700)
  })

  it("analyze --out /proc/x/y: exit 2 at once (Node's recursive mkdir never returned)", async () => {
    const r = await runGuarded(['analyze', ...demoAnalyzeFlags(DEMO_DATA), '--out', '/proc/x/y'], {
      timeoutMs: 30_000,
    })
    expect(r.timedOut).toBe(false)
    expect(r.code).toBe(2)
  })
})

describe.runIf(FULL)('GB-sized inputs (npm run test:hostile)', () => {
  it('a 1 GiB zip bomb (data.pkl): exit 3 in < 60 s, < 700 MB (was 2.1 GB)', async () => {
    const file = join(dir, 'bomb-1g.pth')
    fs.writeFileSync(
      file,
      makeZip([{ name: 'archive/data.pkl', data: Buffer.alloc(1 << 30), deflate: true }]),
    )
    const r = await runGuarded(['verify-weights', '--checkpoint', file, '--model', TINY_ONNX], {
      timeoutMs: 60_000,
    })
    expect(r.code).toBe(3)
    expectOneLine(r.stderr, file, /data\.pkl is 1073741824 bytes/)
    expect(r.peakRssMb).toBeLessThan(700)
  })

  it('a 1 GiB deflated tensor storage whose tensor matches nothing: never inflated, < 700 MB', async () => {
    const file = join(dir, 'tensor-bomb.pth')
    fs.writeFileSync(
      file,
      makeZip([
        { name: 'archive/data.pkl', data: stateDictPickle([1 << 28]) },
        { name: 'archive/data/0', data: Buffer.alloc(1 << 30), deflate: true },
      ]),
    )
    const r = await runGuarded(['verify-weights', '--checkpoint', file, '--model', TINY_ONNX], {
      timeoutMs: 60_000,
    })
    expect([1, 3]).toContain(r.code)
    expect(r.peakRssMb).toBeLessThan(700)
  })

  it('an 87 MB safetensors header: exit 3 in < 30 s, < 700 MB (was 1.4 GB)', async () => {
    const file = join(dir, 'header.safetensors')
    const len = Buffer.alloc(8)
    len.writeBigUInt64LE(BigInt(87 << 20))
    writeSparse(file, (87 << 20) + 8, Buffer.concat([len, Buffer.from('{"a":')]))
    const r = await runGuarded(['verify-weights', '--checkpoint', file, '--model', TINY_ONNX], {
      timeoutMs: 30_000,
    })
    expect(r.code).toBe(3)
    expectOneLine(r.stderr, file, /larger than LossLens reads/)
    expect(r.peakRssMb).toBeLessThan(700)
  })

  it('analyze on a 50 MB single-line sample: exit 0 in < 120 s, < 1500 MB (was 93 s, 2.4 GB)', async () => {
    const data = join(dir, 'long50.jsonl')
    fs.writeFileSync(data, JSON.stringify({ text: 'the quick brown fox '.repeat(2_600_000) }) + '\n')
    const r = await runGuarded(
      [
        'analyze',
        ...demoAnalyzeFlags(data),
        '--measures',
        'teacherForcing',
        '--out',
        join(dir, 'long50-out'),
      ],
      { timeoutMs: 120_000 },
    )
    expect(r.code, r.stderr).toBe(0)
    expect(r.peakRssMb).toBeLessThan(1500)
  })

  it('check-data on 1 GB without a newline: exit 3 in < 60 s (never finished before)', async () => {
    const train = join(dir, 'one-line-1g.jsonl')
    writeSparse(train, 1 << 30, Buffer.from('{"text": "'))
    const r = await runGuarded(['check-data', '--data', DEMO_DATA, '--train', train], { timeoutMs: 60_000 })
    expect(r.code).toBe(3)
    expectOneLine(r.stderr, train, /longer than 64 MiB/)
    expect(r.peakRssMb).toBeLessThan(700)
  })

  it(
    'a safetensors tensor of 2.1 GiB is read in chunks (one read of >= 2^31 bytes aborted Node)',
    { timeout: 300_000 },
    async () => {
      const file = join(dir, 'big.safetensors')
      const bytes = 2 ** 31 + 4096
      const header = Buffer.from(
        JSON.stringify({ w: { dtype: 'U8', shape: [bytes], data_offsets: [0, bytes] } }),
      )
      const len = Buffer.alloc(8)
      len.writeBigUInt64LE(BigInt(header.length))
      writeSparse(file, 8 + header.length + bytes, Buffer.concat([len, header]))
      const { readExactly } = await import('../../src/main/engine/weights/zip-archive')
      const fh = await fs.promises.open(file, 'r')
      try {
        const got = await readExactly(fh, 8 + header.length, bytes, file)
        expect(got.length).toBe(bytes)
      } finally {
        await fh.close()
      }
    },
  )
})

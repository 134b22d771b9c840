/**
 * Every IPC channel that reads a user's file, on hostile files, through the real engine services:
 * each fails with one line naming the file and the problem, and no reply quotes the file.
 * Then the bridge: a token holder starts no program but the configured interpreter, and no reply
 * carries bytes of a file it was not asked to return.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startBridge, type Bridge } from '../../src/main/bridge/server'
import { inProcessLauncher, setChildLauncher } from '../../src/main/engine/isolated/client'
import { settle } from '../../src/main/ipc/handlers'
import { createEngineServices } from '../../src/main/services'
import type { BridgeServerMessage } from '../../src/shared/ipc'
import { makeContext } from '../main/helpers/context'
import { writeHostileFiles, type Files } from './files'
import { quietConsole } from './harness'
import { DEMO_DATA, DEMO_MODEL, DEMO_TOKENIZER, SECRET, TINY_ONNX } from './inputs'

let dir: string
let f: Files
beforeAll(() => {
  quietConsole()
  setChildLauncher(inProcessLauncher)
  ;({ dir, f } = writeHostileFiles())
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

type Ctx = Awaited<ReturnType<typeof makeContext>>

/** An experiment whose checkpoint, dataset and log are the hostile files named. */
async function experimentWith(
  t: Ctx,
  id: string,
  o: { model?: string; source?: string; data?: string; train?: string; log?: string; tokenizer?: string },
) {
  const ws = t.ctx.current().workspace
  await ws.createExperiment({ id, title: id })
  await ws.updateExperiment(id, (e) => ({
    ...e,
    checkpoints: [
      {
        id: 'c',
        label: 'c',
        modelPath: o.model ?? DEMO_MODEL,
        tokenizerPath: o.tokenizer ?? DEMO_TOKENIZER,
        ...(o.source ? { sourcePath: o.source } : {}),
      },
    ],
    datasets: [
      { id: 'd', label: 'd', path: o.data ?? DEMO_DATA, ...(o.train ? { trainPath: o.train } : {}) },
    ],
    ...(o.log ? { trainingLog: o.log } : {}),
  }))
}

function expectOneLine(outcome: { ok: boolean; error?: string }, file: string, problem: RegExp) {
  expect(outcome.ok).toBe(false)
  const error = outcome.error ?? ''
  expect(error.split('\n'), error).toHaveLength(1)
  expect(error).toContain(file)
  expect(error).toMatch(problem)
  expect(error).not.toContain(SECRET)
  expect(error).not.toMatch(/\bat .+\.(ts|js):\d+/)
}

describe.concurrent('IPC channels that read files, on hostile files (bridge rules, real engine)', () => {
  let n = 0
  const cases: [string, string, (f: Files) => Parameters<typeof experimentWith>[2], string, RegExp][] = [
    ['checkpoint:describe', 'model', (f) => ({ model: f.missing }), 'missing', /file not found/],
    [
      'checkpoint:describe',
      'model',
      (f) => ({ model: f['secret.onnx'] }),
      'secret.onnx',
      /not a loadable ONNX model/,
    ],
    [
      'checkpoint:describe',
      'model',
      (f) => ({ model: f['trunc-half.onnx'] }),
      'trunc-half.onnx',
      /not a loadable ONNX model/,
    ],
    ['checkpoint:describe', 'model', (f) => ({ model: f.fifo }), 'fifo', /not a regular file|not a file/],
    [
      'checkpoint:verifyWeights',
      'source',
      (f) => ({ model: TINY_ONNX, source: f['zip-size-fffffffe.pth'] }),
      'zip-size-fffffffe.pth',
      /declares 4294967294 bytes/,
    ],
    [
      'checkpoint:verifyWeights',
      'source',
      (f) => ({ model: TINY_ONNX, source: f['pickle-os-system.pth'] }),
      'pickle-os-system.pth',
      /refused: pickle calls os\.system/,
    ],
    [
      'checkpoint:verifyWeights',
      'source',
      (f) => ({ model: TINY_ONNX, source: f['st-header-secret.safetensors'] }),
      'st-header-secret.safetensors',
      /header is not JSON/,
    ],
    [
      'checkpoint:verifyWeights',
      'source',
      (f) => ({ model: TINY_ONNX, source: f['zip-pickle-bomb.pth'] }),
      'zip-pickle-bomb.pth',
      /data\.pkl is 104857600 bytes/,
    ],
    ['dataset:sample', 'data', (f) => ({ data: f['secret.txt'] }), 'secret.txt', /line 1: malformed JSON/],
    [
      'dataset:sample',
      'data',
      (f) => ({ data: f['data-secret-array.json'] }),
      'data-secret-array.json',
      /not valid JSON/,
    ],
    ['dataset:sample', 'data', (f) => ({ data: f.folder }), 'folder', /is a folder/],
    ['dataset:sample', 'data', (f) => ({ data: f.devUrandom }), 'devUrandom', /not a regular file/],
    ['dataset:checkConsistency', 'train', (f) => ({ train: f.folder }), 'folder', /is a folder/],
    [
      'dataset:checkConsistency',
      'train',
      (f) => ({ train: f['train-no-newline.jsonl'] }),
      'train-no-newline.jsonl',
      /longer than 64 MiB/,
    ],
    ['dataset:checkConsistency', 'train', (f) => ({ train: f.fifo }), 'fifo', /not a regular file/],
    [
      'trainlog:parse',
      'log',
      (f) => ({ log: f['log-secret.log'] }),
      'log-secret.log',
      /no loss values found/,
    ],
    [
      'trainlog:parse',
      'log',
      (f) => ({ log: f['log-huge.log'] }),
      'log-huge.log',
      /more than LossLens reads/,
    ],
    ['trainlog:parse', 'log', (f) => ({ log: f.devZero }), 'devZero', /not a regular file/],
  ]
  it.each(cases)('%s on %s = %s', async (channel, _what, make, named, problem) => {
    const t = await makeContext({ kind: 'bridge', services: createEngineServices() })
    try {
      const id = `e${++n}`
      await experimentWith(t, id, make(f))
      const args =
        channel === 'dataset:sample'
          ? { experimentId: id, datasetId: 'd', index: 0 }
          : channel === 'dataset:checkConsistency'
            ? { experimentId: id, datasetId: 'd' }
            : channel === 'trainlog:parse'
              ? { experimentId: id }
              : { experimentId: id, checkpointId: 'c' }
      expectOneLine(await settle(t.handlers, channel, args), f[named]!, problem)
      expect(fs.existsSync(join(dir, 'pwned'))).toBe(false)
    } finally {
      t.cleanup()
    }
  })

  it('experiment:addFiles counts samples of hostile datasets without quoting them', async () => {
    const t = await makeContext({ kind: 'bridge', services: createEngineServices() })
    try {
      await t.ctx.current().workspace.createExperiment({ id: 'add', title: 'add' })
      const r = await settle(t.handlers, 'experiment:addFiles', {
        experimentId: 'add',
        paths: [f['secret.txt']!, f['data-secret.jsonl']!, f.folder!, f.missing!],
      })
      expect(JSON.stringify(r)).not.toContain(SECRET)
    } finally {
      t.cleanup()
    }
  })

  it('run:start with out-of-range settings is refused by the shared bounds', async () => {
    const t = await makeContext({ kind: 'bridge', services: createEngineServices() })
    try {
      await experimentWith(t, 'bounds', {})
      for (const bad of [{ threads: 1e9 }, { batchSize: 1e9 }, { inputLength: 2e9 }, { limit: 0 }]) {
        const r = await settle(t.handlers, 'run:start', {
          experimentId: 'bounds',
          checkpointIds: ['c'],
          datasetId: 'd',
          settings: {
            inputLength: 64,
            predictLength: 30,
            measures: ['teacherForcing'],
            batchSize: 8,
            threads: 0,
            bos: 'no',
            provider: 'cpu',
            ...bad,
          },
        })
        expect(r.ok, JSON.stringify(bad)).toBe(false)
      }
    } finally {
      t.cleanup()
    }
  })

  it('desktop: a symlink inside the workspace that leads outside it is refused', async () => {
    const t = await makeContext({ kind: 'electron' })
    try {
      const link = join(t.ctx.current().workspace.root, 'escape.jsonl')
      fs.symlinkSync(f['secret.txt']!, link)
      expect(() => t.access.check(link, 'dataset')).toThrow(/leads outside the workspace/)
      const dirLink = join(t.ctx.current().workspace.root, 'escape-dir')
      fs.symlinkSync(dir, dirLink)
      expect(() => t.access.check(join(dirLink, 'secret.txt'), 'dataset')).toThrow(/leads outside/)
    } finally {
      t.cleanup()
    }
  })
})

describe('the bridge token', () => {
  let bridge: Bridge
  let root: string
  const fakePython = () => join(root, 'python-that-records')
  beforeAll(async () => {
    root = fs.mkdtempSync(join(dir, 'bridge-'))
    // A program that records that it ran: the configured interpreter, and the ones a token holder names.
    for (const name of ['python-that-records', 'evil']) {
      fs.writeFileSync(join(root, name), `#!/bin/sh\necho "$0" >> ${join(root, 'ran.log')}\nexit 1\n`, {
        mode: 0o755,
      })
    }
    bridge = await startBridge({
      workspace: join(root, 'ws'),
      services: createEngineServices(),
      settingsFile: join(root, 'settings.json'),
      version: 'test',
      python: fakePython(),
    })
  })
  afterAll(() => bridge.close())

  async function call(
    channel: string,
    args?: unknown,
  ): Promise<{ ok: boolean; error?: string; result?: unknown }> {
    const ws = new WebSocket(`ws://127.0.0.1:${bridge.port}/ws?token=${bridge.token}`)
    await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)))
    try {
      return await new Promise((resolve) => {
        ws.on('message', (data) => {
          const m = JSON.parse(data.toString()) as BridgeServerMessage
          if (m.kind === 'response') resolve(m)
        })
        ws.send(JSON.stringify({ kind: 'request', id: 1, channel, args }))
      })
    } finally {
      ws.close()
    }
  }

  const ran = () =>
    fs.existsSync(join(root, 'ran.log')) ? fs.readFileSync(join(root, 'ran.log'), 'utf8') : ''

  it('starts no program but the configured interpreter', async () => {
    await call('experiment:create', { id: 'x', title: 'x' })
    for (const program of ['/usr/bin/id', join(root, 'evil'), '/bin/sh', 'python3', 'python']) {
      const set = await call('settings:set', { python: program })
      expect(set.ok, program).toBe(false)
      expect(set.error).toMatch(/only the interpreter it was started with/)
      const imp = await call('checkpoint:import', {
        experimentId: 'x',
        checkpointPath: f['secret.txt'],
        minimindDir: dir,
        python: program,
        label: 'x',
      })
      expect(imp.ok, program).toBe(false)
      expect(imp.error).toMatch(/only the interpreter it was started with/)
    }
    expect(ran()).not.toContain('evil')
    expect(await call('settings:get')).toMatchObject({ ok: true, result: { python: fakePython() } })
    // The configured one does run (and fails here, being a stub).
    const imp = await call('checkpoint:import', {
      experimentId: 'x',
      checkpointPath: f['secret.txt'],
      minimindDir: dir,
      python: fakePython(),
      label: 'x',
    })
    expect(imp.ok).toBe(false)
    expect(ran()).toContain('python-that-records')
    expect(ran()).not.toContain('evil')
  })

  it('no reply carries bytes of a file it was not asked to return', async () => {
    await call('experiment:create', { id: 'leak', title: 'leak' })
    const secretFiles = [
      f['secret.txt']!,
      f['data-secret.jsonl']!,
      f['tok-secret.json']!,
      f['log-secret.log']!,
    ]
    const replies: unknown[] = []
    replies.push(await call('experiment:addFiles', { experimentId: 'leak', paths: secretFiles }))
    replies.push(await call('fs:list', { path: dir }))
    replies.push(await call('settings:set', { minimindDir: f['secret.txt'] }))
    for (const channel of ['checkpoint:describe', 'checkpoint:verifyWeights']) {
      replies.push(await call(channel, { experimentId: 'leak', checkpointId: 'nope' }))
    }
    replies.push(await call('dataset:sample', { experimentId: 'leak', datasetId: 'nope', index: 0 }))
    replies.push(await call('trainlog:parse', { experimentId: 'leak' }))
    replies.push(await call('report:render', { experimentId: 'leak', lang: 'en' }))
    const text = JSON.stringify(replies)
    expect(text).not.toContain(SECRET)
    expect(text).not.toContain('root:x:0:0')
  })
})

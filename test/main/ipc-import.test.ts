/** checkpoint:import and checkpoint:importCancel with a scripted exporter service (no Python). */
import fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { EngineServices } from '../../src/main/ipc/context'
import { makeContext } from './helpers/context'

type ImportInput = Parameters<EngineServices['importCheckpoint']>[0]

let cleanup: (() => void) | undefined
afterEach(() => {
  cleanup?.()
  cleanup = undefined
})

async function setup(importCheckpoint: EngineServices['importCheckpoint']) {
  const t = await makeContext({ kind: 'electron', services: { importCheckpoint } })
  cleanup = t.cleanup
  await t.handlers['experiment:create']({ id: '1.4.0', title: 'import' })
  const pth = join(t.outside, 'pretrain_512.pth')
  const repo = join(t.outside, 'minimind')
  const config = join(t.outside, 'config.json')
  fs.writeFileSync(pth, 'x')
  fs.mkdirSync(join(repo, 'model'), { recursive: true })
  fs.writeFileSync(join(repo, 'model', 'tokenizer.json'), '{}')
  fs.writeFileSync(config, '{}')
  const request = {
    experimentId: '1.4.0',
    checkpointPath: pth,
    minimindDir: repo,
    python: 'python3',
    label: '',
  }
  return { ...t, pth, repo, config, request }
}

describe('checkpoint:import', () => {
  it('passes the chosen config, the head count and the experiment’s samples to the exporter', async () => {
    const seen: ImportInput[] = []
    const t = await setup(async (input) => {
      seen.push(input)
      fs.writeFileSync(join(input.outDir, 'model.onnx'), 'x')
      return { modelPath: join(input.outDir, 'model.onnx') }
    })
    const data = join(t.outside, 'eval.json')
    fs.writeFileSync(data, '[{"text": "a b c"}]')
    for (const p of [t.pth, t.repo, t.config, data]) t.access.grant(p)
    await t.handlers['experiment:addFiles']({ experimentId: '1.4.0', paths: [data] })

    const e = await t.handlers['checkpoint:import']({ ...t.request, configPath: t.config, numHeads: 4 })
    const outDir = join(t.ctx.current().workspace.root, 'experiments', '1.4.0', 'checkpoints', 'pretrain_512')
    expect(seen).toEqual([
      {
        checkpointPath: t.pth,
        minimindDir: t.repo,
        python: 'python3',
        outDir,
        configPath: t.config,
        numHeads: 4,
        probeDataPath: data,
      },
    ])
    // No tokenizer from the exporter: the checkout's model/tokenizer.json, as MiniMind keeps it.
    expect(e.checkpoints).toEqual([
      {
        id: 'pretrain_512',
        label: 'pretrain_512',
        modelPath: 'checkpoints/pretrain_512/model.onnx',
        tokenizerPath: join(t.repo, 'model', 'tokenizer.json'),
        sourcePath: t.pth,
      },
    ])
  })

  it('refuses a config file the user did not choose', async () => {
    const t = await setup(async () => {
      throw new Error('must not run')
    })
    for (const p of [t.pth, t.repo]) t.access.grant(p)
    await expect(t.handlers['checkpoint:import']({ ...t.request, configPath: t.config })).rejects.toThrow(
      /model config/,
    )
  })

  it('cancel stops the exporter, adds nothing and leaves no half-written folder', async () => {
    let started: (outDir: string) => void = () => {}
    const running = new Promise<string>((resolve) => (started = resolve))
    const t = await setup(
      (input, onLine, signal) =>
        new Promise((_resolve, reject) => {
          fs.writeFileSync(join(input.outDir, 'model.onnx.partial'), 'x')
          onLine('exporting...')
          signal!.addEventListener('abort', () => reject(new Error('aborted')))
          started(input.outDir)
        }),
    )
    for (const p of [t.pth, t.repo]) t.access.grant(p)
    const pass = t.handlers['checkpoint:import'](t.request).catch((e: unknown) => e as Error)
    const outDir = await running
    await expect(t.handlers['checkpoint:import'](t.request)).rejects.toThrow(/already running in 1.4.0/)
    await t.handlers['checkpoint:importCancel']({ experimentId: '1.4.0' })
    expect(((await pass) as Error).message).toBe('import cancelled: nothing was added')
    expect(fs.existsSync(outDir)).toBe(false)
    expect((await t.handlers['experiment:get']({ experimentId: '1.4.0' })).checkpoints).toEqual([])
    expect(t.events).toContainEqual({
      channel: 'import:log',
      payload: { experimentId: '1.4.0', line: 'exporting...' },
    })
  })
})

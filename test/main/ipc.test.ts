import fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DROP_GRANT_CHANNEL, requestSchemas } from '../../src/shared/ipc'
import { registerIpc, type SenderPolicy } from '../../src/main/ipc/electron-registry'
import { dispatch, settle } from '../../src/main/ipc/handlers'
import { makeContext } from './helpers/context'

// The registry and the handlers never need Electron's runtime: a mocked module proves it.
vi.mock('electron', () => ({ ipcMain: {}, app: {}, BrowserWindow: class {} }))

const APP_URL = 'file:///app/out/renderer/index.html'

function fakeIpcMain() {
  const handles = new Map<string, (event: unknown, args: unknown) => Promise<unknown>>()
  const listeners = new Map<string, (event: unknown, ...args: unknown[]) => void>()
  return {
    handles,
    listeners,
    ipcMain: {
      handle: (channel: string, fn: (event: unknown, args: unknown) => Promise<unknown>) =>
        handles.set(channel, fn),
      removeHandler: (channel: string) => handles.delete(channel),
      on: (channel: string, fn: (event: unknown, ...args: unknown[]) => void) => listeners.set(channel, fn),
      removeListener: (channel: string) => listeners.delete(channel),
    },
  }
}

const policy: SenderPolicy = {
  isOurWebContents: (id) => id === 1,
  isAppUrl: (url) => url.startsWith('file:///app/out/renderer/'),
}
const event = (id = 1, url = APP_URL, parent: unknown = null) => ({
  sender: { id },
  senderFrame: { url, parent },
})

let cleanup: (() => void) | undefined
afterEach(() => {
  cleanup?.()
  cleanup = undefined
})

async function setup(o: Parameters<typeof makeContext>[0] = {}) {
  const t = await makeContext(o)
  cleanup = t.cleanup
  const fake = fakeIpcMain()
  const unregister = registerIpc(fake.ipcMain as never, t.handlers, policy, t.access)
  const call = (channel: string, args?: unknown, ev = event()) => fake.handles.get(channel)!(ev, args)
  return { ...t, ...fake, unregister, call }
}

/** Experiment "e" with two checkpoints on one dataset, each run once (by the fake engine). */
async function twoFinishedRuns(t: Awaited<ReturnType<typeof setup>>): Promise<string[]> {
  await t.call('experiment:create', { id: 'e', title: 'e' })
  const ws = t.ctx.current().workspace
  await ws.updateExperiment('e', (e) => ({
    ...e,
    checkpoints: [
      { id: 'early', label: 'Early', modelPath: 'e.onnx', tokenizerPath: 't.json' },
      { id: 'final', label: 'Final', modelPath: 'f.onnx', tokenizerPath: 't.json' },
    ],
    datasets: [{ id: 'd', label: 'd', path: 'd.json' }],
  }))
  const { runIds } = (
    (await t.call('run:start', {
      experimentId: 'e',
      checkpointIds: ['early', 'final'],
      datasetId: 'd',
      settings: (await ws.getExperiment('e')).settings,
    })) as { result: { runIds: string[] } }
  ).result
  await t.ctx.current().runs.idle()
  return runIds
}

describe('Electron IPC registry', () => {
  it('registers every request channel and the drop grant, and removes them again', async () => {
    const t = await setup()
    expect([...t.handles.keys()].sort()).toEqual(Object.keys(requestSchemas).sort())
    expect(t.listeners.has(DROP_GRANT_CHANNEL)).toBe(true)
    t.unregister()
    expect(t.handles.size).toBe(0)
  })

  it('serves our window and refuses other senders, foreign pages and subframes', async () => {
    const t = await setup()
    expect(await t.call('workspace:info')).toMatchObject({
      ok: true,
      result: { host: 'electron', version: '0.0.0-test' },
    })
    for (const ev of [
      event(2),
      event(1, 'https://evil.example/'),
      event(1, APP_URL, {}),
      { sender: { id: 1 }, senderFrame: null },
    ]) {
      const out = await t.call('experiment:create', { id: 'x', title: 'x' }, ev as never)
      expect(out).toEqual({ ok: false, error: expect.stringMatching(/refused/) })
    }
    expect(await t.ctx.current().workspace.experimentIds()).toEqual([])
  })

  it('validates every payload before a handler runs', async () => {
    const t = await setup()
    expect(await t.call('experiment:get', { experimentId: '../etc' })).toEqual({
      ok: false,
      error: expect.stringMatching(/^invalid payload for experiment:get: experimentId/),
    })
    expect(await t.call('experiment:create', { id: 'a' })).toMatchObject({ ok: false, error: /title/ })
    expect(
      await t.call('run:start', { experimentId: 'a', checkpointIds: [], datasetId: 'd', settings: {} }),
    ).toMatchObject({
      ok: false,
    })
    await expect(dispatch(t.handlers, 'shell:exec', {})).rejects.toThrow(/unknown channel/)
    expect(await settle(t.handlers, '__proto__', {})).toMatchObject({ ok: false, error: /unknown channel/ })
  })

  it('experiments: create, list, save, rename, duplicate, delete through the handlers', async () => {
    const t = await setup()
    expect(await t.call('experiment:create', { id: '1.4.0', title: 'Baseline' })).toMatchObject({ ok: true })
    const list = (await t.call('experiment:list')) as { result: unknown[] }
    expect(list.result).toEqual([
      expect.objectContaining({
        id: '1.4.0',
        title: 'Baseline',
        lastRun: null,
        bestLoss: null,
        runningRuns: 0,
      }),
    ])
    expect(await t.call('experiment:rename', { experimentId: '1.4.0', newId: '1.4.1' })).toMatchObject({
      result: { id: '1.4.1' },
    })
    expect(await t.call('experiment:duplicate', { experimentId: '1.4.1', newId: '1.4.2' })).toMatchObject({
      result: { id: '1.4.2', title: 'Baseline (copy)' },
    })
    expect(await t.call('experiment:delete', { experimentId: '1.4.2' })).toEqual({
      ok: true,
      result: undefined,
    })
    expect(t.trashed).toEqual([t.ctx.current().workspace.experimentDir('1.4.2')])
    fs.writeFileSync(t.ctx.current().workspace.experimentFile('1.4.1'), '{broken')
    const after = (await t.call('experiment:list')) as { result: { id: string; error?: string }[] }
    expect(after.result[0]!.error).toMatch(/experiment\.json: not valid JSON/)
  })
})

describe('paths from the window', () => {
  async function withExperiment(o: Parameters<typeof makeContext>[0] = {}) {
    const t = await setup(o)
    const model = join(t.outside, 'model.onnx')
    fs.writeFileSync(model, 'onnx')
    fs.writeFileSync(join(t.outside, 'tokenizer.json'), '{}')
    await t.call('experiment:create', { id: 'e', title: 'e' })
    const experiment = (
      (await t.call('experiment:get', { experimentId: 'e' })) as { result: Record<string, unknown> }
    ).result
    const withModel = {
      ...experiment,
      checkpoints: [
        { id: 'c', label: 'c', modelPath: model, tokenizerPath: join(t.outside, 'tokenizer.json') },
      ],
    }
    return { ...t, model, withModel }
  }

  it('an ungranted path is refused by save and by addFiles', async () => {
    const t = await withExperiment()
    expect(await t.call('experiment:save', t.withModel)).toMatchObject({
      ok: false,
      error: /not chosen in a file dialog/,
    })
    const added = (await t.call('experiment:addFiles', { experimentId: 'e', paths: [t.model] })) as {
      result: { added: string[]; ignored: { reason: string }[] }
    }
    expect(added.result.added).toEqual([])
    expect(added.result.ignored[0]!.reason).toMatch(/not chosen/)
    const escape = {
      ...t.withModel,
      checkpoints: [
        { id: 'c', label: 'c', modelPath: '../../../outside/model.onnx', tokenizerPath: 'tokenizer.json' },
      ],
    }
    expect(await t.call('experiment:save', escape)).toMatchObject({ ok: false })
  })

  it('a path chosen in the dialog is granted', async () => {
    const t = await withExperiment({
      host: { chooseFile: async () => join(process.cwd(), 'no-such-dir', 'x') },
    })
    const chosen = (await t.call('file:choose', { kind: 'onnx' })) as { result: string }
    expect(chosen.result).toMatch(/x$/)
    // The dialog granted only what it returned.
    expect(await t.call('experiment:save', t.withModel)).toMatchObject({ ok: false })
    t.access.grant(t.model)
    t.access.grant(join(t.outside, 'tokenizer.json'))
    const saved = (await t.call('experiment:save', t.withModel)) as {
      ok: boolean
      result: { checkpoints: { modelPath: string }[] }
    }
    expect(saved.ok).toBe(true)
    expect(saved.result.checkpoints[0]!.modelPath).toBe(t.model)
    // Saving again with a path it already holds needs no new grant.
    expect(await t.call('experiment:save', saved.result)).toMatchObject({ ok: true })
  })

  it('a dropped file is granted through the preload channel from our window only', async () => {
    const t = await withExperiment()
    const grant = t.listeners.get(DROP_GRANT_CHANNEL)!
    grant(event(2), t.model)
    grant(event(1, 'https://evil.example/'), t.model)
    grant(event(), join(t.outside, 'missing.onnx'))
    grant(event(), 42)
    type Added = {
      result: { added: string[]; experiment: { checkpoints: { label: string; tokenizerPath: string }[] } }
    }
    let out = (await t.call('experiment:addFiles', { experimentId: 'e', paths: [t.model] })) as Added
    expect(out.result.added).toEqual([])
    grant(event(), t.model)
    out = (await t.call('experiment:addFiles', { experimentId: 'e', paths: [t.model] })) as Added
    expect(out.result.added).toEqual([t.model])
    // The tokenizer.json beside the dropped model comes with it.
    expect(out.result.experiment.checkpoints[0]).toMatchObject({
      label: 'outside',
      tokenizerPath: join(t.outside, 'tokenizer.json'),
    })
  })

  it('settings: a Python path must be chosen; a bare python on PATH is fine', async () => {
    const t = await setup()
    expect(await t.call('settings:set', { python: '/tmp/evil.sh' })).toMatchObject({
      ok: false,
      error: /Python interpreter/,
    })
    expect(await t.call('settings:set', { python: 'python3' })).toEqual({
      ok: true,
      result: { python: 'python3' },
    })
    expect(await t.call('settings:get')).toEqual({ ok: true, result: { python: 'python3' } })
    expect(await t.call('settings:set', { python: 'python3; rm -rf ~' })).toMatchObject({ ok: false })
  })

  it('fs:list is for the bridge only; file:choose for Electron only', async () => {
    const electron = await setup()
    expect(await electron.call('fs:list', { path: '/' })).toMatchObject({ ok: false, error: /bridge/ })
    electron.cleanup()
    const bridge = await makeContext({ kind: 'bridge' })
    cleanup = bridge.cleanup
    const listing = (await dispatch(bridge.handlers, 'fs:list', { path: bridge.root })) as {
      entries: { name: string }[]
    }
    expect(listing.entries.map((e) => e.name)).toEqual(['outside', 'ws'])
    await expect(dispatch(bridge.handlers, 'file:choose', { kind: 'onnx' })).rejects.toThrow(
      /no file dialogs/,
    )
  })
})

describe('runs through the handlers', () => {
  it('start streams run:event with the experiment id; list and results read it back', async () => {
    const t = await setup()
    fs.mkdirSync(join(t.workspace, 'experiments'), { recursive: true })
    await t.call('experiment:create', { id: 'e', title: 'e' })
    const ws = t.ctx.current().workspace
    await ws.updateExperiment('e', (e) => ({
      ...e,
      checkpoints: [{ id: 'final', label: 'Final', modelPath: 'm.onnx', tokenizerPath: 't.json' }],
      datasets: [{ id: 'd', label: 'd', path: 'd.json' }],
    }))
    const started = (await t.call('run:start', {
      experimentId: 'e',
      checkpointIds: ['final'],
      datasetId: 'd',
      settings: (await ws.getExperiment('e')).settings,
    })) as { result: { runIds: string[] } }
    const [runId] = started.result.runIds
    await t.ctx.current().runs.idle()
    expect(
      t.events.filter((e) => e.channel === 'run:event').map((e) => (e.payload as { type: string }).type),
    ).toEqual(['started', 'sample', 'progress', 'sample', 'sample', 'finished'])
    expect(t.events.every((e) => (e.payload as { experimentId: string }).experimentId === 'e')).toBe(true)
    const list = (await t.call('run:list', { experimentId: 'e' })) as { result: { status: string }[] }
    expect(list.result.map((r) => r.status)).toEqual(['finished'])
    const results = (await t.call('run:results', { experimentId: 'e', runId })) as {
      result: { results: unknown[] }
    }
    expect(results.result.results).toHaveLength(3)
    const summary = (await t.call('experiment:list')) as { result: { bestLoss: number | null }[] }
    expect(summary.result[0]!.bestLoss).toBeCloseTo(2.1)
    expect(await t.call('run:delete', { experimentId: 'e', runId })).toEqual({ ok: true, result: undefined })
    expect(await t.call('run:list', { experimentId: 'e' })).toEqual({ ok: true, result: [] })
  })

  it('describe stores the model description on the checkpoint', async () => {
    const t = await setup()
    await t.call('experiment:create', { id: 'e', title: 'e' })
    await t.ctx.current().workspace.updateExperiment('e', (e) => ({
      ...e,
      checkpoints: [{ id: 'c', label: 'c', modelPath: 'models/m.onnx', tokenizerPath: 't.json' }],
    }))
    const out = (await t.call('checkpoint:describe', { experimentId: 'e', checkpointId: 'c' })) as {
      result: { path: string }
    }
    expect(out.result.path).toBe(join(t.ctx.current().workspace.experimentDir('e'), 'models/m.onnx'))
    expect((await t.ctx.current().workspace.getExperiment('e')).checkpoints[0]!.description?.path).toBe(
      out.result.path,
    )
    expect(await t.call('checkpoint:verifyWeights', { experimentId: 'e', checkpointId: 'c' })).toMatchObject({
      ok: false,
      error: /no source/,
    })
  })
})

describe('compare and report through the handlers', () => {
  it('compare:cancel stops a running token comparison, which then fails as cancelled', async () => {
    let started: () => void = () => {}
    const running = new Promise<void>((resolve) => (started = resolve))
    const t = await setup({
      services: {
        compareTokens: (_input, signal) =>
          new Promise((_resolve, reject) => {
            signal!.addEventListener('abort', () => reject(new Error('worker terminated')))
            started()
          }),
      },
    })
    const runIds = await twoFinishedRuns(t)
    const pair = { experimentId: 'e', baseRunId: runIds[0], otherRunId: runIds[1] }
    const pass = t.call('compare:tokens', pair)
    await running
    expect(await t.call('compare:tokens', pair)).toMatchObject({ ok: false, error: /already being compared/ })
    expect(await t.call('compare:cancel', pair)).toEqual({ ok: true })
    expect(await pass).toMatchObject({ ok: false, error: 'token comparison cancelled' })
  })

  it('compare:tokens stores its result; report:render/export use the stored results and comparisons', async () => {
    const { createEngineServices } = await import('../../src/main/services')
    const real = createEngineServices()
    const comparison = {
      baseLabel: 'Early',
      otherLabel: 'Final',
      meanKld: 0.1,
      medianKld: 0.05,
      p99Kld: 0.5,
      maxKld: 1,
      sameTop1: 0.9,
      rmsDeltaP: 0.01,
      samples: 3,
      tokens: 90,
    }
    const seen: unknown[] = []
    const t = await setup({
      services: {
        compareTokens: async () => comparison,
        renderReport: async (dir, lang, comparisons) => {
          seen.push(comparisons)
          return real.renderReport(dir, lang, comparisons)
        },
        writeReport: real.writeReport,
      },
    })
    const runIds = await twoFinishedRuns(t)
    expect(
      await t.call('compare:tokens', { experimentId: 'e', baseRunId: runIds[0], otherRunId: runIds[1] }),
    ).toEqual({
      ok: true,
      result: comparison,
    })
    const rendered = (await t.call('report:render', { experimentId: 'e', lang: 'en' })) as {
      ok: boolean
      result: { markdown: string; lang: string }
      error?: string
    }
    expect(rendered.error).toBeUndefined()
    expect(rendered.result.markdown.length).toBeGreaterThan(100)
    expect(seen[0]).toEqual([comparison])
    const exported = (await t.call('report:export', {
      experimentId: 'e',
      lang: 'zh-CN',
      chooseFolder: false,
    })) as {
      result: { folder: string; files: string[] }
    }
    const ws = t.ctx.current().workspace
    expect(exported.result.folder).toBe(ws.reportsDir('e'))
    expect(exported.result.files.at(-1)).toBe(join(ws.reportsDir('e'), 'report-zh-CN.md'))
    expect(fs.existsSync(join(ws.reportsDir('e'), 'report-zh-CN.md'))).toBe(true)
  })

  it('report:render and report:export pass the picked runIds to report generation', async () => {
    const seen: unknown[] = []
    const t = await setup({
      services: {
        renderReport: async (_dir, lang, _comparisons, options) => {
          seen.push(options)
          return { markdown: '# r', charts: [], lang }
        },
        writeReport: async () => [],
      },
    })
    expect(
      await t.call('report:render', { experimentId: 'e', lang: 'en', runIds: ['a', 'b'] }),
    ).toMatchObject({
      ok: true,
    })
    await t.call('report:export', { experimentId: 'e', lang: 'en', chooseFolder: false, runIds: ['c'] })
    await t.call('report:render', { experimentId: 'e', lang: 'en' })
    expect(seen).toEqual([{ runIds: ['a', 'b'] }, { runIds: ['c'] }, {}])
    expect(await t.call('report:render', { experimentId: 'e', lang: 'en', runIds: 'a' })).toMatchObject({
      ok: false,
      error: /runIds/,
    })
  })
})

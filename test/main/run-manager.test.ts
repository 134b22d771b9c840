import fs from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RunEventMessage, RunAnalysisOptions } from '../../src/main/runs/run-manager'
import { RunManager } from '../../src/main/runs/run-manager'
import { DEFAULT_RUN_SETTINGS } from '../../src/main/store/defaults'
import { readRun, readRunResults, resultsFile, writeRun } from '../../src/main/store/runs'
import { Workspace } from '../../src/main/store/workspace'
import { fakeEngine } from './helpers/fake-engine'

let root: string
let ws: Workspace
let events: RunEventMessage[]

beforeEach(async () => {
  root = fs.mkdtempSync(join(os.tmpdir(), 'losslens-runs-'))
  ws = (await Workspace.open(root)).workspace
  events = []
  const e = await ws.createExperiment({ id: '1.4.0', title: 't' })
  await ws.saveExperiment({
    ...e,
    checkpoints: [
      { id: 'early', label: 'Early', modelPath: '/m/early.onnx', tokenizerPath: 'tok.json' },
      { id: 'final', label: 'Final', modelPath: '/m/final.onnx', tokenizerPath: 'tok.json' },
    ],
    datasets: [{ id: 'd', label: 'd', path: 'eval.json' }],
  })
})
afterEach(() => fs.rmSync(root, { recursive: true, force: true }))

function manager(engine: ReturnType<typeof fakeEngine>, progressIntervalMs = 100) {
  return new RunManager({
    workspace: ws,
    runAnalysis: engine,
    emit: (e) => events.push(e),
    progressIntervalMs,
  })
}
const start = (m: RunManager, checkpointIds = ['final']) =>
  m.start({ experimentId: '1.4.0', checkpointIds, datasetId: 'd', settings: DEFAULT_RUN_SETTINGS })

describe('RunManager', () => {
  it('persists every sample and the summary, and forwards events with the experiment id', async () => {
    const calls: RunAnalysisOptions[] = []
    const m = manager(fakeEngine({ total: 4, calls }))
    const [runId] = await start(m)
    expect(runId).toMatch(/^\d{8}-\d{6}-final$/)
    await m.idle()
    const run = await readRun(ws, '1.4.0', runId!)
    expect(run).toMatchObject({ status: 'finished', done: 4, total: 4, provider: 'cpu', label: 'Final' })
    expect(run.summary?.counts.scored).toBe(4)
    expect((await readRunResults(ws, '1.4.0', runId!)).results.map((r) => r.index)).toEqual([0, 1, 2, 3])
    expect(calls[0]).toMatchObject({
      modelPath: '/m/final.onnx',
      tokenizerPath: ws.resolvePath('1.4.0', 'tok.json'),
      dataPath: join(ws.experimentDir('1.4.0'), 'eval.json'),
      skipIndices: [],
    })
    expect(events.every((e) => e.experimentId === '1.4.0' && e.runId === runId)).toBe(true)
    expect(events.filter((e) => e.type === 'sample')).toHaveLength(4)
    expect(events.at(-1)?.type).toBe('finished')
    // The engine's model description is kept on the checkpoint.
    expect((await ws.getExperiment('1.4.0')).checkpoints[1]!.description?.form).toBe('plain')
  })

  it('throttles progress events to the interval', async () => {
    const m = manager(fakeEngine({ total: 50 }), 10_000)
    await start(m)
    await m.idle()
    expect(events.filter((e) => e.type === 'progress').length).toBe(1)
    expect(events.filter((e) => e.type === 'sample').length).toBe(50)
  })

  it('queues several checkpoints and runs them one after another; one run per checkpoint at a time', async () => {
    const m = manager(fakeEngine({ total: 3, delayMs: 5 }))
    const ids = await start(m, ['early', 'final'])
    expect(ids).toHaveLength(2)
    expect((await readRun(ws, '1.4.0', ids[1]!)).status).toBe('queued')
    await expect(start(m, ['final'])).rejects.toThrow(/already has a run/)
    await m.idle()
    const order = events
      .filter((e) => e.type === 'started' || e.type === 'finished')
      .map((e) => `${e.type}:${e.runId}`)
    expect(order).toEqual([
      `started:${ids[0]}`,
      `finished:${ids[0]}`,
      `started:${ids[1]}`,
      `finished:${ids[1]}`,
    ])
    await expect(start(m, ['nope'])).rejects.toThrow(/no checkpoint "nope"/)
  })

  it('cancel keeps the results so far and marks the run cancelled; resume finishes the rest', async () => {
    const m = manager(fakeEngine({ total: 6, delayMs: 20 }))
    const [runId] = await start(m)
    while (events.filter((e) => e.type === 'sample').length < 2) await new Promise((r) => setTimeout(r, 5))
    await m.cancel('1.4.0', runId!)
    await m.idle()
    const cancelled = await readRun(ws, '1.4.0', runId!)
    expect(cancelled.status).toBe('cancelled')
    const kept = (await readRunResults(ws, '1.4.0', runId!)).results
    expect(kept.length).toBeGreaterThanOrEqual(2)
    expect(kept.length).toBeLessThan(6)
    expect(cancelled.done).toBe(kept.length)
    expect(events.at(-1)?.type).toBe('cancelled')

    const calls: RunAnalysisOptions[] = []
    const again = manager(fakeEngine({ total: 6, calls }))
    await again.resume('1.4.0', runId!)
    await again.idle()
    expect(calls[0]!.skipIndices).toEqual(kept.map((r) => r.index))
    expect(calls[0]!.previousResults).toHaveLength(kept.length)
    const finished = await readRun(ws, '1.4.0', runId!)
    expect(finished).toMatchObject({ status: 'finished', done: 6 })
    expect(finished.summary?.counts.scored).toBe(6)
    expect((await readRunResults(ws, '1.4.0', runId!)).results.map((r) => r.index)).toEqual([
      0, 1, 2, 3, 4, 5,
    ])
    await expect(again.resume('1.4.0', runId!)).rejects.toThrow(/finished/)
  })

  it('cancelling a queued run never starts it', async () => {
    const m = manager(fakeEngine({ total: 3, delayMs: 10 }))
    const [, second] = await start(m, ['early', 'final'])
    await m.cancel('1.4.0', second!)
    await m.idle()
    expect((await readRun(ws, '1.4.0', second!)).status).toBe('cancelled')
    expect(events.some((e) => e.type === 'started' && e.runId === second)).toBe(false)
    await expect(m.cancel('1.4.0', second!)).rejects.toThrow(/not running/)
  })

  it('an engine error ends the run failed with the message; samples so far stay', async () => {
    const m = manager(fakeEngine({ total: 5, failAfter: 2 }))
    const [runId] = await start(m)
    await m.idle()
    expect(await readRun(ws, '1.4.0', runId!)).toMatchObject({
      status: 'failed',
      error: 'worker crashed',
      done: 2,
    })
    expect(events.at(-1)).toMatchObject({ type: 'failed', message: 'worker crashed' })
  })

  it('at startup, runs left running are marked interrupted and resume after a torn last line', async () => {
    const now = new Date().toISOString()
    const runId = '20260101-000000-final'
    await writeRun(ws, {
      runId,
      experimentId: '1.4.0',
      checkpointId: 'final',
      datasetId: 'd',
      label: 'Final',
      settings: DEFAULT_RUN_SETTINGS,
      status: 'running',
      createdAt: now,
      updatedAt: now,
      done: 0,
      total: 4,
    })
    const { fakeSample } = await import('./helpers/fake-engine')
    fs.writeFileSync(resultsFile(ws, '1.4.0', runId), JSON.stringify(fakeSample(0)) + '\n{"index":1,"id"')
    const m = manager(fakeEngine({ total: 4 }))
    const marked = await m.recover()
    expect(marked.map((r) => [r.runId, r.status, r.done])).toEqual([[runId, 'interrupted', 1]])
    await m.resume('1.4.0', runId)
    await m.idle()
    expect((await readRun(ws, '1.4.0', runId)).status).toBe('finished')
    const { results, warnings } = await readRunResults(ws, '1.4.0', runId)
    expect(results.map((r) => r.index)).toEqual([0, 1, 2, 3])
    expect(warnings).toEqual([])
  })

  it('shutdown stops the running run as interrupted', async () => {
    const m = manager(fakeEngine({ total: 100, delayMs: 10 }))
    const [a, b] = await start(m, ['early', 'final'])
    while (!events.some((e) => e.type === 'sample')) await new Promise((r) => setTimeout(r, 5))
    await m.shutdown()
    expect((await readRun(ws, '1.4.0', a!)).status).toBe('interrupted')
    expect((await readRun(ws, '1.4.0', b!)).status).toBe('interrupted')
    expect(m.liveRuns()).toEqual([])
  })
})

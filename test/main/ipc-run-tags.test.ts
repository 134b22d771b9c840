/** run:tags and run:setTags: tags stored beside run.json, bounded on arrival, one bad file never hides the rest. */
import fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { RUN_TAG_LIMITS } from '../../src/shared/ipc'
import { dispatch, settle } from '../../src/main/ipc/handlers'
import { writeRun } from '../../src/main/store/runs'
import { makeContext } from './helpers/context'

let cleanup: (() => void) | undefined
afterEach(() => {
  cleanup?.()
  cleanup = undefined
})

async function withRuns(ids: string[]) {
  const t = await makeContext({ kind: 'bridge' })
  cleanup = t.cleanup
  await t.handlers['experiment:create']({ id: 'tags', title: 'tags' })
  const ws = t.ctx.current().workspace
  const now = new Date().toISOString()
  for (const runId of ids)
    await writeRun(ws, {
      runId,
      experimentId: 'tags',
      checkpointId: 'final',
      datasetId: 'eval',
      label: 'final',
      settings: {
        inputLength: 64,
        predictLength: 30,
        measures: ['teacherForcing'],
        batchSize: 8,
        threads: 0,
        bos: 'no',
        provider: 'cpu',
      },
      status: 'finished',
      createdAt: now,
      updatedAt: now,
      done: 1,
      total: 1,
    })
  return { ...t, ws }
}

describe('run tags', () => {
  it('stores tags in the run folder, trimmed and each once, and lists only tagged runs', async () => {
    const t = await withRuns(['20260101-000000-a', '20260101-000001-b'])
    expect(
      await dispatch(t.handlers, 'run:setTags', {
        experimentId: 'tags',
        runId: '20260101-000000-a',
        tags: [' baseline ', 'bos', 'baseline'],
      }),
    ).toEqual(['baseline', 'bos'])
    const file = join(t.ws.runDir('tags', '20260101-000000-a'), 'tags.json')
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(['baseline', 'bos'])
    expect(await dispatch(t.handlers, 'run:tags', { experimentId: 'tags' })).toEqual({
      '20260101-000000-a': ['baseline', 'bos'],
    })
    // Clearing leaves the run untagged.
    await dispatch(t.handlers, 'run:setTags', { experimentId: 'tags', runId: '20260101-000000-a', tags: [] })
    expect(await dispatch(t.handlers, 'run:tags', { experimentId: 'tags' })).toEqual({})
  })

  it('refuses too many, too long, empty or control-character tags, and unknown or unsafe run ids', async () => {
    const t = await withRuns(['20260101-000000-a'])
    const set = (tags: string[], runId = '20260101-000000-a') =>
      settle(t.handlers, 'run:setTags', { experimentId: 'tags', runId, tags })
    const many = Array.from({ length: RUN_TAG_LIMITS.tags + 1 }, (_, i) => `t${i}`)
    expect(await set(many)).toMatchObject({ ok: false, error: /invalid payload for run:setTags: tags/ })
    expect(await set(['x'.repeat(41)])).toMatchObject({ ok: false, error: /tags\.0/ })
    expect(await set(['   '])).toMatchObject({ ok: false, error: /tags\.0/ })
    expect(await set(['a\u0007b'])).toMatchObject({ ok: false, error: /control characters/ })
    expect(await set(['ok'], '20991231-000000-none')).toMatchObject({ ok: false, error: /no run/ })
    expect(await set(['ok'], '../../escape')).toMatchObject({ ok: false, error: /invalid run id/ })
    expect(await dispatch(t.handlers, 'run:tags', { experimentId: 'tags' })).toEqual({})
  })

  it('a corrupt tags.json is skipped with a warning naming it; other runs keep their tags', async () => {
    const t = await withRuns(['20260101-000000-a', '20260101-000001-b'])
    await dispatch(t.handlers, 'run:setTags', {
      experimentId: 'tags',
      runId: '20260101-000001-b',
      tags: ['ok'],
    })
    const bad = join(t.ws.runDir('tags', '20260101-000000-a'), 'tags.json')
    fs.writeFileSync(bad, '{"not": "a list"}')
    const warnings: string[] = []
    const warn = console.warn
    console.warn = (m: string) => warnings.push(m)
    try {
      expect(await dispatch(t.handlers, 'run:tags', { experimentId: 'tags' })).toEqual({
        '20260101-000001-b': ['ok'],
      })
    } finally {
      console.warn = warn
    }
    expect(warnings).toEqual([expect.stringContaining(`${bad}: not a list of tags`)])
  })
})

describe('compare:tokens progress', () => {
  it('forwards the engine’s progress as compare:progress events naming the pair', async () => {
    const comparison = {
      baseLabel: 'early',
      otherLabel: 'final',
      meanKld: 0.1,
      medianKld: 0.05,
      p99Kld: 0.5,
      maxKld: 1,
      sameTop1: 0.9,
      rmsDeltaP: 0.01,
      samples: 2,
      tokens: 60,
    }
    const t = await makeContext({
      kind: 'bridge',
      services: {
        compareTokens: async (_input, _signal, onProgress) => {
          onProgress?.({ done: 0, total: 2 })
          onProgress?.({ done: 2, total: 2 })
          return comparison
        },
      },
    })
    cleanup = t.cleanup
    const exp = await t.handlers['experiment:create']({ id: 'cmp', title: 'cmp' })
    await t.handlers['experiment:save']({
      ...exp,
      checkpoints: ['early', 'final'].map((id) => ({
        id,
        label: id,
        modelPath: `/m/${id}.onnx`,
        tokenizerPath: '/m/tokenizer.json',
      })),
      datasets: [{ id: 'eval', label: 'eval.json', path: '/m/eval.json' }],
    })
    const ws = t.ctx.current().workspace
    const now = new Date().toISOString()
    for (const [runId, checkpointId] of [
      ['20260101-000000-early', 'early'],
      ['20260101-000001-final', 'final'],
    ] as const)
      await writeRun(ws, {
        runId,
        experimentId: 'cmp',
        checkpointId,
        datasetId: 'eval',
        label: checkpointId,
        settings: exp.settings,
        status: 'finished',
        createdAt: now,
        updatedAt: now,
        done: 2,
        total: 2,
      })
    const pair = {
      experimentId: 'cmp',
      baseRunId: '20260101-000000-early',
      otherRunId: '20260101-000001-final',
    }
    expect(await dispatch(t.handlers, 'compare:tokens', pair)).toEqual(comparison)
    expect(t.events.filter((e) => e.channel === 'compare:progress').map((e) => e.payload)).toEqual([
      { ...pair, done: 0, total: 2 },
      { ...pair, done: 2, total: 2 },
    ])
  })
})

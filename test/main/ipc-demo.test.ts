/**
 * Every engine-backed request on the bundled demo through the real services: describe, weights,
 * data consistency, training log, a run of 3 samples per checkpoint, token comparison and the report.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RequestChannel, RequestResults } from '../../src/shared/ipc'
import { dispatch } from '../../src/main/ipc/handlers'
import { createEngineServices } from '../../src/main/services'
import { DEMO } from '../engine/fixtures'
import { makeContext } from './helpers/context'

describe('the demo through the handlers and the real engine', () => {
  let t: Awaited<ReturnType<typeof makeContext>>
  const call = <C extends RequestChannel>(channel: C, args: unknown) =>
    dispatch(t.handlers, channel, args) as Promise<RequestResults[C]>
  const experimentId = '1.4.0-demo'

  beforeAll(async () => {
    t = await makeContext({ kind: 'bridge', services: createEngineServices(), demoDir: DEMO })
  })
  afterAll(() => t?.cleanup())

  it('is seeded into the new workspace', async () => {
    const list = await call('experiment:list', undefined)
    expect(list.map((e) => e.id)).toEqual([experimentId])
    // Every pretrain checkpoint with its step, in training order; the datasets with their kinds.
    const e = await call('experiment:get', { experimentId })
    const steps = e.checkpoints.map((c) => c.step!)
    expect(steps).toEqual([...steps].sort((a, b) => a - b))
    expect(e.checkpoints.find((c) => c.id === 'early')?.step).toBe(250)
    expect(e.checkpoints.at(-1)).toMatchObject({ id: 'final', step: 836 })
    expect(e.checkpoints.map((c) => c.id)).not.toContain('shifted')
    expect(e.datasets.map((d) => [d.id, d.datasetKind, d.fromTraining ?? false])).toEqual([
      ['eval_data_from_train', 'fromTraining', true],
      ['eval_heldout', 'heldOut', false],
      ['eval_ood', 'heldOut', false],
    ])
  })

  it('describes, verifies weights, checks the data and parses the log, storing the results', async () => {
    const description = await call('checkpoint:describe', { experimentId, checkpointId: 'final' })
    expect(description).toMatchObject({ form: 'optimum', hasKvCache: true, vocabSize: 6400 })
    const weights = await call('checkpoint:verifyWeights', { experimentId, checkpointId: 'final' })
    expect(weights.matched).toBe(weights.total)
    const consistency = await call('dataset:checkConsistency', {
      experimentId,
      datasetId: 'eval_data_from_train',
    })
    expect(consistency.found).toBe(consistency.total)
    const log = await call('trainlog:parse', { experimentId })
    expect(log?.points.length).toBeGreaterThan(10)
    const stored = await call('experiment:get', { experimentId })
    const final = stored.checkpoints.find((c) => c.id === 'final')!
    expect(final.description?.form).toBe('optimum')
    expect(final.weights?.matched).toBe(weights.matched)
    expect(stored.datasets[0]!.consistency?.found).toBe(consistency.found)
    expect(
      (await call('dataset:sample', { experimentId, datasetId: 'eval_heldout', index: 0 })).text.length,
    ).toBeGreaterThan(50)
  })

  it('runs 3 samples on both checkpoints, compares them and writes the report', async () => {
    const experiment = await call('experiment:get', { experimentId })
    const { runIds } = await call('run:start', {
      experimentId,
      checkpointIds: ['early', 'final'],
      datasetId: 'eval_data_from_train',
      settings: { ...experiment.settings, limit: 3, provider: 'cpu', threads: 2 },
    })
    await t.ctx.current().runs.idle()
    const runs = await call('run:list', { experimentId })
    expect(runs.map((r) => [r.runId, r.status, r.done])).toEqual(runIds.map((id) => [id, 'finished', 3]))
    const final = runs[1]!.summary!.means
    // The seed's finding on the demo: the misaligned slice reports far more than teacher forcing.
    expect(final.keepLastMisaligned!).toBeGreaterThan(final.teacherForcing! * 1.5)
    const comparison = await call('compare:tokens', {
      experimentId,
      baseRunId: runIds[0],
      otherRunId: runIds[1],
    })
    expect(comparison).toMatchObject({
      baseLabel: 'early (step 250)',
      otherLabel: 'final (step 836)',
      samples: 3,
    })
    const report = await call('report:render', { experimentId, lang: 'en' })
    expect(report.markdown).toContain('final (step 836)')
    expect(report.charts.length).toBeGreaterThan(0)
    const exported = await call('report:export', { experimentId, lang: 'en', chooseFolder: false })
    expect(exported?.files.some((f) => f.endsWith('report-en.md'))).toBe(true)
  })
})

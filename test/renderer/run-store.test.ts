// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { installHost } from '../../src/renderer/src/api'
import { estimateEta, FLUSH_INTERVAL_MS, useRunStore } from '../../src/renderer/src/stores/run'
import { offsetSweepChart, perSampleChart } from '../../src/shared/charts/run-charts'
import { CHART_THEMES } from '../../src/shared/charts/frame'
import { chartText } from '../../src/shared/charts/text'
import { windowChartRun } from '../../src/renderer/src/charts/runs'
import { runMeans } from '../../src/renderer/src/lib/run-means'
import { FakeApi, model, provider, sample } from './fake-api'

const EXP = '1.4.0'

describe('run store: streamed samples', () => {
  let api: FakeApi
  beforeEach(() => {
    vi.useFakeTimers()
    api = new FakeApi()
    api.handle('run:start', () => ({ runIds: ['r1'] }))
    api.handle('run:cancel', () => undefined)
    api.handle('run:resume', ({ runId }) => ({ runId }))
    installHost({ kind: 'bridge', api })
    setActivePinia(createPinia())
  })
  afterEach(() => vi.useRealTimers())

  function stream(from: number, to: number, total: number) {
    for (let i = from; i < to; i++) {
      api.emit('run:event', { type: 'sample', runId: 'r1', experimentId: EXP, result: sample(i) })
      api.emit('run:event', {
        type: 'progress',
        runId: 'r1',
        experimentId: EXP,
        done: i + 1,
        total,
        tokensPerSecond: 1234,
        etaSeconds: null,
      })
    }
  }

  it('fills the table and the charts from 100 sample events, updating views at ~4 Hz', async () => {
    const runs = useRunStore()
    await runs.start(EXP, ['final'], 'eval', {
      inputLength: 32,
      predictLength: 4,
      measures: ['teacherForcing'],
      batchSize: 1,
      threads: 0,
      bos: 'no' as const,
      provider: 'auto',
    })
    expect(runs.get('r1')?.status).toBe('queued')
    api.emit('run:event', {
      type: 'started',
      runId: 'r1',
      experimentId: EXP,
      label: 'final',
      total: 100,
      alreadyDone: 0,
      model,
      provider,
    })
    const afterStart = runs.version
    stream(0, 100, 100)
    // 200 events, not one view update yet: they are batched.
    expect(runs.version).toBe(afterStart)
    vi.advanceTimersByTime(FLUSH_INTERVAL_MS)
    expect(runs.version).toBe(afterStart + 1)

    const run = runs.get('r1')!
    expect(run.status).toBe('running')
    expect(run.provider).toBe('cpu')
    expect(run.done).toBe(100)
    expect(run.results).toHaveLength(100)
    expect(run.results.map((r) => r.index)).toEqual([...Array(100).keys()])

    const ctx = { theme: CHART_THEMES.light, text: chartText('en') }
    const chartRun = windowChartRun(run, null, ctx.text)
    const bars = perSampleChart(chartRun, ctx)
    const series = bars.series as { name: string; data: (number | null)[] }[]
    expect(series.map((s) => s.name)).toEqual([
      ctx.text.measure.keepLastMisaligned,
      ctx.text.measure.teacherForcing,
      ctx.text.measure.autoregressive,
    ])
    expect(series[1]!.data).toEqual(run.results.map((r) => r.teacherForcing!.loss))
    expect(series[0]!.data[7]).toBeCloseTo(sample(7).keepLastMisaligned!.loss, 12)

    const sweep = offsetSweepChart([chartRun], ctx)
    const mean = (sweep.series as { id?: string; data: { value: number[] }[] }[]).find(
      (s) => s.id === 'mean:0',
    )!
    const expected0 = run.results.reduce((s, r) => s + r.offsetSweep!['0']!, 0) / 100
    expect(mean.data[2]!.value[0]).toBe(0)
    expect(mean.data[2]!.value[1]).toBeCloseTo(expected0, 12)
    expect(runMeans(run).teacherForcing).toBeCloseTo(expected0, 12)
  })

  it('keeps a resend of the same sample once, and reports progress and ETA', () => {
    const runs = useRunStore()
    runs.subscribe()
    vi.setSystemTime(new Date('2026-11-28T00:00:00Z'))
    api.emit('run:event', {
      type: 'started',
      runId: 'r1',
      experimentId: EXP,
      label: 'final',
      total: 100,
      alreadyDone: 0,
      model,
      provider,
    })
    vi.setSystemTime(new Date('2026-11-28T00:00:10Z'))
    stream(0, 25, 100)
    api.emit('run:event', { type: 'sample', runId: 'r1', experimentId: EXP, result: sample(3) })
    vi.advanceTimersByTime(FLUSH_INTERVAL_MS)
    const run = runs.get('r1')!
    expect(run.results).toHaveLength(25)
    expect(run.tokensPerSecond).toBe(1234)
    // No engine ETA: 25 samples in 10 s, 75 to go -> 30 s.
    expect(estimateEta(run, Date.parse('2026-11-28T00:00:10Z'))).toBeCloseTo(30, 6)
    api.emit('run:event', {
      type: 'progress',
      runId: 'r1',
      experimentId: EXP,
      done: 25,
      total: 100,
      tokensPerSecond: 1000,
      etaSeconds: 42,
    })
    vi.advanceTimersByTime(FLUSH_INTERVAL_MS)
    expect(estimateEta(runs.get('r1')!, Date.now())).toBe(42)
    expect(runs.activeRuns(EXP).map((r) => r.runId)).toEqual(['r1'])
  })

  it('ends a run on cancelled/failed at once, and resumes it into the same buffer', async () => {
    const runs = useRunStore()
    runs.subscribe()
    const ended: string[] = []
    runs.onRunEnded((_e, id, status) => ended.push(`${id}:${status}`))
    api.emit('run:event', {
      type: 'started',
      runId: 'r1',
      experimentId: EXP,
      label: 'final',
      total: 10,
      alreadyDone: 0,
      model,
      provider,
    })
    stream(0, 4, 10)
    const v = runs.version
    api.emit('run:event', { type: 'cancelled', runId: 'r1', experimentId: EXP, done: 4 })
    expect(runs.version).toBe(v + 1)
    expect(runs.get('r1')!.status).toBe('cancelled')
    expect(ended).toEqual(['r1:cancelled'])
    runs.select('r1')
    api.handle('run:results', () => ({
      run: { ...info('cancelled'), done: 4 },
      results: [0, 1, 2, 3].map((i) => sample(i)),
    }))
    await runs.resume('r1')
    expect(api.callsOf('run:resume')).toEqual([{ experimentId: EXP, runId: 'r1' }])
    expect(runs.get('r1')!.status).toBe('queued')
    api.emit('run:event', {
      type: 'started',
      runId: 'r1',
      experimentId: EXP,
      label: 'final',
      total: 10,
      alreadyDone: 4,
      model,
      provider,
    })
    stream(4, 10, 10)
    api.emit('run:event', {
      type: 'failed',
      runId: 'r1',
      experimentId: EXP,
      message: 'model.onnx: bad graph',
    })
    const run = runs.get('r1')!
    expect(run.results.map((r) => r.index)).toEqual([...Array(10).keys()])
    expect(run.status).toBe('failed')
    expect(run.error).toBe('model.onnx: bad graph')
  })

  it('unsubscribes from run events when the store is disposed', () => {
    const runs = useRunStore()
    runs.subscribe()
    expect(api.listenerCount('run:event')).toBe(1)
    runs.$dispose()
    expect(api.listenerCount('run:event')).toBe(0)
  })
})

function info(status: 'cancelled' | 'finished') {
  return {
    runId: 'r1',
    experimentId: EXP,
    checkpointId: 'final',
    datasetId: 'eval',
    label: 'final',
    settings: {
      inputLength: 32,
      predictLength: 4,
      measures: ['teacherForcing' as const],
      batchSize: 1,
      threads: 0,
      bos: 'no' as const,
      provider: 'auto',
    },
    status,
    createdAt: '2026-11-28T00:00:00Z',
    updatedAt: '2026-11-28T00:00:00Z',
    done: 10,
    total: 10,
  }
}

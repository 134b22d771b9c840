// @vitest-environment happy-dom
/**
 * The window's loss by position: the headline run alone with its samples axis, then with the runs
 * picked in the runs table overlaid (each its own means, in its checkpoint's colour, its max_seq_len
 * marked); a picked run without the training-format measure is said, not drawn.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import type { EChartsOption } from 'echarts'
import type { Pinia } from 'pinia'
import type { RunInfo } from '../../src/shared/experiment'
import type { SampleResult } from '../../src/shared/results'
import { i18n } from '../../src/renderer/src/i18n'
import ChartPanel from '../../src/renderer/src/components/ChartPanel.vue'
import PositionLossPanel from '../../src/renderer/src/components/PositionLossPanel.vue'
import { useExperimentStore } from '../../src/renderer/src/stores/experiment'
import { useRunStore } from '../../src/renderer/src/stores/run'
import { useRunSelectionStore } from '../../src/renderer/src/stores/run-selection'
import { checkpointColor } from '../../src/shared/charts/style'
import { chartText } from '../../src/shared/charts/text'
import { MEASURE_COLORS } from '../../src/shared/palette'
import { experiment, type FakeApi, installFakeHost, sample } from './fake-api'

let api: FakeApi
let pinia: Pinia
beforeEach(() => {
  const host = installFakeHost()
  api = host.api
  pinia = host.pinia
})

const EXP = experiment('1.4.0', {
  checkpoints: [
    { id: 'early', label: 'early', modelPath: 'e.onnx', tokenizerPath: 't.json', step: 250 },
    { id: 'mid', label: 'mid', modelPath: 'm.onnx', tokenizerPath: 't.json', step: 1000 },
    { id: 'final', label: 'final', modelPath: 'f.onnx', tokenizerPath: 't.json', step: 2000 },
  ],
  datasets: [{ id: 'eval', label: 'eval.json', path: 'eval.json' }],
})

/** Samples whose position i has loss level + 1 / (i + 1) + index / 100, lengths 6, 9, 12, ... */
function results(level: number | null): SampleResult[] {
  return Array.from({ length: 4 }, (_, index) => {
    const s = sample(index)
    if (level === null) return s
    const positionLosses = Array.from({ length: 6 + 3 * index }, (_, i) => level + 1 / (i + 1) + index / 100)
    const loss = positionLosses.reduce((a, b) => a + b, 0) / positionLosses.length
    return {
      ...s,
      trainFormat: { loss, tokens: positionLosses.length, bytes: 30, bitsPerByte: 1, positionLosses },
    }
  })
}

/** Mean at position i + 1 over the samples reaching it, by hand. */
function meansOf(rs: SampleResult[]): number[] {
  const rows = rs.map((r) => r.trainFormat!.positionLosses)
  const n = Math.max(...rows.map((r) => r.length))
  return Array.from({ length: n }, (_, i) => {
    const at = rows.filter((r) => r.length > i).map((r) => r[i]!)
    return at.reduce((a, b) => a + b, 0) / at.length
  })
}

const RUNS: Record<string, { checkpointId: string; maxSeqLen: number; results: SampleResult[] }> = {
  rFinal: { checkpointId: 'final', maxSeqLen: 16, results: results(2) },
  rEarly: { checkpointId: 'early', maxSeqLen: 32, results: results(4) },
  rMid: { checkpointId: 'mid', maxSeqLen: 16, results: results(null) },
}

function info(runId: string): RunInfo {
  const r = RUNS[runId]!
  return {
    runId,
    experimentId: EXP.id,
    checkpointId: r.checkpointId,
    datasetId: 'eval',
    label: r.checkpointId,
    status: 'finished',
    createdAt: '2026-11-28T00:00:00.000Z',
    updatedAt: '2026-11-28T00:09:00.000Z',
    done: 4,
    total: 4,
    provider: 'cpu',
    settings: { ...EXP.settings, maxSeqLen: r.maxSeqLen },
  }
}

async function mountPanel() {
  api.handle('experiment:get', () => EXP)
  api.handle('run:list', () => Object.keys(RUNS).map(info))
  api.handle('run:results', ({ runId }) => ({ run: info(runId), results: RUNS[runId]!.results }))
  await useExperimentStore().open(EXP.id)
  const runs = useRunStore()
  await runs.list(EXP.id)
  await runs.load(EXP.id, 'rFinal')
  const w = mount(PositionLossPanel, {
    props: { run: runs.get('rFinal') },
    global: { plugins: [pinia, i18n] },
  })
  await flushPromises()
  return w
}

type Series = {
  name: string
  id: string
  color?: string
  data: [number, number][]
  markLine?: { data: { xAxis: number }[] }
}
const optionOf = (w: Awaited<ReturnType<typeof mountPanel>>) =>
  w.findComponent(ChartPanel).props('option') as EChartsOption
const lines = (o: EChartsOption) => (o.series as Series[]).filter((s) => s.id.startsWith('curve:'))
const markers = (o: EChartsOption) =>
  (o.series as Series[]).find((s) => s.id === 'max-seq-len')!.markLine!.data.map((d) => d.xAxis)

describe('PositionLossPanel', () => {
  const text = chartText('en')

  it('the headline alone: its means in the measure’s colour, the samples axis, its max_seq_len', async () => {
    const w = await mountPanel()
    const o = optionOf(w)
    const [line] = lines(o)
    expect(lines(o)).toHaveLength(1)
    expect(line!.color).toBe(MEASURE_COLORS.trainFormat)
    meansOf(RUNS.rFinal!.results).forEach((m, i) => expect(line!.data[i]![1]).toBeCloseTo(m, 12))
    expect((o.series as Series[]).some((s) => s.name === text.position.samples)).toBe(true)
    expect(markers(o)).toEqual([15])
    expect(w.find('[data-test="position-overlaid"]').exists()).toBe(false)
    w.unmount()
  })

  it('picked runs overlaid in their checkpoints’ colours; one without trainFormat is said, not drawn', async () => {
    const w = await mountPanel()
    useRunSelectionStore().set(['rEarly', 'rMid'])
    await flushPromises()
    // The picked runs were loaded from disk for the chart.
    expect(api.callsOf('run:results')).toEqual(
      expect.arrayContaining([
        { experimentId: EXP.id, runId: 'rEarly' },
        { experimentId: EXP.id, runId: 'rMid' },
      ]),
    )
    await flushPromises()
    const o = optionOf(w)
    const drawn = lines(o)
    expect(drawn.map((s) => s.name)).toEqual(['final', 'early'])
    expect(drawn.map((s) => s.color)).toEqual([checkpointColor(2), checkpointColor(0)])
    meansOf(RUNS.rEarly!.results).forEach((m, i) => expect(drawn[1]!.data[i]![1]).toBeCloseTo(m, 12))
    // No samples axis with several runs; both max_seq_len values marked.
    expect((o.series as Series[]).some((s) => s.name === text.position.samples)).toBe(false)
    expect(markers(o)).toEqual([15, 31])
    expect(w.get('[data-test="position-overlaid"]').text()).toContain('(1)')
    expect(w.get('[data-test="position-missing"]').text()).toContain('1 picked run')
    w.unmount()
  })

  it('two panels picking the same run read its results once', async () => {
    const a = await mountPanel()
    const b = mount(PositionLossPanel, {
      props: { run: useRunStore().get('rFinal') },
      global: { plugins: [pinia, i18n] },
    })
    const before = api
      .callsOf('run:results')
      .filter((c) => (c as { runId: string }).runId === 'rEarly').length
    useRunSelectionStore().set(['rEarly'])
    await flushPromises()
    expect(
      api.callsOf('run:results').filter((c) => (c as { runId: string }).runId === 'rEarly').length - before,
    ).toBe(1)
    a.unmount()
    b.unmount()
  })
})

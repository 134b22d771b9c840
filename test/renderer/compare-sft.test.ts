// @vitest-environment happy-dom
/**
 * The Compare tab compares one measure everywhere: the summary, the scatter and the distribution use
 * the measure the joined table uses (the store's), so two SFT runs compare their SFT loss (or the reply
 * generated) instead of drawing empty teacher-forcing charts, and an SFT run beside a pretraining run
 * says plainly that they share no measure. Values are recomputed here from the per-sample results.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import type { Pinia } from 'pinia'
import type { EChartsOption } from 'echarts'
import { i18n } from '../../src/renderer/src/i18n'
import CompareTab from '../../src/renderer/src/views/CompareTab.vue'
import { useExperimentStore } from '../../src/renderer/src/stores/experiment'
import { useRunStore } from '../../src/renderer/src/stores/run'
import { useCompareStore } from '../../src/renderer/src/stores/compare'
import { joinRuns, summaryRows } from '../../src/renderer/src/lib/compare'
import { distributionChart, scatterChart } from '../../src/shared/charts/compare-charts'
import { CHART_THEMES } from '../../src/shared/charts/frame'
import { chartText } from '../../src/shared/charts/text'
import { fiveNumbers } from '../../src/shared/charts/series-math'
import { fmtNats, meansFromResults } from '../../src/shared/diagnosis'
import type { RunInfo } from '../../src/shared/experiment'
import type { SampleResult } from '../../src/shared/results'
import { experiment, type FakeApi, installFakeHost, sample } from './fake-api'

/** An SFT conversation: MiniMind's SFT loss and the first reply generated (no teacher forcing). */
const conv = (index: number, loss: number): SampleResult => ({
  index,
  id: `c${String(index).padStart(15, '0')}`,
  tokens: 80,
  inputLength: 30,
  predictLength: 4,
  sft: {
    loss,
    tokens: 10,
    shiftedMaskLoss: loss + 1,
    tokenLosses: Array.from({ length: 10 }, () => loss),
    maskedPositions: Array.from({ length: 10 }, (_, i) => 30 + i),
  },
  sftAutoregressive: { loss: loss + 2, stepLosses: [loss + 2], generatedText: 'x' },
})
const sftA = [conv(0, 1.5), conv(1, 2.0), conv(2, 3.25)]
const sftB = [conv(0, 1.25), conv(1, 2.5), conv(2, 3.0)]
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length

type Series = { name?: string; data: unknown[] }
const seriesOf = (o: EChartsOption) => o.series as Series[]
const named = (x: unknown) => (x as { name: string }).name
const subtitle = (o: EChartsOption) => o.title as { subtext: string }[] | { subtext: string }

describe('compare charts on the compared measure', () => {
  const en = { theme: CHART_THEMES.light, text: chartText('en') }
  const zh = { theme: CHART_THEMES.light, text: chartText('zh-CN') }
  const runs = [
    { label: 'sft-a', checkpoint: 0 },
    { label: 'sft-b', checkpoint: 1 },
  ]

  it('two SFT runs: the scatter and the boxes hold their SFT losses, named as such', () => {
    const rows = joinRuns([sftA, sftB], 'sft')
    const scatter = scatterChart(rows, runs, 'sft', en)
    expect((seriesOf(scatter)[1]!.data as number[][]).map((p) => p.slice(0, 2))).toEqual(
      sftA.map((r, i) => [r.sft!.loss, sftB[i]!.sft!.loss]),
    )
    expect(JSON.stringify(subtitle(scatter))).toContain(en.text.measure.sft)
    expect(JSON.stringify(subtitle(scatter))).not.toContain('teacher forcing')
    const dist = distributionChart(rows, runs, 'sft', en)
    const boxes = seriesOf(dist)[0]!
    expect(boxes.name).toBe(en.text.measure.sft)
    expect((boxes.data as { value: number[] }[])[1]!.value).toEqual(fiveNumbers(sftB.map((r) => r.sft!.loss)))
    expect(JSON.stringify(subtitle(distributionChart(rows, runs, 'sftAutoregressive', zh)))).toContain(
      zh.text.measure.sftAutoregressive,
    )
  })

  it('a bits-per-byte measure draws its axes in bits per byte, not nats', () => {
    const rows = joinRuns([sftA, sftB], 'sft')
    const dist = distributionChart(rows, runs, 'teacherForcingBitsPerByte', en)
    expect(named(dist.yAxis)).toBe(en.text.axis.bitsPerByte)
    const scatter = scatterChart(rows, runs, 'rollingBitsPerByte', en)
    expect(named(scatter.yAxis)).not.toContain('nats')
    expect(named(scatter.xAxis)).not.toContain('nats')
    expect(named(scatterChart(rows, runs, 'sft', en).yAxis)).toContain('nats')
  })
})

describe('compare summary rows', () => {
  it('samples, mean (the run’s means), median and change of mean from the base, on the measure', () => {
    const runs = [sftA, sftB].map((results) => ({ results, means: meansFromResults(results) }))
    const rows = summaryRows(runs, 'sft')
    expect(rows[0]).toEqual({ samples: 3, mean: mean([1.5, 2.0, 3.25]), median: 2.0, delta: null })
    expect(rows[1]!.median).toBe(2.5)
    expect(rows[1]!.delta).toBeCloseTo(mean([1.25, 2.5, 3.0]) - mean([1.5, 2.0, 3.25]), 12)
    // A measure the runs lack gives empty rows, not zeros.
    expect(summaryRows(runs, 'teacherForcing')[1]).toEqual({
      samples: 0,
      mean: null,
      median: null,
      delta: null,
    })
  })
})

describe('compare tab', () => {
  let api: FakeApi
  let pinia: Pinia
  const checkpoints = [
    { id: 'a', label: 'sft-a', modelPath: '/m/a.onnx', tokenizerPath: '/m/t.json' },
    { id: 'b', label: 'sft-b', modelPath: '/m/b.onnx', tokenizerPath: '/m/t.json' },
  ]
  const datasets = [{ id: 'eval', label: 'eval_sft.json', path: '/d/eval_sft.json' }]

  beforeEach(async () => {
    localStorage.clear()
    const host = installFakeHost()
    api = host.api
    pinia = host.pinia
    api.handle('experiment:get', ({ experimentId }) => experiment(experimentId, { checkpoints, datasets }))
    api.handle('trainlog:parse', () => null)
    await useExperimentStore().open('1.4.0')
  })

  async function mountWith(results: Record<string, SampleResult[]>) {
    const list: RunInfo[] = Object.keys(results).map((id, k) => ({
      runId: id,
      experimentId: '1.4.0',
      checkpointId: id,
      datasetId: 'eval',
      label: checkpoints.find((c) => c.id === id)!.label,
      settings: experiment().settings,
      status: 'running',
      createdAt: `2026-11-28T00:00:0${k}.000Z`,
      updatedAt: `2026-11-28T00:00:0${k}.000Z`,
      done: results[id]!.length,
      total: results[id]!.length,
    }))
    api.handle('run:list', () => list)
    api.handle('run:results', ({ runId }) => ({
      run: list.find((r) => r.runId === runId)!,
      results: results[runId]!,
    }))
    await useRunStore().list('1.4.0')
    const w = mount(CompareTab, {
      global: { plugins: [pinia, i18n], stubs: { ChartPanel: true, TrajectoryPanel: true } },
    })
    await flushPromises()
    await useCompareStore().setRuns(['a', 'b'])
    useCompareStore().makeBase('a')
    await flushPromises()
    expect(useCompareStore().runIds).toEqual(['a', 'b'])
    return w
  }

  it('two SFT runs: the summary and the charts compare the SFT loss, and follow the measure picked', async () => {
    const w = await mountWith({ a: sftA, b: sftB })
    const compare = useCompareStore()
    expect(compare.measure).toBe('sft')
    const summary = w.get('[data-test="compare-summary"]')
    expect(summary.text()).toContain('SFT loss')
    const cells = summary.get('tr[data-run="a"]').findAll('td')
    expect(cells[1]!.text()).toBe('3')
    expect(summary.get('tr[data-run="a"] [data-col="mean"]').text()).toBe(fmtNats(mean([1.5, 2.0, 3.25])))
    expect(summary.find('[data-col="extra:sftAutoregressive"]').exists()).toBe(true)
    expect(summary.find('[data-col="extra:autoregressive"]').exists()).toBe(false)
    // The scatter's option: SFT losses, base on x.
    const scatter = w.findAllComponents({ name: 'ChartPanel' })[0]!.props('option') as EChartsOption
    expect((seriesOf(scatter)[1]!.data as number[][])[2]!.slice(0, 2)).toEqual([3.25, 3.0])
    // Picking the reply generated in the table moves the whole tab to it.
    await w.get('[data-test="compare-measure"]').setValue('sftAutoregressive')
    expect(compare.measure).toBe('sftAutoregressive')
    expect(w.get('tr[data-run="b"] [data-col="mean"]').text()).toBe(fmtNats(mean([3.25, 4.5, 5.0])))
    expect(w.find('[data-col="extra:sftAutoregressive"]').exists()).toBe(false)
    const dist = w.findAllComponents({ name: 'ChartPanel' })[1]!.props('option') as EChartsOption
    expect(seriesOf(dist)[0]!.name).toBe(chartText('en').measure.sftAutoregressive)
  })

  it('an SFT run beside a pretraining run: no charts, no empty table, the reason said once', async () => {
    const w = await mountWith({ a: sftA, b: [sample(0), sample(1)] })
    expect(useCompareStore().measure).toBeNull()
    expect(w.findAll('[data-test="compare-no-shared"]')).toHaveLength(1)
    expect(w.get('[data-test="compare-no-shared"]').text()).toContain('share no per-sample measure')
    expect(w.findAllComponents({ name: 'ChartPanel' })).toHaveLength(0)
    expect(w.find('[data-test="compare-table"]').exists()).toBe(false)
  })
})

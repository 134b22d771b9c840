// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import type { Pinia } from 'pinia'
import { i18n } from '../../src/renderer/src/i18n'
import CreateExperimentDialog from '../../src/renderer/src/components/CreateExperimentDialog.vue'
import SampleTable from '../../src/renderer/src/components/SampleTable.vue'
import CompareTable from '../../src/renderer/src/components/CompareTable.vue'
import { useWorkspaceStore } from '../../src/renderer/src/stores/workspace'
import { experiment, type FakeApi, installFakeHost, sample } from './fake-api'
import type { SampleResult } from '../../src/shared/results'

let api: FakeApi
let pinia: Pinia
beforeEach(() => {
  const host = installFakeHost()
  api = host.api
  pinia = host.pinia
})
const global = () => ({ plugins: [pinia, i18n] })

describe('create experiment form', () => {
  it('validates the id as typed and creates only a valid, new one', async () => {
    api.handle('experiment:list', () => [
      { id: '1.3.0', title: '', updatedAt: '', lastRun: null, bestLoss: null, runningRuns: 0 },
    ])
    api.handle('experiment:create', ({ id, title }) => experiment(id, { title }))
    await useWorkspaceStore().refresh()
    const w = mount(CreateExperimentDialog, { global: global(), attachTo: document.body })
    const submit = w.get('[data-test="create-submit"]')

    await submit.trigger('click')
    expect(w.get('[data-test="id-error"]').text()).toBe('An id is required.')

    await w.get('input[name="id"]').setValue('1.4 final')
    expect(w.get('[data-test="id-error"]').text()).toContain('letters, digits')

    await w.get('input[name="id"]').setValue('1.3.0')
    expect(w.get('[data-test="id-error"]').text()).toBe('"1.3.0" already exists in this workspace.')
    await submit.trigger('click')
    expect(api.callsOf('experiment:create')).toEqual([])

    await w.get('input[name="id"]').setValue('1.4.0')
    await w.get('input[name="title"]').setValue('model_original baseline')
    expect(w.find('[data-test="id-error"]').exists()).toBe(false)
    await submit.trigger('click')
    await flushPromises()
    expect(api.callsOf('experiment:create')).toEqual([{ id: '1.4.0', title: 'model_original baseline' }])
    expect(w.emitted('created')).toEqual([['1.4.0']])
    w.unmount()
  })

  it('shows the engine error verbatim when creation fails', async () => {
    api.handle('experiment:list', () => [])
    api.handle('experiment:create', () => {
      throw new Error('experiments/1.4.0 already exists on disk')
    })
    const w = mount(CreateExperimentDialog, { global: global(), attachTo: document.body })
    await w.get('input[name="id"]').setValue('1.4.0')
    await w.get('[data-test="create-submit"]').trigger('click')
    await flushPromises()
    expect(w.text()).toContain('experiments/1.4.0 already exists on disk')
    w.unmount()
  })
})

describe('sample table', () => {
  it('shows losses with 4 decimals, asks to sort on header click and selects a row', async () => {
    const rows = [sample(3), sample(1)]
    const w = mount(SampleTable, {
      props: { rows, sortKey: 'index', sortDir: 'asc', selected: null },
      global: global(),
    })
    const first = w.get('.tr[data-index="3"]')
    expect(first.get('[data-col="teacherForcing"]').text()).toBe('2.3000')
    expect(first.get('[data-col="keepLastMisaligned"]').text()).toBe('9.2000')
    expect(first.get('[data-col="kvCache"]').text()).toBe('4.0e-6')
    await w.get('.th[data-col="teacherForcing"]').trigger('click')
    expect(w.emitted('sort')).toEqual([['teacherForcing']])
    expect(w.get('.th[data-col="index"]').attributes('aria-sort')).toBe('ascending')
    await first.trigger('click')
    expect(w.emitted('select')).toEqual([[3]])
  })

  it('renders only the rows in view for a large run', () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => sample(i))
    const w = mount(SampleTable, {
      props: { rows, sortKey: 'index', sortDir: 'asc', selected: null },
      global: global(),
    })
    expect(w.findAll('.tr').length).toBeLessThan(60)
    expect(w.get('[data-test="sample-table"]').attributes('aria-rowcount')).toBe('10000')
  })
})

describe('compare table', () => {
  const base = Array.from({ length: 5 }, (_, i) => sample(i))
  // Samples 1 and 3 change by 0.2 nats, the others by 0.01.
  const other = base.map((r) => ({
    ...r,
    teacherForcing: { ...r.teacherForcing!, loss: r.teacherForcing!.loss + (r.index % 2 ? 0.2 : 0.01) },
  }))

  it('filters to changed samples above the threshold it shows, and sorts by delta', async () => {
    const w = mount(CompareTable, {
      props: {
        runs: [base, other],
        labels: ['final', 'early'],
        colors: ['#332288', '#117733'],
        threshold: 0.05,
        changedOnly: false,
      },
      global: global(),
    })
    expect(w.findAll('.tr')).toHaveLength(5)
    expect(w.get('[data-test="changed-count"]').text()).toBe('2 of 5 samples with |Δ| > 0.0500')
    await w.setProps({ changedOnly: true })
    expect(w.findAll('.tr').map((r) => r.attributes('data-index'))).toEqual(['1', '3'])
    await w.get('[data-test="changed-only"]').setValue(false)
    expect(w.emitted('update:changedOnly')).toEqual([[false]])
    await w.setProps({ changedOnly: false, threshold: 0.005 })
    expect(w.get('[data-test="changed-count"]').text()).toBe('5 of 5 samples with |Δ| > 0.0050')
    await w.get('.th[data-col="delta:1"]').trigger('click')
    expect(w.findAll('.tr').map((r) => r.attributes('data-index'))).toEqual(['1', '3', '0', '2', '4'])
    expect(w.get('.tr[data-index="1"]').findAll('.td').at(-1)!.text()).toBe('+0.2000')
  })
})

describe('compare table: the measure compared', () => {
  /** An SFT conversation: MiniMind's SFT loss and the first reply generated. */
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
  const mountWith = (runs: SampleResult[][]) =>
    mount(CompareTable, {
      props: {
        runs,
        labels: runs.map((_, k) => `run${k}`),
        colors: runs.map(() => '#332288'),
        threshold: 0.05,
        changedOnly: false,
      },
      global: global(),
    })
  const cells = (w: ReturnType<typeof mountWith>, index: number): string[] =>
    w
      .get(`.tr[data-index="${index}"]`)
      .findAll('.td')
      .map((c) => c.text())

  it('two SFT runs compare the SFT loss by default, and the reply generated when picked', async () => {
    const a = [conv(0, 1.5), conv(1, 2.0)]
    const b = [conv(0, 1.25), conv(1, 2.5)]
    const w = mountWith([a, b])
    const select = w.get('[data-test="compare-measure"]')
    expect(select.findAll('option').map((o) => o.attributes('value'))).toEqual(['sft', 'sftAutoregressive'])
    expect((select.element as HTMLSelectElement).value).toBe('sft')
    expect(cells(w, 0).slice(2)).toEqual(['1.5000', '1.2500', '−0.2500'])
    expect(cells(w, 1).slice(2)).toEqual(['2.0000', '2.5000', '+0.5000'])
    await select.setValue('sftAutoregressive')
    expect(cells(w, 0).slice(2)).toEqual(['3.5000', '3.2500', '−0.2500'])
  })

  it('offers what both runs scored: bits per byte named after its loss, with its unit', async () => {
    const withBytes = (r: SampleResult, bpb: number): SampleResult => ({
      ...r,
      teacherForcing: { ...r.teacherForcing!, bitsPerByte: bpb, bytes: 12 },
    })
    const a = [withBytes(sample(0), 1.0), withBytes(sample(1), 1.5)]
    const b = [withBytes(sample(0), 0.75), sample(1)]
    const w = mountWith([a, b])
    const select = w.get('[data-test="compare-measure"]')
    const offered = select.findAll('option').map((o) => o.attributes('value'))
    expect(offered[0]).toBe('teacherForcing')
    expect(offered).toContain('teacherForcingBitsPerByte')
    expect(offered).not.toContain('sft')
    expect(select.findAll('option').at(-1)!.text()).toBe('Teacher forcing (bits/byte)')
    await select.setValue('teacherForcingBitsPerByte')
    expect(cells(w, 0).slice(2)).toEqual(['1.0000', '0.7500', '−0.2500'])
    expect(cells(w, 1).slice(2)).toEqual(['1.5000', '—', '—'])
    expect(w.get('.thr + .check + .thr').text()).toContain('bits/byte')
  })

  it('an SFT run beside a pretraining run: no shared measure, said plainly instead of an empty table', () => {
    const w = mountWith([[conv(0, 1.5)], [sample(0)]])
    expect(w.find('[data-test="compare-measure"]').exists()).toBe(false)
    expect(w.findAll('.tr')).toHaveLength(0)
    expect(w.get('[data-test="compare-no-shared"]').text()).toContain('share no per-sample measure')
  })
})

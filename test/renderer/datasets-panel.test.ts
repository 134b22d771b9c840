// @vitest-environment happy-dom
/** The datasets panel: sample counts, and a consistency check's progress, Stop and result. */
import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import type { Pinia } from 'pinia'
import { i18n } from '../../src/renderer/src/i18n'
import DatasetsPanel from '../../src/renderer/src/components/DatasetsPanel.vue'
import { useExperimentStore } from '../../src/renderer/src/stores/experiment'
import type { DataConsistency } from '../../src/shared/evidence'
import { experiment, type FakeApi, installFakeHost } from './fake-api'

let api: FakeApi
let pinia: Pinia
beforeEach(async () => {
  const host = installFakeHost()
  api = host.api
  pinia = host.pinia
  api.handle('experiment:get', ({ experimentId }) =>
    experiment(experimentId, {
      datasets: [
        {
          id: 'eval',
          label: 'eval_data_from_train.json',
          path: '/d/eval.json',
          trainPath: '/d/train.jsonl',
          sampleCount: 2000,
        },
      ],
    }),
  )
  api.handle('trainlog:parse', () => null)
  await useExperimentStore().open('1.4.0')
})

const consistency: DataConsistency = {
  evalPath: '/d/eval.json',
  trainPath: '/d/train.jsonl',
  total: 2000,
  found: 1990,
  foundNormalized: 1995,
  foundSubstring: 1998,
  notFound: [
    { index: 17, preview: 'a sample that is not there' },
    { index: 90, preview: 'another one' },
  ],
  trainRows: 1_250_000,
  bytesScanned: 3_000_000_000,
  malformedCount: 0,
  malformedLines: [],
}

describe('datasets panel', () => {
  it('shows the sample count, the check’s progress, and stops it on request', async () => {
    let fail: (e: Error) => void = () => {}
    api.handle('dataset:checkConsistency', () => new Promise((_resolve, reject) => (fail = reject)))
    api.handle('dataset:cancelCheck', () => undefined)
    const w = mount(DatasetsPanel, { global: { plugins: [pinia, i18n] } })
    expect(w.text()).toContain('2,000 samples')
    await w.get('[data-test="check-consistency"]').trigger('click')
    await flushPromises()
    expect(w.get('[data-test="check-progress"]').text()).toBe('Reading the training data… 0%')
    api.emit('dataset:checkProgress', {
      experimentId: '1.4.0',
      datasetId: 'eval',
      bytesRead: 1_290_000_000,
      totalBytes: 3_000_000_000,
    })
    api.emit('dataset:checkProgress', {
      experimentId: 'other',
      datasetId: 'eval',
      bytesRead: 3,
      totalBytes: 3,
    })
    await flushPromises()
    expect(w.get('[data-test="check-progress"]').text()).toBe('Reading the training data… 43%')
    await w.get('[data-test="check-stop"]').trigger('click')
    expect(api.callsOf('dataset:cancelCheck')).toEqual([{ experimentId: '1.4.0', datasetId: 'eval' }])
    fail(new Error('consistency check cancelled'))
    await flushPromises()
    expect(w.find('[data-test="check-progress"]').exists()).toBe(false)
    expect(w.text()).toContain('consistency check cancelled')
    expect(w.find('[data-test="check-consistency"]').exists()).toBe(true)
    w.unmount()
  })

  it('shows what the check found, and a set nobody described takes the kind found', async () => {
    api.handle('dataset:checkConsistency', () => consistency)
    const w = mount(DatasetsPanel, { global: { plugins: [pinia, i18n] } })
    expect(w.get<HTMLSelectElement>('[data-test="dataset-kind"]').element.value).toBe('unknown')
    await w.get('[data-test="check-consistency"]').trigger('click')
    await flushPromises()
    const result = w.get('[data-test="consistency"]')
    expect(result.text()).toContain('mixed: 1998 of 2000 found in training data')
    expect(result.get('[data-verdict]').attributes('data-verdict')).toBe('expected')
    expect(useExperimentStore().current!.datasets[0]!.datasetKind).toBe('mixed')
    expect(w.get<HTMLSelectElement>('[data-test="dataset-kind"]').element.value).toBe('mixed')
    // One numbering everywhere: the stored 0-based index, as the window shows it.
    expect(w.text()).toContain('index 17')
    w.unmount()
  })

  const none: DataConsistency = {
    ...consistency,
    found: 0,
    foundNormalized: 0,
    foundSubstring: 0,
    total: 3,
    notFound: [0, 1, 2].map((index) => ({ index, preview: `s${index}` })),
  }

  it('0 of N found on a held-out or unknown set is "confirmed held out", not a failure', async () => {
    api.handle('dataset:checkConsistency', () => none)
    const w = mount(DatasetsPanel, { global: { plugins: [pinia, i18n] } })
    await w.get('[data-test="check-consistency"]').trigger('click')
    await flushPromises()
    const result = w.get('[data-test="consistency"]')
    expect(result.text()).toContain('confirmed held out: 0 of 3 found')
    expect(result.get('[data-verdict]').attributes('data-verdict')).toBe('expected')
    expect(useExperimentStore().current!.datasets[0]!.datasetKind).toBe('heldOut')
    w.unmount()
  })

  it('fails a set claimed drawn from training whose samples are missing, and keeps the claim', async () => {
    api.handle('experiment:save', (e) => e as never)
    api.handle('dataset:checkConsistency', () => none)
    const w = mount(DatasetsPanel, { global: { plugins: [pinia, i18n] } })
    await w.get('[data-test="dataset-kind"]').setValue('fromTraining')
    await flushPromises()
    expect(useExperimentStore().current!.datasets[0]!.datasetKind).toBe('fromTraining')
    await w.get('[data-test="check-consistency"]').trigger('click')
    await flushPromises()
    const result = w.get('[data-test="consistency"]')
    expect(result.get('[data-verdict]').attributes('data-verdict')).toBe('fail')
    expect(result.text()).toContain('said drawn from training, but 3 of 3 not found')
    expect(useExperimentStore().current!.datasets[0]!.datasetKind).toBe('fromTraining')
    w.unmount()
  })
})

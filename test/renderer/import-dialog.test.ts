// @vitest-environment happy-dom
/** The "Import checkpoint" dialog: what it sends to main, the exporter's streamed log, its error state. */
import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import type { Pinia } from 'pinia'
import { i18n } from '../../src/renderer/src/i18n'
import ImportCheckpointDialog from '../../src/renderer/src/components/ImportCheckpointDialog.vue'
import { useExperimentStore } from '../../src/renderer/src/stores/experiment'
import { experiment, type FakeApi, installFakeHost } from './fake-api'

let api: FakeApi
let pinia: Pinia
beforeEach(async () => {
  const host = installFakeHost()
  api = host.api
  pinia = host.pinia
  api.handle('experiment:get', ({ experimentId }) => experiment(experimentId))
  api.handle('trainlog:parse', () => null)
  api.handle('settings:set', (patch) => patch)
  await useExperimentStore().open('1.4.0')
})

async function fill(w: ReturnType<typeof mount>, fields: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(fields)) await w.get(`input[name="${name}"]`).setValue(value)
}
const importButton = (w: ReturnType<typeof mount>) => w.findAll('button').find((b) => b.text() === 'Import')!

describe('Import checkpoint dialog', () => {
  it('sends the paths, the config and the head count, and shows the exporter’s lines as they come', async () => {
    let finish: () => void = () => {}
    api.handle('checkpoint:import', (args) => {
      api.emit('import:log', { experimentId: '1.4.0', line: 'checkout: /src/minimind (minimind2)' })
      api.emit('import:log', { experimentId: 'other', line: 'not ours' })
      return new Promise((resolve) => {
        finish = () =>
          resolve(
            experiment('1.4.0', {
              checkpoints: [
                { id: 'pretrain-512', label: args.label, modelPath: 'm.onnx', tokenizerPath: 't.json' },
              ],
            }),
          )
      })
    })
    const w = mount(ImportCheckpointDialog, { global: { plugins: [pinia, i18n] }, attachTo: document.body })
    expect(importButton(w).attributes('disabled')).toBeDefined()
    await fill(w, {
      pth: '/runs/out/pretrain_512.pth',
      minimind: '/src/minimind',
      python: 'python3',
      config: '/runs/out/config.json',
      heads: '4',
    })
    await importButton(w).trigger('click')
    await flushPromises()
    expect(api.callsOf('checkpoint:import')).toEqual([
      {
        experimentId: '1.4.0',
        checkpointPath: '/runs/out/pretrain_512.pth',
        minimindDir: '/src/minimind',
        python: 'python3',
        label: 'pretrain_512',
        configPath: '/runs/out/config.json',
        numHeads: 4,
      },
    ])
    expect(w.get('[data-test="import-log"]').text()).toBe('checkout: /src/minimind (minimind2)')
    expect(importButton(w)).toBeUndefined() // the button reads "Exporting…" while it runs
    api.handle('checkpoint:importCancel', () => undefined)
    await w.get('[data-test="import-stop"]').trigger('click')
    expect(api.callsOf('checkpoint:importCancel')).toEqual([{ experimentId: '1.4.0' }])
    finish()
    await flushPromises()
    expect(w.text()).toContain('Imported: the checkpoint was added to this experiment.')
    expect(useExperimentStore().current?.checkpoints.map((c) => c.id)).toEqual(['pretrain-512'])
    w.unmount()
  })

  it('leaves out what was not given and refuses a head count that is not a number', async () => {
    api.handle('checkpoint:import', () => {
      throw new Error(
        'exporter failed (exit code 2); its last lines:\nexport_onnx: error: give --num-heads 4',
      )
    })
    const w = mount(ImportCheckpointDialog, { global: { plugins: [pinia, i18n] }, attachTo: document.body })
    await fill(w, {
      pth: '/runs/a.pth',
      minimind: '/src/minimind',
      python: '/usr/bin/python3',
      heads: 'four',
    })
    expect(w.get('input[name="heads"]').attributes('aria-invalid')).toBe('true')
    expect(importButton(w).attributes('disabled')).toBeDefined()
    await fill(w, { heads: '512' })
    expect(w.get('input[name="heads"]').attributes('aria-invalid')).toBe('true')
    await fill(w, { heads: '' })
    await importButton(w).trigger('click')
    await flushPromises()
    expect(api.callsOf('checkpoint:import')).toEqual([
      {
        experimentId: '1.4.0',
        checkpointPath: '/runs/a.pth',
        minimindDir: '/src/minimind',
        python: '/usr/bin/python3',
        label: 'a',
      },
    ])
    expect(w.text()).toContain('export_onnx: error: give --num-heads 4')
    w.unmount()
  })
})

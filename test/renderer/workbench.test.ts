// @vitest-environment happy-dom
/**
 * Workbench bugs from issue 14: a run uses the settings on screen (not a save still in flight), runs
 * show their settings, failed runs are never the Compare base, files are read before they are added,
 * the bare run/cancel keys ask first, ticks survive a reload, ids differing only in case are refused.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import type { Pinia } from 'pinia'
import { i18n } from '../../src/renderer/src/i18n'
import RunSettingsPanel from '../../src/renderer/src/components/RunSettingsPanel.vue'
import RunHeader from '../../src/renderer/src/components/RunHeader.vue'
import AddCheckpointDialog from '../../src/renderer/src/components/AddCheckpointDialog.vue'
import AddDatasetDialog from '../../src/renderer/src/components/AddDatasetDialog.vue'
import CreateExperimentDialog from '../../src/renderer/src/components/CreateExperimentDialog.vue'
import { useExperimentStore } from '../../src/renderer/src/stores/experiment'
import { useRunStore } from '../../src/renderer/src/stores/run'
import { useCompareStore } from '../../src/renderer/src/stores/compare'
import { useWorkspaceStore } from '../../src/renderer/src/stores/workspace'
import { keyAction } from '../../src/renderer/src/lib/keys'
import type { Experiment, RunInfo } from '../../src/shared/experiment'
import type { RunSettings } from '../../src/shared/results'
import { experiment, type FakeApi, installFakeHost } from './fake-api'

let api: FakeApi
let pinia: Pinia
const checkpoints = [
  { id: 'early', label: 'early', modelPath: '/m/early.onnx', tokenizerPath: '/m/tokenizer.json' },
  { id: 'final', label: 'final', modelPath: '/m/final.onnx', tokenizerPath: '/m/tokenizer.json' },
]
const datasets = [{ id: 'eval', label: 'eval.json', path: '/d/eval.json' }]

beforeEach(async () => {
  localStorage.clear()
  const host = installFakeHost()
  api = host.api
  pinia = host.pinia
  api.handle('experiment:get', ({ experimentId }) => experiment(experimentId, { checkpoints, datasets }))
  api.handle('trainlog:parse', () => null)
  await useExperimentStore().open('1.4.0')
})
afterEach(() => vi.useRealTimers())

const mountOpts = () => ({ global: { plugins: [pinia, i18n] } })

function runInfo(runId: string, patch: Partial<RunInfo> = {}): RunInfo {
  return {
    runId,
    experimentId: '1.4.0',
    checkpointId: 'final',
    datasetId: 'eval',
    label: 'final',
    settings: experiment().settings,
    status: 'finished',
    createdAt: `2026-11-28T00:00:0${runId.slice(-1)}.000Z`,
    updatedAt: `2026-11-28T00:00:0${runId.slice(-1)}.000Z`,
    done: 10,
    total: 10,
    ...patch,
  }
}

describe('starting a run', () => {
  it('uses the L on screen while the save of it is still in flight', async () => {
    vi.useFakeTimers()
    let release: () => void = () => undefined
    api.handle('experiment:save', (e) => new Promise<Experiment>((r) => (release = () => r(e))))
    const started: RunSettings[] = []
    api.handle('run:start', ({ settings }) => {
      started.push(settings as RunSettings)
      return { runIds: ['r1'] }
    })
    const w = mount(RunSettingsPanel, mountOpts())
    await w.get('input[name="inputLength"]').setValue('64')
    await vi.advanceTimersByTimeAsync(500) // the debounced save has started, not finished
    expect(api.callsOf('experiment:save')).toHaveLength(1)
    await w.get('[data-test="start-run"]').trigger('click')
    await flushPromises()
    expect(started).toHaveLength(1)
    expect(started[0]!.inputLength).toBe(64)
    release()
    await flushPromises()
    w.unmount()
  })

  it('refuses to start while a field on screen is invalid instead of using the saved value', async () => {
    api.handle('experiment:save', (e) => e)
    api.handle('run:start', () => ({ runIds: ['r1'] }))
    const w = mount(RunSettingsPanel, mountOpts())
    await w.get('input[name="predictLength"]').setValue('0')
    expect(useExperimentStore().runSettings()).toBeNull()
    w.unmount()
  })

  it('off screen, the panel hands over to the saved settings once its last edit is saved', async () => {
    vi.useFakeTimers()
    api.handle('experiment:save', (e) => e)
    const store = useExperimentStore()
    const w = mount(RunSettingsPanel, mountOpts())
    await w.get('input[name="inputLength"]').setValue('48')
    expect(store.runSettings()?.inputLength).toBe(48)
    w.unmount() // before the debounce fired: the edit is saved now
    await flushPromises()
    expect(store.current?.settings.inputLength).toBe(48)
    expect(store.screenSettings).toBeNull()
    // A change made elsewhere (not on this panel) is what the next run uses.
    await store.saveSettings({ ...store.current!.settings, inputLength: 16 })
    expect(store.runSettings()?.inputLength).toBe(16)
  })

  it('offers the providers main lists for its platform, not dml or coreml on Linux', async () => {
    api.handle('experiment:save', (e) => e)
    useWorkspaceStore().info = {
      path: '/ws',
      version: '0',
      host: 'bridge',
      platform: 'linux',
      providers: ['cpu', 'cuda', 'webgpu'],
      demoExperimentId: '1.4.0-demo',
    }
    const w = mount(RunSettingsPanel, mountOpts())
    const options = w.findAll('select[name="provider"] option').map((o) => o.attributes('value'))
    expect(options).toEqual(['auto', 'cpu', 'cuda', 'webgpu'])
    w.unmount()
  })
})

describe('checkpoint ticks', () => {
  it('survive a reload (window storage), and are not written into experiment.json', async () => {
    api.handle('experiment:save', (e) => e)
    const w = mount(RunSettingsPanel, mountOpts())
    const boxes = w.findAll('.targets input[type="checkbox"]')
    await boxes[0]!.setValue(false) // untick "early"
    expect(useExperimentStore().resolvedPlan().checkpointIds).toEqual(['final'])
    w.unmount()
    expect(api.callsOf('experiment:save')).toEqual([])

    // A reload: a new Pinia, the same storage.
    const host = installFakeHost()
    host.api.handle('experiment:get', ({ experimentId }) =>
      experiment(experimentId, { checkpoints, datasets }),
    )
    host.api.handle('trainlog:parse', () => null)
    await useExperimentStore().open('1.4.0')
    expect(useExperimentStore().resolvedPlan().checkpointIds).toEqual(['final'])
  })
})

describe('run header', () => {
  it('shows the run’s own L, P, batch and measures', async () => {
    const runs = useRunStore()
    api.handle('run:list', () => [
      runInfo('r1', {
        settings: {
          ...experiment().settings,
          inputLength: 48,
          predictLength: 12,
          batchSize: 4,
          measures: ['teacherForcing', 'autoregressive'],
        },
      }),
    ])
    await runs.list('1.4.0')
    const w = mount(RunHeader, { ...mountOpts(), props: { run: runs.get('r1')! } })
    expect(w.get('[data-test="run-settings-line"]').text()).toBe('L 48 · P 12 · batch 4 · TF, AR')
    w.unmount()
  })

  it('a run that failed on its inputs shows the error and no Resume; a part-way failure can resume', async () => {
    const runs = useRunStore()
    api.handle('run:list', () => [
      runInfo('r1', { status: 'failed', done: 0, total: 0, error: '/m/fake.onnx: not an ONNX model' }),
      runInfo('r2', { status: 'failed', done: 4, total: 10, error: 'the engine stopped without a result' }),
    ])
    await runs.list('1.4.0')
    const broken = mount(RunHeader, { ...mountOpts(), props: { run: runs.get('r1')! } })
    expect(broken.text()).toContain('/m/fake.onnx: not an ONNX model')
    expect(broken.find('[data-test="resume-run"]').exists()).toBe(false)
    const partial = mount(RunHeader, { ...mountOpts(), props: { run: runs.get('r2')! } })
    expect(partial.find('[data-test="resume-run"]').exists()).toBe(true)
    broken.unmount()
    partial.unmount()
  })
})

describe('compare base', () => {
  it('a failed run is not offered, and the user’s base is kept when runs come and go', async () => {
    const runs = useRunStore()
    const list = [
      runInfo('r1', { checkpointId: 'early', label: 'early' }),
      runInfo('r2', { checkpointId: 'final', label: 'final' }),
      runInfo('r3', {
        checkpointId: 'early',
        label: 'early',
        status: 'failed',
        done: 0,
        total: 0,
        error: 'x',
      }),
    ]
    api.handle('run:list', () => list)
    api.handle('run:results', ({ runId }) => ({ run: list.find((r) => r.runId === runId)!, results: [] }))
    await runs.list('1.4.0')
    const compare = useCompareStore()
    compare.setExperiment('1.4.0')
    expect(compare.candidates.map((b) => b.runId).sort()).toEqual(['r1', 'r2'])
    compare.autoSelect()
    await flushPromises()
    expect(compare.runIds).not.toContain('r3')
    compare.makeBase('r2')
    await flushPromises()
    expect(compare.runIds[0]).toBe('r2')
    // Another failed run arrives; the user unticks and reticks the other run: r2 stays the base.
    list.push(runInfo('r4', { status: 'failed', done: 0, total: 0, error: 'y' }))
    await runs.list('1.4.0')
    compare.toggle('r1')
    compare.toggle('r1')
    await flushPromises()
    expect(compare.runIds).toEqual(['r2', 'r1'])
    expect(compare.candidates.map((b) => b.runId)).not.toContain('r4')
  })
})

describe('adding files', () => {
  it('a checkpoint whose model is not ONNX is refused with the run’s message and not added', async () => {
    api.handle('files:validate', () => ({
      ok: false,
      message: '/m/fake.onnx: not an ONNX model (protobuf parsing failed)',
    }))
    api.handle('experiment:save', (e) => e)
    api.handle('checkpoint:describe', () => {
      throw new Error('not reached')
    })
    const w = mount(AddCheckpointDialog, mountOpts())
    await w.get('input[name="model"]').setValue('/m/fake.onnx')
    await w.get('input[name="tokenizer"]').setValue('/m/tokenizer.json')
    await w.get('[data-test="add-checkpoint-submit"]').trigger('click')
    await flushPromises()
    expect(w.get('[data-test="add-error"]').text()).toBe(
      '/m/fake.onnx: not an ONNX model (protobuf parsing failed)',
    )
    expect(api.callsOf('experiment:save')).toEqual([])
    expect(useExperimentStore().current?.checkpoints.map((c) => c.id)).toEqual(['early', 'final'])
    w.unmount()
  })

  it('a dataset with a bad line is refused; a good one is added with its count', async () => {
    api.handle('files:validate', (req) =>
      req.kind === 'dataset' && req.path.endsWith('bad.jsonl')
        ? { ok: false, message: '/d/bad.jsonl: line 2 is not valid JSON' }
        : { ok: true, samples: 7 },
    )
    api.handle('experiment:save', (e) => e)
    const bad = mount(AddDatasetDialog, mountOpts())
    await bad.get('input[name="dataset"]').setValue('/d/bad.jsonl')
    await bad.get('[data-test="add-dataset-submit"]').trigger('click')
    await flushPromises()
    expect(bad.get('[data-test="add-error"]').text()).toBe('/d/bad.jsonl: line 2 is not valid JSON')
    expect(api.callsOf('experiment:save')).toEqual([])
    bad.unmount()

    const good = mount(AddDatasetDialog, mountOpts())
    await good.get('input[name="dataset"]').setValue('/d/good.jsonl')
    await good.get('[data-test="add-dataset-submit"]').trigger('click')
    await flushPromises()
    const saved = api.callsOf('experiment:save') as Experiment[]
    expect(saved).toHaveLength(1)
    expect(saved[0]!.datasets.find((d) => d.path === '/d/good.jsonl')?.sampleCount).toBe(7)
    good.unmount()
  })
})

describe('shortcuts', () => {
  const press = (
    key: string,
    mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean }> = {},
  ) => ({
    key,
    ctrlKey: false,
    metaKey: false,
    altKey: false,
    target: null,
    ...mods,
  })
  it('bare r and Esc ask first; Ctrl+Enter and Ctrl+. act at once', () => {
    expect(keyAction(press('r'), false)).toEqual({ kind: 'run', confirm: true })
    expect(keyAction(press('Escape'), false)).toEqual({ kind: 'cancel', confirm: true })
    expect(keyAction(press('Enter', { ctrlKey: true }), false)).toEqual({ kind: 'run', confirm: false })
    expect(keyAction(press('.', { metaKey: true }), false)).toEqual({ kind: 'cancel', confirm: false })
    expect(keyAction(press('.', { ctrlKey: true }), true)).toEqual({ kind: 'cancel', confirm: false })
    expect(keyAction(press('r'), true)).toBeNull()
    // In a text field Ctrl+Enter belongs to the field (the notes save with it); Ctrl+. still cancels.
    const field = { tagName: 'TEXTAREA', isContentEditable: false } as unknown as EventTarget
    expect(keyAction({ ...press('Enter', { ctrlKey: true }), target: field }, false)).toBeNull()
    expect(keyAction({ ...press('.', { ctrlKey: true }), target: field }, false)).toEqual({
      kind: 'cancel',
      confirm: false,
    })
    expect(keyAction(press('2'), false)).toEqual({ kind: 'tab', index: 1 })
  })
})

describe('experiment ids', () => {
  it('an id differing from an existing one only in case is refused as typed', async () => {
    useWorkspaceStore().experiments = [
      { id: '1.4.0-demo', title: 'demo', updatedAt: '', lastRun: null, bestLoss: null, runningRuns: 0 },
    ]
    const w = mount(CreateExperimentDialog, mountOpts())
    await w.get('input').setValue('1.4.0-DEMO')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.text()).toContain('"1.4.0-demo" already exists')
    expect(api.callsOf('experiment:create')).toEqual([])
    w.unmount()
  })
})

describe('opening experiments', () => {
  it('a slow answer for an experiment opened earlier does not replace the one opened since', async () => {
    const host = installFakeHost()
    let answerDemo: () => void = () => undefined
    host.api.handle('experiment:get', ({ experimentId }) =>
      experimentId === '1.4.0-demo'
        ? new Promise<Experiment>((r) => (answerDemo = () => r(experiment('1.4.0-demo'))))
        : experiment(experimentId),
    )
    host.api.handle('trainlog:parse', () => null)
    const store = useExperimentStore()
    const demo = store.open('1.4.0-demo')
    await store.open('1.4.0')
    answerDemo()
    await demo
    expect(store.current?.id).toBe('1.4.0')
  })
})

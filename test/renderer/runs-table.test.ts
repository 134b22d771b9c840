// @vitest-environment happy-dom
/**
 * The runs table: one row per run with its settings and every mean of its summary, sort, hide failed,
 * text/tag filter, tags saved through run:setTags, ticks into the run-selection store and the settings
 * diff of two ticked runs; and the KLD report laid out as llama.cpp prints it.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import type { Pinia } from 'pinia'
import type { RunInfo } from '../../src/shared/experiment'
import type { RunSummary } from '../../src/shared/results'
import { i18n } from '../../src/renderer/src/i18n'
import RunsTable from '../../src/renderer/src/components/RunsTable.vue'
import RunSettingsDiff from '../../src/renderer/src/components/RunSettingsDiff.vue'
import KldReport from '../../src/renderer/src/components/KldReport.vue'
import { useExperimentStore } from '../../src/renderer/src/stores/experiment'
import { useRunStore } from '../../src/renderer/src/stores/run'
import { useRunSelectionStore } from '../../src/renderer/src/stores/run-selection'
import { useUiStore } from '../../src/renderer/src/stores/ui'
import {
  filterRows,
  settingsDiff,
  sortRows,
  tableRow,
  type RunsTableRow,
} from '../../src/renderer/src/lib/runs-table'
import type { TokenDistribution } from '../../src/shared/compare'
import { experiment, type FakeApi, installFakeHost, model, provider } from './fake-api'

let api: FakeApi
let pinia: Pinia
beforeEach(() => {
  const host = installFakeHost()
  api = host.api
  pinia = host.pinia
})
const global = () => ({ plugins: [pinia, i18n] })

const EXP = experiment('1.4.0', {
  checkpoints: [
    { id: 'early', label: 'early', modelPath: 'e.onnx', tokenizerPath: 't.json', step: 250 },
    { id: 'final', label: 'final', modelPath: 'f.onnx', tokenizerPath: 't.json', step: 2000 },
  ],
  datasets: [{ id: 'eval', label: 'eval.json', path: 'eval.json' }],
})

function info(runId: string, checkpointId: string, patch: Partial<RunInfo> = {}, tf?: number): RunInfo {
  const settings = { ...EXP.settings, ...(patch.settings ?? {}) }
  const summary: RunSummary | undefined =
    tf === undefined
      ? undefined
      : {
          label: checkpointId,
          modelPath: 'm',
          tokenizerPath: 't',
          dataPath: 'd',
          settings,
          model,
          provider,
          counts: { total: 3, scored: 3, skipped: 0 },
          means: { teacherForcing: tf, keepLastMisaligned: tf * 4, teacherForcingTop1: 0.25 },
          wallSeconds: 65,
          tokensPerSecond: 10,
          startedAt: '2026-11-28T00:00:00.000Z',
          finishedAt: '2026-11-28T00:01:05.000Z',
          losslensVersion: '0.1.0',
        }
  return {
    runId,
    experimentId: '1.4.0',
    checkpointId,
    datasetId: 'eval',
    label: checkpointId,
    status: 'finished',
    createdAt: `2026-11-28T00:0${runId.slice(-1)}:00.000Z`,
    updatedAt: '2026-11-28T00:09:00.000Z',
    done: 3,
    total: 3,
    provider: 'cpu',
    ...patch,
    settings,
    ...(summary ? { summary } : {}),
  }
}

async function mountTable(runs: RunInfo[], tags: Record<string, string[]> = {}) {
  api.handle('experiment:get', () => EXP)
  api.handle('run:list', () => runs)
  api.handle('run:tags', () => tags)
  api.handle('trainlog:parse', () => null)
  await useExperimentStore().open('1.4.0')
  await useRunStore().list('1.4.0')
  const w = mount(RunsTable, { global: global(), attachTo: document.body })
  await flushPromises()
  return w
}
const ids = (w: ReturnType<typeof mount>) => w.findAll('tbody tr').map((r) => r.attributes('data-run'))

describe('runs table', () => {
  const runs = [
    info('r1', 'early', {}, 3.5),
    info('r2', 'final', { settings: { ...EXP.settings, inputLength: 64, batchSize: 8 } }, 2.25),
    info('r3', 'final', { status: 'failed', error: 'boom' }),
  ]

  it('shows each run’s settings, status, duration and summary means; newest first', async () => {
    const w = await mountTable(runs)
    expect(ids(w)).toEqual(['r3', 'r2', 'r1'])
    const r2 = w.get('tr[data-run="r2"]')
    const cells = r2.findAll('td').map((c) => c.text())
    // tick, checkpoint, tags, step, dataset, L, P, measures, batch, provider, status, duration, started, means...
    expect(cells.slice(1, 2)).toEqual(['final'])
    expect(cells.slice(3, 10)).toEqual(['2000', 'eval.json', '64', '30', '5', '8', 'cpu'])
    expect(cells[11]).toBe('1m 05s')
    expect(r2.get('[data-col="teacherForcing"]').text()).toBe('2.2500')
    expect(r2.get('[data-col="keepLastMisaligned"]').text()).toBe('9.0000')
    expect(r2.get('[data-col="teacherForcingTop1"]').text()).toBe('25.0%')
    // The failed run has no means: dashes, not zeros.
    expect(w.get('tr[data-run="r3"] [data-col="teacherForcing"]').text()).toBe('—')
  })

  it('sorts by a mean (blanks last both ways), hides failed runs and filters by tag', async () => {
    const w = await mountTable(runs, { r1: ['baseline'] })
    await w.get('th[data-col="mean:teacherForcing"] button').trigger('click')
    expect(ids(w)).toEqual(['r1', 'r2', 'r3'])
    await w.get('th[data-col="mean:teacherForcing"] button').trigger('click')
    expect(ids(w)).toEqual(['r2', 'r1', 'r3'])
    await w.get('[data-test="hide-failed"]').setValue(true)
    expect(ids(w)).toEqual(['r2', 'r1'])
    await w.get('[data-test="runs-filter"]').setValue('baseline')
    expect(ids(w)).toEqual(['r1'])
    expect(w.get('tr[data-run="r1"] [data-test="run-tag"]').text()).toContain('baseline')
  })

  it('adds and removes tags through run:setTags', async () => {
    const saved: unknown[] = []
    api.handle('run:setTags', (a) => (saved.push(a), a.tags))
    const w = await mountTable(runs, { r1: ['baseline'] })
    const ui = useUiStore()
    await w.get('tr[data-run="r1"] [data-test="add-tag"]').trigger('click')
    expect(ui.promptRequest?.validate?.('x'.repeat(41))).toMatch(/At most 40/)
    ui.answerPrompt(' bos-fixed ')
    await flushPromises()
    expect(saved).toEqual([{ experimentId: '1.4.0', runId: 'r1', tags: ['baseline', 'bos-fixed'] }])
    expect(w.findAll('tr[data-run="r1"] .tag-text').map((t) => t.text())).toEqual(['baseline', 'bos-fixed'])
    await w.get('tr[data-run="r1"] [data-test="run-tag"] button').trigger('click')
    await flushPromises()
    expect(saved.at(-1)).toEqual({ experimentId: '1.4.0', runId: 'r1', tags: ['bos-fixed'] })
  })

  it('ticks runs into the selection store without opening them', async () => {
    const w = await mountTable(runs)
    const sel = useRunSelectionStore()
    await w.get('tr[data-run="r1"] [data-test="run-tick"]').setValue(true)
    await w.get('tr[data-run="r2"] [data-test="run-tick"]').setValue(true)
    expect(sel.selected).toEqual(['r1', 'r2'])
    await w.get('tr[data-run="r2"]').trigger('click')
    expect(useRunStore().selectedRunId).toBe('r2')
  })
})

describe('runs table rules', () => {
  const row = (patch: Partial<RunsTableRow>): RunsTableRow => ({
    ...tableRow(info('r1', 'early'), {}, EXP),
    ...patch,
  })

  it('text columns sort naturally, numbers numerically, and every filter word must match', () => {
    const rows = [row({ runId: 'a', checkpoint: 'step-10' }), row({ runId: 'b', checkpoint: 'step-9' })]
    expect(sortRows(rows, 'checkpoint', 'asc').map((r) => r.runId)).toEqual(['b', 'a'])
    expect(filterRows(rows, { hideFailed: false, text: 'step 10' }).map((r) => r.runId)).toEqual(['a'])
    expect(filterRows(rows, { hideFailed: false, text: 'step missing' })).toEqual([])
  })

  it('the settings diff marks what differs and shows a setting only one run stored', () => {
    // Run a predates the bos setting (an old run.json): stored without it.
    const a = tableRow(info('r1', 'early', { settings: { ...EXP.settings, bos: undefined } }), {}, EXP)
    const b = tableRow(
      info('r2', 'final', { settings: { ...EXP.settings, inputLength: 64, bos: 'yes' } }),
      {},
      EXP,
    )
    const diff = Object.fromEntries(settingsDiff(a, b).map((l) => [l.key, l]))
    expect(diff['inputLength']).toEqual({ key: 'inputLength', a: '32', b: '64', differs: true })
    expect(diff['predictLength']!.differs).toBe(false)
    expect(diff['bos']).toEqual({ key: 'bos', a: '—', b: 'yes', differs: true })
    expect(diff['step']).toEqual({ key: 'step', a: '250', b: '2000', differs: true })
    expect(diff['measures']!.a).toBe(
      'teacherForcing, keepLastMisaligned, offsetSweep, autoregressive, kvCache',
    )
    expect(diff['limit']).toBeUndefined()

    const w = mount(RunSettingsDiff, { props: { a, b }, global: global() })
    expect(w.findAll('tr.differs').map((r) => r.attributes('data-key'))).toEqual([
      'checkpoint',
      'step',
      'inputLength',
      'bos',
    ])
    expect(w.text()).not.toContain('The two runs used the same settings.')
  })
})

describe('KLD report', () => {
  it('prints every statistic llama.cpp prints, largest percentile first, median in its place', () => {
    // 101 KLDs 0, 0.01, ..., 1 and Δp = KLD - 0.5: every percentile is exact by hand.
    const spread = (shift: number, qs: number[]) => ({
      mean: 0.5 + shift,
      uncertainty: 0.029297,
      median: 0.5 + shift,
      min: shift,
      max: 1 + shift,
      percentiles: qs.map((q) => ({ q, value: q / 100 + shift })),
    })
    const d: TokenDistribution = {
      kld: spread(0, [99.9, 99, 95, 90, 10, 5, 1, 0.1]),
      deltaP: spread(-0.5, [99.9, 99, 95, 90, 75, 25, 10, 5, 1, 0.1]),
      rmsDeltaP: { value: 0.2915, uncertainty: 0.0123 },
      sameTop1: { value: 80 / 101, uncertainty: Math.sqrt(((80 / 101) * (21 / 101)) / 100) },
    }
    const w = mount(KldReport, { props: { distribution: d }, global: global() })
    const stat = (s: string) => w.get(`[data-stat="${s}"] td`).text()
    expect(w.findAll('[data-stat^="kld-"]').map((r) => r.attributes('data-stat'))).toEqual([
      'kld-mean',
      'kld-max',
      'kld-99.9',
      'kld-99',
      'kld-95',
      'kld-90',
      'kld-50',
      'kld-10',
      'kld-5',
      'kld-1',
      'kld-0.1',
      'kld-min',
    ])
    expect(stat('kld-mean')).toBe('0.500000 ± 0.029297')
    expect(stat('kld-99.9')).toBe('0.999000')
    expect(stat('kld-50')).toBe('0.500000')
    expect(stat('dp-min')).toBe('-50.000%')
    expect(stat('dp-75')).toBe('25.000%')
    expect(stat('same-top')).toBe(
      `${(100 * (80 / 101)).toFixed(3)}% ± ${(100 * Math.sqrt(((80 / 101) * (21 / 101)) / 100)).toFixed(3)}%`,
    )
    expect(stat('rms-dp')).toBe('29.150% ± 1.230%')
  })
})

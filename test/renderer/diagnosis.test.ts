// @vitest-environment happy-dom
/**
 * The diagnosis in the window: which run stands for each checkpoint × dataset (the newest finished
 * with the current L and P, or a pick), the Overview's headline per dataset naming only its dataset,
 * the Report tab's picker sending its run ids to report generation, the checkpoint's step, and the
 * small helpers behind them.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import type { Pinia } from 'pinia'
import { i18n } from '../../src/renderer/src/i18n'
import CheckpointsPanel from '../../src/renderer/src/components/CheckpointsPanel.vue'
import DiagnosisPanel from '../../src/renderer/src/components/DiagnosisPanel.vue'
import HypothesesPanel from '../../src/renderer/src/components/HypothesesPanel.vue'
import VerdictBadge from '../../src/renderer/src/components/VerdictBadge.vue'
import VerdictRow from '../../src/renderer/src/components/VerdictRow.vue'
import ReportTab from '../../src/renderer/src/views/ReportTab.vue'
import { conclusionStatus, verdictFigure } from '../../src/renderer/src/lib/diagnosis-view'
import { referencePairs } from '../../src/renderer/src/lib/reference-runs'
import { useExperimentStore } from '../../src/renderer/src/stores/experiment'
import { useReferenceStore } from '../../src/renderer/src/stores/reference'
import { useRunStore, type RunBuffer } from '../../src/renderer/src/stores/run'
import {
  VERDICT_STATUSES,
  badgeOfVerdict,
  diagnoseKvCache,
  verdictText,
  type Conclusion,
  type TrainEvalVerdict,
} from '../../src/shared/diagnosis'
import type { Experiment, RunInfo } from '../../src/shared/experiment'
import type { TrainLog } from '../../src/shared/evidence'
import type { SampleResult } from '../../src/shared/results'
import { experiment, type FakeApi, installFakeHost, model, provider, sample } from './fake-api'

const EXP = experiment('1.4.0', {
  checkpoints: [
    { id: 'early', label: 'early', modelPath: '/m/e.onnx', tokenizerPath: '/m/t.json', step: 250 },
    { id: 'final', label: 'final', modelPath: '/m/f.onnx', tokenizerPath: '/m/t.json', step: 836 },
  ],
  datasets: [
    { id: 'train-set', label: 'train-set', path: '/d/a.json', datasetKind: 'fromTraining' },
    { id: 'held-set', label: 'held-set', path: '/d/b.json', datasetKind: 'heldOut' },
  ],
  trainingLog: '/d/train.log',
})

const LOG: TrainLog = {
  path: '/d/train.log',
  format: 'minimind',
  steps: 90,
  trailingMean: 2.5,
  tail: 10,
  unparsedLines: [],
  points: Array.from({ length: 90 }, (_, i) => ({
    step: i * 10,
    epoch: 1,
    loss: 2.4 + (i % 3) * 0.05,
    lr: null,
  })),
  caveat: '',
}

/** Samples of a checkpoint × dataset: the later checkpoint a little better. */
function results(checkpointId: string, datasetId: string): SampleResult[] {
  const shift = (checkpointId === 'final' ? 0 : 0.5) + (datasetId === 'held-set' ? 1.5 : 0)
  return Array.from({ length: 12 }, (_, i) => {
    const s = sample(i)
    const up = (x: number) => x + shift
    return {
      ...s,
      teacherForcing: { ...s.teacherForcing!, loss: up(s.teacherForcing!.loss) },
      keepLastAligned: { loss: up(s.keepLastAligned!.loss) },
      keepLastMisaligned: { loss: up(s.keepLastMisaligned!.loss) },
      offsetSweep: Object.fromEntries(
        Object.entries(s.offsetSweep!).map(([k, v]) => [k, up(v!)]),
      ) as SampleResult['offsetSweep'],
      autoregressive: { ...s.autoregressive!, loss: up(s.autoregressive!.loss) },
    }
  })
}

let n = 0
function run(checkpointId: string, datasetId: string, patch: Partial<RunInfo> = {}): RunInfo {
  n++
  const settings = { ...EXP.settings, ...(patch.settings ?? {}) }
  return {
    runId: `r${n}-${checkpointId}-${datasetId}`,
    experimentId: EXP.id,
    checkpointId,
    datasetId,
    label: `${checkpointId} on ${datasetId}`,
    status: 'finished',
    createdAt: `2026-12-06T10:${String(10 + n).padStart(2, '0')}:00.000Z`,
    updatedAt: `2026-12-06T10:${String(10 + n).padStart(2, '0')}:00.000Z`,
    done: 12,
    total: 12,
    ...patch,
    settings,
    summary: {
      label: checkpointId,
      modelPath: '/m',
      tokenizerPath: '/t',
      dataPath: '/d',
      settings,
      model,
      provider,
      counts: { total: 12, scored: 12, skipped: 0 },
      means: {},
      wallSeconds: 1,
      tokensPerSecond: 100,
      startedAt: '',
      finishedAt: '',
      losslensVersion: '0',
    },
  }
}

let api: FakeApi
let pinia: Pinia
let infos: RunInfo[]
beforeEach(async () => {
  const host = installFakeHost()
  api = host.api
  pinia = host.pinia
  n = 0
  infos = [
    run('early', 'train-set'),
    run('early', 'held-set'),
    run('final', 'train-set'),
    run('final', 'held-set'),
    // Newer, but at another input length: not the default.
    run('final', 'train-set', { settings: { ...EXP.settings, inputLength: 16 } }),
  ]
  let current: Experiment = EXP
  api.handle('experiment:get', () => current)
  api.handle('experiment:save', (e) => (current = e as Experiment))
  api.handle('trainlog:parse', () => LOG)
  api.handle('run:list', () => infos)
  api.handle('run:results', ({ runId }) => {
    const info = infos.find((r) => r.runId === runId)!
    return { run: info, results: results(info.checkpointId, info.datasetId) }
  })
  api.handle('report:render', ({ lang }) => ({ markdown: '# report', charts: [], lang }))
  await useExperimentStore().open(EXP.id)
  await useRunStore().list(EXP.id)
})

const mountIt = <T>(c: T) => mount(c as never, { global: { plugins: [pinia, i18n] } })

describe('reference runs', () => {
  it('default: per checkpoint × dataset, the newest finished run with the current L and P', () => {
    const buffers = useRunStore().runsOf(EXP.id)
    const pairs = referencePairs(EXP, buffers)
    expect(pairs.map((p) => [p.checkpointId, p.datasetId, p.run?.runId])).toEqual([
      ['early', 'train-set', 'r1-early-train-set'],
      ['early', 'held-set', 'r2-early-held-set'],
      ['final', 'train-set', 'r3-final-train-set'],
      ['final', 'held-set', 'r4-final-held-set'],
    ])
    expect(pairs[2]!.candidates.map((c) => c.runId)).toEqual(['r5-final-train-set', 'r3-final-train-set'])
  })

  it('a pick overrides the default; null leaves the pair out; unfinished runs are never offered', () => {
    const buffers = [
      ...useRunStore().runsOf(EXP.id),
      { ...useRunStore().runsOf(EXP.id)[0]!, runId: 'live', status: 'running' } as RunBuffer,
    ]
    const pairs = referencePairs(EXP, buffers, {
      'final\u0000train-set': 'r5-final-train-set',
      'early\u0000held-set': null,
    })
    expect(pairs.map((p) => p.run?.runId ?? null)).toEqual([
      'r1-early-train-set',
      null,
      'r5-final-train-set',
      'r4-final-held-set',
    ])
    expect(pairs.flatMap((p) => p.candidates).some((c) => c.runId === 'live')).toBe(false)
  })
})

describe('Overview diagnosis', () => {
  it('states the runs it uses and gives one headline per dataset, naming only that dataset', async () => {
    const w = mountIt(DiagnosisPanel)
    await flushPromises()
    const rows = w.findAll('[data-test="reference-runs"] tbody tr')
    expect(rows.map((r) => r.attributes('data-run'))).toEqual([
      'r1-early-train-set',
      'r2-early-held-set',
      'r3-final-train-set',
      'r4-final-held-set',
    ])
    expect(rows[0]!.findAll('td').map((td) => td.text())).toEqual([
      'early',
      '250',
      'train-set',
      'drawn from training',
      '32',
      '30',
      '12',
      expect.stringMatching(/^2026-12-06/),
    ])
    const heads = w.findAll('[data-test="headline"]')
    expect(heads.map((h) => h.attributes('data-dataset'))).toEqual(['train-set', 'held-set'])
    expect(heads[0]!.text()).toContain('train-set (final)')
    expect(heads[0]!.text()).not.toContain('held-set')
    expect(heads[1]!.text()).not.toContain('train-set')
    // The held-out set's gap is the generalisation gap: expected, never a failure.
    expect(heads[1]!.attributes('data-cause')).toBe('generalisation')
    expect(heads[1]!.get('[data-verdict]').attributes('data-verdict')).toBe('expected')
    // Training loss at the checkpoint's step, beside the headline's own figures.
    expect(heads[0]!.get('[data-figure="trainingLoss"]').text()).toContain('Training loss at step 836')
    w.unmount()
  })

  it('verdicts per checkpoint × dataset with the figure, its ± and the threshold', async () => {
    const w = mountIt(HypothesesPanel)
    await flushPromises()
    const groups = w.findAll('[data-run-group]')
    expect(groups.map((g) => g.attributes('data-run-group'))).toEqual([
      'early|train-set',
      'early|held-set',
      'final|train-set',
      'final|held-set',
    ])
    // The headline runs (the latest checkpoint) are open.
    expect(groups.map((g) => g.attributes('open') !== undefined)).toEqual([false, false, true, true])
    const te = groups[3]!.get('[data-hypothesis="trainEval"]')
    expect(te.attributes('data-status')).toBe('expected')
    expect(te.get('[data-test="verdict-figure"]').text()).toMatch(/±/)
    expect(te.get('[data-test="verdict-figure"]').text()).toMatch(/threshold/)
    w.unmount()
  })
})

describe('a verdict that does not apply', () => {
  it('the KV cache of an SFT run reads "not applicable" on its badge, as in the report', () => {
    const subject = { checkpointId: 'sft', datasetId: 'eval_sft' }
    const kv = diagnoseKvCache({}, subject, { sftRun: true })
    expect(kv.status).toBe('notMeasured')
    const words = verdictText('en')
    const w = mount(VerdictRow, {
      props: { verdict: kv, name: 'KV cache' },
      global: { plugins: [pinia, i18n] },
    })
    const badge = w.find('[data-verdict="notMeasured"]').text()
    expect(badge).toBe(words.waterfall.words.notApplicable)
    expect(badgeOfVerdict(words, kv)).toContain(badge)
    // A KV verdict that simply was not measured keeps its status word.
    const plain = mount(VerdictRow, {
      props: { verdict: diagnoseKvCache({}, subject, {}), name: 'KV cache' },
      global: { plugins: [pinia, i18n] },
    })
    expect(plain.find('[data-verdict="notMeasured"]').text()).toBe(words.status('notMeasured'))
  })
})

describe('Report tab', () => {
  it('renders from the picked runs, and again when the pick changes', async () => {
    const w = mountIt(ReportTab)
    await flushPromises()
    const renders = () => api.callsOf('report:render') as { runIds?: string[] }[]
    expect(renders().at(-1)!.runIds).toEqual([
      'r1-early-train-set',
      'r2-early-held-set',
      'r3-final-train-set',
      'r4-final-held-set',
    ])
    await w.get('[data-test="toggle-run-picker"]').trigger('click')
    const select = w.get('[data-pair="final|train-set"] select')
    expect(select.findAll('option').map((o) => o.text())).toEqual([
      expect.stringMatching(/L 16 · P 30 · 12 samples$/),
      expect.stringMatching(/L 32 · P 30 · 12 samples · default$/),
      '— leave out —',
    ])
    await select.setValue('r5-final-train-set')
    await flushPromises()
    expect(renders().at(-1)!.runIds).toEqual([
      'r1-early-train-set',
      'r2-early-held-set',
      'r5-final-train-set',
      'r4-final-held-set',
    ])
    await w.get('[data-pair="early|held-set"] select').setValue('')
    await flushPromises()
    expect(renders().at(-1)!.runIds).toHaveLength(3)
    // The Overview uses the same runs.
    expect(useReferenceStore().runIds).toEqual(renders().at(-1)!.runIds)
    await w.get('[data-test="run-picker-reset"]').trigger('click')
    await flushPromises()
    expect(renders().at(-1)!.runIds).toHaveLength(4)
    w.unmount()
  })
})

describe('checkpoint step', () => {
  it('shows the step beside the label; "last checkpoint" sets it to the log’s last step', async () => {
    const w = mountIt(CheckpointsPanel)
    await flushPromises()
    expect(w.get('[data-checkpoint="early"] [data-test="checkpoint-step"]').text()).toBe('step 250')
    await w.get('[data-checkpoint="early"] [data-test="checkpoint-step"] button').trigger('click')
    await w.get('[data-checkpoint="early"] [data-test="last-checkpoint"]').trigger('click')
    await flushPromises()
    expect(useExperimentStore().current!.checkpoints[0]!.step).toBe(890)
    expect(w.get('[data-checkpoint="early"] [data-test="checkpoint-step"]').text()).toBe('step 890')
    w.unmount()
  })
})

describe('verdict badges and figures', () => {
  it('a badge for each of the five statuses, with an icon and the status word', () => {
    const words = VERDICT_STATUSES.map((status) => {
      const w = mount(VerdictBadge, { props: { verdict: status }, global: { plugins: [pinia, i18n] } })
      expect(w.find('svg').exists()).toBe(true)
      const text = w.text()
      w.unmount()
      return text
    })
    expect(words).toEqual(['pass', 'fail', 'expected', 'inconclusive', 'not measured'])
  })

  it('a headline wears the status of the verdict behind its cause', () => {
    const c = (patch: Partial<Conclusion>): Conclusion => ({
      datasetId: 'd',
      checkpointId: 'c',
      cause: 'none',
      verdict: null,
      related: [],
      regressions: [],
      improvements: [],
      ...patch,
    })
    expect(conclusionStatus(c({}))).toBe('pass')
    expect(conclusionStatus(c({ cause: 'notMeasured' }))).toBe('notMeasured')
    expect(conclusionStatus(c({ verdict: { status: 'expected' } as unknown as TrainEvalVerdict }))).toBe(
      'expected',
    )
    expect(conclusionStatus(c({ cause: 'alignment' }))).toBe('fail')
  })

  it('adds the standard error where the figure’s phrase does not carry it', () => {
    const text = verdictText('en')
    const v = {
      hypothesis: 'mode',
      status: 'expected',
      reason: 'expected',
      figure: 1,
      threshold: 0.5,
      uncertainty: 0.08,
      maxStepGap: 2,
      maxStepGapAt: 3,
      gap: 1,
    } as never
    expect(verdictFigure(v, text).uncertainty).toBe('0.080')
  })
})

// @vitest-environment happy-dom
/**
 * The run's sample table shows the measures the run has: an SFT run its SFT columns and no continuation
 * ones, a pretraining run with trainFormat / rolling / bosBoth their columns, a legacy run today's.
 * Values are the PyTorch references of the demo (resources/demo/reference-sft.json, reference-gap.json)
 * as the engine stores them, shown with the window's formatters.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import type { Pinia } from 'pinia'
import { i18n } from '../../src/renderer/src/i18n'
import SampleTable from '../../src/renderer/src/components/SampleTable.vue'
import { SAMPLE_COLUMNS, columnByKey, visibleColumns } from '../../src/renderer/src/lib/sample-columns'
import { sortBy } from '../../src/renderer/src/lib/compare'
import type { SampleResult } from '../../src/shared/results'
import { SampleResultSchema } from '../../src/shared/results'
import refSft from '../../resources/demo/reference-sft.json'
import refGap from '../../resources/demo/reference-gap.json'
import { installFakeHost, sample } from './fake-api'

let pinia: Pinia
beforeEach(() => {
  pinia = installFakeHost().pinia
})

/** SFT rows as the engine stores them (no continuation measures). */
const sftRows: SampleResult[] = refSft.samples.slice(0, 5).map((s) =>
  SampleResultSchema.parse({
    index: s.index,
    id: `sft${String(s.index).padStart(13, '0')}`,
    tokens: s.ids.length,
    inputLength: 0,
    predictLength: 32,
    sft: {
      loss: s.sft.loss,
      tokens: s.sft.tokens,
      shiftedMaskLoss: s.sft.shiftedMaskLoss,
      tokenLosses: s.sft.tokenLosses,
      maskedPositions: s.sft.maskedPositions,
    },
    sftAutoregressive: {
      loss: s.sftAutoregressive.loss,
      stepLosses: s.sftAutoregressive.stepLosses,
      generatedText: s.sftAutoregressive.generatedText,
    },
  }),
)

/** Pretraining rows of the final checkpoint on the held-out set: continuation, trainFormat (no BOS, 512), rolling, bosBoth. */
const gap = refGap.results.final['eval_heldout.json']
const pretrainRows: SampleResult[] = gap.continuation.samples.slice(0, 5).map((c, i) => {
  const tf = gap.trainFormat['no/512'].samples[i]!
  const ro = gap.rolling['64'].samples[i]!
  return SampleResultSchema.parse({
    ...sample(c.index),
    keepLastMisaligned: undefined,
    autoregressive: undefined,
    kvCache: undefined,
    teacherForcing: { loss: c.loss, tokenLosses: [], top1: 0.5, bitsPerByte: c.bitsPerByte, bytes: c.bytes },
    trainFormat: {
      loss: tf.loss,
      tokens: tf.tokens,
      bytes: tf.bytes,
      bitsPerByte: tf.bitsPerByte,
      positionLosses: tf.positionLosses,
    },
    rolling: {
      loss: ro.loss,
      tokens: ro.tokens,
      bytes: ro.bytes,
      bitsPerByte: ro.bitsPerByte,
      positionLosses: ro.positionLosses,
      windows: ro.windows,
    },
    bosBoth: { withBos: c.withBos, withoutBos: c.withoutBos },
  })
})

const keys = (rows: SampleResult[]): string[] => visibleColumns(rows).map((c) => c.key)

describe('sample table columns for the new measures', () => {
  it('an SFT run shows its SFT columns and no continuation ones', () => {
    expect(keys(sftRows)).toEqual([
      'index',
      'tokens',
      'sft',
      'sftShiftedMask',
      'sftTokens',
      'sftAutoregressive',
    ])
  })

  it('a pretraining run with trainFormat, rolling and bosBoth shows them and bits per byte', () => {
    expect(keys(pretrainRows)).toEqual([
      'index',
      'tokens',
      'teacherForcing',
      'trainFormat',
      'rolling',
      'teacherForcingBitsPerByte',
      'bosWith',
      'bosWithout',
    ])
  })

  it('a legacy run keeps its columns, and a run with no sample yet shows the continuation ones', () => {
    const legacy = [0, 1, 2].map((i) => ({ ...sample(i), kvCache: { maxAbsDiff: 4e-6, top1Agreement: 1 } }))
    const base = ['index', 'tokens', 'teacherForcing', 'keepLastMisaligned', 'autoregressive', 'kvCache']
    expect(keys(legacy)).toEqual(base)
    expect(keys([])).toEqual(base)
    // A skipped sample has no values: it decides no column.
    expect(keys([{ ...sftRows[0]!, skipped: 'too long' }])).toEqual(base)
  })

  it('every column sorts by its stored value', () => {
    for (const c of SAMPLE_COLUMNS.filter((x) => x.key !== 'index' && x.key !== 'tokens')) {
      const rows = c.key.startsWith('sft') ? sftRows : pretrainRows
      if (!visibleColumns(rows).includes(c)) continue
      const sorted = sortBy(rows, columnByKey(c.key).get, 'asc').map((r) => c.get(r)!)
      expect(sorted).toEqual(rows.map((r) => c.get(r)!).sort((a, b) => a - b))
    }
  })

  it('the SFT table shows the stored values', () => {
    const w = mount(SampleTable, {
      props: { rows: sftRows, sortKey: 'index', sortDir: 'asc', selected: null },
      global: { plugins: [pinia, i18n] },
    })
    expect(w.findAll('.th').map((h) => h.attributes('data-col'))).toEqual(keys(sftRows))
    const s = refSft.samples[2]!
    const row = w.get(`.tr[data-index="${s.index}"]`)
    expect(row.find('[data-col="teacherForcing"]').exists()).toBe(false)
    expect(row.get('[data-col="sft"]').text()).toBe(s.sft.loss.toFixed(4))
    expect(row.get('[data-col="sftShiftedMask"]').text()).toBe(s.sft.shiftedMaskLoss.toFixed(4))
    expect(row.get('[data-col="sftTokens"]').text()).toBe(String(s.sft.tokens))
    expect(row.get('[data-col="sftAutoregressive"]').text()).toBe(s.sftAutoregressive.loss.toFixed(4))
  })

  it('the pretraining table shows the stored values', () => {
    const w = mount(SampleTable, {
      props: { rows: pretrainRows, sortKey: 'index', sortDir: 'asc', selected: null },
      global: { plugins: [pinia, i18n] },
    })
    const c = gap.continuation.samples[1]!
    const tf = gap.trainFormat['no/512'].samples[1]!
    const row = w.get(`.tr[data-index="${c.index}"]`)
    expect(row.get('[data-col="teacherForcing"]').text()).toBe(c.loss.toFixed(4))
    expect(row.get('[data-col="trainFormat"]').text()).toBe(tf.loss.toFixed(4))
    expect(row.get('[data-col="rolling"]').text()).toBe(gap.rolling['64'].samples[1]!.loss.toFixed(4))
    expect(row.get('[data-col="teacherForcingBitsPerByte"]').text()).toBe(c.bitsPerByte.toFixed(4))
    expect(row.get('[data-col="bosWith"]').text()).toBe(c.withBos.toFixed(4))
    expect(row.get('[data-col="bosWithout"]').text()).toBe(c.withoutBos.toFixed(4))
    expect(row.find('[data-col="autoregressive"]').exists()).toBe(false)
  })

  it('every new header is worded in both languages', () => {
    for (const c of SAMPLE_COLUMNS) {
      for (const locale of ['en', 'zh-CN'] as const) {
        for (const key of [c.label, c.title, c.short].filter((k): k is string => !!k)) {
          expect(i18n.global.te(key, locale), `${locale} ${key}`).toBe(true)
        }
      }
    }
  })
})

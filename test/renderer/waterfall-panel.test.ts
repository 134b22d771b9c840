// @vitest-environment happy-dom
/**
 * The window's waterfall: every step of the diagnosis's waterfall in its table with its change ± s.e.
 * and status, each step's method and result behind it, the residual as its own row, in both languages;
 * the chart drawn from the same waterfall.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { i18n } from '../../src/renderer/src/i18n'
import WaterfallPanel from '../../src/renderer/src/components/WaterfallPanel.vue'
import { useUiStore } from '../../src/renderer/src/stores/ui'
import { fmtPm, fmtSignedLoss, gapWaterfall, verdictText } from '../../src/shared/diagnosis'
import type { SampleResult } from '../../src/shared/results'
import { installFakeHost, sample } from './fake-api'

const RESULTS: SampleResult[] = Array.from({ length: 10 }, (_, i) => {
  const s = sample(i)
  const tf = s.teacherForcing!.loss
  return {
    ...s,
    trainFormat: {
      loss: tf - 0.2 - i * 0.01,
      tokens: 50 + i,
      bytes: 150,
      bitsPerByte: 1,
      positionLosses: [tf],
    },
    bosBoth: { withBos: tf + 0.7 + i * 0.01, withoutBos: tf },
  }
})
const LOG = {
  points: Array.from({ length: 30 }, (_, i) => ({
    step: i * 10,
    epoch: 1,
    loss: 2 + (i % 4) * 0.1,
    lr: null,
  })),
}
const WATERFALL = gapWaterfall({
  checkpointId: 'c',
  datasetId: 'd',
  step: 250,
  results: RESULTS,
  trainLog: LOG,
  windowLines: 20,
  reported: null,
  explanation: null,
})!

afterEach(() => useUiStore().setLanguage('en'))

describe('WaterfallPanel', () => {
  for (const lang of ['en', 'zh-CN'] as const) {
    it(`${lang}: each step with its change, status, method and result; the residual apart`, () => {
      const { pinia } = installFakeHost()
      const w = mount(WaterfallPanel, { props: { waterfall: WATERFALL }, global: { plugins: [pinia, i18n] } })
      useUiStore().setLanguage(lang)
      return w.vm.$nextTick().then(() => {
        const words = verdictText(lang).waterfall
        const rows = w.findAll('tr[data-step]')
        expect(rows.map((r) => r.attributes('data-step'))).toEqual([
          ...WATERFALL.bars.map((b) => b.step),
          'residual',
        ])
        for (const b of WATERFALL.bars) {
          const row = w.get(`tr[data-step="${b.step}"]`)
          expect(row.attributes('data-status')).toBe(b.status)
          const cells = row.findAll('td')
          expect(cells[1]!.text()).toBe(
            b.value === null ? '—' : `${fmtSignedLoss(b.value)}${fmtPm(b.stderr)}`,
          )
          expect(row.text()).toContain(words.method(b.step, WATERFALL))
          expect(row.text()).toContain(words.result(b, WATERFALL))
        }
        expect(w.get('tr[data-step="residual"]').text()).toContain(fmtSignedLoss(WATERFALL.residual.value))
        expect(w.text()).toContain(words.summary(WATERFALL))
        expect(w.find('[data-chart="waterfall"]').exists()).toBe(true)
        w.unmount()
      })
    })
  }
})

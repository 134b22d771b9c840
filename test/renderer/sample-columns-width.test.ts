// @vitest-environment happy-dom
/**
 * The sample table's columns are wide enough for their headers in both languages ("token 数" was cut at
 * 72 px). Widths are read from the table's own grid template and checked against a simple estimate of
 * the header text at the header's 11 px font: a CJK character about 12 px, any other about 7, plus the
 * header's padding (6 px a side), gap (3 px) and sort arrow (8 px), as SampleTable.vue's .th draws them.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import type { Pinia } from 'pinia'
import { i18n, type Locale } from '../../src/renderer/src/i18n'
import SampleTable from '../../src/renderer/src/components/SampleTable.vue'
import { SAMPLE_COLUMNS, visibleColumns } from '../../src/renderer/src/lib/sample-columns'
import type { SampleResult } from '../../src/shared/results'
import { installFakeHost, sample } from './fake-api'

let pinia: Pinia
beforeEach(() => {
  pinia = installFakeHost().pinia
})

const CHROME = 6 + 6 + 3 + 8
const estimate = (text: string): number =>
  [...text].reduce((px, ch) => px + (/\p{Script=Han}/u.test(ch) ? 12 : 7), 0)

/** Every measure a pretraining run can have: the widest (compact) table. */
const everything: SampleResult[] = [0, 1, 2].map((i) => {
  const s = sample(i)
  const window = { loss: 3, tokens: 90, bytes: 300, bitsPerByte: 1.4, positionLosses: [] }
  return {
    ...s,
    teacherForcing: { ...s.teacherForcing!, bitsPerByte: 1.2, bytes: 100 },
    trainFormat: window,
    rolling: { ...window, windows: 2 },
    bosBoth: { withBos: 2.5, withoutBos: 2.7 },
  }
})
/** An SFT run. */
const sft: SampleResult[] = [0, 1].map((i) => ({
  index: i,
  id: `sft${i}`,
  tokens: 50,
  inputLength: 0,
  predictLength: 8,
  sft: { loss: 1.5, tokens: 12, shiftedMaskLoss: 4.2, tokenLosses: [], maskedPositions: [] },
  sftAutoregressive: { loss: 2.2, stepLosses: [], generatedText: 'x' },
}))
/** Today's continuation run: six columns, long names. */
const legacy: SampleResult[] = [0, 1].map((i) => sample(i))

/** The grid tracks, "minmax(77px, 1fr)" or "48px", as minimum px. */
function trackMinimums(template: string): number[] {
  return (template.match(/minmax\([^)]*\)|[^\s]+/g) ?? []).map((t) => Number(/(\d+(?:\.\d+)?)px/.exec(t)![1]))
}

describe('sample table column widths', () => {
  const runs: [string, SampleResult[]][] = [
    ['all pretraining measures', everything],
    ['SFT', sft],
    ['continuation', legacy],
  ]
  for (const locale of ['en', 'zh-CN'] as Locale[]) {
    for (const [name, rows] of runs) {
      it(`${locale}, ${name}: every header fits its column's minimum width`, async () => {
        i18n.global.locale.value = locale
        const w = mount(SampleTable, {
          props: { rows, sortKey: 'index', sortDir: 'asc', selected: null },
          global: { plugins: [pinia, i18n] },
        })
        await w.vm.$nextTick()
        const columns = visibleColumns(rows)
        const compact = columns.length > 6
        const style = w.get('.thead').attributes('style') ?? ''
        const template = /grid-template-columns:\s*([^;]+)/.exec(style)![1]!
        const mins = trackMinimums(template)
        const headers = w.findAll('.th-label').map((h) => h.text())
        expect(mins).toHaveLength(columns.length)
        columns.forEach((c, i) => {
          // A growing loss column with a short name shows its long name only once it has grown
          // (narrower, the long name ends in an ellipsis); its short name must fit the minimum.
          if (!compact && c.short && /1fr/.test(template.match(/minmax\([^)]*\)|[^\s]+/g)![i]!))
            expect(estimate(i18n.global.t(c.short)) + CHROME, c.key).toBeLessThanOrEqual(mins[i]!)
          else
            expect(estimate(headers[i]!) + CHROME, `${c.key}: "${headers[i]}"`).toBeLessThanOrEqual(mins[i]!)
        })
      })
    }
  }

  it('covers every column', () => {
    const shown = new Set([everything, sft, legacy].flatMap((r) => visibleColumns(r).map((c) => c.key)))
    expect(SAMPLE_COLUMNS.filter((c) => !shown.has(c.key)).map((c) => c.key)).toEqual([])
  })

  it('the zh-CN tokens column is wider than the English one (its header is)', async () => {
    const width = async (locale: Locale): Promise<number> => {
      i18n.global.locale.value = locale
      const w = mount(SampleTable, {
        props: { rows: legacy, sortKey: 'index', sortDir: 'asc', selected: null },
        global: { plugins: [pinia, i18n] },
      })
      await w.vm.$nextTick()
      return trackMinimums(
        /grid-template-columns:\s*([^;]+)/.exec(w.get('.thead').attributes('style')!)![1]!,
      )[1]!
    }
    expect(await width('zh-CN')).toBeGreaterThan(await width('en'))
  })
})

describe('the rolling column’s tooltip', () => {
  const title = async (locale: Locale, maxSeqLen?: number): Promise<string> => {
    i18n.global.locale.value = locale
    const w = mount(SampleTable, {
      props: { rows: everything, sortKey: 'index', sortDir: 'asc', selected: null, maxSeqLen },
      global: { plugins: [pinia, i18n] },
    })
    await w.vm.$nextTick()
    return w.get('.th[data-col="rolling"] .th-label').attributes('title') ?? ''
  }
  it('names the window length the run used, in both languages', async () => {
    expect(await title('en', 256)).toBe(
      'Whole-sample loss in disjoint windows of 256 tokens, the run’s max_seq_len (nats)',
    )
    expect(await title('zh-CN', 256)).toContain('每个 256 个 token 的不重叠窗口（运行的 max_seq_len）')
  })
  it('says when the length is LossLens’s default because the run records none', async () => {
    expect(await title('en')).toContain('512 tokens, LossLens’s default max_seq_len, as the run records none')
    expect(await title('zh-CN')).toContain('512')
  })
})

/**
 * An SFT run's charts (the Runs tab's and the report's, from the same builders): per-sample SFT loss vs
 * the one-late mask, the offset sweep over assistant targets and the first reply's teacher forcing vs
 * generation per step. The results are the PyTorch reference's per-sample numbers
 * (resources/demo/reference-sft.json, tools/reference_sft.py); every mean the charts draw is computed
 * here by hand with plain loops, independently of the code under test.
 */
import { describe, expect, it } from 'vitest'
import type { EChartsOption } from 'echarts'
import { buildReportModel } from '../../src/main/report'
import { reportChartContext, reportChartOptions } from '../../src/main/report/charts'
import { windowChartRun } from '../../src/renderer/src/charts/runs'
import { interactive, stripRendererOnly } from '../../src/shared/charts/interaction'
import { CHART_THEMES } from '../../src/shared/charts/frame'
import { offsetSweepChart, perSampleChart, stepsChart, stepsOf } from '../../src/shared/charts/run-charts'
import { chartText } from '../../src/shared/charts/text'
import { meansFromResults } from '../../src/shared/diagnosis'
import type { SampleResult } from '../../src/shared/results'
import { seedLikeInput } from '../main/report-fixture'
import { readReferenceSft } from '../helpers/reference-sft'

const ref = readReferenceSft()

/** Results as the engine writes them for an SFT run: the first reply's length is the predict length. */
const results: SampleResult[] = ref.samples.map((s) => ({
  index: s.index,
  id: `s${s.index}`,
  tokens: s.ids.length,
  inputLength: s.sftAutoregressive.promptLength,
  predictLength: s.sftAutoregressive.stepLosses.length,
  sft: {
    loss: s.sft.loss,
    tokens: s.sft.tokens,
    shiftedMaskLoss: s.sft.shiftedMaskLoss,
    tokenLosses: s.sft.tokenLosses,
    maskedPositions: s.sft.maskedPositions,
    offsetSweep: s.sft.offsetSweep,
  },
  sftAutoregressive: {
    loss: s.sftAutoregressive.loss,
    stepLosses: s.sftAutoregressive.stepLosses,
    generatedText: s.sftAutoregressive.generatedText,
  },
}))
// A skipped conversation is left out of every chart.
results.push({ index: 20, id: 's20', tokens: 3, inputLength: 0, predictLength: 0, skipped: 'no reply' })

const text = chartText('en')
const ctx = { theme: CHART_THEMES.light, text }
const run = windowChartRun(
  {
    label: 'sft',
    checkpointId: 'sft',
    datasetId: 'eval_sft',
    settings: null,
    status: 'finished',
    summary: null,
    results,
  },
  null,
  text,
)

type Series = { name: string; data: unknown[] }
const seriesOf = (o: EChartsOption) => o.series as Series[]

/** Mean of column i over the rows that reach it (plain loops, the reference for the steps chart). */
function columnMeans(rows: number[][]): number[] {
  const out: number[] = []
  const longest = Math.max(...rows.map((r) => r.length))
  for (let i = 0; i < longest; i++) {
    let sum = 0
    let n = 0
    for (const r of rows) {
      if (i < r.length) {
        sum += r[i]!
        n++
      }
    }
    out.push(sum / n)
  }
  return out
}

describe('charts of an SFT run', () => {
  it('is recognised as SFT from its means, and its means match the reference', () => {
    expect(run.sft).toBe(true)
    const m = meansFromResults(results)
    expect(m.sft).toBeCloseTo(ref.means.sft, 10)
    expect(m.sftShiftedMask).toBeCloseTo(ref.means.sftShiftedMask, 10)
    expect(m.sftAutoregressive).toBeCloseTo(ref.means.sftAutoregressive, 10)
  })

  it('per-sample bars: the one-late mask, the SFT loss and generation (off), per conversation', () => {
    const o = perSampleChart(run, ctx)
    const [late, loss, gen] = seriesOf(o)
    expect([late!.name, loss!.name, gen!.name]).toEqual([
      text.sftCharts.shiftedMask,
      text.sftCharts.loss,
      text.sftCharts.autoregressive,
    ])
    expect(late!.data).toEqual(ref.samples.map((s) => s.sft.shiftedMaskLoss))
    expect(loss!.data).toEqual(ref.samples.map((s) => s.sft.loss))
    expect(gen!.data).toEqual(ref.samples.map((s) => s.sftAutoregressive.loss))
    expect((o.xAxis as { data: string[] }).data).toEqual(ref.samples.map((s) => String(s.index)))
    expect((o.legend as { selected: Record<string, boolean> }).selected).toEqual({
      [text.sftCharts.autoregressive]: false,
    })
  })

  it('offset sweep: the mean over assistant targets per shift, and one thin line per conversation', () => {
    const o = offsetSweepChart([run], ctx)
    const [thin, mean] = seriesOf(o)
    const expected: [number, number][] = []
    for (const s of [-2, -1, 0, 1, 2]) {
      const values = ref.samples.flatMap((x) =>
        x.sft.offsetSweep[String(s)] === undefined ? [] : [x.sft.offsetSweep[String(s)]!],
      )
      if (values.length) expected.push([s, values.reduce((a, b) => a + b, 0) / values.length])
    }
    // The reference sweeps s = -2..+1 (no row after the last target for +2).
    expect(expected.map(([s]) => s)).toEqual([-2, -1, 0, 1])
    const drawn = (mean!.data as { value: [number, number] }[]).map((d) => d.value)
    expect(drawn.map(([s]) => s)).toEqual(expected.map(([s]) => s))
    drawn.forEach(([, v], i) => expect(v).toBeCloseTo(expected[i]![1], 12))
    // The correct rows are the minimum of the mean sweep for this trained SFT checkpoint.
    expect(Math.min(...drawn.map(([, v]) => v))).toBe(drawn.find(([s]) => s === 0)![1])
    const lines = (thin!.data as [number | null, number | null][]).filter(([s]) => s === 0)
    expect(lines.map(([, v]) => v)).toEqual(ref.samples.map((x) => x.sft.offsetSweep['0']))
    expect((o.title as { subtext: string }).subtext).toBe(text.sftCharts.sweepSubtitle)
    // Only s = 0 is marked: the seed's bug (s = +1) is a continuation's, not the assistant targets'.
    const marks = (mean as unknown as { markLine: { data: { xAxis: number }[] } }).markLine.data
    expect(marks.map((m) => m.xAxis)).toEqual([0])
  })

  it('steps: the first reply’s teacher-forced loss vs generation, mean per token over conversations', () => {
    const steps = stepsOf(run)
    const tf = columnMeans(
      ref.samples.map((s) => s.sft.tokenLosses.slice(0, s.sftAutoregressive.stepLosses.length)),
    )
    const ar = columnMeans(ref.samples.map((s) => s.sftAutoregressive.stepLosses))
    expect(steps.teacherForcing).toHaveLength(32)
    steps.teacherForcing.forEach((v, i) => expect(v).toBeCloseTo(tf[i]!, 12))
    steps.autoregressive.forEach((v, i) => expect(v).toBeCloseTo(ar[i]!, 12))
    expect(steps.autoregressive).toHaveLength(ar.length)
    const o = stepsChart([steps], ctx)
    expect(seriesOf(o).map((s) => s.data)).toEqual([steps.teacherForcing, steps.autoregressive])
    expect((o.title as { subtext: string }).subtext).toBe(text.sftCharts.stepsSubtitle)
  })
})

/** Plain data with every function replaced by its source (as charts-same-options.test.ts compares). */
function comparable(x: unknown): unknown {
  if (typeof x === 'function') return `fn:${String(x)}`
  if (Array.isArray(x)) return x.map(comparable)
  if (x && typeof x === 'object') {
    return Object.fromEntries(
      Object.entries(x)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, comparable(v)]),
    )
  }
  return x
}

describe('the report draws an SFT run’s charts as the window does', () => {
  it.each(['en', 'zh-CN'] as const)('per-sample, offset sweep and steps are equal in %s', (lang) => {
    // The seed-like report with its held-out runs replaced by the SFT conversations.
    const input = seedLikeInput()
    input.runs = input.runs.map((r) =>
      r.datasetId === 'heldout'
        ? { ...r, results, summary: r.summary && { ...r.summary, means: meansFromResults(results) } }
        : r,
    )
    const report = reportChartOptions(buildReportModel(input, { fileBase: 'report' }), lang)
    const ctx = reportChartContext(lang)
    const stored = input.runs.find((r) => r.datasetId === 'heldout' && r.checkpointId === 'final')!
    const win = windowChartRun(
      {
        label: stored.run.label,
        checkpointId: stored.checkpointId,
        datasetId: stored.datasetId,
        status: 'finished',
        settings: stored.run.settings,
        summary: stored.summary,
        results,
      },
      input.experiment,
      ctx.text,
    )
    expect(win.sft).toBe(true)
    const window = {
      'per-sample:heldout': perSampleChart(win, ctx),
      'offset-sweep:heldout': offsetSweepChart([win], ctx),
      'tf-vs-ar:heldout': stepsChart([stepsOf(win)], ctx),
    }
    for (const [key, option] of Object.entries(window)) {
      expect(report.has(key), key).toBe(true)
      expect(comparable(stripRendererOnly(interactive(option))), key).toEqual(
        comparable(report.get(key)!.option),
      )
    }
    const bars = report.get('per-sample:heldout')!.option.series as Series[]
    expect(bars[1]!.data).toEqual(ref.samples.map((x) => x.sft.loss))
  })
})

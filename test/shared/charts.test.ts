/** The shared chart builders' rules: colour, overlays, the window's extras, and the layout arithmetic. */
import { describe, expect, it } from 'vitest'
import type { EChartsOption } from 'echarts'
import { CHART_THEMES, legendTop, lineHeight, plotTop } from '../../src/shared/charts/frame'
import {
  canLogY,
  CURVE_ID,
  interactive,
  smoothCurves,
  stripRendererOnly,
  withLogY,
  ZOOM_ABOVE,
} from '../../src/shared/charts/interaction'
import { chartRun, offsetSweepChart, stepsChart, stepsOf } from '../../src/shared/charts/run-charts'
import {
  checkpointColor,
  checkpointPosition,
  datasetStyle,
  measureColor,
  seriesStyle,
} from '../../src/shared/charts/style'
import { chartText } from '../../src/shared/charts/text'
import { trainCurveChart } from '../../src/shared/charts/train-curve'
import { meansFromResults } from '../../src/shared/diagnosis'
import { CHECKPOINT_COLORS, MEASURE_COLORS } from '../../src/shared/palette'
import type { SampleResult } from '../../src/shared/results'
import { makeResults, trainLog } from '../main/report-fixture'

const text = chartText('en')
const ctx = { theme: CHART_THEMES.light, text }
type Series = {
  name: string
  id?: string
  type: string
  color?: string
  data: unknown[]
  lineStyle?: { type?: string; opacity?: number }
}
const seriesOf = (o: EChartsOption) => o.series as Series[]

const run = (results: SampleResult[], label: string, checkpoint: number) =>
  chartRun(
    {
      results,
      means: meansFromResults(results),
      checkpointLabel: label,
      datasetLabel: 'eval.json',
      step: null,
      checkpoint,
      L: 100,
      P: 30,
      divergenceStep: null,
    },
    text,
  )
const early = run(makeResults(1, 12, { tf: 6.6, mis: 9.1, ar: 7.4 }), 'early', 0)
const final = run(makeResults(2, 12, { tf: 2.3, mis: 12.3, ar: 10.2 }), 'final', 2)

describe('the colour rule', () => {
  it('one run: colour is the measure; compared runs: colour is the checkpoint, line style the measure', () => {
    expect(seriesStyle('teacherForcing', null).color).toBe(MEASURE_COLORS.teacherForcing)
    expect(seriesStyle('autoregressive', null).color).toBe(MEASURE_COLORS.autoregressive)
    const tf = seriesStyle('teacherForcing', 3)
    const ar = seriesStyle('autoregressive', 3)
    expect(tf.color).toBe(CHECKPOINT_COLORS[3])
    expect(ar.color).toBe(tf.color)
    expect([tf.lineType, ar.lineType]).toEqual(['solid', 'dotted'])
    expect(tf.symbol).not.toBe(ar.symbol)
  })

  it('a black measure colour is lifted to the text colour on the dark theme, nowhere else', () => {
    const black = Object.entries(MEASURE_COLORS).filter(([, c]) => c === '#000000')
    expect(black.map(([m]) => m)).toContain('trainFormat')
    const dark = CHART_THEMES.dark
    expect(measureColor('trainFormat', dark)).toBe(dark.text)
    expect(seriesStyle('trainFormat', null, dark).color).toBe(dark.text)
    // The trajectory and the training curve's evaluations (datasetStyle) follow the same rule.
    expect(datasetStyle('trainFormat', 1, dark).color).toBe(dark.text)
    expect(measureColor('trainFormat', CHART_THEMES.light)).toBe('#000000')
    expect(measureColor('trainFormat', CHART_THEMES.report)).toBe('#000000')
    expect(measureColor('teacherForcing', dark)).toBe(MEASURE_COLORS.teacherForcing)
    // Compared runs keep their checkpoint's colour on either theme.
    expect(seriesStyle('trainFormat', 2, dark).color).toBe(CHECKPOINT_COLORS[2])
  })

  it('the checkpoint palette shares no colour with the measures, and a checkpoint keeps its colour', () => {
    const measures = new Set(Object.values(MEASURE_COLORS).map((c) => c.toLowerCase()))
    for (const c of CHECKPOINT_COLORS) expect(measures.has(c.toLowerCase())).toBe(false)
    const cks = [{ id: 'early' }, { id: 'mid' }, { id: 'final' }]
    expect(checkpointColor(checkpointPosition(cks, 'final'))).toBe(CHECKPOINT_COLORS[2])
    expect(checkpointColor(checkpointPosition(cks, 'early'))).toBe(CHECKPOINT_COLORS[0])
    expect(checkpointColor(CHECKPOINT_COLORS.length + 1)).toBe(CHECKPOINT_COLORS[1])
  })
})

describe('overlays', () => {
  it('offset sweep: one mean line per run, in its checkpoint colour, each the run’s own means', () => {
    const o = offsetSweepChart([final, early], ctx)
    const s = seriesOf(o)
    // Several runs: no per-sample thin lines, only each run's mean.
    expect(s.map((x) => x.name)).toEqual(['final', 'early'])
    expect(s.map((x) => x.color)).toEqual([CHECKPOINT_COLORS[2], CHECKPOINT_COLORS[0]])
    const at0 = (x: Series) => (x.data as { value: number[] }[]).find((d) => d.value[0] === 0)!.value[1]
    expect(at0(s[0]!)).toBeCloseTo(final.means.offsetSweep!['0']!, 12)
    expect(at0(s[1]!)).toBeCloseTo(early.means.offsetSweep!['0']!, 12)
    // Properties that differ between one run and several are always stated: the window merges a new
    // option into the series of the same id, so one left out would keep the one-run value.
    expect(s.map((x) => (x as { label?: { show: boolean } }).label?.show)).toEqual([false, false])
    expect(
      (seriesOf(stepsChart([stepsOf(final)], ctx))[1] as { markLine?: { data: unknown[] } }).markLine,
    ).toEqual({ data: [] })
    // The base order does not change a run's colour.
    expect(seriesOf(offsetSweepChart([early, final], ctx)).map((x) => x.color)).toEqual([
      CHECKPOINT_COLORS[0],
      CHECKPOINT_COLORS[2],
    ])
  })

  it('steps: per run teacher forcing (solid) and autoregressive (dotted), in the run’s colour', () => {
    const o = stepsChart([final, early].map(stepsOf), ctx)
    const s = seriesOf(o)
    expect(s.map((x) => x.name)).toEqual([
      `final · ${text.measure.teacherForcing}`,
      `final · ${text.measure.autoregressive}`,
      `early · ${text.measure.teacherForcing}`,
      `early · ${text.measure.autoregressive}`,
    ])
    expect(s.map((x) => x.color)).toEqual([2, 2, 0, 0].map((k) => CHECKPOINT_COLORS[k]))
    expect(s.map((x) => x.lineStyle?.type)).toEqual(['solid', 'dotted', 'solid', 'dotted'])
    expect(s[2]!.data).toEqual(early.means.teacherForcingSteps)
    // One run: the measure colours.
    const one = seriesOf(stepsChart([stepsOf(final)], ctx))
    expect(one.map((x) => x.color)).toEqual([MEASURE_COLORS.teacherForcing, MEASURE_COLORS.autoregressive])
  })
})

describe("the window's extras and view settings", () => {
  const long = run(makeResults(3, ZOOM_ABOVE + 1, { tf: 2, mis: 9, ar: 4 }), 'x', 0)
  const short = run(makeResults(3, ZOOM_ABOVE, { tf: 2, mis: 9, ar: 4 }), 'x', 0)

  it('zoom only on a long x axis; stripping removes exactly the renderer-only keys', () => {
    const o = stepsChart([stepsOf(long)], ctx)
    expect(interactive(o).dataZoom).toEqual([])
    const sweep = offsetSweepChart([long], ctx)
    // The sweep has five x positions however many samples: no zoom.
    expect(interactive(sweep).dataZoom).toEqual([])
    const bars = { ...o, xAxis: { type: 'category', data: long.results.map((r) => String(r.index)) } }
    expect((interactive(bars as EChartsOption).dataZoom as unknown[]).length).toBe(2)
    expect(
      (
        interactive({
          ...o,
          xAxis: { type: 'category', data: short.results.map((r) => String(r.index)) },
        } as EChartsOption).dataZoom as unknown[]
      ).length,
    ).toBe(0)
    expect(stripRendererOnly(interactive(bars as EChartsOption))).toEqual(bars)
  })

  it('smoothing: debiased EMA over each curve, the raw curve kept faded; weight 0 changes nothing', () => {
    const o = stepsChart([{ ...stepsOf(long), teacherForcing: [4, 2, 3], autoregressive: [] }], ctx)
    expect(smoothCurves(o, 0)).toBe(o)
    const s = seriesOf(smoothCurves(o, 0.5))
    const raw = s.find((x) => x.id === `${CURVE_ID}0:teacherForcing`)!
    const smooth = s.find((x) => x.id === `${CURVE_ID}0:teacherForcing:smoothed`)!
    expect(raw.data).toEqual([4, 2, 3])
    expect(raw.lineStyle?.opacity).toBe(0.25)
    // EMA with weight 0.5, debiased: 4; (0.5·2 + 0.25·4)/0.75; ...
    const e1 = 0.5 * 4
    const e2 = 0.5 * e1 + 0.5 * 2
    const e3 = 0.5 * e2 + 0.5 * 3
    expect(smooth.data[0]).toBeCloseTo(e1 / 0.5, 12)
    expect(smooth.data[1]).toBeCloseTo(e2 / 0.75, 12)
    expect(smooth.data[2]).toBeCloseTo(e3 / 0.875, 12)
  })

  it('log scale: offered for positive losses, drops the linear bounds', () => {
    const o = trainCurveChart(trainLog(), [], ctx)
    expect(canLogY(o)).toBe(true)
    expect((o.yAxis as { min?: number }).min).toBeDefined()
    const log = withLogY(o).yAxis as { type: string; min?: number; max?: number }
    expect(log.type).toBe('log')
    expect(log.min).toBeUndefined()
    expect(log.max).toBeUndefined()
    const zero = { ...o, series: [{ type: 'line', data: [0, 1] }] } as EChartsOption
    expect(canLogY(zero)).toBe(false)
  })
})

describe('layout', () => {
  it.each(['light', 'report'] as const)('title, subtitle, legend and plot never overlap (%s)', (name) => {
    const theme = CHART_THEMES[name]
    const f = theme.font
    const titleBottom = 6 + lineHeight(f.title)
    expect(legendTop(theme, false)).toBeGreaterThanOrEqual(titleBottom)
    expect(legendTop(theme, true)).toBeGreaterThanOrEqual(titleBottom + lineHeight(f.subtitle))
    // The plot's top edge is below the legend row and half the top y label.
    expect(plotTop(theme, true)).toBeGreaterThanOrEqual(
      legendTop(theme, true) + lineHeight(f.legend) + lineHeight(f.axisLabel) / 2,
    )
  })

  it('training curve: the y axis covers every evaluation with its bar, far below the log', () => {
    const log = trainLog()
    const low = Math.min(...log.points.map((p) => p.loss)) - 1.5
    const o = trainCurveChart(
      log,
      [
        {
          datasetId: 'd',
          datasetLabel: 'd',
          checkpointId: 'c',
          checkpointLabel: 'c',
          step: 1000,
          measure: 'teacherForcing',
          mean: low,
          stderr: 0.2,
          n: 10,
        },
      ],
      ctx,
    )
    const y = o.yAxis as { min: number; max: number }
    expect(y.min).toBeLessThanOrEqual(low - 0.2)
    expect(y.max).toBeGreaterThanOrEqual(Math.max(...log.points.map((p) => p.loss)))
  })
})

// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import type { EChartsOption } from 'echarts'
import { echarts } from '../../src/renderer/src/charts/echarts'
import {
  chartRun,
  offsetSweepChart,
  perSampleChart,
  sampleSweepChart,
  stepsChart,
  MAX_SAMPLE_LINES,
} from '../../src/shared/charts/run-charts'
import { trainCurveChart } from '../../src/shared/charts/train-curve'
import { trajectoryChart } from '../../src/shared/charts/trajectory'
import type { EvalPoint } from '../../src/shared/charts/eval-points'
import { distributionChart, scatterChart } from '../../src/shared/charts/compare-charts'
import { CHART_THEMES, countPoints } from '../../src/shared/charts/frame'
import { interactive } from '../../src/shared/charts/interaction'
import { checkpointColor } from '../../src/shared/charts/style'
import { chartText } from '../../src/shared/charts/text'
import { ema, fiveNumbers, strideIndices } from '../../src/shared/charts/series-math'
import { tokenStyle } from '../../src/renderer/src/charts/token-scale'
import { joinRuns } from '../../src/renderer/src/lib/compare'
import { meansFromResults } from '../../src/shared/diagnosis'
import { MEASURE_COLORS } from '../../src/shared/palette'
import type { SampleResult } from '../../src/shared/results'
import type { TrainLog } from '../../src/shared/evidence'
import { sample } from './fake-api'

const text = chartText('en')
const ctx = { theme: CHART_THEMES.light, text }
type Series = { name?: string; id?: string; type?: string; data: unknown[]; color?: string }
const seriesOf = (o: EChartsOption) => o.series as Series[]
const runOf = (results: SampleResult[], checkpoint = 0) =>
  chartRun(
    {
      results,
      means: meansFromResults(results),
      checkpointLabel: `ck${checkpoint}`,
      datasetLabel: 'eval.json',
      step: null,
      checkpoint,
      L: 100,
      P: 30,
      divergenceStep: null,
    },
    text,
  )

/** Every chart is titled, its axes named (with units), it has a legend and an exact-value tooltip. */
function expectReadable(o: EChartsOption): void {
  const title = o.title as { text: string }
  expect(title.text).toBeTruthy()
  for (const a of [o.xAxis, o.yAxis] as { name?: string }[]) expect(a.name).toBeTruthy()
  expect(o.legend).toBeTruthy()
  expect(o.tooltip).toBeTruthy()
}

/** Renders with ECharts' SVG renderer (no canvas in happy-dom) and returns the markup. */
function renderSvg(option: EChartsOption): string {
  const el = document.createElement('div')
  document.body.appendChild(el)
  const chart = echarts.init(el, null, { renderer: 'svg', width: 640, height: 320 })
  chart.setOption(option)
  const svg = chart.renderToSVGString()
  chart.dispose()
  el.remove()
  return svg
}

describe('run charts', () => {
  const results = Array.from({ length: 12 }, (_, i) => sample(i))

  it('per-sample bars: misaligned vs correct in the palette colours, one bar per sample', () => {
    const o = perSampleChart(runOf(results), ctx)
    expectReadable(o)
    const [mis, tf, ar] = seriesOf(o)
    expect(mis!.color).toBe(MEASURE_COLORS.keepLastMisaligned)
    expect(tf!.color).toBe(MEASURE_COLORS.teacherForcing)
    expect(ar!.color).toBe(MEASURE_COLORS.autoregressive)
    expect(tf!.data).toEqual(results.map((r) => r.teacherForcing!.loss))
    expect((o.yAxis as { name: string }).name).toBe(text.axis.loss)
    expect(renderSvg(o)).toContain('<path')
  })

  it('per-sample bars: skipped samples are left out and large runs get a zoom', () => {
    const skipped = { ...sample(99), skipped: 'too short: 5 tokens < 34' }
    delete skipped.teacherForcing
    const o = perSampleChart(runOf([...results, skipped]), ctx)
    expect(seriesOf(o)[1]!.data).toHaveLength(12)
    expect(interactive(o).dataZoom).toEqual([])
    const big = interactive(perSampleChart(runOf(Array.from({ length: 500 }, (_, i) => sample(i))), ctx))
    // Only the newest 200 samples are drawn; the slider reaches the others.
    const [inside] = big.dataZoom as { startValue: number; endValue: number }[]
    expect([inside!.startValue, inside!.endValue]).toEqual([300, 499])
  })

  it('offset sweep: the mean per shift over thin per-sample lines, thinned above the cap', () => {
    const o = offsetSweepChart([runOf(results)], ctx)
    expectReadable(o)
    const mean = seriesOf(o).find((s) => s.id === 'mean:0')!
    for (const [i, k] of (['-2', '-1', '0', '1', '2'] as const).entries()) {
      const expected = results.reduce((s, r) => s + r.offsetSweep![k]!, 0) / results.length
      expect((mean.data[i] as { value: number[] }).value[1]).toBeCloseTo(expected, 12)
    }
    // One series holds every thin line: five points and a break per sample.
    const thin = (x: EChartsOption) =>
      seriesOf(x).find((s) => s.id === 'samples')!.data as (number | null)[][]
    expect(thin(o)).toHaveLength(12 * 6)
    expect(thin(o).slice(0, 6)).toEqual([
      ...(['-2', '-1', '0', '1', '2'] as const).map((k) => [Number(k), results[0]!.offsetSweep![k]]),
      [null, null],
    ])
    const many = offsetSweepChart([runOf(Array.from({ length: 1000 }, (_, i) => sample(i)))], ctx)
    expect(thin(many)).toHaveLength(MAX_SAMPLE_LINES * 6)
    expect(renderSvg(o)).toContain('<path')
  })

  it('steps chart and one sample sweep', () => {
    const steps = { label: 'a', scope: 's', checkpoint: 0, divergenceStep: 2 }
    const o = stepsChart([{ ...steps, teacherForcing: [1, 2, 3], autoregressive: [1, 3, 6] }], ctx)
    expectReadable(o)
    expect((o.xAxis as { data: string[] }).data).toEqual(['1', '2', '3'])
    expect(seriesOf(o).map((s) => s.color)).toEqual([
      MEASURE_COLORS.teacherForcing,
      MEASURE_COLORS.autoregressive,
    ])
    // The step where they part is marked on the autoregressive line.
    expect((seriesOf(o)[1] as { markLine?: { data: unknown[] } }).markLine!.data).toEqual([{ xAxis: '2' }])
    const one = sampleSweepChart(sample(3), ctx)
    expect((seriesOf(one)[0]!.data as { value: number }[]).map((d) => d.value)).toEqual(
      (['-2', '-1', '0', '1', '2'] as const).map((k) => sample(3).offsetSweep![k]),
    )
  })

  const log: TrainLog = {
    path: '/log',
    format: 'minimind-2025',
    steps: 5,
    trailingMean: 2.5,
    tail: 3,
    unparsedLines: [],
    points: [5, 4, 3, 2.5, 2].map((loss, i) => ({ step: i * 100, epoch: 1, loss, lr: null })),
    caveat: '',
  }
  const point = (patch: Partial<EvalPoint>): EvalPoint => ({
    datasetId: 'train',
    datasetLabel: 'from train',
    checkpointId: 'final',
    checkpointLabel: 'final',
    step: 400,
    measure: 'teacherForcing',
    mean: 2.26,
    stderr: 0.05,
    n: 10,
    ...patch,
  })

  it('training curve: the logged loss, each evaluation a point with its ± bar at its step', () => {
    const o = trainCurveChart(
      log,
      [point({}), point({ checkpointId: 'early', checkpointLabel: 'early', step: 100, mean: 4.1 })],
      ctx,
    )
    expectReadable(o)
    const s = seriesOf(o)
    expect(s[0]!.data).toEqual(log.points.map((p) => [p.step, p.loss]))
    const [bars, pts] = s.slice(1)
    expect(bars!.type).toBe('custom')
    const bar = bars!.data as number[][]
    expect(bar.map((r) => r[0])).toEqual([400, 100])
    expect(bar[0]![1]).toBeCloseTo(2.21, 12)
    expect(bar[0]![2]).toBeCloseTo(2.31, 12)
    expect(bar[1]![2]).toBeCloseTo(4.15, 12)
    expect(pts!.type).toBe('scatter')
    expect(pts!.color).toBe(MEASURE_COLORS.teacherForcing)
    expect((pts!.data as { value: number[] }[]).map((d) => d.value)).toEqual([
      [400, 2.26],
      [100, 4.1],
    ])
    // No flat line across the run: nothing spans the x-axis but the log itself.
    expect(s).toHaveLength(3)
    expect(countPoints(trainCurveChart(log, [], ctx))).toBe(5)
    expect(renderSvg(o)).toContain('<svg')
  })

  it('training curve: the y-axis always shows teacher forcing, even far below the log', () => {
    const o = trainCurveChart(log, [point({ mean: 0.4, stderr: 0.1 })], ctx)
    const y = o.yAxis as { min: number; max: number }
    expect(y.min).toBeLessThanOrEqual(0.3)
    expect(y.max).toBeGreaterThanOrEqual(5)
  })

  it('training curve: an evaluation without a step is not placed, and the subtitle says so', () => {
    const o = trainCurveChart(log, [point({ step: null, checkpointLabel: 'mystery' })], ctx)
    expect(seriesOf(o)).toHaveLength(1)
    expect((o.title as { subtext: string }).subtext).toContain('mystery')
  })

  it('trajectory: by step with the training curve behind; colour per measure, marker per dataset', () => {
    const est = (mean: number) => ({ mean, sd: 0.1, stderr: 0.03, n: 10 })
    const trajectories = ['a', 'b'].map((datasetId, k) => ({
      datasetId,
      points: [
        { checkpointId: 'early', step: 100, values: { teacherForcing: est(4 + k), autoregressive: est(6) } },
        { checkpointId: 'final', step: 400, values: { teacherForcing: est(2 + k), autoregressive: est(5) } },
      ],
      changes: [],
    }))
    const checkpoints = [
      { id: 'early', label: 'early', step: 100 },
      { id: 'final', label: 'final', step: 400 },
    ]
    const o = trajectoryChart({ trajectories, checkpoints, datasetLabel: (id) => id, log }, ctx)
    expectReadable(o)
    const s = seriesOf(o) as (Series & { symbol?: string; lineStyle?: { type: string } })[]
    expect(s[0]!.id).toBe('training')
    const lines = s.filter((x) => x.type === 'line' && x.id !== 'training')
    const tf = text.measure.teacherForcing
    const ar = text.measure.autoregressive
    expect(lines.map((l) => l.name)).toEqual([`${tf} · a`, `${ar} · a`, `${tf} · b`, `${ar} · b`])
    expect(lines[0]!.color).toBe(MEASURE_COLORS.teacherForcing)
    expect(lines[0]!.color).toBe(lines[2]!.color)
    expect(lines[0]!.color).not.toBe(lines[1]!.color)
    expect(lines[0]!.symbol).toBe(lines[1]!.symbol)
    expect(lines[0]!.symbol).not.toBe(lines[2]!.symbol)
    expect((lines[0]!.data as { value: number[] }[]).map((d) => d.value)).toEqual([
      [100, 4],
      [400, 2],
    ])
    expect((o.xAxis as { type: string }).type).toBe('value')
    expect(renderSvg(o)).toContain('<svg')
    // Without every step: checkpoints in order on a category axis, no training curve.
    const noSteps = trajectoryChart(
      {
        trajectories,
        checkpoints: checkpoints.map((c) => ({ ...c, step: null })),
        datasetLabel: (id) => id,
        log,
      },
      ctx,
    )
    expect((noSteps.xAxis as { type: string; data: string[] }).data).toEqual(['early', 'final'])
    expect(seriesOf(noSteps).some((x) => x.id === 'training')).toBe(false)
  })

  it('trajectory: with one dataset, one colour per measure', () => {
    const est = (mean: number) => ({ mean, sd: 0.1, stderr: 0.03, n: 10 })
    const o = trajectoryChart(
      {
        trajectories: [
          {
            datasetId: 'a',
            points: [
              {
                checkpointId: 'x',
                step: null,
                values: { teacherForcing: est(3), keepLastMisaligned: est(8) },
              },
            ],
            changes: [],
          },
        ],
        checkpoints: [{ id: 'x', label: 'x', step: null }],
        datasetLabel: (id) => id,
      },
      ctx,
    )
    const lines = seriesOf(o).filter((x) => x.type === 'line')
    expect(lines.map((l) => l.color)).toEqual([
      MEASURE_COLORS.teacherForcing,
      MEASURE_COLORS.keepLastMisaligned,
    ])
  })
})

describe('compare charts', () => {
  const a = Array.from({ length: 6 }, (_, i) => sample(i))
  const b = a.map((r) => ({
    ...r,
    teacherForcing: { ...r.teacherForcing!, loss: r.teacherForcing!.loss + 0.1 },
  }))
  const rows = joinRuns([a, b])

  it('scatter: base on x, other on y, with the y = x line spanning both axes', () => {
    const runs = [
      { label: 'final', checkpoint: 2 },
      { label: 'early', checkpoint: 0 },
    ]
    const o = scatterChart(rows, runs, 'teacherForcing', ctx)
    expectReadable(o)
    const [diag, pts] = seriesOf(o)
    expect(diag!.name).toBe('y = x')
    const [lo, hi] = diag!.data as number[][]
    expect(lo![0]).toBe(lo![1])
    expect(hi![0]).toBe(hi![1])
    expect(pts!.data).toHaveLength(6)
    // Colour is the checkpoint's (its place in the experiment), not the run's place in the selection.
    expect(pts!.color).toBe(checkpointColor(0))
    expect(scatterChart(rows, [...runs].reverse(), 'teacherForcing', ctx).series).toSatisfy(
      (s: Series[]) => s[1]!.color === checkpointColor(2),
    )
    expect((pts!.data as number[][])[2]).toEqual([a[2]!.teacherForcing!.loss, b[2]!.teacherForcing!.loss, 2])
    expect(renderSvg(o)).toContain('<path')
  })

  it('distribution: five numbers per run', () => {
    const o = distributionChart(
      rows,
      [
        { label: 'final', checkpoint: 2 },
        { label: 'early', checkpoint: 0 },
      ],
      'teacherForcing',
      ctx,
    )
    const data = seriesOf(o)[0]!.data as { value: number[] }[]
    expect(data[0]!.value).toEqual(fiveNumbers(a.map((r) => r.teacherForcing!.loss)))
    expect(renderSvg(o)).toContain('<path')
  })
})

describe('chart helpers', () => {
  it('ema debiases from the first value and is the identity at 0', () => {
    expect(ema([4, 4, 4], 0.9)).toEqual([4, 4, 4].map(() => expect.closeTo(4, 12)))
    expect(ema([1, 2, 3], 0)).toEqual([1, 2, 3])
  })
  it('stride keeps first and last within the cap', () => {
    const idx = strideIndices(1000, 200)
    expect(idx).toHaveLength(200)
    expect(idx[0]).toBe(0)
    expect(idx[199]).toBe(999)
    expect(strideIndices(5, 200)).toEqual([0, 1, 2, 3, 4])
  })
  it('five numbers use linear interpolation (numpy default)', () => {
    expect(fiveNumbers([1, 2, 3, 4])).toEqual([1, 1.75, 2.5, 3.25, 4])
    expect(fiveNumbers([])).toBeNull()
  })
  it('token shading grows with loss and turns the text white when dark', () => {
    const low = tokenStyle(0.5)
    const high = tokenStyle(7.5)
    expect(low.color).toBeUndefined()
    expect(high.color).toBe('#ffffff')
    const alpha = (s: string) => Number(/, ([\d.]+)\)$/.exec(s)![1])
    expect(alpha(high.background)).toBeGreaterThan(alpha(low.background))
  })
})

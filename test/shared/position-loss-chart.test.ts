/**
 * Loss by position: one run in the measure's colour with its samples axis; several runs overlaid in
 * their checkpoints' colours with the measure's line style; every distinct max_seq_len marked at its
 * last scored position. Expected means and counts are recomputed here from the samples' position
 * losses (plain loops, not the code under test).
 */
import { describe, expect, it } from 'vitest'
import type { EChartsOption } from 'echarts'
import { renderSvg } from '../../src/main/report/charts'
import { CHART_THEMES } from '../../src/shared/charts/frame'
import { withLogY } from '../../src/shared/charts/interaction'
import { positionLossChart, positionsOf } from '../../src/shared/charts/position-loss'
import { chartRun } from '../../src/shared/charts/run-charts'
import { checkpointColor, measureLine } from '../../src/shared/charts/style'
import { chartText } from '../../src/shared/charts/text'
import { meansFromResults } from '../../src/shared/diagnosis'
import { MEASURE_COLORS } from '../../src/shared/palette'
import type { SampleResult } from '../../src/shared/results'

type Series = {
  name: string
  id?: string
  type: string
  color?: string
  yAxisIndex?: number
  data: [number, number][]
  lineStyle?: { type?: string }
  markLine?: {
    data: { name: string; xAxis: number; label: { align: string } }[]
    label: { position: string }
  }
}
const seriesOf = (o: EChartsOption) => o.series as Series[]
const yAxes = (o: EChartsOption) => o.yAxis as { name: string }[]

/** Samples of lengths `lengths`, position loss a smooth function of (seed, sample, position). */
function results(seed: number, lengths: number[], skipped = false): SampleResult[] {
  return lengths.map((n, index) => {
    const positionLosses = Array.from(
      { length: n },
      (_, i) => 2 + seed + 3 / (1 + i) + ((index * 7) % 5) / 10,
    )
    const loss = positionLosses.reduce((a, b) => a + b, 0) / n
    return {
      index,
      id: `s${seed}-${index}`,
      tokens: n + 1,
      inputLength: 0,
      predictLength: 0,
      ...(skipped && index === 0 ? { skipped: 'too short' } : {}),
      trainFormat: { loss, tokens: n, bytes: 3 * n, bitsPerByte: 1, positionLosses },
    } as SampleResult
  })
}

/** Mean at each position over the samples reaching it, and how many reach it: by hand. */
function expected(rs: SampleResult[]): { means: number[]; counts: number[] } {
  const rows = rs.filter((r) => r.skipped === undefined).map((r) => r.trainFormat!.positionLosses)
  const longest = Math.max(...rows.map((r) => r.length))
  const means: number[] = []
  const counts: number[] = []
  for (let i = 0; i < longest; i++) {
    let sum = 0
    let n = 0
    for (const r of rows) {
      if (i < r.length) {
        sum += r[i]!
        n++
      }
    }
    means.push(sum / n)
    counts.push(n)
  }
  return { means, counts }
}

const runIn =
  (lang: 'en' | 'zh-CN') =>
  (rs: SampleResult[], label: string, checkpoint: number, maxSeqLen: number | null) =>
    positionsOf(
      chartRun(
        {
          results: rs,
          means: meansFromResults(rs),
          checkpointLabel: label,
          datasetLabel: 'train.jsonl',
          step: 100,
          checkpoint,
          L: null,
          P: null,
          divergenceStep: null,
          maxSeqLen,
        },
        chartText(lang),
      ),
    )

describe.each(['en', 'zh-CN'] as const)('loss by position (%s)', (lang) => {
  const text = chartText(lang)
  const ctx = { theme: CHART_THEMES.light, text }
  const run = runIn(lang)
  const a = results(0, [12, 9, 5, 12], true)
  const b = results(1, [20, 3, 8])

  it('one run: the measure’s colour, the samples reaching each position on a second axis', () => {
    const o = positionLossChart([run(a, 'final', 3, 12)], ctx)
    const s = seriesOf(o)
    const loss = s.find((x) => x.name === text.position.loss)!
    const want = expected(a)
    expect(loss.color).toBe(MEASURE_COLORS.trainFormat)
    expect(loss.data.map((d) => d[0])).toEqual(want.means.map((_, i) => i + 1))
    loss.data.forEach((d, i) => expect(d[1]).toBeCloseTo(want.means[i]!, 12))
    const samples = s.find((x) => x.name === text.position.samples)!
    expect(samples.yAxisIndex).toBe(1)
    // The skipped sample is not counted: three samples reach position 1, two reach position 6.
    expect(samples.data).toEqual(want.counts.map((c, i) => [i + 1, c]))
    expect(samples.data[0]).toEqual([1, 3])
    expect(samples.data[5]).toEqual([6, 2])
    expect(yAxes(o).map((y) => y.name)).toEqual([text.axis.loss, text.position.samplesAxis])
    expect((o.title as { text: string }).text).toBe(
      text.about(text.position.title, text.scope('train.jsonl', 'final', 100)),
    )
    const marks = s.find((x) => x.id === 'max-seq-len')!.markLine!
    expect(marks.data.map((m) => [m.name, m.xAxis])).toEqual([[text.position.maxSeqLen(12), 11]])
    // At the line's foot, reading towards the plot's middle: not centred above the line, where a
    // marker at the right edge ran past the chart.
    expect(marks.label.position).toBe('start')
    expect(marks.data[0]!.label.align).toBe('right')
  })

  it('two runs: one line each in its checkpoint’s colour and the measure’s line style, no samples axis', () => {
    const o = positionLossChart([run(a, 'mid', 2, 12), run(b, 'final', 3, 24)], ctx)
    const lines = seriesOf(o).filter((x) => x.id !== 'max-seq-len')
    expect(lines.map((x) => x.name)).toEqual(['mid', 'final'])
    expect(lines.map((x) => x.color)).toEqual([checkpointColor(2), checkpointColor(3)])
    expect(lines.map((x) => x.lineStyle?.type)).toEqual([
      measureLine('trainFormat'),
      measureLine('trainFormat'),
    ])
    expect(new Set(lines.map((x) => x.color)).has(MEASURE_COLORS.trainFormat)).toBe(false)
    for (const [line, rs] of [
      [lines[0]!, a],
      [lines[1]!, b],
    ] as const) {
      const want = expected(rs).means
      expect(line.data.length).toBe(want.length)
      line.data.forEach((d, i) => {
        expect(d[0]).toBe(i + 1)
        expect(d[1]).toBeCloseTo(want[i]!, 12)
      })
    }
    expect(yAxes(o)).toHaveLength(1)
    expect((o.legend as { data: string[] }).data).toEqual(['mid', 'final'])
    // Each distinct max_seq_len at its last scored position; the x axis reaches the larger.
    const marks = seriesOf(o).find((x) => x.id === 'max-seq-len')!.markLine!
    expect(marks.data.map((m) => m.xAxis)).toEqual([11, 23])
    expect(marks.data.map((m) => m.name)).toEqual([text.position.maxSeqLen(12), text.position.maxSeqLen(24)])
    expect((o.xAxis as { max: number }).max).toBe(23)
    // max_seq_len 12 (position 11 of 23) reads to the right of its line, 24 to the left.
    expect(marks.data.map((m) => m.label.align)).toEqual(['left', 'right'])
  })

  it('one marker per distinct max_seq_len; runs without positions left out', () => {
    const none = results(2, []).map((r) => ({ ...r, trainFormat: undefined }))
    const o = positionLossChart(
      [run(a, 'early', 1, 512), run(b, 'final', 3, 512), run(none, 'mid', 2, 256)],
      ctx,
    )
    const marks = seriesOf(o).find((x) => x.id === 'max-seq-len')!.markLine!
    expect(marks.data.map((m) => m.xAxis)).toEqual([511])
    expect(
      seriesOf(o)
        .filter((x) => x.id !== 'max-seq-len')
        .map((x) => x.name),
    ).toEqual(['early', 'final'])
  })

  it('dark theme: the measure’s black lifted to the theme’s text colour; checkpoint colours kept', () => {
    const dark = { theme: CHART_THEMES.dark, text }
    const alone = seriesOf(positionLossChart([run(a, 'final', 3, 12)], dark))
    expect(alone.find((x) => x.name === text.position.loss)!.color).toBe(CHART_THEMES.dark.text)
    const both = seriesOf(positionLossChart([run(a, 'mid', 2, 12), run(b, 'final', 3, 24)], dark))
    expect(both.filter((x) => x.id !== 'max-seq-len').map((x) => x.color)).toEqual([
      checkpointColor(2),
      checkpointColor(3),
    ])
  })

  it('log scale (the window’s view setting) keeps the samples axis its series point at', () => {
    const o = withLogY(positionLossChart([run(a, 'final', 3, 12)], ctx))
    expect((o.yAxis as { type: string }[]).map((y) => y.type)).toEqual(['log', 'value'])
    expect(renderSvg(o)).toContain(text.position.samplesAxis)
  })

  it('renders to SVG with the marker label in it', () => {
    const svg = renderSvg(positionLossChart([run(a, 'mid', 2, 12), run(b, 'final', 3, 24)], ctx))
    expect(svg).toContain('max_seq_len 12')
    expect(svg).toContain('max_seq_len 24')
  })
})

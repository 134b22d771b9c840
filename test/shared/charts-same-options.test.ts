/**
 * The window and the report draw the same chart of the same run: the report's option (its SSR SVG's)
 * and the window's (what ChartPanel draws, from the run as the window's run store holds it) come from
 * the same builders in src/shared/charts. Comparison rule: the window's option with the renderer-only
 * keys removed (stripRendererOnly: dataZoom, toolbox; see src/shared/charts/interaction.ts) must equal
 * the report's, functions (tooltip and label formatters) compared by their source; the two are drawn
 * in one theme (the report's) and one language, since theme and words are inputs like the data. Both
 * are then rendered to SVG, which must be identical too. Loss by position is drawn in the report by
 * section-gap's positionChartOption and in the window by PositionLossPanel (the headline alone, no
 * run picked), both through positionLossChart(positionsOf(run)).
 */
import { describe, expect, it } from 'vitest'
import type { EChartsOption } from 'echarts'
import { buildReportModel } from '../../src/main/report'
import { renderSvg, reportChartContext, reportChartOptions } from '../../src/main/report/charts'
import { chartKey } from '../../src/main/report/render-context'
import { positionChartOption } from '../../src/main/report/section-gap'
import { windowChartRun, type WindowRun } from '../../src/renderer/src/charts/runs'
import { interactive, stripRendererOnly } from '../../src/shared/charts/interaction'
import { positionLossChart, positionsOf } from '../../src/shared/charts/position-loss'
import { offsetSweepChart, perSampleChart, stepsChart, stepsOf } from '../../src/shared/charts/run-charts'
import { meansFromResults } from '../../src/shared/diagnosis'
import type { Lang } from '../../src/shared/ipc'
import { longInput, rng, seedLikeInput } from '../main/report-fixture'

/** Plain data with every function replaced by its source: two closures of one builder compare equal. */
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

/** The chart as SVG, without ids and class names ("zr7-cls-3", "zr1-c0": counters that differ between renders). */
const svgOf = (o: EChartsOption): string =>
  renderSvg(o)
    .replace(/zr\d+-cls-\d+/g, 'zr-cls')
    .replace(/zr\d+-c(\d+)/g, 'zr-c$1')

/** A stored run as the window's run store holds it once loaded: its results and the engine's summary. */
function asLoaded(run: ReturnType<typeof seedLikeInput>['runs'][number]): WindowRun {
  const summary = run.summary ? { ...run.summary, means: meansFromResults(run.results) } : null
  return {
    label: run.run.label,
    checkpointId: run.checkpointId,
    datasetId: run.datasetId,
    status: 'finished',
    settings: run.run.settings,
    summary,
    results: run.results,
  }
}

function windowOptions(input: ReturnType<typeof seedLikeInput>, lang: Lang): Map<string, EChartsOption> {
  const ctx = reportChartContext(lang)
  const model = buildReportModel(input, { fileBase: 'report' })
  const out = new Map<string, EChartsOption>()
  for (const d of model.datasets) {
    const stored = input.runs.find(
      (r) => r.checkpointId === d.headline.checkpoint.id && r.datasetId === d.dataset.id,
    )!
    const run = windowChartRun(asLoaded(stored), input.experiment, ctx.text)
    // What RunsTab hands to ChartPanel, and ChartPanel's interactive() on top.
    out.set(`per-sample:${d.dataset.id}`, interactive(perSampleChart(run, ctx)))
    out.set(`offset-sweep:${d.dataset.id}`, interactive(offsetSweepChart([run], ctx)))
    out.set(`tf-vs-ar:${d.dataset.id}`, interactive(stepsChart([stepsOf(run)], ctx)))
    const positions = positionsOf(run)
    if (positions.means.length > 0)
      out.set(`position-loss:${d.dataset.id}`, interactive(positionLossChart([positions], ctx)))
  }
  return out
}

/** Every per-run chart option of the report: reportChartOptions' and the gap section's loss by position. */
function reportOptions(input: ReturnType<typeof seedLikeInput>, lang: Lang): Map<string, EChartsOption> {
  const model = buildReportModel(input, { fileBase: 'report' })
  const out = new Map([...reportChartOptions(model, lang)].map(([k, v]) => [k, v.option]))
  for (const d of model.datasets) {
    const option = positionChartOption(model, d, lang)
    if (option) out.set(chartKey('position-loss', d.dataset.id), option)
  }
  return out
}

/** The seed-like experiment scored in the training format too (whole samples of 40..160 tokens, max_seq_len 128). */
function withPositions(): ReturnType<typeof seedLikeInput> {
  const input = seedLikeInput()
  const r = rng(31)
  const settings = { ...input.experiment.settings, maxSeqLen: 128 }
  return {
    ...input,
    experiment: { ...input.experiment, settings },
    runs: input.runs.map((run) => ({
      ...run,
      run: { ...run.run, settings },
      results: run.results.map((s) => {
        if (s.skipped !== undefined) return s
        const n = Math.min(127, 40 + Math.floor(r() * 120))
        const positionLosses = Array.from({ length: n }, (_, i) => 2 + 5 / (1 + i) + r() * 0.3)
        const loss = positionLosses.reduce((a, b) => a + b, 0) / n
        return { ...s, trainFormat: { loss, tokens: n, bytes: 3 * n, bitsPerByte: 1, positionLosses } }
      }),
    })),
  }
}

describe.each([
  ['seed-like experiment', seedLikeInput, 0],
  ['long run (zoomed in the window)', () => longInput(300), 0],
  ['training format scored (loss by position)', withPositions, 2],
])('window and report draw the same chart: %s', (_, make, positionCharts) => {
  it.each(['en', 'zh-CN'] as const)('per-run charts are equal in %s', (lang) => {
    const input = make()
    const report = reportOptions(input, lang)
    const window = windowOptions(input, lang)
    const compared = [...window.keys()].filter((k) => report.has(k))
    // Every per-run chart the report draws is compared (none silently missing on either side).
    expect(compared.length).toBeGreaterThanOrEqual(3)
    expect(
      [...report.keys()].filter((k) => /^(per-sample|offset-sweep|tf-vs-ar|position-loss):/.test(k)).sort(),
    ).toEqual(compared.sort())
    expect(compared.filter((k) => k.startsWith('position-loss:'))).toHaveLength(positionCharts)
    for (const key of compared) {
      const w = stripRendererOnly(window.get(key)!)
      const r = report.get(key)!
      expect(comparable(w), key).toEqual(comparable(r))
      expect(svgOf(w), key).toBe(svgOf(r))
    }
  })
})

describe('the comparison rule', () => {
  it('strips only the renderer-only keys: a long run has a zoom in the window and none in the report', () => {
    const input = longInput(300)
    const w = windowOptions(input, 'en')
    const key = [...w.keys()].find((k) => k.startsWith('per-sample:'))!
    expect((w.get(key)!.dataZoom as unknown[]).length).toBe(2)
    const report = reportChartOptions(buildReportModel(input, { fileBase: 'report' }), 'en').get(key)!
    expect(report.option.dataZoom).toBeUndefined()
    // A real difference is caught: another run's chart is not equal.
    const other = [...w.keys()].find((k) => k.startsWith('per-sample:') && k !== key)
    if (other) expect(comparable(stripRendererOnly(w.get(other)!))).not.toEqual(comparable(report.option))
  })
})

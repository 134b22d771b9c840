/**
 * Checks every number a report prints against the stored results: each loss (three decimals) must be a
 * value the results give (a sample's loss, a mean, a standard error, a per-step mean, a difference of
 * two of those, the training window), recomputed here from the per-sample results and the log.
 */
import { THRESHOLDS } from '../../src/shared/diagnosis'
import { SWEEP_SHIFTS } from '../../src/shared/measures'
import type { SampleResult } from '../../src/shared/results'
import { estimate, meanPerPosition, pairedDifference } from '../../src/shared/stats'
import { buildReportModel, type ReportInput } from '../../src/main/report'

const PICKS: ((r: SampleResult) => number | undefined)[] = [
  (r) => r.teacherForcing?.loss,
  (r) => r.keepLastMisaligned?.loss,
  (r) => r.keepLastAligned?.loss,
  (r) => r.autoregressive?.loss,
  ...SWEEP_SHIFTS.map((s) => (r: SampleResult) => r.offsetSweep?.[String(s) as '0']),
]

/** Every value a report on `input` may print as a loss, recomputed from the stored results. */
export function lossesFromResults(input: ReportInput): number[] {
  const out: number[] = []
  const model = buildReportModel(input, { fileBase: 'x' })
  const keyed = (
    results: SampleResult[],
    pick: (r: SampleResult) => number | undefined,
  ): Map<string, number> =>
    new Map(
      results.flatMap((r) => {
        const v = r.skipped === undefined ? pick(r) : undefined
        return v === undefined ? [] : [[`${r.index}:${r.id}`, v] as [string, number]]
      }),
    )
  for (const run of model.runs) {
    const scored = run.scored
    const means: number[] = []
    for (const pick of PICKS) {
      const values = scored.map(pick).filter((x): x is number => x !== undefined)
      out.push(...values)
      const e = estimate(values)
      if (e) {
        out.push(e.mean, e.sd ?? 0, e.stderr ?? 0)
        means.push(e.mean)
        const sorted = [...values].sort((a, b) => a - b)
        out.push(sorted[0]!, sorted[sorted.length - 1]!, quantile(sorted))
      }
    }
    // Differences of two means, of two samples' measures, and paired standard errors.
    for (const a of means) for (const b of means) out.push(a - b)
    for (const r of scored) {
      const values = PICKS.map((p) => p(r)).filter((x): x is number => x !== undefined)
      for (const a of values) for (const b of values) out.push(a - b)
    }
    for (const a of PICKS)
      for (const b of PICKS) {
        const d = pairedDifference(keyed(scored, a), keyed(scored, b))
        if (d) out.push(d.mean, d.stderr ?? 0)
      }
    const tf = meanPerPosition(
      scored.flatMap((r) => (r.teacherForcing ? [r.teacherForcing.tokenLosses] : [])),
    )
    const ar = meanPerPosition(scored.flatMap((r) => (r.autoregressive ? [r.autoregressive.stepLosses] : [])))
    out.push(...tf, ...ar, ...ar.map((x, i) => x - (tf[i] ?? NaN)))
  }
  // A mixed set's two parts (found in training / not found), each against the training window.
  for (const d of model.datasets) {
    const missing = new Set((d.consistency?.notFound ?? []).map((n) => n.index))
    if (missing.size === 0) continue
    for (const run of d.runs) {
      for (const part of [true, false]) {
        const values = run.scored
          .filter((r) => missing.has(r.index) === part)
          .flatMap((r) => (r.teacherForcing ? [r.teacherForcing.loss] : []))
        const e = estimate(values)
        if (e) out.push(e.mean, e.sd ?? 0, e.stderr ?? 0)
      }
    }
  }
  // Between checkpoints on the same dataset: paired changes.
  for (const a of model.runs)
    for (const b of model.runs) {
      if (a.dataset.id !== b.dataset.id) continue
      for (const pick of PICKS) {
        const d = pairedDifference(keyed(a.scored, pick), keyed(b.scored, pick))
        if (d) out.push(d.mean, d.stderr ?? 0)
      }
    }
  // The training windows and the reported number, with their differences from every mean.
  const windows = model.diagnosis.runs.flatMap((r) =>
    r.trainEval.flatMap((v) => (v.training ? [v.training] : [])),
  )
  const means = [...out]
  for (const w of windows) {
    out.push(w.mean, w.sd ?? 0, w.stderr ?? 0)
    for (const m of means) out.push(m - w.mean)
  }
  for (const v of model.diagnosis.runs.flatMap((r) => r.trainEval))
    if (v.uncertainty !== null) out.push(v.uncertainty)
  if (input.experiment.reportedLoss !== undefined) out.push(input.experiment.reportedLoss)
  // The gap waterfalls: each bar's two means (checked against the stored results in
  // test/shared/waterfall.test.ts), their difference recomputed here, the path's total, the sum of the
  // measured steps and the residual as end - start - that sum, with the bars' combined standard error.
  for (const w of model.diagnosis.waterfalls) {
    out.push(w.start.value, w.end.value, w.end.value - w.start.value)
    let sum = 0
    let variance = 0
    for (const b of w.bars) {
      if (!b.from || !b.to) continue
      out.push(b.from.value, b.to.value, b.to.value - b.from.value, b.stderr ?? 0, b.sd ?? 0)
      if (b.status === 'measured') {
        sum += b.to.value - b.from.value
        variance += (b.stderr ?? 0) ** 2
      }
    }
    out.push(sum, w.end.value - w.start.value - sum, Math.sqrt(variance))
  }
  // Thresholds printed beside their figures.
  out.push(...Object.values(THRESHOLDS))
  return out
}

function quantile(sorted: number[]): number {
  const pos = (sorted.length - 1) / 2
  return (
    sorted[Math.floor(pos)]! + (sorted[Math.ceil(pos)]! - sorted[Math.floor(pos)]!) * (pos - Math.floor(pos))
  )
}

/** The losses a report prints (numbers with exactly three decimals), outside code blocks and provenance. */
export function printedLosses(markdown: string): { text: string; value: number }[] {
  const body = markdown.split(/\n## 🧾/)[0]!.replace(/```[\s\S]*?```/g, '')
  // A negative number is printed with the reader's minus (U+2212); an ASCII one is read too.
  return [...body.matchAll(/(?<![\w.])[-+\u2212]?\d+\.\d{3}(?![\d%×e])/g)].map((m) => ({
    text: m[0],
    value: Number(m[0].replace('\u2212', '-')),
  }))
}

/** Printed losses that no stored value explains to within rounding. */
export function unexplainedLosses(markdown: string, input: ReportInput): string[] {
  const known = lossesFromResults(input).sort((a, b) => a - b)
  const near = (x: number): boolean => {
    let lo = 0
    let hi = known.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (known[mid]! < x - 0.0005) lo = mid + 1
      else hi = mid
    }
    return lo < known.length && known[lo]! <= x + 0.0005 + 1e-9
  }
  return printedLosses(markdown)
    .filter((p) => !near(p.value) && !near(-p.value))
    .map((p) => p.text)
}

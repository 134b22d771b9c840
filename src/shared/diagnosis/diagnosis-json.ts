/**
 * The machine-readable diagnosis `losslens report --json` prints (version 1): ids as the experiment
 * stores them, statuses pass | fail | expected | inconclusive | notMeasured, the standard error of each
 * compared difference, every regression beyond noise between consecutive checkpoints, and one
 * conclusion per dataset.
 */
import type { DatasetKind } from '../experiment'
import type { Cause, Conclusion, Diagnosis } from './diagnose'
import type { ChangeMeasure } from './trajectory'
import type { Hypothesis, VerdictStatus } from './types'
import { verdictsOf } from './diagnose'
import type { WaterfallLevel, WaterfallReason, WaterfallStep } from './waterfall'

export interface DiagnosisJson {
  version: 1
  runs: {
    runId: string | null
    checkpoint: string
    step: number | null
    dataset: string
    datasetKind: DatasetKind
  }[]
  verdicts: {
    checkpoint: string | null
    dataset: string | null
    hypothesis: Hypothesis
    status: VerdictStatus
    figure: number | null
    threshold: number | null
    uncertainty: number | null
  }[]
  regressions: {
    dataset: string
    measure: ChangeMeasure
    from: string
    to: string
    delta: number
    stderr: number | null
  }[]
  conclusions: { dataset: string; cause: Cause; text: string }[]
  /**
   * The gap waterfall of each conclusion's run: start + Σ measured bars + residual = end; each bar's
   * value = to.value - from.value; 'aside' bars are measured but not added; 'notMeasured' bars carry
   * the reason (which measure to run) and no value.
   */
  waterfalls: {
    checkpoint: string
    dataset: string
    step: number | null
    start: { level: WaterfallLevel; value: number }
    end: { level: WaterfallLevel; value: number }
    bars: {
      step: WaterfallStep
      status: 'measured' | 'aside' | 'notMeasured'
      from: { level: WaterfallLevel; value: number; shift?: number } | null
      to: { level: WaterfallLevel; value: number; shift?: number } | null
      value: number | null
      stderr: number | null
      n: number | null
      reason: WaterfallReason | null
    }[]
    residual: { value: number; stderr: number | null }
    bosUsed: 'yes' | 'no' | null
  }[]
}

function level(m: { level: WaterfallLevel; value: number; shift?: number }): {
  level: WaterfallLevel
  value: number
  shift?: number
} {
  return { level: m.level, value: m.value, ...(m.shift === undefined ? {} : { shift: m.shift }) }
}

/** The JSON form of a diagnosis; `conclusionText` words each conclusion (the CLI passes English). */
export function diagnosisJson(d: Diagnosis, conclusionText: (c: Conclusion) => string): DiagnosisJson {
  const finite = (x: number | null): number | null => (x !== null && Number.isFinite(x) ? x : null)
  return {
    version: 1,
    runs: d.runs.map((r) => ({
      runId: r.runId,
      checkpoint: r.checkpointId,
      step: r.step,
      dataset: r.datasetId,
      datasetKind: r.kind,
    })),
    verdicts: verdictsOf(d).map((v) => ({
      checkpoint: v.checkpointId,
      dataset: v.datasetId,
      hypothesis: v.hypothesis,
      status: v.status,
      figure: finite(v.figure),
      threshold: finite(v.threshold),
      uncertainty: finite(v.uncertainty),
    })),
    regressions: d.trajectories.flatMap((t) =>
      t.changes
        .filter((c) => c.status === 'regression')
        .map((c) => ({
          dataset: c.datasetId,
          measure: c.measure,
          from: c.from,
          to: c.to,
          delta: c.delta,
          stderr: c.stderr,
        })),
    ),
    conclusions: d.conclusions.map((c) => ({
      dataset: c.datasetId,
      cause: c.cause,
      text: conclusionText(c),
    })),
    waterfalls: d.waterfalls.map((w) => ({
      checkpoint: w.checkpointId,
      dataset: w.datasetId,
      step: w.step,
      start: { level: w.start.level, value: w.start.value },
      end: { level: w.end.level, value: w.end.value },
      bars: w.bars.map((b) => ({
        step: b.step,
        status: b.status,
        from: b.from && level(b.from),
        to: b.to && level(b.to),
        value: finite(b.value),
        stderr: finite(b.stderr),
        n: b.n,
        reason: b.reason,
      })),
      residual: { value: w.residual.value, stderr: finite(w.residual.stderr) },
      bosUsed: w.bosUsed,
    })),
  }
}

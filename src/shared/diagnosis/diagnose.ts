/**
 * All verdicts of one experiment at once, per checkpoint × dataset: what the report, the window's
 * Overview and `losslens report --json` show. Each dataset gets its own headline (the latest checkpoint
 * with a run on it); numbers from different datasets never share a verdict.
 */
import type { DataConsistency, TrainLog, WeightReport } from '../evidence'
import type { DatasetKind } from '../experiment'
import type { Means, SampleResult } from '../results'
import { candidatesFromMeans, explainReportedLoss } from './explain'
import { meansFromResults, scoredResults } from './means'
import { DEFAULT_WINDOW_LINES, trainingLossAt } from './training-reference'
import { gapWaterfall, type Waterfall } from './waterfall'
import { isSftRunOf, type RunFormat } from './run-kind'
import { orderCheckpoints, trajectoryOf, type CheckpointChange, type Trajectory } from './trajectory'
import type {
  AlignmentVerdict,
  Candidate,
  DataVerdict,
  Explanation,
  KvCacheVerdict,
  ModeVerdict,
  TrainEvalVerdict,
  Verdict,
  WeightsVerdict,
} from './types'
import {
  diagnoseAlignment,
  diagnoseData,
  diagnoseKvCache,
  diagnoseMode,
  diagnoseTrainEval,
  diagnoseWeights,
  effectiveKind,
} from './verdicts'

export interface DiagnosisRun {
  runId?: string
  checkpointId: string
  datasetId: string
  /** Per-sample results: every mean and standard error is computed from them. */
  results: readonly SampleResult[]
  /** Means over `results`; computed when absent. */
  means?: Means
  /** From the model description: false when the graph has no past_key_values. */
  hasKvCache?: boolean
  /** The BOS convention the run applied (RunSummary.bosUsed), when it says; the waterfall infers it otherwise. */
  bosUsed?: 'yes' | 'no' | null
  /** The dataset format the run states (statedFormat): an SFT run's path is taken by it. */
  format?: RunFormat | null
}

export interface DiagnosisInput {
  runs: DiagnosisRun[]
  checkpoints: { id: string; step?: number | null; weights?: WeightReport | null }[]
  datasets: {
    id: string
    datasetKind?: DatasetKind
    fromTraining?: boolean
    consistency?: DataConsistency | null
  }[]
  trainLog?: TrainLog | null
  /** Log lines in the training-loss window before each checkpoint's step (default 50). */
  windowLines?: number
  /** The loss the user's own script reported (Experiment.reportedLoss). */
  reportedLoss?: number | null
  /** The run "explain my number" looks at first; default the headline of the first training-drawn set. */
  primary?: { checkpointId: string; datasetId: string }
}

/** Every verdict about one checkpoint on one dataset. */
export interface RunDiagnosis {
  runId: string | null
  checkpointId: string
  datasetId: string
  step: number | null
  /** The dataset's kind as the diagnosis reasons with it (the data check's finding, else the claim). */
  kind: DatasetKind
  means: Means
  samples: number
  mode: ModeVerdict
  kvCache: KvCacheVerdict
  alignment: AlignmentVerdict
  /** One verdict, or for a mixed set one per part (found in training / not found). */
  trainEval: TrainEvalVerdict[]
}

/**
 * What explains a dataset's headline run, most decisive first: a broken model or script (weights,
 * alignment, mode = the user's number is AR, kvCache), the data (samples the user said were from
 * training are not), an eval above training that nothing explains (trainEval), a held-out set's
 * expected gap (generalisation), nothing wrong (none), or not enough evidence.
 */
export type Cause =
  | 'weights'
  | 'alignment'
  | 'mode'
  | 'kvCache'
  | 'data'
  | 'trainEval'
  | 'generalisation'
  | 'none'
  | 'inconclusive'
  | 'notMeasured'

export interface Conclusion {
  datasetId: string
  /** The headline run's checkpoint. */
  checkpointId: string
  cause: Cause
  /** The verdict that names the cause (null for none / notMeasured with nothing to point at). */
  verdict: Verdict | null
  /** The other part of a mixed set's train-vs-eval verdict, stated beside the first. */
  related: Verdict[]
  /** Regressions beyond noise along the chain of checkpoints that leads to this one, on this dataset. */
  regressions: CheckpointChange[]
  improvements: CheckpointChange[]
}

export interface Diagnosis {
  data: DataVerdict[]
  weights: WeightsVerdict[]
  runs: RunDiagnosis[]
  /** Per dataset, checkpoints in training order. */
  trajectories: Trajectory[]
  /** "Explain my number" over every run's variants; null without a reported number. */
  explanation: Explanation | null
  /** One per dataset with a run (one per tied checkpoint at the latest step), in the experiment's dataset order. */
  conclusions: Conclusion[]
  /** Lines of the training-loss window. */
  windowLines: number
  /**
   * The gap waterfall of each conclusion's run, in the order of `conclusions`: from the logged loss at
   * its step to the user's number (on the run that number is about) or to teacher forcing.
   */
  waterfalls: Waterfall[]
}

/** Runs every verdict. */
export function diagnose(input: DiagnosisInput): Diagnosis {
  const windowLines = input.windowLines ?? DEFAULT_WINDOW_LINES
  const ordered = orderCheckpoints(input.checkpoints)
  const stepOf = (id: string): number | null => input.checkpoints.find((c) => c.id === id)?.step ?? null
  const runs = input.runs.map((r) => ({ ...r, means: r.means ?? meansFromResults(r.results) }))
  const find = (checkpointId: string, datasetId: string) =>
    runs.find((r) => r.checkpointId === checkpointId && r.datasetId === datasetId)
  const kinds = new Map(input.datasets.map((d) => [d.id, effectiveKind(d)]))
  // The headline of each dataset: its latest checkpoint in training order; every one of them when
  // several share the latest step (two exports of the same weights each get their own answer).
  const headlines = input.datasets.flatMap((d) => {
    const onSet = ordered.filter((c) => find(c.id, d.id))
    // A checkpoint of unknown step is never "the latest" while others have steps.
    const stepped = onSet.filter((c) => c.step !== undefined && c.step !== null)
    const last = (stepped.length > 0 ? stepped : onSet).at(-1)
    if (!last) return []
    const tied =
      last.step === undefined || last.step === null ? [last] : onSet.filter((c) => c.step === last.step)
    return tied.map((c) => ({ checkpointId: c.id, datasetId: d.id }))
  })
  const primaryRef =
    input.primary ?? headlines.find((h) => kinds.get(h.datasetId) === 'fromTraining') ?? headlines[0]
  const primary = primaryRef ? find(primaryRef.checkpointId, primaryRef.datasetId) : undefined
  const explanation = explainAcrossRuns(input.reportedLoss, primary, runs)
  const runDiagnoses: RunDiagnosis[] = []
  for (const c of ordered) {
    for (const d of input.datasets) {
      const r = find(c.id, d.id)
      if (!r) continue
      const subject = { checkpointId: c.id, datasetId: d.id }
      const step = stepOf(c.id)
      const kind = kinds.get(d.id)!
      const trainLoss =
        input.trainLog && step !== null
          ? (trainingLossAt(input.trainLog, step, windowLines)?.mean ?? null)
          : null
      runDiagnoses.push({
        runId: r.runId ?? null,
        checkpointId: c.id,
        datasetId: d.id,
        step,
        kind,
        means: r.means,
        samples: scoredResults(r.results).length,
        mode: diagnoseMode(r.results, r.means, subject, explanation, r.format ?? null),
        kvCache: diagnoseKvCache(r.means, subject, {
          hasKvCache: r.hasKvCache,
          sftRun: isSftRunOf(r.format ?? null, r.results),
        }),
        alignment: diagnoseAlignment(r.results, r.means, subject, {
          explanation,
          trainLoss,
          format: r.format ?? null,
        }),
        trainEval: trainEvalVerdicts(
          r.results,
          subject,
          kind,
          d.consistency,
          step,
          input.trainLog,
          windowLines,
          r.format ?? null,
        ),
      })
    }
  }
  const trajectories = input.datasets.flatMap((d) => {
    const onSet = ordered.flatMap((c) => {
      const r = find(c.id, d.id)
      return r ? [{ checkpointId: c.id, step: stepOf(c.id), results: r.results }] : []
    })
    return onSet.length > 0 ? [trajectoryOf(d.id, onSet)] : []
  })
  const data = input.datasets.map((d) => diagnoseData(d.consistency, d))
  const weights = input.checkpoints.map((c) => diagnoseWeights(c.weights, c.id))
  const broken = (checkpointId: string, datasetId: string): boolean => {
    const r = runDiagnoses.find((x) => x.checkpointId === checkpointId && x.datasetId === datasetId)
    const model = r?.alignment.reason === 'rowsShifted' || r?.alignment.reason === 'keepLastDiffers'
    return model || weights.find((w) => w.checkpointId === checkpointId)?.status === 'fail'
  }
  for (const t of trajectories) {
    for (const c of t.changes) {
      if (broken(c.from, t.datasetId) || broken(c.to, t.datasetId)) c.status = 'brokenExport'
    }
  }
  const conclusions = headlines.map((h) =>
    conclude(
      h,
      runDiagnoses.find((r) => r.checkpointId === h.checkpointId && r.datasetId === h.datasetId)!,
      data.find((v) => v.datasetId === h.datasetId)!,
      weights.find((v) => v.checkpointId === h.checkpointId)!,
      pathTo(h.checkpointId, trajectories.find((t) => t.datasetId === h.datasetId)?.changes ?? []),
    ),
  )
  // The user's number is about the run "explain my number" matched it on, else the primary run.
  const match = explanation?.match
  // A match on a run without a waterfall (an earlier checkpoint) leaves the number on the primary run,
  // whose slicing step then says where the match was measured.
  const numberRun =
    conclusions.find((c) => c.checkpointId === match?.checkpointId && c.datasetId === match.datasetId) ??
    primaryRef
  const waterfalls = conclusions.flatMap((c) => {
    const r = find(c.checkpointId, c.datasetId)
    if (!r) return []
    const isNumberRun = numberRun?.checkpointId === c.checkpointId && numberRun.datasetId === c.datasetId
    const w = gapWaterfall({
      checkpointId: c.checkpointId,
      datasetId: c.datasetId,
      step: stepOf(c.checkpointId),
      results: r.results,
      trainLog: input.trainLog,
      windowLines,
      reported: isNumberRun ? (input.reportedLoss ?? null) : null,
      reportedElsewhere: !isNumberRun && input.reportedLoss !== undefined && input.reportedLoss !== null,
      explanation: isNumberRun ? explanation : null,
      bosUsed: r.bosUsed ?? null,
      format: r.format ?? null,
    })
    return w ? [w] : []
  })
  return {
    data,
    weights,
    runs: runDiagnoses,
    trajectories,
    explanation,
    conclusions,
    windowLines,
    waterfalls,
  }
}

/** A mixed set is judged in two parts: the samples found in training, and the rest (held out). */
function trainEvalVerdicts(
  results: readonly SampleResult[],
  subject: { checkpointId: string; datasetId: string },
  kind: DatasetKind,
  consistency: DataConsistency | null | undefined,
  step: number | null,
  trainLog: TrainLog | null | undefined,
  windowLines: number,
  format: RunFormat | null,
): TrainEvalVerdict[] {
  const common = { subject, step, trainLog, windowLines, format }
  if (kind !== 'mixed' || !consistency) return [diagnoseTrainEval({ ...common, results, kind })]
  const missing = new Set(consistency.notFound.map((n) => n.index))
  return [
    diagnoseTrainEval({
      ...common,
      results: results.filter((r) => !missing.has(r.index)),
      kind: 'fromTraining',
      subset: 'found',
    }),
    diagnoseTrainEval({
      ...common,
      results: results.filter((r) => missing.has(r.index)),
      kind: 'heldOut',
      subset: 'notFound',
    }),
  ]
}

function conclude(
  headline: { checkpointId: string; datasetId: string },
  run: RunDiagnosis,
  data: DataVerdict,
  weights: WeightsVerdict,
  changes: CheckpointChange[],
): Conclusion {
  const at = (cause: Cause, verdict: Verdict | null): Conclusion => ({
    ...headline,
    cause,
    verdict,
    related: run.trainEval.filter((v) => v !== verdict && run.trainEval.length > 1),
    regressions: changes.filter((c) => c.status === 'regression'),
    improvements: changes.filter((c) => c.status === 'improvement'),
  })
  if (weights.status === 'fail') return at('weights', weights)
  if (run.alignment.status === 'fail') return at('alignment', run.alignment)
  if (run.mode.status === 'fail') return at('mode', run.mode)
  if (run.kvCache.status === 'fail') return at('kvCache', run.kvCache)
  // "Data" is a cause only where the user meant the set to come from training and it does not.
  if (data.status === 'fail' && data.claimedKind !== 'heldOut') return at('data', data)
  const te = run.trainEval
  const failed = te.find((v) => v.status === 'fail')
  if (failed) return at('trainEval', failed)
  const inconclusive = te.find((v) => v.status === 'inconclusive') ?? statusOf(run, 'inconclusive')
  if (inconclusive) return at('inconclusive', inconclusive)
  const generalisation = te.find((v) => v.reason === 'generalisation')
  // A mixed set is not "held out": its training-drawn part answers, its held-out part stands beside.
  if (generalisation && run.kind !== 'mixed') return at('generalisation', generalisation)
  if (te.every((v) => v.status === 'notMeasured') && run.alignment.status === 'notMeasured') {
    return at('notMeasured', null)
  }
  return at('none', te.find((v) => v.status !== 'notMeasured') ?? null)
}

/** The changes along the chain of checkpoints that leads to `checkpointId`, earliest first. */
function pathTo(checkpointId: string, changes: readonly CheckpointChange[]): CheckpointChange[] {
  const out: CheckpointChange[] = []
  let at = checkpointId
  for (;;) {
    const step = changes.filter((c) => c.to === at)
    if (step.length === 0) return out.reverse()
    out.push(...[...step].reverse())
    at = step[0]!.from
  }
}

function statusOf(run: RunDiagnosis, status: Verdict['status']): Verdict | undefined {
  return [run.alignment, run.mode, run.kvCache].find((v) => v.status === status)
}

/** Every verdict of a diagnosis in a stable order: data, weights, then each run's. */
export function verdictsOf(d: Diagnosis): Verdict[] {
  return [...d.data, ...d.weights, ...d.runs.flatMap((r) => [r.mode, r.kvCache, r.alignment, ...r.trainEval])]
}

/** The run diagnosis of one checkpoint × dataset. */
export function runDiagnosis(
  d: Diagnosis,
  checkpointId: string,
  datasetId: string,
): RunDiagnosis | undefined {
  return d.runs.find((r) => r.checkpointId === checkpointId && r.datasetId === datasetId)
}

const candidatesOf = (r: DiagnosisRun & { means: Means }): Candidate[] =>
  candidatesFromMeans(r.means, { checkpointId: r.checkpointId, datasetId: r.datasetId })

/**
 * "Explain my number" on the primary run (the samples the user most likely scored) first; only when
 * nothing there is within tolerance, over every run, so another checkpoint or dataset can still be the
 * answer.
 */
export function explainAcrossRuns(
  reported: number | null | undefined,
  primary: (DiagnosisRun & { means: Means }) | undefined,
  runs: readonly (DiagnosisRun & { means: Means })[],
): Explanation | null {
  if (reported === undefined || reported === null) return null
  if (primary) {
    const own = explainReportedLoss(reported, candidatesOf(primary))
    if (own.status === 'matched') return own
  }
  return explainReportedLoss(
    reported,
    [primary, ...runs.filter((r) => r !== primary)].filter((r) => r !== undefined).flatMap(candidatesOf),
  )
}

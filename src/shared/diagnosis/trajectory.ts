/**
 * Checkpoints in order of training: the loss per checkpoint on each dataset, and every change between
 * consecutive checkpoints, paired over the same samples. A later checkpoint that is worse than the one
 * before it beyond noise (over-fitting, forgetting a language) is a finding the conclusion must state.
 */
import type { ColoredSeries } from '../palette'
import type { SampleResult } from '../results'
import { estimate, pairedDifference, separation, type Estimate } from '../stats'
import { THRESHOLDS } from './thresholds'
import { perSample } from './verdicts'

/**
 * The scalars drawn per checkpoint (results.jsonl names; the bits-per-byte ones name their field). Bits
 * per byte divide by the text's UTF-8 bytes, not its tokens, so checkpoints with different tokenizers
 * stand on one axis (issue 13, item 5). Each point is the mean over samples ± s.e., as for the losses
 * (summary.json's bits per byte is the set-level ratio Σ nll / (ln 2 × Σ bytes), which weights long
 * samples more), so changes pair sample by sample.
 */
export const TRAJECTORY_MEASURES = [
  'teacherForcing',
  'keepLastMisaligned',
  'autoregressive',
  'trainFormat',
  'teacherForcingBitsPerByte',
  'trainFormatBitsPerByte',
  /** SFT runs: MiniMind's SFT loss (masked mean over assistant tokens) and the first reply generated. */
  'sft',
  'sftAutoregressive',
] as const
export type TrajectoryMeasure = (typeof TRAJECTORY_MEASURES)[number]

/** What a trajectory measure counts in: one chart axis holds one unit. */
export type TrajectoryUnit = 'nats' | 'bitsPerByte'
export const TRAJECTORY_UNIT: Record<TrajectoryMeasure, TrajectoryUnit> = {
  teacherForcing: 'nats',
  keepLastMisaligned: 'nats',
  autoregressive: 'nats',
  trainFormat: 'nats',
  teacherForcingBitsPerByte: 'bitsPerByte',
  trainFormatBitsPerByte: 'bitsPerByte',
  sft: 'nats',
  sftAutoregressive: 'nats',
}
/** The palette entry each measure is drawn in: a bits-per-byte series takes its loss's colour. */
export const TRAJECTORY_COLOR: Record<TrajectoryMeasure, ColoredSeries> = {
  teacherForcing: 'teacherForcing',
  keepLastMisaligned: 'keepLastMisaligned',
  autoregressive: 'autoregressive',
  trainFormat: 'trainFormat',
  teacherForcingBitsPerByte: 'teacherForcing',
  trainFormatBitsPerByte: 'trainFormat',
  sft: 'sft',
  sftAutoregressive: 'sftAutoregressive',
}

/** The measures of one unit that some point of these trajectories has (what a chart of that unit can draw). */
export function measuresWithValues(
  trajectories: readonly Pick<Trajectory, 'points'>[],
  unit: TrajectoryUnit,
): TrajectoryMeasure[] {
  return TRAJECTORY_MEASURES.filter(
    (m) => TRAJECTORY_UNIT[m] === unit && trajectories.some((tr) => tr.points.some((p) => p.values[m])),
  )
}

/**
 * The measures whose changes between checkpoints are judged (the misaligned slice is a bug's number):
 * a pretraining run's teacher forcing and generation, an SFT run's SFT loss and generation.
 */
export const CHANGE_MEASURES = ['teacherForcing', 'autoregressive', 'sft', 'sftAutoregressive'] as const
export type ChangeMeasure = (typeof CHANGE_MEASURES)[number]

/**
 * Each generation measure with the teacher-forced loss on the same samples: generation worse while the
 * teacher-forced loss improved is a sharper model (see CheckpointChange.status), not a regression.
 */
const FORCED_OF = { autoregressive: 'teacherForcing', sftAutoregressive: 'sft' } as const

const PICK: Record<TrajectoryMeasure, (r: SampleResult) => number | undefined> = {
  teacherForcing: (r) => r.teacherForcing?.loss,
  keepLastMisaligned: (r) => r.keepLastMisaligned?.loss,
  autoregressive: (r) => r.autoregressive?.loss,
  trainFormat: (r) => r.trainFormat?.loss,
  teacherForcingBitsPerByte: (r) => r.teacherForcing?.bitsPerByte,
  trainFormatBitsPerByte: (r) => r.trainFormat?.bitsPerByte,
  sft: (r) => r.sft?.loss,
  sftAutoregressive: (r) => r.sftAutoregressive?.loss,
}

export interface TrajectoryPoint {
  checkpointId: string
  step: number | null
  values: Partial<Record<TrajectoryMeasure, Estimate>>
}

export interface CheckpointChange {
  datasetId: string
  measure: ChangeMeasure
  from: string
  to: string
  fromStep: number | null
  toStep: number | null
  /** Mean of to - from over the samples both scored (nats): positive = the later checkpoint is worse. */
  delta: number
  stderr: number | null
  samples: number
  /**
   * regression / improvement: beyond noise and changeMinNats; withinNoise: too small to matter or unclear;
   * sharperModel: the autoregressive loss (an SFT run's: the generated reply's) rose while teacher forcing
   * (the SFT loss) on the same samples improved beyond noise. A model that predicts better puts less
   * mass on tokens off its own greedy path, so scoring the true text along that path costs more:
   * exposure bias growing with training, not over-fitting;
   * brokenExport: one of the two checkpoints fails alignment (its rows are out of step, or its
   * logits_to_keep path differs) or weight verification on this dataset: the change is that defect's,
   * not training's.
   */
  status: 'regression' | 'improvement' | 'withinNoise' | 'sharperModel' | 'brokenExport'
  /** The difference exceeds changeMinNats but not the noise band: more samples would decide. */
  unclear: boolean
}

export interface Trajectory {
  datasetId: string
  points: TrajectoryPoint[]
  changes: CheckpointChange[]
}

/**
 * Checkpoints in training order: those with a step by step, then those without one in the
 * experiment's order (a guessed position would make "regression" mean nothing; see predecessor).
 */
export function orderCheckpoints<C extends { id: string; step?: number | null }>(
  checkpoints: readonly C[],
): C[] {
  const has = (c: C): boolean => c.step !== undefined && c.step !== null
  return [...checkpoints.filter(has).sort((a, b) => a.step! - b.step!), ...checkpoints.filter((c) => !has(c))]
}

/**
 * The checkpoint `ordered[i]` is compared with: with steps, the last one saved at an earlier step. Two
 * checkpoints of the same step (two exports of one set of weights) are not stages of training: a
 * difference between them is the export's, which the alignment and weights verdicts judge. A
 * checkpoint without a step is compared with nothing (its place in training is unknown), unless no
 * checkpoint has a step, when the experiment's order is all there is.
 */
function predecessor<T extends { step: number | null }>(ordered: readonly T[], i: number): T | undefined {
  const b = ordered[i]!
  if (b.step === null) return ordered.every((c) => c.step === null) ? ordered[i - 1] : undefined
  for (let j = i - 1; j >= 0; j--)
    if (ordered[j]!.step !== null && ordered[j]!.step! < b.step) return ordered[j]
  return undefined
}

/** The trajectory of one dataset over the checkpoints (in training order) that have a run on it. */
export function trajectoryOf(
  datasetId: string,
  ordered: readonly { checkpointId: string; step: number | null; results: readonly SampleResult[] }[],
): Trajectory {
  const points = ordered.map((o) => ({
    checkpointId: o.checkpointId,
    step: o.step,
    values: Object.fromEntries(
      TRAJECTORY_MEASURES.flatMap((m) => {
        const e = estimate([...perSample(o.results, PICK[m]).values()])
        return e ? [[m, e]] : []
      }),
    ) as TrajectoryPoint['values'],
  }))
  const changes: CheckpointChange[] = []
  for (let i = 1; i < ordered.length; i++) {
    const b = ordered[i]!
    const a = predecessor(ordered, i)
    if (!a) continue
    for (const measure of CHANGE_MEASURES) {
      const d = pairedDifference(perSample(a.results, PICK[measure]), perSample(b.results, PICK[measure]))
      if (!d) continue
      const sep = separation(d.mean, d.stderr, THRESHOLDS.changeMinNats, THRESHOLDS.noiseStderrs)
      changes.push({
        datasetId,
        measure,
        from: a.checkpointId,
        to: b.checkpointId,
        fromStep: a.step,
        toStep: b.step,
        delta: d.mean,
        stderr: d.stderr,
        samples: d.n,
        status: sep === 'above' ? 'regression' : sep === 'below' ? 'improvement' : 'withinNoise',
        unclear: sep === 'unclear',
      })
    }
    const pair = changes.filter((c) => c.from === a.checkpointId && c.to === b.checkpointId)
    for (const [generated, forced] of Object.entries(FORCED_OF)) {
      const ar = pair.find((c) => c.measure === generated)
      const tf = pair.find((c) => c.measure === forced)
      if (ar?.status === 'regression' && tf?.status === 'improvement') ar.status = 'sharperModel'
    }
  }
  return { datasetId, points, changes }
}

/**
 * The paired change of any trajectory measure between two checkpoints' runs on one dataset: mean of
 * to − from over the samples both scored, with its standard error (the same pairing as the judged
 * changes; in the measure's own unit, so bits per byte compare checkpoints whose tokenizers differ).
 * Null when no sample was scored by both.
 */
export function pairedChange(
  measure: TrajectoryMeasure,
  from: readonly SampleResult[],
  to: readonly SampleResult[],
): { delta: number; stderr: number | null; samples: number } | null {
  const d = pairedDifference(perSample(from, PICK[measure]), perSample(to, PICK[measure]))
  return d ? { delta: d.mean, stderr: d.stderr, samples: d.n } : null
}

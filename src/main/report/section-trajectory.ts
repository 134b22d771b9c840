/**
 * Checkpoints in training order, per dataset: the loss of each, every change between consecutive
 * checkpoints with its noise and sample count, the trajectory chart, every verdict as a matrix, and
 * the stored token-level comparisons.
 */
import { THRESHOLDS, type TrajectoryMeasure } from '../../shared/diagnosis'
import { blocks, code, table } from './gfm'
import type { DatasetView } from './report-model'
import { badgeOf, chartImage, lossPm, type ReportContext } from './render-context'

// The losses in nats the report's words name (its trajectory table is in nats): a pretraining run's,
// then an SFT run's (MiniMind's SFT loss and the first reply generated); a table shows those it has.
const SHOWN = [
  'teacherForcing',
  'keepLastMisaligned',
  'autoregressive',
  'sft',
  'sftAutoregressive',
] as const satisfies readonly TrajectoryMeasure[]

/** Null with a single checkpoint. */
export function trajectorySection(ctx: ReportContext): string | null {
  const { model, words } = ctx
  if (model.checkpoints.length < 2) return null
  const w = words.trajectory
  const allSteps = model.experiment.checkpoints.every((c) => c.step !== undefined)
  return blocks(
    `## ${w.heading}`,
    w.intro(THRESHOLDS.changeMinNats.toFixed(2), THRESHOLDS.noiseStderrs),
    allSteps ? null : w.unordered,
    ...model.datasets.map((d) => onDataset(ctx, d)),
    verdictMatrix(ctx),
    tokenComparisons(ctx),
  )
}

function onDataset(ctx: ReportContext, d: DatasetView): string {
  const { model, words } = ctx
  const w = words.trajectory
  const t = d.trajectory
  if (!t || t.points.length < 2) return blocks(`### ${w.title(d.dataset.label)}`, w.noChanges)
  const measures = SHOWN.filter((m) => t.points.some((p) => p.values[m]))
  const rows = t.points.map((p) => [
    model.names.checkpoint(p.checkpointId),
    p.step === null ? '—' : String(p.step),
    ...measures.map((m) => lossPm(p.values[m]?.mean, p.values[m]?.stderr)),
    String(p.values[measures[0]!]?.n ?? 0),
  ])
  const changes = t.changes.map((c) => {
    const mark = c.status === 'regression' ? '⚠️ ' : c.status === 'improvement' ? '✅ ' : ''
    return `- ${mark}${ctx.verdictWords.change(c, model.names)}`
  })
  return blocks(
    `### ${w.title(code(d.dataset.label))}`,
    table(
      [
        words.overview.checkpoint,
        words.overview.step,
        ...measures.map((m) => `${words.measures.short[m]}${words.paren('nats')}`),
        w.n,
      ],
      rows,
      ['l', 'r', ...measures.map(() => 'r' as const), 'r'],
    ),
    chartImage(ctx, 'trajectory', d.dataset.id),
    changes.length > 0 ? `**${w.changes}**${words.colon.trimEnd()}` : null,
    changes.length > 0 ? changes.join('\n') : null,
  )
}

/** Every run's verdicts on one line: checkpoint x dataset. */
function verdictMatrix(ctx: ReportContext): string {
  const { model, words } = ctx
  const vw = ctx.verdictWords
  const hyp = (h: 'mode' | 'kvCache' | 'alignment' | 'trainEval'): string => words.conclusion.name(h)
  const rows = model.runs.map((r) => [
    r.checkpoint.label,
    r.step === null ? '—' : String(r.step),
    r.dataset.label,
    badgeOf(ctx, r.verdicts.mode),
    badgeOf(ctx, r.verdicts.kvCache),
    vw.badge(r.verdicts.alignment.status),
    r.verdicts.trainEval.map((v) => badgeOf(ctx, v)).join(' / '),
  ])
  return blocks(
    `### ${words.trajectory.matrixHeading}`,
    table(
      [
        words.overview.checkpoint,
        words.overview.step,
        words.overview.dataset,
        hyp('mode'),
        hyp('kvCache'),
        hyp('alignment'),
        hyp('trainEval'),
      ],
      rows,
      ['l', 'r', 'l', 'l', 'l', 'l', 'l'],
    ),
  )
}

/** Token comparisons stored for pairs of the runs in the report (they name checkpoints, not datasets). */
function tokenComparisons(ctx: ReportContext): string | null {
  const { model, words } = ctx
  const w = words.trajectory
  const list = model.input.tokenComparisons ?? []
  if (list.length === 0) return null
  return blocks(
    ...list.flatMap((k) => [
      w.tokenIntro(k.baseLabel, k.otherLabel),
      table(
        [w.meanKld, w.medianKld, 'p99', w.maxKld, w.sameTop1, w.rmsDp, w.tokens],
        [
          [
            k.meanKld.toFixed(4),
            k.medianKld.toFixed(4),
            k.p99Kld.toFixed(4),
            k.maxKld.toFixed(4),
            `${(k.sameTop1 * 100).toFixed(2)}%`,
            `${(k.rmsDeltaP * 100).toFixed(2)}%`,
            `${k.tokens} (${k.samples})`,
          ],
        ],
        ['r', 'r', 'r', 'r', 'r', 'r', 'r'],
      ),
    ]),
  )
}

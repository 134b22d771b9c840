/**
 * Verification: each dataset's headline run sample by sample (beyond SAMPLE_TABLE_LIMIT samples, summary
 * statistics and the largest gaps, with every sample in the CSV), then the comparison with the training
 * loss logged just before each checkpoint's step.
 */
import { fmtLoss, fmtPct, fmtSignedLoss, fmtSignedPct, type TrainEvalVerdict } from '../../shared/diagnosis'
import type { SampleResult } from '../../shared/results'
import { estimate, median } from '../../shared/stats'
import { blocks, code, table } from './gfm'
import type { RunView } from './report-model'
import {
  baseName,
  chartImage,
  badgeOf,
  checkpointName,
  lossPm,
  runTitle,
  sliceOf,
  timesOf,
  type ReportContext,
} from './render-context'

/** Up to this many samples the report lists every one; beyond, summary statistics and the largest gaps. */
export const SAMPLE_TABLE_LIMIT = 30
/** How many of the largest gaps a long run lists. */
export const LARGEST_GAPS = 10

/** The CSV beside the report that holds every sample. */
export function samplesCsvFile(fileBase: string): string {
  return `${fileBase}.samples.csv`
}

export function verification(ctx: ReportContext): string {
  const { model, words } = ctx
  return blocks(
    `## ${words.perSample.heading}`,
    ...model.datasets.map((d) => samples(ctx, d.headline)),
    finalVerification(ctx),
  )
}

const MEASURES: [
  keyof typeof import('./strings-en').en.measures.short,
  (r: SampleResult) => number | undefined,
][] = [
  ['teacherForcing', (r) => r.teacherForcing?.loss],
  ['keepLastMisaligned', (r) => r.keepLastMisaligned?.loss],
  ['keepLastAligned', (r) => r.keepLastAligned?.loss],
  ['autoregressive', (r) => r.autoregressive?.loss],
]

function samples(ctx: ReportContext, run: RunView): string {
  const { words, model } = ctx
  const w = words.perSample
  const skipped =
    run.skipped.length > 0
      ? w.skipped(
          run.skipped.length,
          run.skipped
            .slice(0, 5)
            .map((r) => `#${r.index}${words.paren(r.skipped ?? '')}`)
            .join(words.sep),
        )
      : null
  if (run.sft) return sftSamples(ctx, run, skipped)
  const head = [
    `### ${w.title(runTitle(ctx, run))}`,
    w.intro(code('logits_to_keep=P'), code(sliceOf(run.L, run.P))),
  ]
  if (run.scored.length > SAMPLE_TABLE_LIMIT) {
    const csv = samplesCsvFile(model.fileBase)
    const stats = MEASURES.flatMap(([key, pick]) => {
      const values = run.scored.map(pick).filter((x): x is number => x !== undefined)
      const e = estimate(values)
      if (!e) return []
      return [
        [
          words.measures.short[key],
          String(e.n),
          lossPm(e.mean, e.stderr),
          fmtLoss(e.sd),
          fmtLoss(median(values)),
          fmtLoss(Math.min(...values)),
          fmtLoss(Math.max(...values)),
        ],
      ]
    })
    const withMisaligned = run.scored.some((r) => r.keepLastMisaligned)
    const gapOf = (r: SampleResult): number | null =>
      withMisaligned
        ? r.keepLastMisaligned && r.teacherForcing
          ? r.keepLastMisaligned.loss - r.teacherForcing.loss
          : null
        : (r.teacherForcing?.loss ?? null)
    const largest = run.scored
      .map((r) => ({ r, gap: gapOf(r) }))
      .filter((x): x is { r: SampleResult; gap: number } => x.gap !== null)
      .sort((a, b) => b.gap - a.gap || a.r.index - b.r.index)
      .slice(0, LARGEST_GAPS)
    return blocks(
      ...head,
      w.summaryIntro(run.scored.length, `[${code(csv)}](${encodeURI(csv)})`),
      table([w.measure, w.n, w.mean_se, w.sd, w.median, w.min, w.max], stats, [
        'l',
        'r',
        'r',
        'r',
        'r',
        'r',
        'r',
      ]),
      chartImage(ctx, 'per-sample', run.dataset.id),
      `#### ${w.largestHeading(withMisaligned ? w.gapMisaligned : w.gapTf)}`,
      table(
        [w.sample, w.id, w.misaligned, w.teacherForcing, w.gap],
        largest.map(({ r, gap }) => [
          String(r.index),
          code(r.id),
          fmtLoss(r.keepLastMisaligned?.loss),
          fmtLoss(r.teacherForcing?.loss),
          withMisaligned ? fmtSignedLoss(gap) : fmtLoss(gap),
        ]),
        ['r', 'l', 'r', 'r', 'r'],
      ),
      skipped,
    )
  }
  const rows = run.scored.map((r) => [
    String(r.index),
    fmtLoss(r.keepLastMisaligned?.loss),
    fmtLoss(r.teacherForcing?.loss),
    timesOf(r.keepLastMisaligned?.loss, r.teacherForcing?.loss),
    fmtLoss(r.autoregressive?.loss),
  ])
  const m = run.means
  rows.push([
    `**${w.mean}**`,
    `**${fmtLoss(m.keepLastMisaligned)}**`,
    `**${fmtLoss(m.teacherForcing)}**`,
    `**${timesOf(m.keepLastMisaligned, m.teacherForcing)}**`,
    `**${fmtLoss(m.autoregressive)}**`,
  ])
  return blocks(
    ...head,
    chartImage(ctx, 'per-sample', run.dataset.id),
    table([w.sample, w.misaligned, w.teacherForcing, w.timesTf, w.autoregressive], rows, [
      'r',
      'r',
      'r',
      'r',
      'r',
    ]),
    skipped,
  )
}

/**
 * An SFT run sample by sample: each conversation's SFT loss (MiniMind's masked mean over assistant
 * tokens), the same mean with the mask one position late, their difference and the first reply
 * generated; beyond SAMPLE_TABLE_LIMIT the conversations where the late mask moves the loss most.
 */
function sftSamples(ctx: ReportContext, run: RunView, skipped: string | null): string {
  const w = ctx.words.perSample
  const list = run.scored.filter((r) => r.sft)
  const late = (r: SampleResult): number => r.sft!.shiftedMaskLoss - r.sft!.loss
  const many = list.length > SAMPLE_TABLE_LIMIT
  const shown = many
    ? [...list]
        .sort((a, b) => Math.abs(late(b)) - Math.abs(late(a)) || a.index - b.index)
        .slice(0, LARGEST_GAPS)
    : list
  const rows = shown.map((r) => [
    String(r.index),
    fmtLoss(r.sft!.loss),
    fmtLoss(r.sft!.shiftedMaskLoss),
    fmtSignedLoss(late(r)),
    fmtLoss(r.sftAutoregressive?.loss),
  ])
  const m = run.means
  const diff = estimate(list.map(late))
  rows.push([
    `**${w.mean}**`,
    `**${fmtLoss(m.sft)}**`,
    `**${fmtLoss(m.sftShiftedMask)}**`,
    `**${fmtSignedLoss(diff?.mean)}**`,
    `**${fmtLoss(m.sftAutoregressive)}**`,
  ])
  const csv = samplesCsvFile(ctx.model.fileBase)
  return blocks(
    `### ${w.title(runTitle(ctx, run))}`,
    w.sftIntro,
    chartImage(ctx, 'per-sample', run.dataset.id),
    many ? w.sftLargest(list.length, LARGEST_GAPS, `[${code(csv)}](${encodeURI(csv)})`) : null,
    table([w.sample, w.sftLoss, w.sftLate, w.sftLateDiff, w.sftReply], rows, ['r', 'r', 'r', 'r', 'r']),
    skipped,
  )
}

/** Every dataset's headline against the training loss at its checkpoint's step. */
function finalVerification(ctx: ReportContext): string {
  const { model, words } = ctx
  const w = words.final
  const perDataset = model.datasets.flatMap((d) =>
    d.headline.verdicts.trainEval.map((v) => trainEvalBlock(ctx, d.headline, v)),
  )
  return blocks(
    `### ${w.title}`,
    model.input.trainLog ? w.intro(model.diagnosis.windowLines) : null,
    ...perDataset,
    chartImage(ctx, 'training-curve'),
    ctx.charts.has('training-curve') ? w.chartNote : null,
  )
}

function trainEvalBlock(ctx: ReportContext, run: RunView, v: TrainEvalVerdict): string {
  const { model, words } = ctx
  const w = words.final
  const part = v.subset === 'found' ? w.partFound : v.subset === 'notFound' ? w.partNotFound : ''
  const lines: string[] = []
  const t = v.training
  const log = model.input.trainLog
  if (t && log) {
    lines.push(
      `- **${w.trainLoss}**${words.colon}${w.trainLossValue(lossPm(t.mean, t.stderr), t.lines, t.step, t.fromStep, t.toStep, fmtLoss(t.sd), code(baseName(log.path)))}${words.sentenceGap}${w.caveat}`,
    )
  }
  // An SFT run's evaluation loss is MiniMind's SFT loss (the diagnosis says which it took).
  const sft = v.evalMeasure === 'sft'
  if (v.evalLoss !== null) {
    lines.push(
      `- **${sft ? w.sftEvalLoss(part) : w.evalLoss(part)}**${words.colon}${(sft ? words.sftPhases.evalLossValue : w.evalLossValue)(lossPm(v.evalLoss, v.evalStderr), code(run.dataset.label), v.samples, code(checkpointName(ctx, run)))}`,
    )
  }
  if (v.difference !== null && v.reason !== 'noStep') {
    lines.push(
      `- **${w.difference}**${words.colon}${w.differenceValue(`${fmtSignedLoss(v.difference)}${v.uncertainty !== null ? ` ± ${v.uncertainty.toFixed(3)}` : ''}`, fmtSignedPct(v.relative), badgeOf(ctx, v), ctx.verdictWords.figure(v).threshold)}`,
    )
  }
  const reported = model.experiment.reportedLoss
  if (reported !== undefined && run === model.primary && v.subset === 'all' && v.evalLoss !== null) {
    const rel = (reported - v.evalLoss) / reported
    lines.push(
      `- **${w.fromReported}**${words.colon}${
        sft
          ? w.fromReportedSftValue(fmtLoss(reported), fmtLoss(v.evalLoss), fmtPct(Math.abs(rel)), rel >= 0)
          : w.fromReportedValue(fmtLoss(reported), fmtLoss(v.evalLoss), fmtPct(rel))
      }`,
    )
  }
  return blocks(
    `#### ${words.onDataset(runTitle(ctx, run))}`,
    lines.length > 0 ? lines.join('\n') : null,
    `**${words.phase.verdict}**${words.colon}${badgeOf(ctx, v)}${words.colon}${ctx.verdictWords.verdict(v)}`,
  )
}

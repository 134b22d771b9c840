/** The report's head: title and metadata, the answer per dataset, the runs used, key numbers, hypotheses. */
import { fmtLoss, fmtSignedPct, type TrainEvalVerdict, type Verdict } from '../../shared/diagnosis'
import { estimate } from '../../shared/stats'
import { blocks, code, table } from './gfm'
import { referenceDataset, waterfallBlock } from './section-waterfall'
import type { RunView } from './report-model'
import {
  badgeOf,
  checkpointName,
  lossPm,
  runName,
  runTitle,
  timesOf,
  type ReportContext,
} from './render-context'

/** Title and the metadata block (experiment, date, datasets, the reported number). */
export function header(ctx: ReportContext): string {
  const { model, words } = ctx
  const e = model.experiment
  const datasets = model.datasets
    .map((d) => `${code(d.dataset.label)}${words.paren(ctx.verdictWords.kind(d.kind))}`)
    .join(words.sep)
  const lines = [
    `# ${words.title(e.id)}`,
    '',
    `> - **${words.meta.experiment}**${words.colon}${e.id}${e.title ? ` — ${e.title}` : ''}`,
    `> - **${words.meta.date}**${words.colon}${model.input.provenance.generatedAt.slice(0, 10)}`,
    `> - **${words.meta.author}**${words.colon}${words.meta.authorValue(model.input.provenance.losslensVersion, model.runs.length)}`,
    `> - **${words.meta.datasets}**${words.colon}${datasets}`,
  ]
  if (e.reportedLoss !== undefined)
    lines.push(`> - **${words.meta.reported}**${words.colon}${fmtLoss(e.reportedLoss)}`)
  return lines.join('\n')
}

/** The answer per dataset, the runs used, each dataset's key numbers, and the hypotheses with their verdicts. */
export function overview(ctx: ReportContext): string {
  const { model, words } = ctx
  const answers = model.datasets
    .flatMap((d) =>
      d.conclusions.map(
        (c) =>
          `- ${c.verdict ? badgeOf(ctx, c.verdict) : ctx.verdictWords.badge('notMeasured')} — ${ctx.verdictWords.conclusion(c, model.names)}`,
      ),
    )
    .join('\n')
  return blocks(
    `## ${words.overview.heading}`,
    `### ${words.overview.answerHeading}`,
    words.overview.answerIntro,
    answers,
    referenceWaterfall(ctx),
    runsTable(ctx),
    ...model.datasets.map((d) => keyNumbers(ctx, d.headline, d.headline.verdicts.trainEval)),
    hypotheses(ctx),
  )
}

/** The reference dataset's gap waterfall, opening the answer under its headline. */
function referenceWaterfall(ctx: ReportContext): string | null {
  const d = referenceDataset(ctx.model)
  return d ? waterfallBlock(ctx, d) : null
}

/** Which run each checkpoint x dataset is reported from, and why. */
function runsTable(ctx: ReportContext): string {
  const { model, words } = ctx
  const { inputLength: L, predictLength: P } = model.experiment.settings
  const o = words.overview
  const rows = model.runs.map((r) => [
    r.checkpoint.label,
    r.step === null ? '—' : String(r.step),
    r.dataset.label,
    ctx.verdictWords.kind(r.verdicts.kind),
    // An SFT run's loop does not use L (its P caps the generated reply, as the provenance says).
    r.sft ? '—' : String(r.L),
    String(r.P),
    `${r.scored.length}/${r.stored.results.length}`,
    `${code(r.stored.run.runId)}${r.stored.choice === 'chosen' ? ' ✋' : r.stored.choice === 'fallback' ? ' ⚠️' : ''}`,
  ])
  const fallbacks = model.runs
    .filter((r) => r.stored.choice === 'fallback')
    .map((r) => o.fallback(runName(ctx, r), r.L, r.P, L, P))
  const chosen = model.runs.some((r) => r.stored.choice === 'chosen') ? o.chosen : null
  return blocks(
    `### ${o.runsHeading}`,
    o.runsIntro(L, P),
    table([o.checkpoint, o.step, o.dataset, o.kind, 'L', 'P', o.scored, o.run], rows, [
      'l',
      'r',
      'l',
      'l',
      'r',
      'r',
      'r',
      'l',
    ]),
    ...fallbacks,
    chosen,
  )
}

/**
 * One dataset's headline numbers: each loss, its ratio to the run's base measure, and its distance
 * from training. The base is teacher forcing for a pretraining run, MiniMind's SFT loss for an SFT run
 * (whose rows are the SFT loss, the same with the mask one late, and the reply generated: the stray
 * continuation measures an SFT run may carry are not what it is judged on).
 */
export function keyNumbers(ctx: ReportContext, run: RunView, trainEval: TrainEvalVerdict[]): string {
  const { words, model } = ctx
  const o = words.overview
  // The whole set's training reference (a mixed set's two parts share the same window).
  const reference = trainEval.find((v) => v.training !== null)?.training ?? null
  const train = reference?.mean ?? null
  // The base every row is divided by.
  const base = (run.sft ? run.means.sft : run.means.teacherForcing) ?? null
  const vsTrain = (x: number | null | undefined): string =>
    x === null || x === undefined || train === null ? '—' : fmtSignedPct((x - train) / train)
  const se = (pick: (r: (typeof run.scored)[number]) => number | undefined): number | null =>
    estimate(run.scored.map(pick).filter((x): x is number => x !== undefined))?.stderr ?? null
  const rows: string[][] = []
  if (reference) {
    rows.push([
      o.trainLoss(reference.lines, reference.step),
      lossPm(reference.mean, reference.stderr),
      timesOf(reference.mean, base),
      '—',
    ])
  }
  const measures: [string, number | undefined, number | null][] = run.sft
    ? [
        [words.gap.sftLoss, run.means.sft, se((r) => r.sft?.loss)],
        [words.gap.sftShifted, run.means.sftShiftedMask, se((r) => r.sft?.shiftedMaskLoss)],
        [words.gap.sftAutoregressive, run.means.sftAutoregressive, se((r) => r.sftAutoregressive?.loss)],
      ]
    : [
        [words.measures.teacherForcing, run.means.teacherForcing, se((r) => r.teacherForcing?.loss)],
        [
          words.measures.keepLastMisaligned,
          run.means.keepLastMisaligned,
          se((r) => r.keepLastMisaligned?.loss),
        ],
        [words.measures.keepLastAligned, run.means.keepLastAligned, se((r) => r.keepLastAligned?.loss)],
        [words.measures.autoregressive, run.means.autoregressive, se((r) => r.autoregressive?.loss)],
      ]
  // The training-format loss (issue 13), token-weighted as the trainer's batches average it: the row
  // closest to the logged loss, so it sits first among the measures when the run has it.
  const whole = run.sft ? [] : run.scored.flatMap((r) => (r.trainFormat ? [r.trainFormat] : []))
  if (whole.length > 0) {
    const tokens = whole.reduce((s, x) => s + x.tokens, 0)
    const weighted = tokens > 0 ? whole.reduce((s, x) => s + x.loss * x.tokens, 0) / tokens : null
    measures.unshift([words.gap.trainFormatKey, weighted ?? undefined, null])
  }
  for (const [name, value, stderr] of measures) {
    if (value !== undefined) rows.push([name, lossPm(value, stderr), timesOf(value, base), vsTrain(value)])
  }
  const reported = model.experiment.reportedLoss
  if (reported !== undefined && run === model.primary) {
    rows.push([o.reported, fmtLoss(reported), timesOf(reported, base), vsTrain(reported)])
  }
  const note = [
    (run.sft ? o.keyNoteSft : o.keyNote)(
      run.scored.length,
      code(run.dataset.label),
      code(checkpointName(ctx, run)),
    ),
  ]
  if (!model.input.trainLog) note.push(o.keyNoLog)
  else if (run.step === null) note.push(o.keyNoStep(code(run.checkpoint.label)))
  return blocks(
    `### ${o.keyHeading(runTitle(ctx, run))}`,
    table([o.quantity, o.loss, run.sft ? o.timesSft : o.timesTf, o.vsTrain], rows, ['l', 'r', 'r', 'r']),
    note.join(' '),
  )
}

/** Every verdict on each dataset's headline run, with the figure that decided it and its threshold. */
function hypotheses(ctx: ReportContext): string {
  const { model, words } = ctx
  const o = words.overview
  const rows: string[][] = []
  const row = (v: Verdict, checkpoint: string, dataset: string): void => {
    const f = ctx.verdictWords.figure(v)
    rows.push([
      String(rows.length + 1),
      ctx.verdictWords.hypothesis(v.hypothesis),
      checkpoint,
      dataset,
      badgeOf(ctx, v),
      f.figure,
      f.threshold,
    ])
  }
  const weighed = new Set<string>()
  for (const d of model.datasets) {
    const h = d.headline
    const ck = checkpointName(ctx, h)
    row(d.data, '—', d.dataset.label)
    if (!weighed.has(h.checkpoint.id)) {
      weighed.add(h.checkpoint.id)
      row(
        model.weightVerdicts.find((w) => w.checkpointId === h.checkpoint.id)!,
        ck,
        '—',
      )
    }
    for (const v of [h.verdicts.mode, h.verdicts.kvCache, h.verdicts.alignment, ...h.verdicts.trainEval]) {
      row(v, ck, d.dataset.label)
    }
  }
  return blocks(
    `### ${o.hypothesesHeading}`,
    o.hypothesesIntro,
    table(['#', o.hypothesis, o.checkpoint, o.dataset, o.verdict, o.figure, o.threshold], rows, [
      'r',
      'l',
      'l',
      'l',
      'l',
      'l',
      'l',
    ]),
  )
}

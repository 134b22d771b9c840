/** The report's head: title and metadata, the answer, key numbers, runs and the hypotheses table. */
import { fmtLoss, fmtPct, fmtSignedLoss, fmtSignedPct, type Verdict } from '../../shared/diagnosis'
import { blocks, code, table } from './md'
import { answer, primaryData, primaryWeights, tailOf, trainingRun, type Ctx } from './context'

/** Title and the metadata block (experiment, date, what was analysed, the reported number). */
export function header(ctx: Ctx): string {
  const { m, t } = ctx
  const p = m.primary
  const e = m.experiment
  const lines = [
    `# ${t.title(e.id)}`,
    '',
    `> - **${t.meta.experiment}**: ${e.id}${e.title ? ` — ${e.title}` : ''}`,
    `> - **${t.meta.date}**: ${m.input.provenance.generatedAt.slice(0, 10)}`,
    `> - **${t.meta.author}**: ${t.meta.authorValue(m.input.provenance.losslensVersion, m.views.length)}`,
    `> - **${t.meta.analysed}**: ${t.meta.analysedValue(code(p.checkpoint.label), code(p.dataset.label), p.scored.length, p.stored.results.length, p.L, p.P)}`,
  ]
  if (e.reportedLoss !== undefined) lines.push(`> - **${t.meta.reported}**: ${fmtLoss(e.reportedLoss)}`)
  return lines.join('\n')
}

/** The answer first, then the key numbers, every run, and the hypotheses with their verdicts. */
export function overview(ctx: Ctx): string {
  const { m, t } = ctx
  const p = m.primary
  const te = m.diagnosis.trainEval
  const train = te.trainLoss
  const tr = trainingRun(m)
  const vs = (x: number | undefined | null): string =>
    x === undefined || x === null || train === null
      ? '—'
      : `${fmtSignedLoss(x - train)} (${fmtSignedPct((x - train) / train)})`
  const rows: string[][] = []
  if (train !== null) rows.push([t.overview.trainLoss(tailOf(m)), fmtLoss(train), '—'])
  const measures: [string, number | undefined][] = [
    [t.measures.teacherForcing, p.means.teacherForcing],
    [t.measures.keepLastMisaligned, p.means.keepLastMisaligned],
    [t.measures.keepLastAligned, p.means.keepLastAligned],
    [t.measures.autoregressive, p.means.autoregressive],
  ]
  for (const [name, value] of measures) if (value !== undefined) rows.push([name, fmtLoss(value), vs(value)])
  if (m.experiment.reportedLoss !== undefined) {
    rows.push([t.overview.reported, fmtLoss(m.experiment.reportedLoss), vs(m.experiment.reportedLoss)])
  }
  const keyTable = table([t.overview.quantity, t.overview.loss, t.overview.vsTrain], rows, ['l', 'r', 'r'])
  const keyNote =
    t.overview.keyNote(p.scored.length, code(p.checkpoint.label), code(p.dataset.label)) +
    (tr && tr !== p
      ? ' ' + t.overview.trainingRunNote(code(tr.dataset.label), fmtLoss(tr.means.teacherForcing))
      : '')
  const all =
    m.views.length > 1
      ? blocks(
          `### ${t.overview.allRuns}`,
          table(
            [
              t.overview.checkpoint,
              t.overview.dataset,
              t.overview.scored,
              t.measures.short.teacherForcing,
              t.measures.short.keepLastMisaligned,
              t.measures.short.autoregressive,
              t.overview.top1,
            ],
            m.views.map((v) => [
              v.checkpoint.label,
              v.dataset.label,
              `${v.scored.length}/${v.stored.results.length}`,
              fmtLoss(v.means.teacherForcing),
              fmtLoss(v.means.keepLastMisaligned),
              fmtLoss(v.means.autoregressive),
              fmtPct(v.means.teacherForcingTop1),
            ]),
            ['l', 'l', 'r', 'r', 'r', 'r', 'r'],
          ),
        )
      : null
  const d = m.diagnosis
  const verdicts: Verdict[] = [primaryData(m), primaryWeights(m), d.mode, d.kvCache, d.alignment, d.trainEval]
  const hyp = table(
    ['#', t.overview.hypothesis, t.overview.verdict, t.overview.figure, t.overview.threshold],
    verdicts.map((v, i) => {
      const f = ctx.vt.figure(v)
      return [String(i + 1), ctx.vt.hypothesis(v.hypothesis), ctx.vt.badge(v.status), f.figure, f.threshold]
    }),
  )
  return blocks(
    `## ${t.overview.heading}`,
    `### ${t.overview.answerHeading}`,
    answer(ctx),
    `### ${t.overview.keyNumbers}`,
    keyTable,
    keyNote,
    all,
    `### ${t.overview.hypotheses}`,
    t.overview.hypothesesIntro,
    hyp,
  )
}

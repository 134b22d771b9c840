/** Root cause and fix, the per-sample table and the final verification against the training loss. */
import { fmtLoss, fmtPct, fmtSignedLoss, fmtSignedPct } from '../../shared/diagnosis'
import { blocks, code, codeBlock, table } from './md'
import { chart, rightSlice, runName, trainingRun, verdictLine, baseName, type Ctx } from './context'

/** The root cause with the right slice and a before/after fix, or how to check one's own script. */
export function rootCause(ctx: Ctx): string {
  const { m, t } = ctx
  const p = m.primary
  const { L, P } = p
  const ex = m.diagnosis.explanation
  const fix = blocks(
    `**${t.fix.ifBefore}**:`,
    codeBlock('python', t.fix.before(L, P)),
    `**${t.fix.ifAfter}**:`,
    codeBlock('python', t.fix.after(L, P)),
  )
  const slice = t.fix.slice(code('logits[0, L-1 : L+P-1]'), code(rightSlice(L, P)), L, P)
  if (ex?.match && m.explainedBy === 'alignment') {
    const mt = ex.match
    const s = mt.rowShift!
    const keepLast = mt.measure === 'keepLastMisaligned'
    const before = keepLast ? t.fix.before(L, P) : t.fix.beforeShift(L, P, s)
    const others = ex.ranked.filter((c) => c.relative <= ex.tolerance && c.rowShift !== s)
    const name = runName(m)
    const caveat =
      others.length > 0
        ? `**${t.fix.caveat}**: ${t.fix.alternatives(
            others
              .slice(0, 3)
              .map((c) =>
                t.fix.alternative(
                  `${ctx.vt.candidate(c)}${name(c) && c.checkpointId !== p.checkpoint.id ? ` (${name(c)})` : ''}`,
                  fmtLoss(c.value),
                  fmtPct(c.relative, 2),
                ),
              )
              .join(t.sep),
          )}`
        : null
    return blocks(
      `## ${t.fix.heading}`,
      `**${t.fix.cause}**: ${t.fix.causeText(s, keepLast, L, P, fmtLoss(mt.value), fmtLoss(ex.reported))}`,
      caveat,
      `**${t.fix.rightSlice}**: ${slice}`,
      `**${t.fix.beforeLabel}**:`,
      codeBlock('python', before),
      `**${t.fix.afterLabel}**:`,
      codeBlock('python', t.fix.after(L, P)),
      `**${t.fix.principle}**:`,
      t.fix.principles(fmtLoss(p.means.keepLastAligned), fmtLoss(p.means.teacherForcing)),
    )
  }
  if (ex?.match && m.explainedBy === 'autoregressive') {
    return blocks(
      `## ${t.fix.heading}`,
      `**${t.fix.cause}**: ${verdictLine(ctx, m.diagnosis.mode)}`,
      `**${t.fix.comparable}**:`,
      codeBlock('python', t.fix.teacherForcingCode(L, P)),
    )
  }
  if (ex?.match && m.explainedBy === 'correct') {
    return blocks(
      `## ${t.fix.headingCheck}`,
      ctx.vt.explanation(ex, runName(m)),
      t.fix.alreadyRight,
      `**${t.fix.rightSlice}**: ${slice}`,
    )
  }
  return blocks(
    `## ${t.fix.headingCheck}`,
    ex ? ctx.vt.explanation(ex, runName(m)) : t.fix.noReported,
    t.fix.ifYourScript(
      fmtLoss(p.means.keepLastMisaligned),
      fmtLoss(p.means.autoregressive),
      fmtLoss(p.means.teacherForcing),
    ),
    `**${t.fix.rightSlice}**: ${slice}`,
    fix,
  )
}

/** Per-sample table (misaligned vs correct) and the final comparison with the training loss. */
export function verification(ctx: Ctx): string {
  const { m, t } = ctx
  const p = m.primary
  const rows = m.rows.map((r) => [
    String(r.sample),
    fmtLoss(r.misaligned),
    fmtLoss(r.correct),
    fmtPct(r.improvement),
  ])
  const mr = m.meanRow
  rows.push([
    `**${t.perSample.mean}**`,
    `**${fmtLoss(mr.misaligned)}**`,
    `**${fmtLoss(mr.correct)}**`,
    `**${fmtPct(mr.improvement)}**`,
  ])
  const skipped =
    p.skipped.length > 0
      ? t.perSample.skipped(
          p.skipped.length,
          p.skipped
            .slice(0, 5)
            .map((r) => `#${r.index + 1} (${r.skipped})`)
            .join('; '),
        )
      : null
  const te = m.diagnosis.trainEval
  const tr = trainingRun(m)
  const log = m.input.trainLog
  const finalLines: string[] = []
  if (te.trainLoss !== null && log)
    finalLines.push(
      `- **${t.final.trainLoss}**: ${t.final.trainLossValue(fmtLoss(te.trainLoss), Math.min(log.tail, log.steps), code(baseName(log.path)), log.format.startsWith('minimind') ? t.final.minimindCaveat : log.caveat)}`,
    )
  if (tr)
    finalLines.push(
      `- **${t.final.evalLoss}**: ${t.final.evalLossValue(fmtLoss(tr.means.teacherForcing), code(tr.dataset.label), tr.scored.length, code(tr.checkpoint.label))}`,
    )
  if (te.difference !== null)
    finalLines.push(
      `- **${t.final.difference}**: ${t.final.differenceValue(fmtSignedLoss(te.difference), fmtSignedPct(te.relative), ctx.vt.badge(te.status), ctx.vt.figure(te).threshold)}`,
    )
  const rep = m.experiment.reportedLoss
  if (rep !== undefined && tr?.means.teacherForcing !== undefined) {
    finalLines.push(
      `- **${t.final.fromReported}**: ${t.final.fromReportedValue(fmtLoss(rep), fmtLoss(tr.means.teacherForcing), fmtPct((rep - tr.means.teacherForcing) / rep))}`,
    )
  }
  for (const v of m.views) {
    if (
      v.checkpoint.id !== p.checkpoint.id ||
      v === tr ||
      v.means.teacherForcing === undefined ||
      te.trainLoss === null
    )
      continue
    finalLines.push(
      `- ${t.final.otherDataset(code(v.dataset.label), fmtLoss(v.means.teacherForcing), fmtSignedPct((v.means.teacherForcing - te.trainLoss) / te.trainLoss), v.dataset.fromTraining === false || m.diagnosis.data.find((d) => d.datasetId === v.dataset.id)?.reason === 'heldOut')}`,
    )
  }
  return blocks(
    `## ${t.perSample.heading}`,
    `### ${t.perSample.title}`,
    t.perSample.intro(code('logits_to_keep=P'), code(rightSlice(p.L, p.P))),
    chart(ctx, 'per-sample'),
    table([t.perSample.sample, t.perSample.misaligned, t.perSample.correct, t.perSample.improvement], rows, [
      'r',
      'r',
      'r',
      'r',
    ]),
    skipped,
    `### ${t.final.title}`,
    finalLines.length > 0 ? finalLines.join('\n') : null,
    verdictLine(ctx, te),
    chart(ctx, 'training-curve'),
  )
}

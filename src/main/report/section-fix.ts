/** Root cause and fix: the right slice with L and P filled in, before and after, or how to check one's script. */
import { fmtLoss, fmtPct } from '../../shared/diagnosis'
import { blocks, code, codeBlock } from './gfm'
import { runName, runOfIds, sliceOf, verdictLine, type ReportContext } from './render-context'

export function rootCause(ctx: ReportContext): string {
  const { model, words } = ctx
  const w = words.fix
  const run = model.explainedRun ?? model.primary
  const { L, P } = run
  const ex = model.diagnosis.explanation
  const slice = w.slice(code('logits[0, L-1 : L+P-1]'), code(sliceOf(L, P)), L, P)
  const name = (c: { checkpointId?: string; datasetId?: string }): string | null => {
    const r = runOfIds(ctx, c)
    return r ? runName(ctx, r) : null
  }
  // The model itself is broken (its rows are out of step, or its logits_to_keep path differs): that is
  // the root cause whatever a script does, and the "right slice" of a healthy model would be wrong here.
  const broken = run.verdicts.alignment
  if (broken.reason === 'rowsShifted' || broken.reason === 'keepLastDiffers') {
    return blocks(
      `## ${w.heading}`,
      `**${w.cause}**${words.paren(runName(ctx, run))}${words.colon}${verdictLine(ctx, broken)}`,
    )
  }
  // An SFT run: the loss is masked over assistant tokens, not sliced from a continuation window; what
  // a script gets wrong there is the mask (one position late), so the fix is the mask's.
  if (run.sft) {
    const sft = run.means.sft
    return blocks(
      `## ${w.headingCheck}`,
      ex ? ctx.verdictWords.explanation(ex, name) : w.noReported,
      sft === undefined
        ? null
        : w.sftIfYourScript(runName(ctx, run), fmtLoss(sft), fmtLoss(run.means.sftShiftedMask)),
      w.sftRightMask,
      `**${w.ifBefore}**${words.colon.trimEnd()}`,
      codeBlock('python', w.sftBefore),
      `**${w.ifAfter}**${words.colon.trimEnd()}`,
      codeBlock('python', w.sftAfter),
    )
  }
  if (ex?.match && model.explainedBy === 'alignment') {
    const match = ex.match
    const s = match.rowShift!
    const keepLast = match.measure === 'keepLastMisaligned'
    const before = keepLast ? w.before(L, P) : w.beforeShift(L, P, s)
    const others = ex.ranked.filter((c) => c.relative <= ex.tolerance && c.rowShift !== s)
    const caveat =
      others.length > 0
        ? `**${w.caveat}**${words.colon}${w.alternatives(
            others
              .slice(0, 3)
              .map((c) =>
                w.alternative(
                  `${ctx.verdictWords.candidate(c)}, ${name(c) ?? ''}`,
                  fmtLoss(c.value),
                  fmtPct(c.relative, 2),
                ),
              )
              .join(words.sep),
          )}`
        : null
    return blocks(
      `## ${w.heading}`,
      `**${w.cause}**${words.paren(runName(ctx, run))}${words.colon}${w.causeText(s, keepLast, L, P, fmtLoss(match.value), fmtLoss(ex.reported))}`,
      caveat,
      `**${w.rightSlice}**${words.colon}${slice}`,
      `**${w.beforeLabel}**${words.colon.trimEnd()}`,
      codeBlock('python', before),
      `**${w.afterLabel}**${words.colon.trimEnd()}`,
      codeBlock('python', w.after(L, P)),
      `**${w.principle}**${words.colon.trimEnd()}`,
      w.principles(fmtLoss(run.means.keepLastAligned), fmtLoss(run.means.teacherForcing)),
    )
  }
  if (ex?.match && model.explainedBy === 'autoregressive') {
    return blocks(
      `## ${w.heading}`,
      `**${w.cause}**${words.paren(runName(ctx, run))}${words.colon}${verdictLine(ctx, run.verdicts.mode)}`,
      `**${w.comparable}**${words.colon.trimEnd()}`,
      codeBlock('python', w.teacherForcingCode(L, P)),
    )
  }
  if (ex?.match && model.explainedBy === 'correct') {
    return blocks(
      `## ${w.headingCheck}`,
      ctx.verdictWords.explanation(ex, name),
      w.alreadyRight,
      `**${w.rightSlice}**${words.colon}${slice}`,
    )
  }
  return blocks(
    `## ${w.headingCheck}`,
    ex ? ctx.verdictWords.explanation(ex, name) : w.noReported,
    // A run without the continuation measures (an SFT-only run) has none of the three numbers: a
    // sentence of dashes says nothing.
    run.means.teacherForcing === null || run.means.teacherForcing === undefined
      ? null
      : w.ifYourScript(
          runName(ctx, run),
          fmtLoss(run.means.keepLastMisaligned),
          fmtLoss(run.means.autoregressive),
          fmtLoss(run.means.teacherForcing),
        ),
    `**${w.rightSlice}**${words.colon}${slice}`,
    `**${w.ifBefore}**${words.colon.trimEnd()}`,
    codeBlock('python', w.before(L, P)),
    `**${w.ifAfter}**${words.colon.trimEnd()}`,
    codeBlock('python', w.after(L, P)),
  )
}

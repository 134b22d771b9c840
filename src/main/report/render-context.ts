/** What every report section shares: the model, the wording, the charts, and small helpers. */
import { badgeOfVerdict, fmtLoss, type Verdict, type VerdictText } from '../../shared/diagnosis'
import type { Lang, ReportChart } from '../../shared/ipc'
import type { ReportModel, RunView } from './report-model'
import { code, image } from './gfm'
import type { ReportStrings } from './strings'

export interface ReportContext {
  model: ReportModel
  /** The report's own wording in its language. */
  words: ReportStrings
  /** The shared verdict sentences, badges and figures in its language. */
  verdictWords: VerdictText
  lang: Lang
  /** Every chart rendered, by key (see chartKey). */
  charts: Map<string, ReportChart>
}

/** The key of a chart: its kind, and the dataset it is about when it is about one. */
export function chartKey(kind: string, datasetId?: string): string {
  return datasetId === undefined ? kind : `${kind}:${datasetId}`
}

/** The markdown image of a chart, or null when there was no data for it. */
export function chartImage(ctx: ReportContext, kind: string, datasetId?: string): string | null {
  const c = ctx.charts.get(chartKey(kind, datasetId))
  return c ? image(c.title, c.file) : null
}

/** "✅ pass: 20/20 found (threshold: all samples). Sentence." */
export function verdictLine(ctx: ReportContext, v: Verdict): string {
  const { figure, threshold } = ctx.verdictWords.figure(v)
  const shown = v.status === 'notMeasured' && v.figure === null ? null : figure
  return ctx.words.verdictLine(badgeOf(ctx, v), shown, threshold, ctx.verdictWords.verdict(v))
}

/** The right slice with L and P filled in, shifted by `offset` rows: logits[0, 99:129]. */
export function sliceOf(L: number, P: number, offset = 0): string {
  return `logits[0, ${L - 1 + offset}:${L + P - 1 + offset}]`
}

/** The step to show beside a checkpoint's label: none when unknown or when the label already says it. */
function shownStep(run: RunView): number | null {
  return run.step !== null && !new RegExp(`\\b${run.step}\\b`).test(run.checkpoint.label) ? run.step : null
}

/** "final (step 836)". */
export function checkpointName(ctx: ReportContext, run: RunView): string {
  return ctx.words.atStep(run.checkpoint.label, shownStep(run))
}

/** "`eval.json` (final, step 836)": a dataset with the checkpoint its numbers are from. */
export function runName(ctx: ReportContext, run: RunView): string {
  return ctx.words.onRun(code(run.dataset.label), run.checkpoint.label, shownStep(run))
}

/** The same without code spans, for chart titles and headings. */
export function runTitle(ctx: ReportContext, run: RunView): string {
  return ctx.words.onRun(run.dataset.label, run.checkpoint.label, shownStep(run))
}

/**
 * A verdict's badge with what its status means where the word alone would mislead:
 * "🔵 expected (exposure bias)", "🔵 expected (generalisation gap)".
 */
export function badgeOf(ctx: ReportContext, v: Verdict): string {
  const badge = badgeOfVerdict(ctx.verdictWords, v)
  const note =
    v.hypothesis === 'mode' && v.reason === 'expected'
      ? 'exposureBias'
      : v.hypothesis === 'trainEval' && v.reason === 'generalisation'
        ? 'generalisation'
        : v.hypothesis === 'trainEval' && v.reason === 'below'
          ? 'trainedOn'
          : v.hypothesis === 'trainEval' && v.reason === 'noStep'
            ? 'noStep'
            : v.hypothesis === 'data' && v.reason === 'confirmedHeldOut'
              ? 'heldOut'
              : null
  return note ? `${badge}${ctx.words.paren(ctx.words.statusNote(note))}` : badge
}

/** The run a candidate of "explain my number" was measured on. */
export function runOfIds(
  ctx: ReportContext,
  ids: { checkpointId?: string; datasetId?: string },
): RunView | null {
  return (
    ctx.model.runs.find((r) => r.checkpoint.id === ids.checkpointId && r.dataset.id === ids.datasetId) ?? null
  )
}

/** x / base as "3.98×", the base named by the column. */
export function timesOf(x: number | null | undefined, base: number | null | undefined): string {
  if (x === null || x === undefined || !base || !Number.isFinite(x / base)) return '—'
  return `${(x / base).toFixed(2)}×`
}

/** A loss with its standard error: "2.300 ± 0.081". */
export function lossPm(x: number | null | undefined, stderr: number | null | undefined): string {
  const v = fmtLoss(x)
  return v === '—' || stderr === null || stderr === undefined || !Number.isFinite(stderr)
    ? v
    : `${v} ± ${stderr.toFixed(3)}`
}

/** The last segment of a path, for either separator. */
export function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path
}

/** Pads to a display width in a monospace block, counting CJK characters as two columns. */
export function padDisplay(text: string, width: number): string {
  let w = 0
  for (const ch of text)
    w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(
      ch,
    )
      ? 2
      : 1
  return text + ' '.repeat(Math.max(0, width - w))
}

/** What every report section shares: the model, the wording, the charts, and small helpers. */
import {
  fmtLoss,
  fmtPct,
  fmtSignedPct,
  type Verdict,
  type DataVerdict,
  type WeightsVerdict,
  type VerdictText,
} from '../../shared/diagnosis'
import type { Lang, ReportChart } from '../../shared/ipc'
import type { ReportModel, RunView } from './analysis'
import type { ChartName } from './charts'
import { code, image } from './md'
import type { ReportStrings } from './strings'

export interface Ctx {
  m: ReportModel
  t: ReportStrings
  vt: VerdictText
  lang: Lang
  charts: Record<ChartName, ReportChart | null>
}

/** The markdown image of a chart, or null when the model had no data for it. */
export function chart(ctx: Ctx, name: ChartName): string | null {
  const c = ctx.charts[name]
  return c ? image(c.title, c.file) : null
}

/** "✅ pass — 20/20 found (threshold: all samples). Sentence." */
export function verdictLine(ctx: Ctx, v: Verdict): string {
  const { figure, threshold } = ctx.vt.figure(v)
  const shown = v.status === 'notMeasured' && v.figure === null ? null : figure
  return ctx.t.verdictLine(ctx.vt.badge(v.status), shown, threshold, ctx.vt.verdict(v))
}

/** The right slice with L and P filled in: logits[0, 99:129]. */
export function rightSlice(L: number, P: number): string {
  return `logits[0, ${L - 1}:${L + P - 1}]`
}

/** The run the train-vs-eval comparison is about (the primary checkpoint on training-drawn samples). */
export function trainingRun(m: ReportModel): RunView | null {
  const d = m.diagnosis.trainingDataset
  if (!d) return null
  return m.views.find((v) => v.checkpoint.id === m.primary.checkpoint.id && v.dataset.id === d.id) ?? null
}

/** The answer in two or three sentences: used by the overview and the conclusion. */
export function answer(ctx: Ctx): string {
  const { m, t } = ctx
  const p = m.primary
  const ex = m.diagnosis.explanation
  const te = m.diagnosis.trainEval
  const tr = trainingRun(m) ?? p
  const vsTrain =
    te.status === 'notMeasured' || te.relative === null
      ? ''
      : t.answer.vsTrain(fmtLoss(te.trainLoss), te.relative, te.status === 'pass', fmtPct(te.threshold, 0))
  const slice = code(rightSlice(p.L, p.P))
  const tf = fmtLoss(tr.means.teacherForcing)
  const base = t.answer.measured(
    tf,
    vsTrain,
    te.status,
    fmtLoss(p.means.keepLastMisaligned),
    fmtSignedPct(relTo(p.means.keepLastMisaligned, p.means.teacherForcing)),
    fmtLoss(p.means.autoregressive),
  )
  const elsewhere =
    ex?.match && (ex.match.checkpointId !== p.checkpoint.id || ex.match.datasetId !== p.dataset.id)
  // A number reproduced on another checkpoint or dataset: say where, then what this run shows.
  if (ex?.match && elsewhere) {
    const where = runName(m)(ex.match) ?? ''
    const here = `${p.checkpoint.label} / ${p.dataset.label}`
    return `${ctx.vt.explanation(ex, runName(m))} ${t.answer.elsewhere(where, here)} ${base}`
  }
  if (ex?.match && m.explainedBy === 'alignment') {
    const mt = ex.match
    return t.answer.alignment(
      fmtLoss(ex.reported),
      mt.rowShift!,
      mt.measure === 'keepLastMisaligned',
      fmtLoss(mt.value),
      fmtPct(mt.relative, 2),
      slice,
      tf,
      vsTrain,
    )
  }
  if (ex?.match && m.explainedBy === 'autoregressive') {
    return t.answer.autoregressive(fmtLoss(ex.reported), fmtLoss(ex.match.value), tf, vsTrain)
  }
  if (ex?.match && m.explainedBy === 'correct') return t.answer.correct(fmtLoss(ex.reported), tf, vsTrain)
  return ex ? `${t.answer.noMatch(fmtLoss(ex.reported))} ${base}` : base
}

/** (x - ref) / ref, or null when either is missing. */
export function relTo(x: number | undefined, ref: number | undefined): number | null {
  return x !== undefined && ref !== undefined && ref !== 0 ? (x - ref) / ref : null
}

/** The data verdict of the dataset the report is about. */
export function primaryData(m: ReportModel): DataVerdict {
  return m.diagnosis.data.find((v) => v.datasetId === m.primary.dataset.id) ?? m.diagnosis.data[0]!
}

/** The weights verdict of the checkpoint the report is about. */
export function primaryWeights(m: ReportModel): WeightsVerdict {
  return (
    m.diagnosis.weights.find((v) => v.checkpointId === m.primary.checkpoint.id) ?? m.diagnosis.weights[0]!
  )
}

/** Names a candidate's run ("final / eval.json") when the report has several runs; null otherwise. */
export function runName(m: ReportModel): (c: { checkpointId?: string; datasetId?: string }) => string | null {
  return (c) => {
    if (m.views.length <= 1) return null
    const ck = m.experiment.checkpoints.find((x) => x.id === c.checkpointId)?.label ?? c.checkpointId
    const ds = m.experiment.datasets.find((x) => x.id === c.datasetId)?.label ?? c.datasetId
    return `${ck} / ${ds}`
  }
}

/** The last segment of a path, for either separator. */
export function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path
}

/** The dataset or checkpoint a per-dataset / per-checkpoint verdict is about. */
export function labelOf(m: ReportModel, v: Verdict): string | null {
  if (v.hypothesis === 'data') return m.experiment.datasets.find((x) => x.id === v.datasetId)?.label ?? null
  if (v.hypothesis === 'weights')
    return m.experiment.checkpoints.find((x) => x.id === v.checkpointId)?.label ?? null
  return null
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

/** How many logged points the training loss averages (fewer when the log is shorter than the tail). */
export function tailOf(m: ReportModel): number {
  const log = m.input.trainLog
  return log ? Math.min(log.tail, log.steps) : 0
}

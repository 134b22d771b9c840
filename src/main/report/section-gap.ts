/**
 * Issue 13's measures in the report, per dataset headline run and only where the run has them:
 * training-format loss (with the BOS/EOS convention and max_seq_len it was scored with), whole samples
 * in rolling windows, bits per byte (continuation and whole sample), BOS both ways (both numbers, the
 * experiment's convention named), loss by position (chart with max_seq_len marked), and for SFT
 * datasets an SFT phase: MiniMind's SFT loss against the shifted-mask loss, and which one the user's
 * number is, by its distance in standard errors.
 */
import { fmtLoss, fmtPm, fmtSignedLoss, meanPerPosition, THRESHOLDS } from '../../shared/diagnosis'
import type { EChartsOption } from 'echarts'
import { positionLossChart, positionsOf } from '../../shared/charts/position-loss'
import type { Lang, ReportChart } from '../../shared/ipc'
import { statedBos, type SampleResult } from '../../shared/results'
import { rollingWindow } from '../../shared/measures'
import { estimate, pairedDifference } from '../../shared/stats'
import { blocks, table } from './gfm'
import type { DatasetView, ReportModel, RunView } from './report-model'
import { chartImage, runTitle, type ReportContext } from './render-context'
import { reportChartContext, reportChartRun } from './charts'
import { reportSvg, waterfallOf } from './section-waterfall'

type Whole = NonNullable<SampleResult['trainFormat']>

/** Σ loss × tokens / Σ tokens (the mean over every scored token). */
function tokenWeighted(items: readonly { loss: number; tokens: number }[]): number | null {
  const tokens = items.reduce((s, x) => s + x.tokens, 0)
  return tokens > 0 ? items.reduce((s, x) => s + x.loss * x.tokens, 0) / tokens : null
}

/** lm-evaluation-harness's bits_per_byte over a set: Σ -log-likelihood / (ln 2 × Σ bytes). */
export function setBitsPerByte(
  items: readonly { loss: number; tokens: number; bytes: number }[],
): number | null {
  const bytes = items.reduce((s, x) => s + x.bytes, 0)
  return bytes > 0 ? items.reduce((s, x) => s + x.loss * x.tokens, 0) / (Math.LN2 * bytes) : null
}

/** Bits per byte and per-byte perplexity with four decimals (they are not losses in nats). */
const fmt4 = (x: number | null): string => (x === null || !Number.isFinite(x) ? '—' : x.toFixed(4))

/** The BOS convention a run scored with: its summary's word, its setting, else what its scores show. */
export function conventionOf(ctx: ReportContext, run: RunView): 'yes' | 'no' | null {
  const stated = statedBos(run.stored.summary, run.stored.run.settings)
  if (stated) return stated
  const d = ctx.model.datasets.find((x) => x.headline === run)
  return (d && waterfallOf(ctx.model, d)?.bosUsed) ?? null
}

function conventionText(ctx: ReportContext, c: 'yes' | 'no' | null): string {
  const g = ctx.words.gap
  return c === 'yes' ? g.conventionWithBos : c === 'no' ? g.conventionWithoutBos : g.conventionUnknown
}

function maxSeqLenText(ctx: ReportContext, run: RunView): string {
  const n = run.stored.run.settings.maxSeqLen
  return n === undefined ? ctx.words.gap.maxSeqLenUnknown : String(n)
}

const wholes = (run: RunView, pick: (r: SampleResult) => Whole | undefined): Whole[] =>
  run.scored.map(pick).filter((x): x is Whole => x !== undefined)

/**
 * The loss-by-position chart of a dataset's headline run alone, when it has trainFormat: the window's
 * chart of that run (its PositionLossPanel with no other run picked), from the same builder.
 */
export function positionChartOption(model: ReportModel, d: DatasetView, lang: Lang): EChartsOption | null {
  const ctx = reportChartContext(lang)
  const run = positionsOf(reportChartRun(model, d.headline, ctx))
  return run.means.length > 0 ? positionLossChart([run], ctx) : null
}

/** The loss-by-position chart of every dataset's headline run that has trainFormat. */
export function gapCharts(model: ReportModel, lang: Lang): Map<string, ReportChart> {
  const out = new Map<string, ReportChart>()
  for (const d of model.datasets) {
    const option = positionChartOption(model, d, lang)
    if (!option) continue
    const title = (option.title as { text: string }).text
    const [key, chart] = reportSvg(model, 'position-loss', d.dataset.id, title, option)
    out.set(key, chart)
  }
  return out
}

/**
 * Whether every dataset this section speaks of is an SFT one: the section is then about MiniMind's SFT
 * loss alone, and is named and introduced in its terms (training format, positions, bytes and BOS are
 * pretraining measures an SFT run does not make).
 */
function sftOnly(ctx: ReportContext): boolean {
  const runs = ctx.model.datasets.map((d) => d.headline)
  return runs.length > 0 && runs.every((r) => r.sft)
}

/** The section's heading, as other sections name it too. */
export function gapSectionHeading(ctx: ReportContext): string {
  return sftOnly(ctx) ? ctx.words.gap.sftSectionHeading : ctx.words.gap.sectionHeading
}

/** The whole section; null when no headline run has any of these measures. */
export function gapSection(ctx: ReportContext): string | null {
  const parts = ctx.model.datasets.map((d) => datasetBlock(ctx, d)).filter((x): x is string => x !== null)
  if (parts.length === 0) return null
  const g = ctx.words.gap
  return blocks(`## ${gapSectionHeading(ctx)}`, sftOnly(ctx) ? g.sftSectionIntro : g.sectionIntro, ...parts)
}

function datasetBlock(ctx: ReportContext, d: DatasetView): string | null {
  const run = d.headline
  const body = [
    trainFormatBlock(ctx, run),
    rollingBlock(ctx, run),
    bpbBlock(ctx, run),
    bosBlock(ctx, run),
    positionBlock(ctx, d),
    sftBlock(ctx, run),
  ].filter((x): x is string => x !== null)
  return body.length > 0 ? blocks(`### ${ctx.words.onDataset(runTitle(ctx, run))}`, ...body) : null
}

function wholeRow(name: string, items: Whole[]): string[] {
  const e = estimate(items.map((x) => x.loss))!
  return [
    name,
    `${fmtLoss(e.mean)}${fmtPm(e.stderr)}`,
    fmtLoss(tokenWeighted(items)),
    String(items.reduce((s, x) => s + x.tokens, 0)),
    fmt4(setBitsPerByte(items)),
    String(items.length),
  ]
}

function wholeTable(ctx: ReportContext, rows: string[][]): string {
  const g = ctx.words.gap
  return table([g.quantity, g.value, g.tokenWeighted, g.tokens, g.bitsPerByte, g.samples], rows, [
    'l',
    'r',
    'r',
    'r',
    'r',
    'r',
  ])
}

function trainFormatBlock(ctx: ReportContext, run: RunView): string | null {
  const items = wholes(run, (r) => r.trainFormat)
  if (items.length === 0) return null
  const g = ctx.words.gap
  const cut = run.scored.filter((r) => r.trainFormat?.truncated).length
  const rows = [wholeRow(g.trainFormat, items)]
  const tf = run.scored.flatMap((r) => (r.teacherForcing ? [r.teacherForcing] : []))
  if (tf.length > 0) {
    const e = estimate(tf.map((x) => x.loss))!
    const withBytes = tf.flatMap((x) =>
      x.bytes === undefined ? [] : [{ loss: x.loss, tokens: x.tokenLosses.length, bytes: x.bytes }],
    )
    rows.push([
      g.teacherForcing,
      `${fmtLoss(e.mean)}${fmtPm(e.stderr)}`,
      '—',
      String(tf.reduce((s, x) => s + x.tokenLosses.length, 0)),
      withBytes.length === tf.length ? fmt4(setBitsPerByte(withBytes)) : '—',
      String(tf.length),
    ])
  }
  return blocks(
    `#### ${g.trainFormatHeading}`,
    `**${ctx.words.phase.method}**${ctx.words.colon}${g.trainFormatMethod(conventionText(ctx, conventionOf(ctx, run)), maxSeqLenText(ctx, run))}`,
    wholeTable(ctx, rows),
    cut > 0 ? g.truncated(cut, items.length) : null,
  )
}

function rollingBlock(ctx: ReportContext, run: RunView): string | null {
  const items = wholes(run, (r) => r.rolling)
  if (items.length === 0) return null
  const g = ctx.words.gap
  const windows = items.reduce((s, x) => s + (x.windows ?? 0), 0)
  // The window length the engine used for this run, named so the number can be reproduced.
  const w = rollingWindow(run.stored.run.settings)
  return blocks(
    `#### ${g.rollingHeading}`,
    `**${ctx.words.phase.method}**${ctx.words.colon}${g.rollingMethod(w.tokens, w.recorded)}`,
    wholeTable(ctx, [wholeRow(g.rolling, items)]),
    windows > 0 ? g.windows(windows) : null,
  )
}

function bpbBlock(ctx: ReportContext, run: RunView): string | null {
  const g = ctx.words.gap
  const rows: string[][] = []
  const tf = run.scored.flatMap((r) =>
    r.teacherForcing?.bytes !== undefined
      ? [
          {
            loss: r.teacherForcing.loss,
            tokens: r.teacherForcing.tokenLosses.length,
            bytes: r.teacherForcing.bytes,
          },
        ]
      : [],
  )
  const add = (name: string, items: { loss: number; tokens: number; bytes: number }[]): void => {
    const bpb = setBitsPerByte(items)
    if (items.length === 0 || bpb === null) return
    rows.push([
      name,
      fmt4(bpb),
      fmt4(2 ** bpb),
      String(items.reduce((s, x) => s + x.bytes, 0)),
      String(items.length),
    ])
  }
  add(g.teacherForcing, tf)
  add(
    g.trainFormat,
    wholes(run, (r) => r.trainFormat),
  )
  add(
    g.rolling,
    wholes(run, (r) => r.rolling),
  )
  if (rows.length === 0) return null
  return blocks(
    `#### ${g.bpbHeading}`,
    `**${ctx.words.phase.method}**${ctx.words.colon}${g.bpbMethod}`,
    table([g.scope, g.bitsPerByte, g.perplexity, g.utf8Bytes, g.samples], rows, ['l', 'r', 'r', 'r', 'r']),
  )
}

function bosBlock(ctx: ReportContext, run: RunView): string | null {
  const both = run.scored.filter((r) => r.bosBoth)
  if (both.length === 0) return null
  const g = ctx.words.gap
  const key = (r: SampleResult): string => `${r.index}:${r.id}`
  const withBos = new Map(both.map((r) => [key(r), r.bosBoth!.withBos]))
  const withoutBos = new Map(both.map((r) => [key(r), r.bosBoth!.withoutBos]))
  const a = estimate([...withBos.values()])!
  const b = estimate([...withoutBos.values()])!
  const diff = pairedDifference(withBos, withoutBos)!
  const used = conventionOf(ctx, run)
  const beyond = diff.stderr !== null && Math.abs(diff.mean) > THRESHOLDS.noiseStderrs * diff.stderr
  const verdict = beyond
    ? g.bosVerdict(diff.mean < 0 ? g.withoutBos : g.withBos, fmtLoss(Math.abs(diff.mean)))
    : g.bosVerdictNoise(fmtLoss(Math.abs(diff.mean)))
  return blocks(
    `#### ${g.bosHeading}`,
    `**${ctx.words.phase.method}**${ctx.words.colon}${g.bosMethod}`,
    table(
      [g.quantity, g.value, g.samples],
      [
        [g.withBos, `${fmtLoss(a.mean)}${fmtPm(a.stderr)}`, String(a.n)],
        [g.withoutBos, `${fmtLoss(b.mean)}${fmtPm(b.stderr)}`, String(b.n)],
        [g.difference, `${fmtSignedLoss(diff.mean)}${fmtPm(diff.stderr)}`, String(diff.n)],
      ],
      ['l', 'r', 'r'],
    ),
    used ? g.bosUsed(used === 'yes' ? g.withBos : g.withoutBos) : g.bosUsedUnknown,
    `**${ctx.words.phase.verdict}**${ctx.words.colon}${verdict}`,
  )
}

function positionBlock(ctx: ReportContext, d: DatasetView): string | null {
  const run = d.headline
  const items = wholes(run, (r) => r.trainFormat)
  if (items.length === 0) return null
  const g = ctx.words.gap
  const means = meanPerPosition(items.map((x) => x.positionLosses))
  if (means.length === 0) return null
  return blocks(
    `#### ${g.positionHeading}`,
    `**${ctx.words.phase.method}**${ctx.words.colon}${g.positionMethod(maxSeqLenText(ctx, run))}`,
    chartImage(ctx, 'position-loss', d.dataset.id),
    g.positionSummary(fmtLoss(means[0]), fmtLoss(means[means.length - 1]), means.length),
  )
}

function sftBlock(ctx: ReportContext, run: RunView): string | null {
  const items = run.scored.flatMap((r) => (r.sft ? [r.sft] : []))
  if (items.length === 0) return null
  const g = ctx.words.gap
  const sft = estimate(items.map((x) => x.loss))!
  const shifted = estimate(items.map((x) => x.shiftedMaskLoss))!
  const rows = [
    [
      g.sftLoss,
      `${fmtLoss(sft.mean)}${fmtPm(sft.stderr)}`,
      fmtLoss(tokenWeighted(items)),
      String(items.reduce((s, x) => s + x.tokens, 0)),
      String(sft.n),
    ],
    [g.sftShifted, `${fmtLoss(shifted.mean)}${fmtPm(shifted.stderr)}`, '—', '—', String(shifted.n)],
  ]
  const ar = estimate(run.scored.flatMap((r) => (r.sftAutoregressive ? [r.sftAutoregressive.loss] : [])))
  if (ar) rows.push([g.sftAutoregressive, `${fmtLoss(ar.mean)}${fmtPm(ar.stderr)}`, '—', '—', String(ar.n)])
  const reported = ctx.model.experiment.reportedLoss
  let verdict = g.sftNoReported
  if (reported !== undefined && sft.stderr && shifted.stderr) {
    const a = Math.abs(reported - sft.mean) / sft.stderr
    const b = Math.abs(reported - shifted.mean) / shifted.stderr
    // When the number sits within noise of both and the two losses themselves differ by no more than
    // noise (paired), naming the nearer one would be a coin toss presented as a finding.
    const diff = estimate(items.map((x) => x.loss - x.shiftedMaskLoss))
    const apart =
      diff !== null && diff.stderr !== null && Math.abs(diff.mean) > THRESHOLDS.noiseStderrs * diff.stderr
    const which =
      Math.min(a, b) > THRESHOLDS.noiseStderrs
        ? g.sftWhichNeither
        : Math.max(a, b) <= THRESHOLDS.noiseStderrs && !apart && diff !== null
          ? g.sftWhichEither(`${fmtLoss(Math.abs(diff.mean))}${fmtPm(diff.stderr)}`)
          : a <= b
            ? g.sftWhichCorrect
            : g.sftWhichShifted
    verdict = g.sftReported(fmtLoss(reported), a.toFixed(1), b.toFixed(1), which)
  }
  return blocks(
    `#### ${g.sftHeading}`,
    `**${ctx.words.phase.method}**${ctx.words.colon}${g.sftMethod}`,
    `**${ctx.words.phase.result}**${ctx.words.colon.trimEnd()}`,
    table([g.quantity, g.value, g.tokenWeighted, g.tokens, g.samples], rows, ['l', 'r', 'r', 'r', 'r']),
    `**${ctx.words.phase.verdict}**${ctx.words.colon}${verdict}`,
  )
}

/** Checkpoint comparison, conclusion and provenance. */
import { fmtLoss, fmtPct, fmtSignedLoss, fmtSignedPct, type Verdict } from '../../shared/diagnosis'
import { blocks, code, table } from './md'
import { answer, chart, verdictLine, labelOf, type Ctx } from './context'

/** Checkpoints side by side on each dataset; null with a single checkpoint. */
export function comparison(ctx: Ctx): string | null {
  const { m, t } = ctx
  if (m.comparisons.length === 0) return null
  const parts: (string | null)[] = [`## ${t.compare.heading}`, t.compare.intro]
  for (const pair of m.comparisons) {
    const a = pair.base
    const b = pair.other
    const line = (name: string, x: number | undefined, y: number | undefined, pct = false): string[] => [
      name,
      pct ? fmtPct(x) : fmtLoss(x),
      pct ? fmtPct(y) : fmtLoss(y),
      x !== undefined && y !== undefined
        ? pct
          ? t.compare.points(fmtSignedPct(y - x).slice(0, -1))
          : fmtSignedLoss(y - x)
        : '—',
    ]
    const rows = [
      line(t.measures.short.teacherForcing, a.means.teacherForcing, b.means.teacherForcing),
      line(t.measures.short.keepLastMisaligned, a.means.keepLastMisaligned, b.means.keepLastMisaligned),
      line(t.measures.short.autoregressive, a.means.autoregressive, b.means.autoregressive),
      line(t.overview.top1, a.means.teacherForcingTop1, b.means.teacherForcingTop1, true),
    ].filter((r) => r[1] !== '—' || r[2] !== '—')
    parts.push(`### ${t.compare.pairTitle(a.checkpoint.label, b.checkpoint.label, pair.dataset.label)}`)
    const [tfA, tfB, misA, misB] = [
      a.means.teacherForcing,
      b.means.teacherForcing,
      a.means.keepLastMisaligned,
      b.means.keepLastMisaligned,
    ]
    // A better model scores worse on the one-off slice: it predicts the next token, not the current one.
    const diverging =
      tfA !== undefined &&
      tfB !== undefined &&
      misA !== undefined &&
      misB !== undefined &&
      tfB < tfA &&
      misB > misA
        ? t.compare.diverging(b.checkpoint.label, fmtLoss(tfA), fmtLoss(tfB), fmtLoss(misA), fmtLoss(misB))
        : null
    parts.push(
      table(
        [
          t.compare.measure,
          a.checkpoint.label,
          b.checkpoint.label,
          `${b.checkpoint.label} − ${a.checkpoint.label}`,
        ],
        rows,
        ['l', 'r', 'r', 'r'],
      ),
    )
    if (diverging) parts.push(diverging)
    if (pair.n > 0) {
      const sorted = [...pair.deltas].sort((x, y) => x.delta - y.delta)
      const gain = sorted[0]!
      const loss = sorted[sorted.length - 1]!
      parts.push(
        t.compare.deltas(
          pair.n,
          fmtSignedLoss(pair.meanDelta),
          fmtSignedLoss(pair.medianDelta),
          pair.better,
          pair.worse,
          b.checkpoint.label,
          `#${gain.sample} (${fmtSignedLoss(gain.delta)})`,
          `#${loss.sample} (${fmtSignedLoss(loss.delta)})`,
        ),
      )
    }
    if (pair.token) {
      const k = pair.token
      parts.push(
        t.compare.tokenIntro(k.baseLabel, k.otherLabel),
        table(
          [
            t.compare.meanKld,
            t.compare.medianKld,
            'p99',
            t.compare.maxKld,
            t.compare.sameTop1,
            t.compare.rmsDp,
            t.compare.tokens,
          ],
          [
            [
              k.meanKld.toFixed(4),
              k.medianKld.toFixed(4),
              k.p99Kld.toFixed(4),
              k.maxKld.toFixed(4),
              fmtPct(k.sameTop1, 2),
              fmtPct(k.rmsDeltaP, 2),
              `${k.tokens} (${k.samples})`,
            ],
          ],
          ['r', 'r', 'r', 'r', 'r', 'r', 'r'],
        ),
      )
    }
  }
  parts.push(chart(ctx, 'checkpoint-scatter'))
  return blocks(...parts)
}

/** Answer, causes found, ruled out, expected, not measured, final state. */
export function conclusion(ctx: Ctx): string {
  const { m, t } = ctx
  const d = m.diagnosis
  const all: Verdict[] = [...d.data, ...d.weights, d.kvCache, d.alignment]
  const short = (v: Verdict): string => {
    const l = labelOf(m, v)
    return t.conclusion.item(
      `${t.conclusion.name(v.hypothesis)}${l ? ` (${l})` : ''}`,
      ctx.vt.figure(v).figure,
    )
  }
  const passed = all.filter(
    (v) => v.status === 'pass' && !(v.hypothesis === 'data' && v.reason === 'heldOut'),
  )
  const failed = all.filter(
    (v) => v.status === 'fail' && !(v.hypothesis === 'data' && v.reason === 'heldOut'),
  )
  const missing = all.filter((v) => v.status === 'notMeasured')
  const lines: string[] = [`- **${t.conclusion.answer}**: ${answer(ctx)}`]
  if (failed.length > 0) lines.push(`- **${t.conclusion.failed}**: ${failed.map(short).join(t.sep)}`)
  if (passed.length > 0) lines.push(`- **${t.conclusion.ruledOut}**: ${passed.map(short).join(t.sep)}`)
  if (d.mode.status !== 'notMeasured') lines.push(`- **${t.conclusion.expected}**: ${ctx.vt.verdict(d.mode)}`)
  // One entry per hypothesis, naming every checkpoint or dataset it is missing for.
  const missingByHypothesis = [...new Set(missing.map((v) => v.hypothesis))].map((h) => {
    const labels = missing
      .filter((v) => v.hypothesis === h)
      .map((v) => labelOf(m, v))
      .filter((l) => l !== null)
    return t.conclusion.item(
      `${t.conclusion.name(h)}${labels.length > 0 ? ` (${labels.join(', ')})` : ''}`,
      t.conclusion.howTo(h),
    )
  })
  if (missing.length > 0) lines.push(`- **${t.conclusion.notMeasured}**: ${missingByHypothesis.join(t.sep)}`)
  lines.push(`- **${t.conclusion.final}**: ${verdictLine(ctx, d.trainEval)}`)
  return blocks(`## ${t.conclusion.heading}`, lines.join('\n'))
}

/** Hashes, model descriptions, runs, settings and versions: what the numbers came from. */
export function provenance(ctx: Ctx): string {
  const { m, t } = ctx
  const pv = m.input.provenance
  const hash = (
    h: { path: string; sha256: string | null; bytes: number | null; error?: string } | null | undefined,
  ): string =>
    !h
      ? '—'
      : h.sha256
        ? `${code(h.path)} · SHA-256 ${code(h.sha256)}${h.bytes !== null ? ` · ${h.bytes.toLocaleString('en-US')} B` : ''}`
        : `${code(h.path)} · ${h.error ?? t.prov.unreadable}`
  const rows: string[][] = []
  for (const c of m.experiment.checkpoints) {
    const views = m.views.filter((v) => v.checkpoint.id === c.id)
    if (views.length === 0) continue
    const h = pv.checkpoints[c.id]
    const model = views[0]!.stored.summary?.model ?? c.description
    rows.push([t.prov.model(c.label), hash(h?.model)])
    rows.push([t.prov.tokenizer(c.label), hash(h?.tokenizer)])
    if (h?.source) rows.push([t.prov.source(c.label), hash(h.source)])
    if (model)
      rows.push([
        t.prov.description(c.label),
        t.prov.describe(
          model.form,
          model.numLayers,
          model.parameterCount,
          model.opset,
          model.vocabSize,
          model.numKvHeads,
          model.hasKvCache,
          model.producer,
        ),
      ])
    for (const v of views) {
      const s = v.stored.summary
      rows.push([
        t.prov.run(c.label, v.dataset.label),
        t.prov.runValue(
          code(v.stored.run.runId),
          t.prov.status(v.stored.run.status),
          s?.provider.used ?? v.stored.run.provider ?? '—',
          s?.finishedAt ?? v.stored.run.updatedAt,
          s?.losslensVersion ?? null,
        ),
      ])
    }
  }
  for (const d of m.experiment.datasets) {
    if (!m.views.some((v) => v.dataset.id === d.id)) continue
    rows.push([t.prov.dataset(d.label), hash(pv.datasets[d.id])])
  }
  if (pv.trainLog)
    rows.push([
      t.prov.trainLog,
      `${hash(pv.trainLog)}${m.input.trainLog ? ` · ${m.input.trainLog.format}, ${m.input.trainLog.steps} ${t.prov.points}` : ''}`,
    ])
  const s = m.primary.stored.run.settings
  rows.push([
    t.prov.settings,
    t.prov.settingsValue(
      s.inputLength,
      s.predictLength,
      s.addBos,
      s.measures.join(', '),
      s.batchSize,
      s.threads,
    ),
  ])
  rows.push([t.prov.report, t.prov.reportValue(pv.losslensVersion, pv.generatedAt)])
  return blocks(`## ${t.prov.heading}`, table([t.prov.item, t.prov.value], rows))
}

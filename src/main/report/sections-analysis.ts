/** The analysis: one phase per hypothesis (method, result, verdict), then "explain your number". */
import { fmtLoss, fmtPct, fmtSci, fmtShift, fmtSignedLoss, sweepEntries } from '../../shared/diagnosis'
import { blocks, code, codeBlock, table } from './md'
import { chart, primaryData, runName, trainingRun, verdictLine, padDisplay, type Ctx } from './context'

function phase(
  ctx: Ctx,
  title: string,
  method: string,
  result: (string | null)[],
  verdict: string | string[],
): string {
  const { t } = ctx
  return blocks(
    `### ${title}`,
    `**${t.phase.method}**: ${method}`,
    `**${t.phase.result}**:`,
    ...result,
    ...(Array.isArray(verdict) ? verdict : [verdict]).map((v, i) =>
      i === 0 ? `**${t.phase.verdict}**: ${v}` : v,
    ),
  )
}

/** Phases 1-5 and "explain your number". */
export function analysis(ctx: Ctx): string {
  return blocks(
    `## ${ctx.t.analysisHeading}`,
    phaseData(ctx),
    phaseWeights(ctx),
    phaseMode(ctx),
    phaseKv(ctx),
    phaseAlignment(ctx),
    explainSection(ctx),
  )
}

function phaseData(ctx: Ctx): string {
  const { m, t } = ctx
  const rows = m.experiment.datasets.map((d) => {
    const v = m.diagnosis.data.find((x) => x.datasetId === d.id)!
    const c = m.consistency[d.id]
    return [
      d.label,
      c ? String(c.total) : '—',
      c ? String(c.found) : '—',
      c ? String(c.foundNormalized) : '—',
      c ? String(c.foundSubstring) : '—',
      d.fromTraining === true ? t.yes : d.fromTraining === false ? t.no : '—',
      v.reason === 'heldOut' ? `${ctx.vt.badge(v.status)} ${t.phaseData.heldOut}` : ctx.vt.badge(v.status),
    ]
  })
  const others = m.diagnosis.data
    .filter((v) => v.datasetId !== m.primary.dataset.id)
    .map(
      (v) =>
        `${code(m.experiment.datasets.find((d) => d.id === v.datasetId)?.label ?? '')}: ${verdictLine(ctx, v)}`,
    )
  const notFound = m.consistency[m.primary.dataset.id]?.notFound ?? []
  const nf =
    notFound.length > 0
      ? t.phaseData.notFound(
          notFound
            .slice(0, 5)
            .map((n) => `#${n.index + 1} ${code(n.preview.slice(0, 40))}`)
            .join('; '),
          notFound.length,
        )
      : null
  return phase(
    ctx,
    t.phaseData.title,
    t.phaseData.method,
    [
      table(
        [
          t.overview.dataset,
          t.phaseData.samples,
          t.phaseData.exact,
          t.phaseData.normalized,
          t.phaseData.substring,
          t.phaseData.claimed,
          t.overview.verdict,
        ],
        rows,
        ['l', 'r', 'r', 'r', 'r', 'c', 'l'],
      ),
      nf,
    ],
    [`${code(m.primary.dataset.label)}: ${verdictLine(ctx, primaryData(m))}`, ...others],
  )
}

function phaseWeights(ctx: Ctx): string {
  const { m, t } = ctx
  const rows = m.experiment.checkpoints.map((c) => {
    const v = m.diagnosis.weights.find((x) => x.checkpointId === c.id)!
    const w = m.weights[c.id]
    return [
      c.label,
      w ? `${w.matched}/${w.total}` : '—',
      w ? fmtSci(w.maxAbsDiff) : '—',
      w ? String(w.mismatched.length) : '—',
      w ? String(w.unmatchedCheckpoint.length) : '—',
      ctx.vt.badge(v.status),
    ]
  })
  const lines = m.diagnosis.weights.map(
    (v) =>
      `${code(m.experiment.checkpoints.find((c) => c.id === v.checkpointId)?.label ?? '')}: ${verdictLine(ctx, v)}`,
  )
  return phase(
    ctx,
    t.phaseWeights.title,
    t.phaseWeights.method,
    [
      table(
        [
          t.overview.checkpoint,
          t.phaseWeights.matched,
          t.phaseWeights.maxDiff,
          t.phaseWeights.mismatched,
          t.phaseWeights.missing,
          t.overview.verdict,
        ],
        rows,
        ['l', 'r', 'r', 'r', 'r', 'l'],
      ),
    ],
    lines,
  )
}

function phaseMode(ctx: Ctx): string {
  const { m, t } = ctx
  const p = m.primary
  const v = m.diagnosis.mode
  const tf = p.means.teacherForcingSteps ?? []
  const ar = p.means.autoregressiveSteps ?? []
  const result: (string | null)[] = []
  if (v.status !== 'notMeasured') {
    const train = m.diagnosis.trainEval.trainLoss
    result.push(
      codeBlock(
        '',
        [
          `${padDisplay(t.phaseMode.tfLabel, 18)} ${fmtLoss(v.teacherForcing).padStart(7)}${train !== null && trainingRun(m) === p ? `   (${t.phaseMode.trainRef} ${fmtLoss(train)})` : ''}`,
          `${padDisplay(t.phaseMode.arLabel, 18)} ${fmtLoss(v.autoregressive).padStart(7)}   (${fmtSignedLoss(v.gap)})`,
        ].join('\n'),
      ),
    )
    const n = Math.min(tf.length, ar.length)
    if (n > 0) {
      const picks = [
        ...new Set([
          1,
          ...(v.divergenceStep ? [v.divergenceStep] : []),
          ...Array.from({ length: n }, (_, i) => i + 1).filter((s) => s % 5 === 0),
          n,
        ]),
      ]
        .filter((s) => s <= n)
        .sort((a, b) => a - b)
      result.push(
        table(
          [
            t.phaseMode.step,
            t.measures.short.teacherForcing,
            t.measures.short.autoregressive,
            t.phaseMode.diff,
          ],
          picks.map((s) => [
            String(s),
            fmtLoss(tf[s - 1]),
            fmtLoss(ar[s - 1]),
            fmtSignedLoss(ar[s - 1]! - tf[s - 1]!),
          ]),
          ['r', 'r', 'r', 'r'],
        ),
      )
    }
    result.push(chart(ctx, 'tf-vs-ar'))
  } else {
    result.push(t.notRun)
  }
  return phase(ctx, t.phaseMode.title, t.phaseMode.method, result, [verdictLine(ctx, v), t.phaseMode.insight])
}

function phaseKv(ctx: Ctx): string {
  const { m, t } = ctx
  const v = m.diagnosis.kvCache
  const withKv = m.primary.scored.filter((r) => r.kvCache).length
  const result =
    v.maxAbsDiff !== null
      ? t.phaseKv.result(fmtSci(v.maxAbsDiff), fmtPct(v.top1Agreement, 2), withKv, m.primary.P)
      : t.notRun
  return phase(ctx, t.phaseKv.title, t.phaseKv.method, [result], verdictLine(ctx, v))
}

function phaseAlignment(ctx: Ctx): string {
  const { m, t } = ctx
  const p = m.primary
  const { L, P } = p
  const v = m.diagnosis.alignment
  const rowsOf = (s: number): string => `${L - 1 + s} .. ${L + P - 2 + s}`
  const slices: string[][] = []
  if (p.means.teacherForcing !== undefined)
    slices.push([
      t.phaseAlign.fullForward(code(`logits[0, L-1 : L+P-1]`)),
      rowsOf(0),
      fmtLoss(p.means.teacherForcing),
    ])
  if (p.means.keepLastAligned !== undefined)
    slices.push([
      t.phaseAlign.keepAligned(code('logits_to_keep=P+1'), code('logits[0, :-1]')),
      rowsOf(0),
      fmtLoss(p.means.keepLastAligned),
    ])
  if (p.means.keepLastMisaligned !== undefined)
    slices.push([
      t.phaseAlign.keepMisaligned(code('logits_to_keep=P'), code('logits[0, -P:]')),
      rowsOf(1),
      fmtLoss(p.means.keepLastMisaligned),
    ])
  const sweep = sweepEntries(p.means.offsetSweep)
  const counts = (s: number): number =>
    p.scored.filter((r) => r.offsetSweep?.[String(s) as '0'] !== undefined).length
  const result: (string | null)[] = []
  if (slices.length > 0)
    result.push(
      table([t.phaseAlign.slice, t.phaseAlign.rows(L, P), t.overview.loss], slices, ['l', 'r', 'r']),
    )
  if (sweep.length > 0) {
    result.push(
      table(
        [
          t.phaseAlign.shift,
          t.phaseAlign.rows(L, P),
          t.phaseAlign.meanLoss,
          t.phaseAlign.samples,
          t.phaseAlign.meaning,
        ],
        sweep.map(([s, val]) => [
          fmtShift(s),
          rowsOf(s),
          fmtLoss(val),
          String(counts(s)),
          t.phaseAlign.note(s),
        ]),
        ['r', 'r', 'r', 'r', 'l'],
      ),
    )
    result.push(chart(ctx, 'offset-sweep'))
  }
  if (result.length === 0) result.push(t.notRun)
  return phase(ctx, t.phaseAlign.title, t.phaseAlign.method(L, P), result, [
    verdictLine(ctx, v),
    t.phaseAlign.insight,
  ])
}

function explainSection(ctx: Ctx): string | null {
  const { m, t } = ctx
  const ex = m.diagnosis.explanation
  if (!ex) return null
  const name = runName(m)
  // The sweep's shifts 0 and +1 repeat teacher forcing and keepLastMisaligned of the same run: list those once.
  const named = new Set(
    ex.ranked
      .filter((c) => c.measure !== 'offsetSweep')
      .map((c) => `${c.rowShift}|${c.checkpointId}|${c.datasetId}`),
  )
  const shown = ex.ranked.filter(
    (c) => c.measure !== 'offsetSweep' || !named.has(`${c.rowShift}|${c.checkpointId}|${c.datasetId}`),
  )
  const rows = shown
    .slice(0, 8)
    .map((c) => [
      ctx.vt.candidate(c),
      name(c) ?? `${m.primary.checkpoint.label} / ${m.primary.dataset.label}`,
      fmtLoss(c.value),
      fmtPct(c.relative, 2),
      c.relative <= ex.tolerance ? '✅' : '',
    ])
  return phase(
    ctx,
    t.explain.title,
    t.explain.method(fmtLoss(ex.reported), fmtPct(ex.tolerance, 0)),
    [
      table([t.explain.variant, t.explain.run, t.overview.loss, t.explain.distance, t.explain.within], rows, [
        'l',
        'l',
        'r',
        'r',
        'c',
      ]),
    ],
    ctx.vt.explanation(ex, m.views.length > 1 ? name : undefined),
  )
}

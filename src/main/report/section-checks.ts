/**
 * The analysis: one phase per hypothesis of the seed (method, result, verdict), each run-level check
 * shown on every dataset's headline run, then "explain your number".
 */
import { fmtLoss, fmtPct, fmtSci, fmtShift, fmtSignedLoss, sweepEntries } from '../../shared/diagnosis'
import { blocks, code, codeBlock, table } from './gfm'
import { gapSectionHeading } from './section-gap'
import type { RunView } from './report-model'
import {
  chartImage,
  padDisplay,
  runName,
  runOfIds,
  runTitle,
  sliceOf,
  verdictLine,
  type ReportContext,
} from './render-context'

/** A phase: title, method, then its result and verdict blocks. */
function phase(ctx: ReportContext, title: string, method: string, body: (string | null)[]): string {
  return blocks(`### ${title}`, `**${ctx.words.phase.method}**${ctx.words.colon}${method}`, ...body)
}

/** "**Result**:" and "**Verdict**:" blocks of one run or one list. */
function resultAndVerdict(ctx: ReportContext, result: (string | null)[], verdict: string[]): string {
  const { words } = ctx
  return blocks(
    `**${words.phase.result}**${words.colon.trimEnd()}`,
    ...result,
    ...verdict.map((v, i) => (i === 0 ? `**${words.phase.verdict}**${words.colon}${v}` : v)),
  )
}

/** One dataset's headline run under its own heading. */
function onRun(ctx: ReportContext, run: RunView, body: string): string {
  return blocks(`#### ${ctx.words.onDataset(runTitle(ctx, run))}`, body)
}

/** Phases 1-5 and "explain your number". */
export function analysis(ctx: ReportContext): string {
  return blocks(
    `## ${ctx.words.analysisHeading}`,
    phaseData(ctx),
    phaseWeights(ctx),
    phaseMode(ctx),
    phaseKvCache(ctx),
    phaseAlignment(ctx),
    explainSection(ctx),
  )
}

function phaseData(ctx: ReportContext): string {
  const { model, words } = ctx
  const w = words.phaseData
  const rows = model.datasets.map((d) => {
    const c = d.consistency
    return [
      d.dataset.label,
      c ? String(c.total) : '—',
      c ? String(c.found) : '—',
      c ? String(c.foundNormalized) : '—',
      c ? String(c.foundSubstring) : '—',
      ctx.verdictWords.kind(d.data.claimedKind),
      c ? ctx.verdictWords.kind(d.data.kind) : '—',
      ctx.verdictWords.badge(d.data.status),
    ]
  })
  const notFound = model.datasets.flatMap((d) => {
    const list = d.consistency?.notFound ?? []
    if (list.length === 0 || d.data.kind === 'heldOut') return []
    const shown = list
      .slice(0, 5)
      .map((n) => `#${n.index} ${code(n.preview.slice(0, 40))}`)
      .join(words.sep)
    return [w.notFound(code(d.dataset.label), shown, list.length)]
  })
  const verdicts = model.datasets.map(
    (d) => `${code(d.dataset.label)}${words.colon}${verdictLine(ctx, d.data)}`,
  )
  return phase(ctx, w.title, w.method, [
    resultAndVerdict(
      ctx,
      [
        table(
          [
            words.overview.dataset,
            w.samples,
            w.exact,
            w.normalized,
            w.substring,
            w.claimed,
            w.found,
            words.overview.verdict,
          ],
          rows,
          ['l', 'r', 'r', 'r', 'r', 'l', 'l', 'l'],
        ),
        ...notFound,
      ],
      verdicts,
    ),
  ])
}

function phaseWeights(ctx: ReportContext): string {
  const { model, words } = ctx
  const w = words.phaseWeights
  const rows = model.checkpoints.map((c) => {
    const v = model.weightVerdicts.find((x) => x.checkpointId === c.id)!
    const report = model.weights[c.id]
    return [
      c.label,
      report ? `${report.matched}/${report.total}` : '—',
      report ? fmtSci(report.maxAbsDiff) : '—',
      report ? String(report.mismatched.length) : '—',
      report ? String(report.unmatchedCheckpoint.length) : '—',
      ctx.verdictWords.badge(v.status),
    ]
  })
  const verdicts = model.checkpoints.map(
    (c) =>
      `${code(c.label)}${words.colon}${verdictLine(
        ctx,
        model.weightVerdicts.find((x) => x.checkpointId === c.id)!,
      )}`,
  )
  return phase(ctx, w.title, w.method, [
    resultAndVerdict(
      ctx,
      [
        table(
          [words.overview.checkpoint, w.matched, w.maxDiff, w.mismatched, w.missing, words.overview.verdict],
          rows,
          ['l', 'r', 'r', 'r', 'r', 'l'],
        ),
      ],
      verdicts,
    ),
  ])
}

/**
 * An SFT dataset's phases 3–5 are the same hypotheses measured on the assistant replies: the method is
 * the phase's own when every dataset is SFT, else a method line of its own under the run's heading.
 */
function sftMethod(ctx: ReportContext, text: string, allSft: boolean): string | null {
  return allSft ? null : `**${ctx.words.sftPhases.method}**${ctx.words.colon}${text}`
}

function allSftRuns(ctx: ReportContext): boolean {
  return ctx.model.datasets.length > 0 && ctx.model.datasets.every((d) => d.headline.sft)
}

function phaseModeSft(ctx: ReportContext, run: RunView, allSft: boolean): string {
  const w = ctx.words.sftPhases
  const v = run.verdicts.mode
  const result: string[] = []
  if (v.teacherForcing === null || v.autoregressive === null) {
    result.push(w.modeNotRun)
  } else {
    // Display columns (CJK counts two), read off padDisplay so the labels line up in either language.
    const columns = (x: string): number => x.length + 200 - padDisplay(x, 200).length
    const width = Math.max(columns(w.forced), columns(w.generated)) + 2
    result.push(
      codeBlock(
        '',
        [
          `${padDisplay(w.forced, width)}${fmtLoss(v.teacherForcing).padStart(7)}`,
          `${padDisplay(w.generated, width)}${fmtLoss(v.autoregressive).padStart(7)}   (${w.diff} ${fmtSignedLoss(v.gap)})`,
        ].join('\n'),
      ),
    )
  }
  return onRun(
    ctx,
    run,
    blocks(sftMethod(ctx, w.modeMethod, allSft), resultAndVerdict(ctx, result, [verdictLine(ctx, v)])),
  )
}

function phaseMode(ctx: ReportContext): string {
  const { model, words } = ctx
  const w = words.phaseMode
  const allSft = allSftRuns(ctx)
  const perRun = model.datasets.map(({ headline: run }) => {
    if (run.sft) return phaseModeSft(ctx, run, allSft)
    const v = run.verdicts.mode
    const tf = run.means.teacherForcingSteps ?? []
    const ar = run.means.autoregressiveSteps ?? []
    const result: (string | null)[] = []
    if (v.status === 'notMeasured') {
      result.push(words.notRun)
    } else {
      const tfName = `${words.measures.short.teacherForcing}:`
      const arName = `${words.measures.short.autoregressive}:`
      const width = Math.max(tfName.length, arName.length) + 2
      result.push(
        codeBlock(
          '',
          [
            `${padDisplay(tfName, width)}${fmtLoss(v.teacherForcing).padStart(7)}`,
            `${padDisplay(arName, width)}${fmtLoss(v.autoregressive).padStart(7)}   (${w.diff} ${fmtSignedLoss(v.gap)})`,
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
            [w.step, words.measures.short.teacherForcing, words.measures.short.autoregressive, w.diff],
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
      result.push(chartImage(ctx, 'tf-vs-ar', run.dataset.id))
    }
    return onRun(ctx, run, resultAndVerdict(ctx, result, [verdictLine(ctx, v)]))
  })
  return allSft
    ? phase(ctx, w.title, words.sftPhases.modeMethod, perRun)
    : phase(ctx, w.title, w.method, [...perRun, w.insight])
}

function phaseKvCache(ctx: ReportContext): string {
  const { model, words } = ctx
  const w = words.phaseKv
  const allSft = allSftRuns(ctx)
  const perRun = model.datasets.map(({ headline: run }) => {
    const v = run.verdicts.kvCache
    const withKv = run.scored.filter((r) => r.kvCache).length
    const result =
      v.maxAbsDiff !== null
        ? w.result(fmtSci(v.maxAbsDiff), fmtPct(v.top1Agreement, 2), withKv, run.P)
        : run.sft
          ? words.sftPhases.kvNotApplicable
          : words.notRun
    const body = resultAndVerdict(ctx, [result], [verdictLine(ctx, v)])
    return onRun(ctx, run, run.sft ? blocks(sftMethod(ctx, words.sftPhases.kvMethod, allSft), body) : body)
  })
  return phase(ctx, w.title, allSft ? words.sftPhases.kvMethod : w.method, perRun)
}

function phaseAlignment(ctx: ReportContext): string {
  const { model, words } = ctx
  const w = words.phaseAlign
  const { inputLength: L, predictLength: P } = model.primary.stored.run.settings
  const allSft = allSftRuns(ctx)
  const perRun = model.datasets.map(({ headline: run }) => {
    if (run.sft) return phaseAlignmentSft(ctx, run, allSft)
    const v = run.verdicts.alignment
    const rowsOf = (s: number): string => `${run.L - 1 + s} … ${run.L + run.P - 2 + s}`
    const slices: string[][] = []
    if (run.means.teacherForcing !== undefined)
      slices.push([
        w.fullForward(code('logits[0, L-1 : L+P-1]')),
        rowsOf(0),
        fmtLoss(run.means.teacherForcing),
      ])
    if (run.means.keepLastAligned !== undefined)
      slices.push([
        w.keepAligned(code('logits_to_keep=P+1'), code('logits[0, :-1]')),
        rowsOf(0),
        fmtLoss(run.means.keepLastAligned),
      ])
    if (run.means.keepLastMisaligned !== undefined)
      slices.push([
        w.keepMisaligned(code('logits_to_keep=P'), code('logits[0, -P:]')),
        rowsOf(1),
        fmtLoss(run.means.keepLastMisaligned),
      ])
    const sweep = sweepEntries(run.means.offsetSweep)
    const counts = (s: number): number =>
      run.scored.filter((r) => r.offsetSweep?.[String(s) as '0'] !== undefined).length
    const result: (string | null)[] = []
    if (slices.length > 0) {
      result.push(table([w.slice, w.rows(run.L, run.P), words.overview.loss], slices, ['l', 'r', 'r']))
    }
    if (sweep.length > 0) {
      result.push(
        table(
          [w.shift, w.rows(run.L, run.P), w.meanLoss, w.samples, w.meaning],
          sweep.map(([s, val]) => [fmtShift(s), rowsOf(s), fmtLoss(val), String(counts(s)), w.note(s)]),
          ['r', 'r', 'r', 'r', 'l'],
        ),
      )
      result.push(chartImage(ctx, 'offset-sweep', run.dataset.id))
    }
    if (result.length === 0) result.push(words.notRun)
    // An SFT run scores no continuation window: a logits slice of its L and P would name rows it never
    // scored (its loss mask is what a script gets wrong, in the SFT section and the fix).
    const finding =
      v.status === 'fail' && v.rowOffset !== null && v.rowOffset !== 0
        ? w.offsetFix(fmtShift(v.rowOffset), code(sliceOf(run.L, run.P, v.rowOffset)), run.L, run.P)
        : run.sft
          ? null
          : w.rightSlice(code(sliceOf(run.L, run.P)))
    return onRun(
      ctx,
      run,
      resultAndVerdict(ctx, result, finding ? [verdictLine(ctx, v), finding] : [verdictLine(ctx, v)]),
    )
  })
  return phase(
    ctx,
    allSft ? words.sftPhases.alignTitle : w.title,
    allSft ? words.sftPhases.alignMethod : w.method(L, P),
    perRun,
  )
}

/** Phase 5 on an SFT dataset: the sweep over assistant targets and the two loss masks, from its verdict. */
function phaseAlignmentSft(ctx: ReportContext, run: RunView, allSft: boolean): string {
  const { words } = ctx
  const w = words.sftPhases
  const v = run.verdicts.alignment
  const result: string[] = []
  const withSft = run.scored.filter((r) => r.sft).length
  if (v.sftLoss !== null && v.sftLoss !== undefined) {
    result.push(
      table(
        [w.measure, w.loss, w.conversations],
        [
          [w.trainers, fmtLoss(v.sftLoss), String(withSft)],
          [w.maskLate, fmtLoss(v.shiftedMaskLoss ?? null), String(withSft)],
        ],
        ['l', 'r', 'r'],
      ),
    )
  }
  const sweep = Object.entries(v.sweep)
    .map(([k, val]) => [Number(k), val] as [number, number | undefined])
    .filter((e): e is [number, number] => e[1] !== undefined)
    .sort((a, b) => a[0] - b[0])
  if (sweep.length > 0) {
    const counts = (s: number): number =>
      run.scored.filter((r) => r.sft?.offsetSweep?.[String(s) as '0'] !== undefined).length
    result.push(
      table(
        [words.phaseAlign.shift, words.phaseAlign.meanLoss, w.conversations, words.phaseAlign.meaning],
        sweep.map(([s, val]) => [fmtShift(s), fmtLoss(val), String(counts(s)), w.shiftNote(s)]),
        ['r', 'r', 'r', 'l'],
      ),
    )
  }
  if (result.length === 0) result.push(words.notRun)
  return onRun(
    ctx,
    run,
    blocks(
      sftMethod(ctx, w.alignMethod, allSft),
      resultAndVerdict(ctx, result, [verdictLine(ctx, v), w.seeSft(gapSectionHeading(ctx))]),
    ),
  )
}

function explainSection(ctx: ReportContext): string | null {
  const { model, words } = ctx
  const ex = model.diagnosis.explanation
  if (!ex) return null
  const w = words.explain
  // The sweep's shifts 0 and +1 repeat teacher forcing and keepLastMisaligned of the same run: list those once.
  const named = new Set(
    ex.ranked
      .filter((c) => c.measure !== 'offsetSweep')
      .map((c) => `${c.rowShift}|${c.checkpointId}|${c.datasetId}`),
  )
  const shown = ex.ranked.filter(
    (c) => c.measure !== 'offsetSweep' || !named.has(`${c.rowShift}|${c.checkpointId}|${c.datasetId}`),
  )
  const where = (c: { checkpointId?: string; datasetId?: string }): string => {
    const run = runOfIds(ctx, c)
    return run ? runTitle(ctx, run) : '—'
  }
  const rows = shown
    .slice(0, 8)
    .map((c) => [
      ctx.verdictWords.candidate(c),
      where(c),
      fmtLoss(c.value),
      fmtPct(c.relative, 2),
      c.relative <= ex.tolerance ? '✅' : '',
    ])
  const name = (c: { checkpointId?: string; datasetId?: string }): string | null => {
    const run = runOfIds(ctx, c)
    return run ? runName(ctx, run) : null
  }
  // A table of headers only reads as broken; an SFT run's number is weighed in its own section instead.
  const sftRuns = model.runs.some((r) => r.scored.some((x) => x.sft !== undefined))
  const result =
    rows.length > 0
      ? [
          table([w.variant, w.run, words.overview.loss, w.distance, w.within], rows, [
            'l',
            'l',
            'r',
            'r',
            'c',
          ]),
        ]
      : [words.notRun]
  return phase(ctx, w.title, w.method(fmtLoss(ex.reported), fmtPct(ex.tolerance, 0)), [
    resultAndVerdict(ctx, result, [
      ctx.verdictWords.explanation(ex, name),
      ...(sftRuns ? [w.sftElsewhere(gapSectionHeading(ctx), words.gap.sftHeading)] : []),
    ]),
  ])
}

/** Conclusion per dataset, what is still unmeasured, and provenance. */
import { providerPhrase } from '../../shared/glossary'
import type { Hypothesis, Verdict } from '../../shared/diagnosis'
import { blocks, code, table } from './gfm'
import type { FileHash } from './input'
import { badgeOf, type ReportContext } from './render-context'
import type { RunView } from './report-model'
import { SFT_MEASURES } from '../../shared/measures'

/** One paragraph per dataset (cause, the verdict naming it, every change beyond noise), then what to measure. */
export function conclusion(ctx: ReportContext): string {
  const { model, words } = ctx
  const w = words.conclusion
  const answers = model.datasets.flatMap((d) =>
    d.conclusions.map(
      (c) =>
        `- ${c.verdict ? badgeOf(ctx, c.verdict) : ctx.verdictWords.badge('notMeasured')} — ${ctx.verdictWords.conclusion(c, model.names)}`,
    ),
  )
  // Headline verdicts not measured, one entry per hypothesis and advice naming every checkpoint or
  // dataset missing it. An SFT headline gets the SFT advice where the pretraining one does not apply
  // (its loop scores conversations, not a continuation), so its runs are listed apart.
  const missing: { h: Hypothesis; label: string; howTo: string }[] = []
  const add = (v: Verdict, label: string, run?: RunView): void => {
    const sft = run?.sft ? w.howToSft(v.hypothesis, run.means.sftAutoregressive !== undefined) : null
    const howTo = sft ?? w.howTo(v.hypothesis)
    if (
      v.status === 'notMeasured' &&
      !missing.some((m) => m.h === v.hypothesis && m.label === label && m.howTo === howTo)
    ) {
      missing.push({ h: v.hypothesis, label, howTo })
    }
  }
  for (const d of model.datasets) {
    add(d.data, d.dataset.label)
    const h = d.headline
    add(
      model.weightVerdicts.find((x) => x.checkpointId === h.checkpoint.id)!,
      h.checkpoint.label,
    )
    for (const v of [h.verdicts.mode, h.verdicts.kvCache, h.verdicts.alignment, ...h.verdicts.trainEval]) {
      add(v, `${h.dataset.label}, ${h.checkpoint.label}`, h)
    }
  }
  const groups = [...new Map(missing.map((m) => [`${m.h}\u0000${m.howTo}`, m])).values()]
  const byHypothesis = groups.map((g) =>
    w.item(
      `${w.name(g.h)}${words.paren(
        missing
          .filter((m) => m.h === g.h && m.howTo === g.howTo)
          .map((m) => m.label)
          .join(words.sep),
      )}`,
      g.howTo,
    ),
  )
  return blocks(
    `## ${w.heading}`,
    answers.join('\n'),
    byHypothesis.length > 0
      ? `**${w.notMeasured}**${words.colon.trimEnd()}\n\n${byHypothesis.map((x) => `- ${x}`).join('\n')}`
      : null,
  )
}

/** Hashes, model descriptions, runs, settings and versions: what the numbers came from. */
export function provenance(ctx: ReportContext): string {
  const { model, words, lang } = ctx
  const w = words.prov
  const pv = model.input.provenance
  const hash = (h: FileHash | null | undefined): string =>
    !h
      ? '—'
      : h.sha256
        ? `${code(h.path)} · SHA-256 ${code(h.sha256)}${h.bytes !== null ? ` · ${h.bytes.toLocaleString('en-US')} B` : ''}`
        : `${code(h.path)} · ${h.error ?? w.unreadable}`
  const rows: string[][] = []
  const settings = new Map<string, string[]>()
  for (const c of model.checkpoints) {
    const runs = model.runs.filter((r) => r.checkpoint.id === c.id)
    const h = pv.checkpoints[c.id]
    const description = runs[0]!.stored.summary?.model ?? c.description
    rows.push([w.model(c.label), hash(h?.model)])
    rows.push([w.tokenizer(c.label), hash(h?.tokenizer)])
    if (h?.source) rows.push([w.source(c.label), hash(h.source)])
    if (description)
      rows.push([
        w.description(c.label),
        w.describe(
          description.form,
          description.numLayers,
          description.parameterCount,
          description.opset,
          description.vocabSize,
          description.numKvHeads,
          description.hasKvCache,
          description.producer,
        ),
      ])
    for (const r of runs) {
      const s = r.stored.summary
      const st = r.stored.run.settings
      rows.push([
        w.run(c.label, r.dataset.label),
        w.runValue(
          code(r.stored.run.runId),
          w.status(r.stored.run.status),
          s ? providerPhrase(s.provider.used, s.provider.scoring, lang) : (r.stored.run.provider ?? '—'),
          s?.finishedAt ?? r.stored.run.updatedAt,
          s?.losslensVersion ?? null,
        ),
      ])
      // An SFT run scores what its loop scores, whatever measures were asked for (a pretraining list
      // by default): the SFT measures its conversations carry, under the settings as applied.
      const applied = s?.settings ?? st
      const text = r.sft
        ? w.settingsValueSft(
            applied.predictLength,
            applied.sftRoles,
            SFT_MEASURES.filter((m) => (r.means as Record<string, unknown>)[m] !== undefined).join(', '),
            applied.batchSize,
            applied.threads,
            applied.maxSeqLen,
          )
        : w.settingsValue(
            st.inputLength,
            st.predictLength,
            (s?.bosUsed ?? st.bos) === 'yes',
            st.measures.join(', '),
            st.batchSize,
            st.threads,
            st.maxSeqLen,
          )
      settings.set(text, [...(settings.get(text) ?? []), `${c.label} / ${r.dataset.label}`])
    }
  }
  // One row per distinct setting, naming its runs only when the runs differ.
  for (const [text, runs] of settings) {
    rows.push([settings.size === 1 ? w.settingsAll : w.settings(runs.join(words.sep)), text])
  }
  for (const d of model.datasets) {
    rows.push([w.dataset(d.dataset.label), hash(pv.datasets[d.dataset.id])])
    if (d.consistency) {
      rows.push([
        w.trainData(d.dataset.label),
        w.trainDataValue(
          code(d.consistency.trainPath),
          d.consistency.trainSha256 ? code(d.consistency.trainSha256) : null,
        ),
      ])
    }
  }
  if (pv.trainLog)
    rows.push([
      w.trainLog,
      `${hash(pv.trainLog)}${model.input.trainLog ? ` · ${model.input.trainLog.format}, ${model.input.trainLog.steps} ${w.points}` : ''}`,
    ])
  const rt = pv.runtime
  rows.push([
    w.software,
    w.softwareValue(
      pv.losslensVersion,
      rt?.onnxruntime ?? null,
      rt?.node ?? process.versions.node,
      rt?.os ?? '—',
    ),
  ])
  rows.push([w.report, w.reportValue(pv.generatedAt)])
  return blocks(`## ${w.heading}`, table([w.item, w.value], rows))
}

/**
 * The one-sentence explanations of verdicts, in English and Simplified Chinese, written natively in
 * each (text-en.ts, text-zh.ts). The window and the report both call these.
 */
import type { Lang } from '../ipc'
import { textEn } from './text-en'
import { textZh } from './text-zh'
import type { DatasetKind } from '../experiment'
import type { Conclusion } from './diagnose'
import type { CheckpointChange } from './trajectory'
import type { Candidate, Explanation, Hypothesis, Verdict, VerdictStatus } from './types'
import type { Waterfall, WaterfallBar, WaterfallLevel, WaterfallMean, WaterfallStep } from './waterfall'

/** Display names of the experiment's checkpoints and datasets, by id. */
export interface Names {
  checkpoint(id: string): string
  dataset(id: string): string
}

export interface VerdictText {
  /** Badge with its emoji, for markdown ("✅ pass"). */
  badge(status: VerdictStatus): string
  /** The status as a word ("inconclusive"), for the window's badges (icons, not emoji). */
  status(status: VerdictStatus): string
  /** A dataset's kind in words ("held out"). */
  kind(kind: DatasetKind): string
  /** One dataset's conclusion: its cause, the verdict that names it, and its checkpoint changes. */
  conclusion(c: Conclusion, names: Names): string
  /** One change between consecutive checkpoints, with its size, noise and sample count. */
  change(c: CheckpointChange, names: Names): string
  hypothesis(h: Hypothesis): string
  /** A measured variant's name, as the user knows it. */
  candidate(c: Candidate): string
  /** One sentence: why this verdict. */
  verdict(v: Verdict): string
  /** The deciding figure and the threshold it was held against, as short phrases. */
  figure(v: Verdict): { figure: string; threshold: string }
  /** One or two sentences: which variant reproduces the user's number, or that none does. */
  explanation(e: Explanation, runName?: (c: Candidate) => string | null): string
  /** The gap waterfall's words: names of steps and levels, and a method / result sentence per bar. */
  waterfall: WaterfallText
}

export interface WaterfallText {
  /** A step's name as a heading ("Log noise"). */
  step(step: WaterfallStep): string
  /** A step's name on the chart's axis (short). */
  stepShort(step: WaterfallStep | 'start' | 'end' | 'residual', w: Waterfall): string
  /** A level (the mean a bar starts or ends at), as a phrase. */
  level(m: Pick<WaterfallMean, 'level' | 'shift'>): string
  /** How the step is measured: one sentence. */
  method(step: WaterfallStep, w: Waterfall): string
  /** What it measured, or why not: a verdict-style sentence with its uncertainty and reason. */
  result(b: WaterfallBar, w: Waterfall): string
  /** The unexplained residual, with what the bars' noise says of it. */
  residual(w: Waterfall): string
  /** One sentence for the whole path: from where to where, how much the measured steps account for. */
  summary(w: Waterfall): string
  /** Column and legend words. */
  words: {
    title: string
    step: string
    from: string
    to: string
    change: string
    status: string
    measured: string
    aside: string
    notMeasured: string
    notApplicable: string
    residual: string
    start: string
    end: string
    /** The chart's y axis. */
    lossAxis: string
    /** Chart legend: increase / decrease / aside / residual / levels. */
    up: string
    down: string
    level: string
    errorBar: string
  }
}

export type { WaterfallLevel }

/**
 * A bar's status in a waterfall's steps table (the window's and the report's): measured, shown aside,
 * not measured, or not applicable, for an SFT run's steps that bridge a continuation to the trainer's
 * format (its SFT loss already is the trainer's loss: there is nothing to measure, nothing missing).
 */
export function waterfallStatus(t: WaterfallText, b: Pick<WaterfallBar, 'status' | 'reason'>): string {
  if (b.status === 'measured') return t.words.measured
  if (b.status === 'aside') return t.words.aside
  return b.reason === 'sftRun' ? t.words.notApplicable : t.words.notMeasured
}

/**
 * A verdict whose hypothesis does not apply to the run (the KV cache on an SFT run: its SFT loss is one
 * full forward): status notMeasured in the data, "not applicable" wherever a reader sees its badge.
 */
export function notApplicable(v: Verdict): boolean {
  return v.hypothesis === 'kvCache' && v.reason === 'sftRun'
}

/** A verdict's badge: its status's, or "➖ not applicable" (notApplicable). */
export function badgeOfVerdict(t: VerdictText, v: Verdict): string {
  return notApplicable(v)
    ? `${t.badge('notMeasured').split(' ')[0]} ${t.waterfall.words.notApplicable}`
    : t.badge(v.status)
}

/** The verdict texts for a language. */
export function verdictText(lang: Lang): VerdictText {
  return lang === 'zh-CN' ? textZh : textEn
}

/** Badge as text: "✅ pass", "❌ fail", "🔵 expected", "❔ inconclusive", "➖ not measured". */
export function verdictBadge(status: VerdictStatus, lang: Lang): string {
  return verdictText(lang).badge(status)
}

/** One-sentence explanation of a verdict. */
export function explainVerdict(v: Verdict, lang: Lang): string {
  return verdictText(lang).verdict(v)
}

/**
 * The one-sentence explanations of verdicts, in English and Simplified Chinese, written natively in
 * each (text-en.ts, text-zh.ts). The window and the report both call these.
 */
import type { Lang } from '../ipc'
import { textEn } from './text-en'
import { textZh } from './text-zh'
import type { Candidate, Explanation, Hypothesis, Verdict, VerdictStatus } from './types'

export interface VerdictText {
  badge(status: VerdictStatus): string
  hypothesis(h: Hypothesis): string
  /** A measured variant's name, as the user knows it. */
  candidate(c: Candidate): string
  /** One sentence: why this verdict. */
  verdict(v: Verdict): string
  /** The deciding figure and the threshold it was held against, as short phrases. */
  figure(v: Verdict): { figure: string; threshold: string }
  /** One or two sentences: which variant reproduces the user's number, or that none does. */
  explanation(e: Explanation, runName?: (c: Candidate) => string | null): string
}

/** The verdict texts for a language. */
export function verdictText(lang: Lang): VerdictText {
  return lang === 'zh-CN' ? textZh : textEn
}

/** Badge as text: "✅ pass" / "❌ fail" / "➖ not measured" (zh-CN: 通过 / 未通过 / 未测量). */
export function verdictBadge(status: VerdictStatus, lang: Lang): string {
  return verdictText(lang).badge(status)
}

/** One-sentence explanation of a verdict. */
export function explainVerdict(v: Verdict, lang: Lang): string {
  return verdictText(lang).verdict(v)
}

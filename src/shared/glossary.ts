/**
 * The glossary: names and short phrases that the window, the CLI and the report must say the same way.
 * A term that appears in more than one of them lives here, in both languages, so a button, a CLI line
 * and a report sentence cannot drift apart ("Check consistency" in the report beside a button that says
 * "Check against training data" was such a drift).
 */
import type { RunStatus } from './experiment'
import type { Measure } from './measures'

export type GlossaryLang = 'en' | 'zh-CN'

export interface Glossary {
  /** Short measure names for headers and table cells where the full name does not fit. */
  measureShort: Record<Measure, string>
  /** What a KV max |diff| of exactly 0 means: the cached and uncached paths agree bit for bit. */
  bitIdentical: string
  /** The dataset action that looks for the evaluation samples in the training data (window button, report advice). */
  checkAgainstTraining: string
  /** The window's field for the loss the user's own evaluation script printed. */
  reportedLossField: string
  /** The checkpoint action that compares the ONNX weights with the source .pth. */
  verifyWeights: string
  /** Run settings: input length, predict length, batch size. */
  inputLength: string
  predictLength: string
  batch: string
  /** "6 files", after a folder name. */
  files: (n: number) => string
  /** Token-distribution comparison in progress: "samples 12 / 40". */
  progress: (done: number, total: number) => string
  /** A run's status word (window badges, the runs table, the report's provenance). */
  status: Record<RunStatus, string>
  /** Where target log-probabilities were computed (ProviderReport.scoring). */
  scoringGraph: string
  scoringLogits: string
}

const EN: Glossary = {
  measureShort: {
    teacherForcing: 'TF',
    keepLastMisaligned: 'misaligned',
    keepLastAligned: 'aligned',
    offsetSweep: 'sweep',
    autoregressive: 'AR',
    kvCache: 'KV',
    trainFormat: 'train format',
    rolling: 'rolling',
    bosBoth: 'BOS ±',
    sft: 'SFT',
    sftAutoregressive: 'SFT AR',
  },
  bitIdentical: 'bit-identical',
  checkAgainstTraining: 'Check against training data',
  reportedLossField: 'Your script reported',
  verifyWeights: 'Verify weights',
  inputLength: 'L',
  predictLength: 'P',
  batch: 'batch',
  files: (n) => (n === 1 ? '1 file' : `${n} files`),
  progress: (done, total) => `${done} / ${total} samples`,
  status: {
    queued: 'queued',
    running: 'running',
    finished: 'finished',
    failed: 'failed',
    cancelled: 'cancelled',
    interrupted: 'interrupted',
  },
  scoringGraph: 'scored inside onnxruntime',
  scoringLogits: 'scored from full logits',
}

const ZH: Glossary = {
  measureShort: {
    teacherForcing: 'TF',
    keepLastMisaligned: '错位',
    keepLastAligned: '对齐',
    offsetSweep: '偏移扫描',
    autoregressive: 'AR',
    kvCache: 'KV',
    trainFormat: '训练格式',
    rolling: '滚动窗口',
    bosBoth: 'BOS ±',
    sft: 'SFT',
    sftAutoregressive: 'SFT AR',
  },
  bitIdentical: '逐位一致',
  checkAgainstTraining: '与训练数据核对',
  reportedLossField: '你的脚本报告的 loss',
  verifyWeights: '验证权重',
  inputLength: 'L',
  predictLength: 'P',
  batch: '批大小',
  files: (n) => `${n} 个文件`,
  progress: (done, total) => `样本 ${done} / ${total}`,
  status: {
    queued: '排队中',
    running: '运行中',
    finished: '已完成',
    failed: '失败',
    cancelled: '已取消',
    interrupted: '已中断',
  },
  scoringGraph: '在 onnxruntime 内计分',
  scoringLogits: '由完整 logits 计分',
}

export const GLOSSARY: Record<GlossaryLang, Glossary> = { en: EN, 'zh-CN': ZH }

export function glossary(lang: GlossaryLang = 'en'): Glossary {
  return GLOSSARY[lang]
}

/** "0 (bit-identical)" / "0（逐位一致）": a KV max |diff| of exactly 0, never a bare 0 that reads as "not run". */
export function kvZero(lang: GlossaryLang = 'en'): string {
  return lang === 'zh-CN' ? `0（${ZH.bitIdentical}）` : `0 (${EN.bitIdentical})`
}

/** The settings a run was made with, in one line: "L 32 · P 30 · batch 1 · TF, misaligned, AR". */
export function settingsPhrase(
  s: { inputLength: number; predictLength: number; batchSize: number; measures: readonly Measure[] },
  lang: GlossaryLang = 'en',
): string {
  const g = GLOSSARY[lang]
  return [
    `${g.inputLength} ${s.inputLength}`,
    `${g.predictLength} ${s.predictLength}`,
    `${g.batch} ${s.batchSize}`,
    s.measures.map((m) => g.measureShort[m]).join(lang === 'zh-CN' ? '、' : ', '),
  ].join(' · ')
}

/**
 * The provider that ran a run, with where its log-probabilities were computed: "cpu, scored inside
 * onnxruntime" or "cpu, scored from full logits (opset 10 < 11)". Runs from before the scoring path was
 * recorded give the provider alone.
 */
export function providerPhrase(
  used: string,
  scoring: { path: 'graph' | 'logits'; reason: string | null } | undefined,
  lang: GlossaryLang = 'en',
): string {
  if (!scoring) return used
  const g = GLOSSARY[lang]
  const sep = lang === 'zh-CN' ? '，' : ', '
  const how = scoring.path === 'graph' ? g.scoringGraph : g.scoringLogits
  const why =
    scoring.reason && scoring.path === 'logits'
      ? lang === 'zh-CN'
        ? `（${scoring.reason}）`
        : ` (${scoring.reason})`
      : ''
  return `${used}${sep}${how}${why}`
}

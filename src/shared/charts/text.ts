/**
 * The words of every chart, in both languages: one glossary for the window and the report, so the
 * same chart reads the same in both (the window's i18n and the report's strings hold no chart words).
 */
import type { TrajectoryMeasure } from '../diagnosis'
import type { ChartTheme } from './frame'

export type ChartLang = 'en' | 'zh-CN'

export interface ChartText {
  /** A chart's title about one run: "Offset sweep: eval.json (final, step 836)". */
  about: (title: string, scope: string) => string
  /** A dataset with the checkpoint (and step) its numbers are from. */
  scope: (dataset: string, checkpoint: string, step: number | null) => string
  measure: Record<TrajectoryMeasure | 'offsetSweep', string>
  axis: {
    sample: string
    loss: string
    /** The trajectory's axis when it draws bits per byte. */
    bitsPerByte: string
    shift: string
    step: string
    trainStep: string
    checkpoint: string
  }
  perSample: { title: string; subtitle: (L: number | null, P: number | null) => string }
  sweep: {
    title: string
    subtitle: string
    thinned: (shown: number, total: number) => string
    mean: string
    samples: string
    correct: string
    seedBug: string
  }
  steps: {
    title: string
    subtitle: string
    titleSample: string
    subtitleSample: string
    parts: (step: number) => string
  }
  sampleSweep: { title: string; subtitle: string }
  train: {
    title: string
    subtitle: (format: string, steps: number) => string
    raw: string
    samples: (n: number) => string
    noStep: (labels: string) => string
  }
  trajectory: {
    title: string
    byStep: string
    byOrder: string
    /** The same chart in bits per byte (no training curve behind: it is in nats). */
    titleBitsPerByte: string
    byStepBitsPerByte: string
  }
  /** Compare: one measure (the one picked) drawn per sample, base vs the others and each run's spread. */
  scatter: {
    title: string
    subtitle: (base: string, measure: string) => string
    x: (label: string, unit: 'nats' | 'bitsPerByte') => string
    y: (unit: 'nats' | 'bitsPerByte') => string
  }
  dist: {
    title: string
    subtitle: (measure: string) => string
    x: string
    min: string
    median: string
    max: string
  }
  /** Compare: the names of the compared measures the trajectory does not draw. */
  compare: { rolling: string; keepLastAligned: string; rollingBitsPerByte: string }
  /** Loss by position (training format): its series, the samples axis and the max_seq_len marker. */
  position: {
    title: string
    subtitle: string
    /** One run's line. */
    loss: string
    /** One run's samples reaching each position. */
    samples: string
    samplesAxis: string
    /** The max_seq_len marker ("max_seq_len 512"). */
    maxSeqLen: (n: number) => string
  }
  /** Legend suffix of a smoothed copy of a curve. */
  smoothed: string
  /** A run of SFT conversations: its charts' words (MiniMind's SFT loss, the one-late mask, generation). */
  sftCharts: {
    loss: string
    shiftedMask: string
    autoregressive: string
    perSampleSubtitle: string
    sweepSubtitle: string
    stepsSubtitle: string
  }
}

const en: ChartText = {
  about: (title, scope) => `${title}: ${scope}`,
  scope: (ds, ck, step) => `${ds} (${step === null ? ck : `${ck}, step ${step}`})`,
  measure: {
    teacherForcing: 'teacher forcing',
    keepLastMisaligned: 'misaligned slice (logits_to_keep = P)',
    autoregressive: 'autoregressive (greedy)',
    offsetSweep: 'offset sweep',
    trainFormat: 'training format',
    teacherForcingBitsPerByte: 'teacher forcing (bits/byte)',
    trainFormatBitsPerByte: 'training format (bits/byte)',
    sft: 'SFT loss (assistant tokens)',
    sftAutoregressive: 'first reply generated (greedy)',
  },
  axis: {
    sample: 'sample index',
    loss: 'loss (nats)',
    bitsPerByte: 'bits per byte',
    shift: 'row shift s (tokens)',
    step: 'target position (token)',
    trainStep: 'training step',
    checkpoint: 'checkpoint',
  },
  perSample: {
    title: 'Loss per sample',
    subtitle: (L, P) =>
      `${L !== null && P !== null ? `L = ${L}, P = ${P}; ` : ''}misaligned slice (logits_to_keep = P) vs correct rows`,
  },
  sweep: {
    title: 'Offset sweep',
    subtitle: 'loss when the scored rows shift by s; the minimum belongs at s = 0',
    thinned: (shown, total) => `thin lines: ${shown} of ${total} samples`,
    mean: 'mean',
    samples: 'samples',
    correct: 'correct',
    seedBug: 'seed bug',
  },
  steps: {
    title: 'Teacher forcing vs autoregressive, per step',
    subtitle: 'mean loss at each target position over samples',
    titleSample: 'Loss per step',
    subtitleSample: 'this sample: teacher forcing vs autoregressive',
    parts: (step) => `parts at step ${step}`,
  },
  sampleSweep: { title: 'Offset sweep', subtitle: 'this sample' },
  train: {
    title: 'Training loss and evaluation',
    subtitle: (format, steps) =>
      `${format} log, ${steps} steps; points: evaluations ± s.e. at their checkpoint’s step`,
    raw: 'training loss',
    samples: (n) => `${n} samples`,
    noStep: (labels) => `not placed (step unknown): ${labels}`,
  },
  trajectory: {
    title: 'Loss per checkpoint',
    titleBitsPerByte: 'Bits per byte per checkpoint',
    byStepBitsPerByte:
      'mean ± s.e. over samples, at each checkpoint’s training step; per UTF-8 byte, so tokenizers compare',
    byStep: 'mean ± s.e. over samples, at each checkpoint’s training step; training loss behind',
    byOrder:
      'mean ± s.e. over samples, checkpoints in the experiment’s order (give every checkpoint a step to place them on the training axis)',
  },
  scatter: {
    title: 'Per-sample loss: base vs others',
    subtitle: (base, measure) => `${measure}; points above y = x got worse than ${base}`,
    x: (label, unit) => (unit === 'nats' ? `${label} loss (nats)` : `${label} bits per byte`),
    y: (unit) => (unit === 'nats' ? 'other checkpoint loss (nats)' : 'other checkpoint bits per byte'),
  },
  dist: {
    title: 'Loss distribution',
    subtitle: (measure) => `per sample: ${measure}`,
    x: 'checkpoint',
    min: 'min',
    median: 'median',
    max: 'max',
  },
  compare: {
    rolling: 'whole sample (rolling windows)',
    keepLastAligned: 'aligned slice (logits_to_keep = P + 1)',
    rollingBitsPerByte: 'whole sample (bits/byte)',
  },
  position: {
    title: 'Loss by position',
    subtitle: 'mean training-format loss at each target position, over the samples reaching it',
    loss: 'mean loss',
    samples: 'samples reaching it',
    samplesAxis: 'samples',
    maxSeqLen: (n) => `max_seq_len ${n}`,
  },
  smoothed: 'smoothed',
  sftCharts: {
    loss: 'SFT loss',
    shiftedMask: 'mask one late',
    autoregressive: 'generation (greedy)',
    perSampleSubtitle: 'MiniMind’s SFT loss vs the same mask one position late (the evaluation bug)',
    sweepSubtitle: 'loss over the assistant targets when the rows shift by s; the minimum belongs at s = 0',
    stepsSubtitle: 'first reply: mean loss at each of its tokens over conversations',
  },
}

const zh: ChartText = {
  about: (title, scope) => `${title}：${scope}`,
  scope: (ds, ck, step) => `${ds}（${step === null ? ck : `${ck}，第 ${step} 步`}）`,
  measure: {
    teacherForcing: '教师强制',
    keepLastMisaligned: '错位切片（logits_to_keep = P）',
    autoregressive: '自回归（贪心）',
    offsetSweep: '偏移扫描',
    trainFormat: '训练格式',
    teacherForcingBitsPerByte: '教师强制（比特/字节）',
    trainFormatBitsPerByte: '训练格式（比特/字节）',
    sft: 'SFT 损失（助手词元）',
    sftAutoregressive: '首条回复贪心生成',
  },
  axis: {
    sample: '样本序号',
    loss: '损失（nats）',
    bitsPerByte: '每字节比特数',
    shift: '行偏移 s（词元）',
    step: '目标位置（词元）',
    trainStep: '训练步数',
    checkpoint: '检查点',
  },
  perSample: {
    title: '每个样本的损失',
    subtitle: (L, P) =>
      `${L !== null && P !== null ? `L = ${L}，P = ${P}；` : ''}错位切片（logits_to_keep = P）与正确的行`,
  },
  sweep: {
    title: '偏移扫描',
    subtitle: '被评分的行偏移 s 时的损失；最小值应在 s = 0',
    thinned: (shown, total) => `细线：${total} 个样本中的 ${shown} 个`,
    mean: '平均',
    samples: '样本',
    correct: '正确',
    seedBug: '原脚本的错误',
  },
  steps: {
    title: '教师强制与自回归的逐步损失',
    subtitle: '各目标位置上的样本平均损失',
    titleSample: '逐步损失',
    subtitleSample: '本样本：教师强制与自回归',
    parts: (step) => `第 ${step} 步开始分离`,
  },
  sampleSweep: { title: '偏移扫描', subtitle: '本样本' },
  train: {
    title: '训练损失与评估',
    subtitle: (format, steps) => `${format} 日志，${steps} 步；点：各检查点步数上的评估 ± 标准误`,
    raw: '训练损失',
    samples: (n) => `${n} 个样本`,
    noStep: (labels) => `未放置（步数未知）：${labels}`,
  },
  trajectory: {
    title: '各检查点的损失',
    titleBitsPerByte: '各检查点的每字节比特数',
    byStepBitsPerByte: '样本平均 ± 标准误，位于各检查点的训练步数；按 UTF-8 字节计，不同分词器可比',
    byStep: '样本平均 ± 标准误，位于各检查点的训练步数；背后为训练损失',
    byOrder: '样本平均 ± 标准误，检查点按实验中的顺序（为每个检查点填写步数即可放到训练轴上）',
  },
  scatter: {
    title: '每个样本的损失：基准与其他',
    subtitle: (base, measure) => `${measure}；y = x 上方的点比 ${base} 更差`,
    x: (label, unit) => (unit === 'nats' ? `${label} 的损失（nats）` : `${label} 的每字节比特数`),
    y: (unit) => (unit === 'nats' ? '其他检查点的损失（nats）' : '其他检查点的每字节比特数'),
  },
  dist: {
    title: '损失分布',
    subtitle: (measure) => `每个样本：${measure}`,
    x: '检查点',
    min: '最小',
    median: '中位数',
    max: '最大',
  },
  compare: {
    rolling: '整个样本（滚动窗口）',
    keepLastAligned: '对齐切片（logits_to_keep = P + 1）',
    rollingBitsPerByte: '整个样本（比特/字节）',
  },
  position: {
    title: '按位置的损失',
    subtitle: '各目标位置上训练格式损失的均值（对到达该位置的样本）',
    loss: '平均损失',
    samples: '到达该位置的样本数',
    samplesAxis: '样本数',
    maxSeqLen: (n) => `max_seq_len ${n}`,
  },
  smoothed: '平滑',
  sftCharts: {
    loss: 'SFT 损失',
    shiftedMask: '掩码晚一位',
    autoregressive: '生成（贪心）',
    perSampleSubtitle: 'MiniMind 的 SFT 损失与晚一位的同一掩码（评估错误）',
    sweepSubtitle: '被评分的行偏移 s 时助手目标上的损失；最小值应在 s = 0',
    stepsSubtitle: '第一轮回复：各词元位置上的对话平均损失',
  },
}

export function chartText(lang: ChartLang): ChartText {
  return lang === 'zh-CN' ? zh : en
}

/** What every builder takes besides its data: the theme and the words. */
export interface ChartContext {
  theme: ChartTheme
  text: ChartText
}

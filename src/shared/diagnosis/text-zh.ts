/** 判定的中文表述（见 text.ts）。术语沿用原报告：教师强制、自回归、错位、位置索引。 */
import type { DatasetKind } from '../experiment'
import type { Cause, Conclusion } from './diagnose'
import {
  fmtKvDiff,
  fmtLoss,
  fmtPct,
  fmtPm,
  fmtRatio,
  fmtSci,
  fmtShift,
  fmtSignedLoss,
  fmtSignedPct,
} from './format'
import { sweepRunnerUp } from './means'
import { separation } from '../stats'
import type { Names, VerdictText, WaterfallText } from './text'
import { THRESHOLDS } from './thresholds'
import type { CheckpointChange } from './trajectory'
import type { Waterfall, WaterfallBar, WaterfallLevel, WaterfallReason, WaterfallStep } from './waterfall'
import type {
  AlignmentVerdict,
  Candidate,
  DataVerdict,
  ModeVerdict,
  TrainEvalVerdict,
  Verdict,
  VerdictStatus,
} from './types'

const STATUSES: Record<VerdictStatus, string> = {
  pass: '通过',
  fail: '未通过',
  expected: '符合预期',
  inconclusive: '无法判定',
  notMeasured: '未测量',
}

const BADGES: Record<VerdictStatus, string> = {
  pass: '✅ 通过',
  fail: '❌ 未通过',
  expected: '🔵 符合预期',
  inconclusive: '❔ 无法判定',
  notMeasured: '➖ 未测量',
}

const KINDS: Record<DatasetKind, string> = {
  fromTraining: '取自训练数据',
  heldOut: '留出集',
  mixed: '部分取自训练数据',
  unknown: '来源未知',
}

const HYPOTHESES = {
  data: '数据差异：评估样本是否来自训练数据',
  weights: '权重加载：检查点权重是否完整进入ONNX模型',
  mode: '训练与推理模式：教师强制与自回归生成的差异（错误累积）',
  kvCache: 'KV cache：增量解码是否与完整前向一致',
  alignment: '位置索引：logits是否与正确的目标token对齐',
  trainEval: '训练与评估：评估loss与检查点所在步的训练loss相比',
} as const

function candidate(c: Candidate): string {
  switch (c.measure) {
    case 'teacherForcing':
      return '教师强制（正确切片）'
    case 'keepLastMisaligned':
      return 'logits_to_keep=P 并取最后P行（错位一个位置）'
    case 'keepLastAligned':
      return 'logits_to_keep=P+1 并去掉最后一行（正确切片）'
    case 'offsetSweep': {
      const s = c.shift ?? 0
      if (s === 0) return '偏移扫描，偏移0（正确的行）'
      return `偏移扫描，行号偏移 ${fmtShift(s)}（${s > 0 ? '向后' : '向前'}错${Math.abs(s)}位）`
    }
    case 'autoregressive':
      return '自回归生成（贪心解码）'
    case 'sft':
      return 'SFT loss（只计助手token，与MiniMind的SFT训练器相同）'
    case 'sftShiftedMask':
      return '掩码错后一个位置的SFT loss（把输入行的掩码用在了标签上）'
    case 'sftAutoregressive':
      return '对话中助手回合的生成（贪心解码）'
  }
}

function dataVerdict(v: DataVerdict): string {
  const total = v.total ?? 0
  const found = v.found ?? 0
  const counts = `其中 ${v.exact} 条逐字相同，${v.normalized} 条在空白归一化后相同，${v.substring} 条是训练样本的一部分`
  switch (v.reason) {
    case 'notChecked':
      return v.claimedKind === 'unknown'
        ? '尚未做一致性检查，也没有标明这些样本是否取自训练数据。'
        : `尚未做一致性检查；该数据集标为“${KINDS[v.claimedKind]}”，但尚未验证。`
    case 'allFound':
      return `全部 ${total} 条评估样本都出现在训练数据中（${counts}）：该数据集取自训练数据，可以与训练loss同口径比较。`
    case 'confirmedHeldOut':
      return `${total} 条样本均未出现在训练数据中：已确认是留出集，其loss衡量的是泛化能力，高于训练loss属于预期。`
    case 'mixed':
      return `${total} 条样本中 ${found} 条出现在训练数据中，${total - found} 条没有：两部分分别与训练loss比较。`
    case 'claimedNotFound':
      return `该数据集标为取自训练数据，但 ${total} 条中有 ${total - found} 条在训练数据中找不到：这些样本上的loss衡量的是泛化，而不是评估是否忠实于训练。`
    case 'heldOutFound':
      return `该数据集标为留出集，但 ${total} 条中有 ${found} 条出现在训练数据中：留出集被污染，其loss会低估泛化差距。`
  }
}

/** 错后一位的掩码与SFT loss并列（按对话配对），并指明训练器的数字是哪一个。 */
function maskLateZh(v: AlignmentVerdict): string {
  if (v.shiftedMaskLoss === null || v.shiftedMaskLoss === undefined) return ''
  const sep = separation(v.maskLateExcess ?? 0, v.maskLateStderr ?? null, 0, THRESHOLDS.noiseStderrs)
  const noise =
    sep === 'above' || sep === 'below' ? '超出噪声' : `在噪声范围内（${THRESHOLDS.noiseStderrs} 个标准误）`
  const mine = v.reportedValue !== null && v.reportedValue !== undefined
  // 超额在噪声以内：仅凭数字分不出两种掩码。
  const reported = !mine
    ? ''
    : sep === 'above' || sep === 'below'
      ? `您报告的 ${fmtLoss(v.reported)} 就是这个错后一位的掩码（此处为 ${fmtLoss(v.reportedValue)}）：您的脚本移动了标签，却没有移动损失掩码；问题不在模型的输出行。`
      : `您报告的 ${fmtLoss(v.reported)} 最接近这个错后一位的掩码（此处为 ${fmtLoss(v.reportedValue)}），但在这些对话上两种掩码相差在噪声以内：仅凭数字无法判断您的脚本算的是哪一个；无论哪种，问题都不在模型的输出行。`
  return `损失掩码错后一位（常见的评估错误：标签移了位，掩码没移）得到 ${fmtLoss(v.shiftedMaskLoss)}，与SFT loss ${fmtLoss(v.sftLoss)} 相差 ${fmtSignedLoss(v.maskLateExcess)}${fmtPm(v.maskLateStderr)} nats，${noise}；训练器记录的是SFT loss（掩码随标签一起移位）。错位掩码仍让每一行预测它自己的下一个token，只是计入的token整体后移一位，所以数值变化很小，无法从数值上发现，只能看脚本。${reported}`
}

function sftAlignmentVerdict(v: AlignmentVerdict): string {
  const zero = v.sweep[0]
  const best = v.argminShift ?? 0
  const pm = fmtPm(v.uncertainty)
  const mask = maskLateZh(v)
  switch (v.reason) {
    case 'minimumAtZero': {
      const next = sweepRunnerUp(v.sweep, 0)
      const nextText = next
        ? `（次低：偏移 ${fmtShift(next[0])}，${fmtLoss(next[1])}，高出 ${fmtLoss(v.figure)}${pm} nats）`
        : ''
      return `助手目标上的偏移扫描在偏移0（即SFT loss）处最低，为 ${fmtLoss(zero)} nats${nextText}：第 p − 1 行预测回复的第 p 个token，与训练一致。${mask}`
    }
    case 'rowsShifted': {
      const n = Math.abs(best)
      return `在助手目标上，模型的输出行${best > 0 ? '向后' : '向前'}错了${n}个位置：偏移 ${fmtShift(best)} 的loss为 ${fmtLoss(v.sweep[best])}，偏移0（SFT loss）为 ${fmtLoss(zero)}，低 ${fmtLoss(v.dip)}${pm} nats，而模型已学到 ${fmtLoss(v.learnedDepth)} nats 的上下文信息。应修正移动了logits的导出。${mask}`
    }
    case 'tooLittleLearned':
      return `无法判定：模型学到的太少，尚不足以检验位置对齐。助手目标上最低点在偏移 ${fmtShift(best)}（${fmtLoss(v.sweep[best])}；偏移0即SFT loss为 ${fmtLoss(zero)}），但它之前的各行只差 ${fmtLoss(v.learnedDepth)} nats，不到所需的 ${fmtLoss(v.threshold)} nats。${mask}`
    case 'withinNoise':
      return `无法判定：助手目标上偏移 ${fmtShift(best)}（${fmtLoss(v.sweep[best])}）比偏移0即SFT loss（${fmtLoss(zero)}）低 ${fmtLoss(v.dip)}${pm} nats，但在噪声范围内，或小于能说明错位的最小差值 ${fmtLoss(v.threshold)} nats。${mask}`
    case 'explainsReported':
      return `您报告的 ${fmtLoss(v.reported)} 是损失掩码错后一位的SFT loss（在这些对话上为 ${fmtLoss(v.reportedValue)}）：您的脚本移动了标签，却没有移动损失掩码。训练器记录的是SFT loss，${fmtLoss(v.sftLoss)}。${v.argminShift === 0 ? `模型本身是对齐的：助手目标上的偏移扫描在偏移0处最低（${fmtLoss(zero)}）。` : ''}`
    case 'sftNoSweep':
      return `未测量助手目标上的偏移扫描，因此没有检验输出行。${mask}`
    default:
      return '助手目标上的偏移扫描和SFT loss都未测量。'
  }
}

function alignmentVerdict(v: AlignmentVerdict): string {
  if (v.evalMeasure === 'sft') return sftAlignmentVerdict(v)
  const excess =
    v.misalignedExcess !== null && v.misalignedExcess > 0
      ? `错位一个位置（logits_to_keep=P，取最后P行）得到 ${fmtLoss(v.keepLastMisaligned)}，是教师强制的 ${fmtRatio(v.keepLastMisaligned, v.teacherForcing)}。`
      : ''
  const zero = v.sweep[0]
  const best = v.argminShift ?? 0
  const pm = fmtPm(v.uncertainty)
  const train = v.trainLoss !== null ? `该步的训练loss为 ${fmtLoss(v.trainLoss)}。` : ''
  switch (v.reason) {
    case 'notMeasured':
      return '未测量偏移扫描，也未测量logits_to_keep的两种切法。'
    case 'minimumAtZero': {
      const next = sweepRunnerUp(v.sweep, 0)
      const nextText = next
        ? `（次低：偏移 ${fmtShift(next[0])}，${fmtLoss(next[1])}，高出 ${fmtLoss(v.figure)}${pm} nats）`
        : ''
      return `偏移扫描在偏移0处最低，为 ${fmtLoss(zero)} nats${nextText}：第i个位置的logits预测第i+1个token，位置索引正确。${excess}`
    }
    case 'rowsShifted': {
      const n = Math.abs(best)
      return `模型的输出行${best > 0 ? '向后' : '向前'}错了${n}个位置：偏移 ${fmtShift(best)} 的loss为 ${fmtLoss(v.sweep[best])}，偏移0为 ${fmtLoss(zero)}（低 ${fmtLoss(v.dip)}${pm} nats），而模型已学到 ${fmtLoss(v.learnedDepth)} nats 的上下文信息。${train}应取第 L−1${best > 0 ? '+' : '−'}${n} … N−2${best > 0 ? '+' : '−'}${n} 行（偏移 ${fmtShift(best)}），或修正移动了logits的导出。`
    }
    case 'tooLittleLearned':
      return `无法判定：模型学到的太少，尚不足以检验位置对齐。最低点在偏移 ${fmtShift(best)}（${fmtLoss(v.sweep[best])}；偏移0为 ${fmtLoss(zero)}），但它之前的各行只差 ${fmtLoss(v.learnedDepth)} nats，不到检验所需的 ${fmtLoss(v.threshold)} nats。偏移+1的行已经输入过它要预测的目标token，接近无上下文水平的模型只要有一点复制倾向就会在那里得分更低。等后面的检查点再判定。`
    case 'leakage':
      return `无法判定：偏移 ${fmtShift(best)} 的loss（${fmtLoss(v.sweep[best])}）低于偏移0（${fmtLoss(zero)}），但偏移0已经复现了训练loss（${fmtLoss(v.trainLoss)}）：更低的那一行已经输入过它自己的目标token（信息泄漏），这本身永远不能说明位置错位。`
    case 'withinNoise':
      return `无法判定：偏移 ${fmtShift(best)}（${fmtLoss(v.sweep[best])}）比偏移0（${fmtLoss(zero)}）低 ${fmtLoss(v.dip)}${pm} nats，但在噪声范围内，或小于能说明错位的最小差值 ${fmtLoss(v.threshold)} nats。更多样本或后面的检查点可以判定。`
    case 'sftNoSweep':
      return sftAlignmentVerdict(v)
    case 'keepLastDiffers':
      return `logits_to_keep=P+1 去掉最后一行得到 ${fmtLoss(v.keepLastAligned)}，教师强制为 ${fmtLoss(v.teacherForcing)}：图中的logits_to_keep路径算出的logits本身就不同，而不只是更少。`
    case 'correctBeatsShifted':
      return `正确切片（${fmtLoss(v.teacherForcing ?? v.keepLastAligned)}）优于错位切片（${fmtLoss(v.keepLastMisaligned)}）；未运行偏移扫描。${excess}`
    case 'shiftedBeatsCorrect':
      return v.status === 'fail'
        ? `错位切片（${fmtLoss(v.keepLastMisaligned)}）远低于正确切片（${fmtLoss(v.teacherForcing ?? v.keepLastAligned)}）：模型的输出行向后错了一个位置。${train}`
        : `错位切片（${fmtLoss(v.keepLastMisaligned)}）低于正确切片（${fmtLoss(v.teacherForcing ?? v.keepLastAligned)}），但那一行已经输入过目标token：没有偏移扫描和足够大的差距，这不能说明错位。`
    case 'explainsReported': {
      const s = v.reportedShift ?? 0
      const model =
        v.argminShift === 0 ? `模型本身的位置是对齐的：偏移扫描在偏移0处最低（${fmtLoss(zero)}）。` : ''
      const row =
        Math.abs(s) === 1 ? (s > 0 ? '的下一行' : '的上一行') : `${s > 0 ? '之后' : '之前'}第${Math.abs(s)}行`
      return `您的脚本错了${Math.abs(s)}位：您报告的 ${fmtLoss(v.reported)} 是行号偏移 ${fmtShift(s)} 的切片算出的loss（在这些样本上为 ${fmtLoss(v.reportedValue)}），即每个目标配上了预测它的那一行${row}。${model}`
    }
  }
}

function trainEvalVerdict(v: TrainEvalVerdict): string {
  const part =
    v.subset === 'found'
      ? '在训练数据中找到的样本上，'
      : v.subset === 'notFound'
        ? '在训练数据中找不到的样本上，'
        : ''
  const ends =
    v.logEndsAt !== null
      ? `注意：训练日志在第 ${v.logEndsAt} 步就结束了，早于该检查点的第 ${v.step} 步；窗口取的是日志的最后几行，步数可能有误。`
      : ''
  const t = v.training
  const window = t
    ? `即第 ${v.step} 步及之前 ${t.lines} 条日志loss的均值（第 ${t.fromStep}–${t.toStep} 步，标准差 ${fmtLoss(t.sd)}）`
    : ''
  const figures = `${part}${v.evalMeasure === 'sft' ? 'SFT loss' : '教师强制loss'}为 ${fmtLoss(v.evalLoss)}${fmtPm(v.evalStderr)}，训练loss为 ${fmtLoss(v.trainLoss)}，${window}：相差 ${fmtSignedLoss(v.difference)}${fmtPm(v.uncertainty)} nats，相对训练loss ${fmtSignedPct(v.relative)}`
  switch (v.reason) {
    case 'noTrainLoss':
      return '没有可用的训练loss（没有训练日志，或日志中没有loss）。'
    case 'noTeacherForcing':
      return '未在该数据集上测量教师强制loss。'
    case 'noStep': {
      const c = v.crossingStep
      const where =
        v.kind !== 'fromTraining'
          ? '只有取自训练数据的样本落在训练曲线上，这个数据集无法说明检查点在哪一步'
          : c === null
            ? '训练曲线始终没有降到这个值'
            : c === 'before'
              ? '训练曲线一开始就已低于这个值'
              : `平滑后的训练曲线在第 ~${c} 步降到这个值：该检查点看起来像第 ~${c} 步`
      return `该检查点的训练步数未知，因此不与训练日志比较（训练结束时已是另一个模型）。其教师强制loss为 ${fmtLoss(v.evalLoss)}；${where}。给出步数（--step，或检查点的“步数”字段）即可得到判定。`
    }
    case 'noLogAtStep':
      return `训练日志在第 ${v.step} 步及之前没有记录。`
    case 'within':
      return `${figures}：在训练loss的 ${fmtPct(v.threshold, 0)} 以内，评估复现了训练。${ends}`
    case 'above':
      return `${figures}：在取自训练数据的样本上高于训练loss且超出噪声范围，评估没有复现训练。${ends}`
    case 'below':
      return v.kind === 'fromTraining'
        ? `${figures}：低于训练loss，这在训练过的样本上属于预期（每条日志只是一个micro-batch在更新前的loss；这些样本此后又被训练过；训练数据的构成也与本数据集不同）。${ends}`
        : `${figures}：低于训练loss，说明评估没有高估loss；${v.kind === 'heldOut' ? '这个留出集比训练数据更容易' : '若样本取自训练数据则属于预期，否则说明它们比训练数据更容易（数据一致性检查可以判定）'}。${ends}`
    case 'noisy':
      return `${figures}：比训练loss高出 ${fmtPct(v.threshold, 0)} 以上，但仍在 ${THRESHOLDS.noiseStderrs} 倍标准误的噪声范围内。无法判定${v.samplesToDecide !== null ? `：约 ${v.samplesToDecide} 条样本可以判定` : ''}。`
    case 'generalisation':
      return `${figures}：这是留出集，差距即泛化差距，属于预期，而不是缺陷。${ends}`
    case 'unknownKind':
      return `${figures}。无法判定：尚未确认这些样本是否取自训练数据。若取自训练数据，这是未通过；若是留出集，则是预期的泛化差距。运行数据一致性检查（或标明数据集类型）即可判定。${ends}`
  }
}

/** SFT的训练/推理模式：生成的回复与同一批回复token的教师强制loss（SFT loss的前几个token）比较。 */
function sftModeZh(v: ModeVerdict): string {
  const ar = fmtLoss(v.autoregressive)
  const tf = fmtLoss(v.teacherForcing)
  if (v.reason === 'notMeasured') return '未测量生成回复的loss（sftAutoregressive）：只有教师强制的SFT loss。'
  if (v.reason === 'explainsReported')
    return `您报告的 ${fmtLoss(v.reported)} 就是生成回复的loss（${ar}）：您的脚本评估的是自由生成，它高于训练器记录的SFT loss（曝光偏差），不能与之比较。`
  const same = `同一批回复token的教师强制loss（即这些token上的SFT loss：${tf}）`
  if (v.reason === 'noGap')
    return `生成回复（${ar}）在每一步都与${same}相差不超过 ${fmtLoss(v.threshold)} nats。`
  const where = v.divergenceStep !== null ? `，从第 ${v.divergenceStep} 步（共 ${v.steps} 步）开始分离` : ''
  return `属于预期（曝光偏差）：贪心生成的回复loss为 ${ar}，比${same}高 ${fmtLoss(v.gap)}${fmtPm(v.uncertainty)} nats${where}。训练器的数字是教师强制的SFT loss；只有当报告的数字正是生成回复的loss时，它才是原因。`
}

function verdict(v: Verdict): string {
  switch (v.hypothesis) {
    case 'data':
      return dataVerdict(v)
    case 'weights':
      if (v.reason === 'notChecked')
        return '尚未将检查点与ONNX模型逐个张量比对（没有源 .pth/.safetensors，或尚未验证）。'
      if (v.reason === 'allMatched')
        return `检查点的全部 ${v.total} 个张量都与ONNX模型一致（最大|差| ${fmtSci(v.maxAbsDiff)}，容差 ${fmtSci(v.tolerance)}）：评估的就是训练出的模型。`
      return `只有 ${v.matched}/${v.total} 个张量一致（${v.mismatched} 个数值不同，${v.unmatchedCheckpoint} 个在ONNX模型中缺失）：评估的不是训练出的模型。`
    case 'mode': {
      const ar = fmtLoss(v.autoregressive)
      const tf = fmtLoss(v.teacherForcing)
      if (v.evalMeasure === 'sft') return sftModeZh(v)
      if (v.reason === 'notMeasured') return '未同时测量教师强制和自回归生成。'
      if (v.reason === 'explainsReported')
        return `您报告的 ${fmtLoss(v.reported)} 就是自回归loss（${ar}）：您的脚本评估的是自由生成，它高于训练loss属于预期（曝光偏差），不能与训练loss比较；教师强制（${tf}）才可以。`
      const notYours =
        v.reported !== null && v.autoregressive !== null
          ? `它不能解释您报告的 ${fmtLoss(v.reported)}（相差 ${fmtPct(Math.abs(v.autoregressive - v.reported) / v.reported)}）。`
          : ''
      if (v.reason === 'noGap')
        return `自回归生成（${ar}）在每一步都与教师强制（${tf}）相差不超过 ${fmtLoss(v.threshold)} nats。${notYours}`
      const where =
        v.divergenceStep !== null ? `，从第 ${v.divergenceStep} 步（共 ${v.steps} 步）开始分离` : ''
      return `属于预期（曝光偏差）：自回归生成（${ar}）比教师强制（${tf}）高 ${fmtLoss(v.gap)}${fmtPm(v.uncertainty)} nats${where}，模型以自己的猜测为条件时就会如此。只有当报告的数字正是自回归loss时，它才是原因。${notYours}`
    }
    case 'kvCache':
      if (v.reason === 'sftRun')
        return '不适用于SFT评分：SFT loss 对每个对话只做一次完整前向，其中没有KV cache。SFT循环不做缓存检查；生成回复所用的缓存可以在同一模型的预训练运行（文本数据集）中用 kvCache 检查。'
      if (v.reason === 'noCache')
        return '模型没有KV cache输入，无需检查缓存；生成时每一步都重新计算了整个前缀。'
      if (v.reason === 'notMeasured') return '未运行KV cache检查。'
      if (v.reason === 'agrees')
        return `使用KV cache逐步解码复现了完整前向（最大|logit差| ${fmtKvDiff(v.maxAbsDiff, 'zh-CN')}，top-1一致率 ${fmtPct(v.top1Agreement, 2)}）：缓存不能解释差距。`
      if (v.reason === 'logitsDiffer')
        return `增量解码的logits与完整前向相差最多 ${fmtSci(v.maxAbsDiff)}，远超float32运算顺序带来的误差：缓存路径算的是别的东西（位置、过期条目或布局）。`
      return `logits很接近（最大|差| ${fmtSci(v.maxAbsDiff)}），但缓存让 ${fmtPct(1 - (v.top1Agreement ?? 0), 2)} 的步骤预测了不同的token。`
    case 'alignment':
      return alignmentVerdict(v)
    case 'trainEval':
      return trainEvalVerdict(v)
  }
}

const CAUSES: Record<Cause, string> = {
  weights: '检查点没有完整进入ONNX模型',
  alignment: 'logits与错误的目标配对',
  mode: '这个数字评估的是自由生成，而不是教师强制',
  kvCache: 'KV cache路径算出的logits不同',
  data: '样本并不是所说的训练数据',
  trainEval: '评估loss高于训练loss且超出噪声，而没有任何检查能解释',
  generalisation: '高于训练loss，留出集本应如此',
  none: '评估与训练相符，没有发现缺陷',
  inconclusive: '现有证据还不能判定',
  notMeasured: '还没有测量能做出判定的内容',
}

function conclusion(c: Conclusion, names: Names): string {
  const head = `${names.dataset(c.datasetId)}（${names.checkpoint(c.checkpointId)}）：${CAUSES[c.cause]}。`
  const why = [c.verdict, ...c.related].map((v) => (v ? verdict(v) : '')).join('')
  return head + why + [...c.regressions, ...c.improvements].map((x) => change(x, names)).join('')
}

const CHANGE_NAMES: Record<CheckpointChange['measure'], string> = {
  teacherForcing: '教师强制',
  autoregressive: '自回归loss',
  sft: 'SFT loss',
  sftAutoregressive: '生成回复的loss',
}

function change(c: CheckpointChange, names: Names): string {
  const m = CHANGE_NAMES[c.measure]
  // 更“确定”的模型改善的是与生成并列的教师强制式loss。
  const forced = c.measure === 'sftAutoregressive' ? 'SFT loss' : '教师强制'
  const amount = `${fmtSignedLoss(c.delta)}${fmtPm(c.stderr)} nats，${c.samples} 条样本`
  const on = names.dataset(c.datasetId)
  if (c.status === 'regression')
    return `${names.checkpoint(c.to)} 在 ${on} 上比 ${names.checkpoint(c.from)} 更差（${m}）：${amount}，可能是过拟合或遗忘。`
  if (c.status === 'brokenExport')
    return `${names.checkpoint(c.to)} 与 ${names.checkpoint(c.from)} 在 ${on} 上（${m}）：${amount}，这不是训练带来的变化：其中一个检查点未通过位置对齐或权重验证，差异来自这一缺陷。`
  if (c.status === 'sharperModel')
    return `${names.checkpoint(c.to)} 在 ${on} 上的${m}比 ${names.checkpoint(c.from)} 高（${amount}），而${forced}有所改善：模型越“确定”，沿自己的贪心路径给真实token的概率就越低（曝光偏差随训练增大），属于预期，而不是过拟合。`
  if (c.status === 'improvement')
    return `${names.checkpoint(c.to)} 在 ${on} 上优于 ${names.checkpoint(c.from)}（${m}）：${amount}。`
  return `${names.checkpoint(c.to)} 与 ${names.checkpoint(c.from)} 在 ${on} 上（${m}）：${amount}，在噪声范围内${c.unclear ? '（更多样本可以判定）' : ''}。`
}

function thresholdZh(v: Verdict): string {
  switch (v.hypothesis) {
    case 'data':
      return v.claimedKind === 'heldOut'
        ? '一条也不应找到'
        : v.claimedKind === 'fromTraining'
          ? '应全部找到'
          : '全部找到（取自训练）或全部找不到（留出）'
    case 'weights':
      return '全部张量'
    case 'mode':
      return `单步 ${v.evalMeasure === 'sft' ? '生成 − 教师强制' : '自回归 − 教师强制'} > ${fmtLoss(v.threshold ?? THRESHOLDS.modeStepDivergenceNats)} nats 即视为分离`
    case 'kvCache':
      return `≤ ${fmtSci(v.maxAbsDiffThreshold)}，且top-1 ≥ ${fmtPct(v.top1Threshold, 0)}`
    case 'alignment':
      return '偏移0最低'
    case 'trainEval':
      return `±${fmtPct(v.threshold, 0)} 且 ${THRESHOLDS.noiseStderrs} 倍标准误`
  }
}

export const textZh: VerdictText = {
  badge: (s) => BADGES[s],
  status: (s) => STATUSES[s],
  kind: (k) => KINDS[k],
  hypothesis: (h) => HYPOTHESES[h],
  conclusion,
  change,
  candidate,
  verdict,
  figure(v) {
    if (v.hypothesis === 'kvCache' && v.reason === 'sftRun')
      return { figure: '不适用于SFT评分', threshold: '—' }
    if (v.figure === null && v.status === 'notMeasured') return { figure: '—', threshold: thresholdZh(v) }
    switch (v.hypothesis) {
      case 'data':
        return { figure: `找到 ${v.found}/${v.total}`, threshold: thresholdZh(v) }
      case 'weights':
        return { figure: `匹配 ${v.matched}/${v.total}`, threshold: thresholdZh(v) }
      case 'mode':
        if (v.reason === 'explainsReported') {
          return {
            figure: `与自回归loss相差 ${fmtPct(v.figure, 2)}`,
            threshold: `≤ ${fmtPct(v.threshold, 0)}`,
          }
        }
        return {
          figure:
            v.evalMeasure === 'sft' && v.maxStepGapAt !== null
              ? `单个回复token的最大差（生成 − 教师强制的SFT）${fmtSignedLoss(v.maxStepGap)} nats，在第 ${v.maxStepGapAt} 步`
              : v.maxStepGapAt !== null
                ? `单步最大差（自回归 − 教师强制）${fmtSignedLoss(v.maxStepGap)} nats，在第 ${v.maxStepGapAt} 步`
                : `自回归 − 教师强制 ${fmtSignedLoss(v.gap)} nats`,
          threshold: thresholdZh(v),
        }
      case 'kvCache':
        if (v.reason === 'top1Differs')
          return { figure: `top-1一致率 ${fmtPct(v.figure, 2)}`, threshold: `≥ ${fmtPct(v.threshold, 0)}` }
        return { figure: `最大|差| ${fmtKvDiff(v.figure, 'zh-CN')}`, threshold: thresholdZh(v) }
      case 'alignment':
        if (v.reason === 'keepLastDiffers')
          return {
            figure: `|对齐 − 教师强制| ${fmtSci(v.figure)} nats`,
            threshold: `≤ ${fmtSci(v.threshold)} nats`,
          }
        if (v.reason === 'correctBeatsShifted' || v.reason === 'shiftedBeatsCorrect') {
          return { figure: `错位 − 正确 ${fmtSignedLoss(v.figure)} nats`, threshold: '> 0' }
        }
        if (v.reason === 'explainsReported') {
          if (v.evalMeasure === 'sft')
            return {
              figure: `您的数字与错后一位的掩码相差 ${fmtPct(v.figure, 2)}`,
              threshold: `≤ ${fmtPct(v.threshold, 0)}`,
            }
          return {
            figure: `您的数字与行号偏移 ${fmtShift(v.reportedShift ?? 0)} 的切片相差 ${fmtPct(v.figure, 2)}`,
            threshold: `≤ ${fmtPct(v.threshold, 0)}`,
          }
        }
        if (v.reason === 'minimumAtZero')
          return {
            figure: `次低偏移比偏移0高 ${fmtSignedLoss(v.figure)}${fmtPm(v.uncertainty)} nats`,
            threshold: '偏移0最低',
          }
        if (v.reason === 'sftNoSweep')
          return {
            figure: `错后一位的掩码 − SFT loss ${fmtSignedLoss(v.figure)}${fmtPm(v.uncertainty)} nats`,
            threshold: '无偏移扫描：未检验输出行',
          }
        if (v.reason === 'tooLittleLearned')
          return {
            figure: `已学到 ${fmtLoss(v.figure)} nats`,
            threshold: `≥ ${fmtLoss(v.threshold)} nats 才可检验`,
          }
        return {
          figure: `偏移 ${fmtShift(v.argminShift ?? 0)} 比偏移0低 ${fmtLoss(v.figure)}${fmtPm(v.uncertainty)} nats`,
          threshold: `> ${fmtLoss(v.threshold)} nats 且超过 ${THRESHOLDS.noiseStderrs} 倍标准误`,
        }
      case 'trainEval':
        if (v.reason === 'noStep') return { figure: `评估 ${fmtLoss(v.evalLoss)}，步数未知`, threshold: '—' }
        return {
          figure: `${fmtSignedLoss(v.difference)}${fmtPm(v.uncertainty)} nats（相对训练loss ${fmtSignedPct(v.figure)}）`,
          threshold: thresholdZh(v),
        }
    }
  },
  explanation(e, runName) {
    const on = (c: Candidate): string => {
      const name = runName?.(c)
      return name ? `（${name}）` : ''
    }
    if (e.status === 'noCandidates') return `没有可与您报告的 ${fmtLoss(e.reported)} 比较的测量结果。`
    if (e.status === 'noMatch' || !e.match) {
      const n = e.nearest!
      return `没有任何一种计算方式能在 ${fmtPct(e.tolerance, 0)} 以内复现您报告的 ${fmtLoss(e.reported)}：最接近的是${candidate(n)}${on(n)}，为 ${fmtLoss(n.value)}（相差 ${fmtPct(n.relative, 2)}）。请确认您的脚本使用了相同的样本、输入长度和预测长度。`
    }
    const m = e.match
    const head = `${candidate(m)}${on(m)}复现了您报告的 ${fmtLoss(e.reported)}：${fmtLoss(m.value)}，相差 ${fmtPct(m.relative, 2)}（容差 ${fmtPct(e.tolerance, 0)}）。`
    let tail = ''
    if (m.measure === 'sftShiftedMask') {
      tail =
        '您的脚本移动了标签，却没有移动loss掩码，所以计分的是每个助手token之后的那个token（丢掉了回答的第一个token，多算了回答结束后的那个）。'
    } else if (m.rowShift !== null && m.rowShift !== 0) {
      tail = `您的脚本取的切片${m.rowShift > 0 ? '向后' : '向前'}错了${Math.abs(m.rowShift)}个位置。`
    } else if (m.rowShift === 0) {
      tail = '您的脚本取的已经是正确切片。'
    }
    // Another slice, or the same slice on another checkpoint or dataset: either could be the user's number.
    const others = e.ranked.filter(
      (c) =>
        c.relative <= e.tolerance &&
        (c.rowShift !== m.rowShift || c.checkpointId !== m.checkpointId || c.datasetId !== m.datasetId),
    )
    const amb =
      e.ambiguous && others.length > 0
        ? `同样在容差以内的还有：${others
            .slice(0, 3)
            .map((c) => `${candidate(c)}${on(c)}，${fmtLoss(c.value)}（相差 ${fmtPct(c.relative, 2)}）`)
            .join('；')}。这里取最接近者，但仅凭数字无法排除它们。`
        : ''
    return head + tail + amb
  },
  waterfall: waterfallZh(),
}

const WF_STEPS: Record<WaterfallStep, string> = {
  logNoise: '日志噪声',
  auxLoss: '记录的loss中的aux_loss',
  trainingMix: '训练数据混合与这些样本',
  tokenWeighting: '按token加权',
  position: '训练格式与续写窗口',
  bos: 'BOS约定',
  slicing: '您的脚本的切片',
}

const WF_SHORT: Record<WaterfallStep, string> = {
  logNoise: '日志噪声',
  auxLoss: 'aux_loss',
  trainingMix: '训练混合',
  tokenWeighting: 'token加权',
  position: '位置',
  bos: 'BOS',
  slicing: '切片',
}

function wfLevel(m: { level: WaterfallLevel; shift?: number }): string {
  switch (m.level) {
    case 'loggedLine':
      return '记录的单行loss'
    case 'logWindow':
      return '窗口内loss的均值'
    case 'logWindowLogits':
      return '窗口内logits_loss的均值'
    case 'trainFormatTokenWeighted':
      return '训练格式loss（按token加权）'
    case 'trainFormat':
      return '训练格式loss（按样本平均）'
    case 'teacherForcing':
      return '续写窗口的教师强制'
    case 'bosBothWithBos':
      return '加BOS的教师强制'
    case 'bosBothWithoutBos':
      return '不加BOS的教师强制'
    case 'reported':
      return '您报告的数字'
    default:
      return candidate({ measure: m.level, value: 0, ...(m.shift === undefined ? {} : { shift: m.shift }) })
  }
}

/** `end`：没有用户数字时路径的终点（教师强制，或SFT运行的SFT loss）。 */
function wfReason(r: WaterfallReason, end = '教师强制'): string {
  switch (r) {
    case 'noLog':
      return '未测量：没有训练日志。请添加日志（--train-log，或实验的训练日志）后再测。'
    case 'noStep':
      return '未测量：检查点的步数未知。请设置步数（--step，或检查点的步数），以便与该处的日志比较。'
    case 'noLogAtStep':
      return '未测量：日志在检查点的步数及之前没有任何记录。'
    case 'noAuxInLog':
      return '未测量：日志行中没有logits_loss和aux_loss（2026年之前的MiniMind日志）。稠密模型的aux_loss为0；MoE模型的这一部分无法从该日志读出。'
    case 'noTrainFormat':
      return '未测量：请在该数据集上运行trainFormat测量（--measures trainFormat）。'
    case 'noTeacherForcing':
      return '未测量：请在该数据集上运行teacherForcing测量。'
    case 'noBosBoth':
      return '未测量：请对两种BOS约定都打分（--measures bosBoth，或--bos auto）。'
    case 'bosUnknown':
      return '未测量：bosBoth的两侧都无法复现教师强制，因此无法判断本次运行用的是哪种约定。'
    case 'runConvention':
      return '仅展示、不计入：您的数字在本次运行自己的约定下即可复现，或者没有数字、路径止于本次运行的教师强制。'
    case 'noReported':
      return `无此步：没有您脚本的数字，路径止于${end}。填入您脚本打印的数字即可看到这一步。`
    case 'numberElsewhere':
      return `此处无此步：您的数字是在另一个检查点或数据集上解释的（见“解释我的数字”），所以这条路径止于${end}。`
    case 'noMatch':
      return `未测量：没有任何测量到的计算方式能在 ${fmtPct(THRESHOLDS.explainRelativeTolerance, 0)} 以内复现您的数字，它与教师强制的差距留在残差中。`
    case 'otherRun':
      return '此处未测量：复现您数字的计算方式是在另一个检查点或数据集上测得的（见“解释我的数字”）。'
    case 'otherConvention':
      return '无此步：另一种BOS约定下的教师强制已经复现了您的数字（BOS这一步），而不是某种切片。'
    case 'numberIsTrainFormat':
      return '仅展示、不计入：您的数字就是这些样本的训练格式loss（按训练器的方式对整个样本打分），路径到此为止。'
    case 'sftRun':
      return '不适用：SFT运行的SFT loss本身就是训练器的loss（整段对话，只计助手token），没有需要换回训练格式的续写。'
  }
}

function wfNoise(b: WaterfallBar): string {
  if (b.step === 'logNoise' && b.stderr !== null) {
    return b.separation === 'above' || b.separation === 'below'
      ? `这一行不寻常（超出单行的${THRESHOLDS.noiseStderrs}个标准误）`
      : '在单行日志的正常离散范围内'
  }
  switch (b.separation) {
    case 'above':
    case 'below':
      return `超出噪声（大于${THRESHOLDS.noiseStderrs}个标准误）`
    case 'within':
      return '恰好为零'
    case 'unclear':
      return b.stderr === null
        ? '没有标准误（少于两个值）'
        : `在噪声以内（不超过${THRESHOLDS.noiseStderrs}个标准误）：更多样本才能判断`
    default:
      return ''
  }
}

function waterfallZh(): WaterfallText {
  // SFT运行（其续写步骤带 sftRun 原因）评分的是对话，不是样本。
  const count = (b: WaterfallBar, w: Waterfall): string => {
    const items = w.bars.some((x) => x.reason === 'sftRun') ? '个对话' : '个样本'
    return b.step === 'logNoise' || b.step === 'auxLoss'
      ? `${b.n}行日志`
      : b.step === 'trainingMix'
        ? `${b.n}${items}对比日志窗口`
        : `${b.n}${items}，配对`
  }
  return {
    step: (s) => WF_STEPS[s],
    stepShort: (s, w) =>
      s === 'start'
        ? w.start.level === 'loggedLine'
          ? w.step !== null
            ? `记录值（第 ${w.window?.toStep ?? w.step} 步）`
            : '记录值'
          : wfLevel(w.start).replace(/（.*$/, '')
        : s === 'end'
          ? w.end.level === 'reported'
            ? '您的数字'
            : w.end.level === 'sft'
              ? 'SFT loss'
              : '教师强制'
          : s === 'residual'
            ? '未解释'
            : WF_SHORT[s],
    level: wfLevel,
    method: (s, w) => {
      switch (s) {
        case 'logNoise':
          return w.window
            ? `MiniMind记录的是单个微批次的loss：第 ${w.window.toStep} 步的这一行，对比第 ${w.window.fromStep} 步到第 ${w.window.toStep} 步共 ${w.window.lines} 行的均值。`
            : 'MiniMind记录的是单个微批次的loss：检查点所在步的这一行，对比该处日志窗口的均值。'
        case 'auxLoss':
          return 'MiniMind（2026）记录的loss = logits_loss + aux_loss：比较窗口内logits_loss与loss的均值，因为评估不计负载均衡项。'
        case 'trainingMix':
          if (w.bars.some((b) => b.reason === 'sftRun'))
            return '日志窗口（该步的训练数据混合）对比这些对话上的SFT loss（与MiniMind的SFT训练器计分方式相同）；两者相互独立，标准误合并计算。'
          return '日志窗口（该步的训练数据混合）对比这些样本上的训练格式loss（按token加权，与一个批次的平均方式相同）；两者相互独立，标准误合并计算。'
        case 'tokenWeighting':
          return '同一批样本上，训练格式loss按token加权与按样本平均（每个样本计一次，与续写窗口相同）的对比。'
        case 'position':
          return '训练格式（max_seq_len以内的每个目标位置）对比续写窗口（L之后的P个位置），同一批样本，配对比较。'
        case 'bos':
          return `续写窗口分别在加BOS和不加BOS时打分，同一批样本，配对比较${w.bosUsed ? `；本次运行的约定是${w.bosUsed === 'yes' ? '加BOS' : '不加BOS'}` : ''}。`
        case 'slicing':
          if (w.bars.some((b) => b.reason === 'sftRun'))
            return 'SFT loss对比复现您数字的计算方式（“解释我的数字”），同一批对话，配对比较。'
          return '教师强制对比复现您数字的计算方式（“解释我的数字”），同一批样本，配对比较。'
      }
    },
    result: (b, w) => {
      if (b.status === 'notMeasured')
        return wfReason(b.reason!, w.end.level === 'sft' ? 'SFT loss' : undefined)
      const head = `${wfLevel(b.from!)} ${fmtLoss(b.from!.value)} → ${wfLevel(b.to!)} ${fmtLoss(b.to!.value)}：${fmtSignedLoss(b.value)}${fmtPm(b.stderr)} nats（${count(b, w)}），${wfNoise(b)}。`
      const spread =
        b.step === 'logNoise' && b.sd !== null
          ? `单行日志围绕窗口均值的离散为 ${b.sd.toFixed(3)} nats（标准差），单独一行不能作为参照。`
          : ''
      const aside =
        b.status === 'aside'
          ? b.reason === 'numberIsTrainFormat'
            ? wfReason(b.reason)
            : w.end.level === 'reported'
              ? '仅展示、不计入：您的数字在本次运行自己的约定下即可复现。'
              : w.bars.some((x) => x.reason === 'numberElsewhere')
                ? '仅展示、不计入：您的数字是在另一次运行上解释的，所以这条路径止于本次运行自己的教师强制。'
                : '仅展示、不计入：没有您脚本的数字，路径止于本次运行自己的教师强制。'
          : ''
      return head + spread + aside
    },
    residual: (w) => {
      const r = w.residual
      const noise =
        r.stderr === null
          ? ''
          : Math.abs(r.value) > THRESHOLDS.noiseStderrs * r.stderr
            ? `，超出各步合并噪声（± ${r.stderr.toFixed(3)}）`
            : `，在各步合并噪声以内（± ${r.stderr.toFixed(3)}）`
      return `未解释的残差：${fmtSignedLoss(r.value)} nats${noise}：没有任何已测量的步骤能解释的部分${w.bars.some((b) => b.status === 'notMeasured' && b.reason !== 'noReported' && b.reason !== 'numberElsewhere' && b.reason !== 'otherConvention' && b.reason !== 'sftRun') ? '，包括未测量的步骤' : ''}。`
    },
    summary: (w) => {
      const measured = w.bars.filter((b) => b.status === 'measured')
      const sum = measured.reduce((s, b) => s + b.value!, 0)
      const from =
        w.start.level === 'loggedLine' && w.window
          ? `第 ${w.window.toStep} 步记录的loss（${fmtLoss(w.start.value)}）`
          : `${wfLevel(w.start)}（${fmtLoss(w.start.value)}；该步没有记录的loss）`
      const to = `${wfLevel(w.end)}（${fmtLoss(w.end.value)}）`
      return `从${from}到${to}：相差 ${fmtSignedLoss(w.end.value - w.start.value)} nats，其中${measured.length}个已测量的步骤解释了 ${fmtSignedLoss(sum)}，未解释的为 ${fmtSignedLoss(w.residual.value)}。`
    },
    words: {
      title: '差距的逐步分解',
      step: '步骤',
      from: '起点',
      to: '终点',
      change: '变化（nats）',
      status: '状态',
      measured: '已测量',
      aside: '仅展示、不计入',
      notMeasured: '未测量',
      notApplicable: '不适用',
      residual: '未解释的残差',
      start: '起点',
      end: '终点',
      lossAxis: 'Loss（nats）',
      up: '使loss升高',
      down: '使loss降低',
      level: '起点与终点',
      errorBar: '± 2 个标准误',
    },
  }
}

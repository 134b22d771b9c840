/** 判定的中文表述(见 text.ts)。术语沿用原报告:教师强制、自回归、错位、位置索引。 */
import { fmtLoss, fmtPct, fmtSci, fmtShift, fmtSignedLoss, fmtSignedPct } from './format'
import { sweepRunnerUp } from './means'
import type { VerdictText } from './text'
import type { Candidate, Verdict } from './types'

const HYPOTHESES = {
  data: '数据差异:评估样本是否来自训练数据',
  weights: '权重加载:检查点权重是否完整进入ONNX模型',
  mode: '训练与推理模式:教师强制与自回归生成的差异(错误累积)',
  kvCache: 'KV cache:增量解码是否与完整前向一致',
  alignment: '位置索引:logits是否与正确的目标token对齐',
  trainEval: '训练与评估:训练样本上的loss是否与训练loss一致',
} as const

function candidate(c: Candidate): string {
  switch (c.measure) {
    case 'teacherForcing':
      return '教师强制(正确切片)'
    case 'keepLastMisaligned':
      return 'logits_to_keep=P 并取最后P行(错位一个位置)'
    case 'keepLastAligned':
      return 'logits_to_keep=P+1 并去掉最后一行(正确切片)'
    case 'offsetSweep': {
      const s = c.shift ?? 0
      if (s === 0) return '偏移扫描,偏移0(正确的行)'
      return `偏移扫描,行号偏移 ${fmtShift(s)}(${s > 0 ? '向后' : '向前'}错${Math.abs(s)}位)`
    }
    case 'autoregressive':
      return '自回归生成(贪心解码)'
  }
}

function verdict(v: Verdict): string {
  switch (v.hypothesis) {
    case 'data': {
      const claimed = v.claimedFromTraining ? '该数据集标注为取自训练数据,但尚未验证。' : ''
      if (v.reason === 'notChecked') return `尚未对该数据集做一致性检查。${claimed}`
      const total = v.total ?? 0
      const found = v.found ?? 0
      if (v.reason === 'allFound') {
        return `${total}个评估样本全部出现在训练数据中(逐字匹配${v.exact}个,空白归一化后${v.normalized}个,作为训练样本片段${v.substring}个),排除数据差异。`
      }
      if (v.reason === 'heldOut') {
        const some =
          found === 0
            ? `${total}个样本均未出现在训练数据中`
            : `${total}个样本中只有${found}个出现在训练数据中`
        return `${some}:这是留出集,其loss衡量的是泛化能力,高于训练loss属于正常。`
      }
      return `${total}个评估样本中有${total - found}个未在训练数据中找到:这些样本上的loss衡量的是泛化能力,差距中可能有一部分是真实的,而不是评估错误。`
    }
    case 'weights':
      if (v.reason === 'notChecked')
        return '尚未将检查点与ONNX模型逐个张量比对(缺少源.pth/.safetensors,或尚未验证)。'
      if (v.reason === 'allMatched') {
        return `检查点的${v.total}个唯一张量全部与ONNX模型匹配(最大|差| ${fmtSci(v.maxAbsDiff)},容差 ${fmtSci(v.tolerance)}):评估的正是训练出的模型,排除权重加载问题。`
      }
      return `${v.total}个唯一张量中只有${v.matched}个匹配(${v.mismatched}个数值不符,${v.unmatchedCheckpoint}个在ONNX模型中缺失):评估的并不是训练出的模型。`
    case 'mode': {
      const ar = fmtLoss(v.autoregressive)
      const tf = fmtLoss(v.teacherForcing)
      if (v.reason === 'notMeasured') return '教师强制与自回归生成未同时测量。'
      if (v.reason === 'explainsReported') {
        return `您报告的 ${fmtLoss(v.reported)} 就是自回归loss(${ar}):您的脚本评估的是自由生成,它高于训练loss是暴露偏差(exposure bias)所致,本就不能与训练loss直接比较;应比较的是教师强制loss(${tf})。`
      }
      const notYours =
        v.reported !== null && v.autoregressive !== null
          ? `它不能解释您报告的 ${fmtLoss(v.reported)}(相差 ${fmtPct(Math.abs(v.autoregressive - v.reported) / v.reported)})。`
          : ''
      if (v.reason === 'noGap') {
        return `自回归loss(${ar})在每一步都与教师强制loss(${tf})相差不超过 ${fmtLoss(v.threshold)} nats。${notYours}`
      }
      const where = v.divergenceStep !== null ? `,从第${v.divergenceStep}步(共${v.steps}步)开始分离` : ''
      return `自回归loss(${ar})比教师强制loss(${tf})高 ${fmtLoss(v.gap)} nats${where}:这是模型以自己的预测为条件后的错误累积(暴露偏差),属于正常现象,并非模型缺陷。${notYours}`
    }
    case 'kvCache':
      if (v.reason === 'noCache') return '模型没有KV cache输入,无从检查;自回归每一步都重新计算了整个前缀。'
      if (v.reason === 'notMeasured') return '未运行KV cache检查。'
      if (v.reason === 'agrees') {
        return `使用KV cache逐步解码与完整前向一致(logits最大|差| ${fmtSci(v.maxAbsDiff)},top-1一致率 ${fmtPct(v.top1Agreement, 2)}),排除KV cache问题。`
      }
      if (v.reason === 'logitsDiffer') {
        return `增量解码的logits与完整前向最多相差 ${fmtSci(v.maxAbsDiff)},远超float32计算顺序带来的误差:cache路径的计算有误(位置、过期条目或布局)。`
      }
      return `logits相差不大(最大|差| ${fmtSci(v.maxAbsDiff)}),但在 ${fmtPct(1 - (v.top1Agreement ?? 0), 2)} 的步骤上KV cache改变了预测的token。`
    case 'alignment': {
      const excess =
        v.misalignedExcess !== null && v.misalignedExcess > 0
          ? `错位一个位置(logits_to_keep=P 取最后P行)会使loss增加 ${fmtLoss(v.misalignedExcess)} nats(${fmtPct(v.misalignedExcessRelative)})。`
          : ''
      const zero = v.sweep[0]
      switch (v.reason) {
        case 'notMeasured':
          return '未测量偏移扫描,也未测量logits_to_keep的两种切法。'
        case 'minimumAtZero': {
          const next = sweepRunnerUp(v.sweep, 0)
          const nextText = next ? `(次低:偏移 ${fmtShift(next[0])},${fmtLoss(next[1])})` : ''
          return `偏移扫描在偏移0处最低,为 ${fmtLoss(zero)} nats${nextText}:第i个位置的logits预测第i+1个token,位置索引正确。${excess}`
        }
        case 'minimumElsewhere':
          return `偏移扫描的最低点在偏移 ${fmtShift(v.argminShift ?? 0)}(${fmtLoss(v.sweep[v.argminShift ?? 0])}),而不是0(${fmtLoss(zero)}):模型的输出位置与目标错开了,请检查导出过程以及是否需要添加BOS。`
        case 'keepLastDiffers':
          return `logits_to_keep=P+1 去掉最后一行得到 ${fmtLoss(v.keepLastAligned)},教师强制为 ${fmtLoss(v.teacherForcing)}:图中的logits_to_keep路径算出的logits本身就不同,而不只是更少。`
        case 'correctBeatsShifted':
          return `正确切片(${fmtLoss(v.teacherForcing ?? v.keepLastAligned)})优于错位切片(${fmtLoss(v.keepLastMisaligned)});未运行偏移扫描。${excess}`
        case 'explainsReported': {
          const s = v.reportedShift ?? 0
          const model =
            v.argminShift === 0 ? `模型本身的位置是对齐的:偏移扫描在偏移0处最低(${fmtLoss(zero)})。` : ''
          const row =
            Math.abs(s) === 1
              ? s > 0
                ? '的下一行'
                : '的上一行'
              : `${s > 0 ? '之后' : '之前'}第${Math.abs(s)}行`
          return `您报告的 ${fmtLoss(v.reported)} 是行号偏移 ${fmtShift(s)} 的切片算出的loss(在这些样本上为 ${fmtLoss(v.reportedValue)}):您的脚本让每个目标配上了预测它的那一行${row}。${model}`
        }
        case 'shiftedBeatsCorrect':
          return `错位切片(${fmtLoss(v.keepLastMisaligned)})反而低于正确切片(${fmtLoss(v.teacherForcing ?? v.keepLastAligned)}):模型的输出位置与目标错开了。`
      }
      return ''
    }
    case 'trainEval':
      switch (v.reason) {
        case 'noTrainLoss':
          return '没有可用的训练loss(没有训练日志,或日志中没有loss)。'
        case 'noTrainingSamples':
          return '没有已知取自训练数据的评估集,无法与训练loss做同口径比较。'
        case 'noTeacherForcing':
          return '未在取自训练数据的样本上测量教师强制loss。'
        case 'within':
        case 'outside': {
          const unverified = v.verifiedFromTraining === false ? '(依据标注,尚未经一致性检查验证)' : ''
          const judgement = v.reason === 'within' ? '评估结果与训练一致' : '超出阈值:评估结果未能复现训练'
          return `在取自训练数据的样本上${unverified},教师强制loss为 ${fmtLoss(v.evalLoss)},训练loss为 ${fmtLoss(v.trainLoss)}(最后${v.tail}条日志的均值):相差 ${fmtSignedLoss(v.difference)} nats(${fmtSignedPct(v.relative)}),${judgement}。`
        }
      }
  }
}

function thresholdZh(v: Verdict): string {
  switch (v.hypothesis) {
    case 'data':
      return '全部样本'
    case 'weights':
      return '全部张量'
    case 'mode':
      return `单步差 > ${fmtLoss(v.threshold)} nats 即视为分离`
    case 'kvCache':
      return `≤ ${fmtSci(v.maxAbsDiffThreshold)},且top-1 ≥ ${fmtPct(v.top1Threshold, 0)}`
    case 'alignment':
      return '偏移0'
    case 'trainEval':
      return `≤ ${fmtPct(v.threshold, 0)}`
  }
}

export const textZh: VerdictText = {
  badge: (s) => (s === 'pass' ? '✅ 通过' : s === 'fail' ? '❌ 未通过' : '➖ 未测量'),
  hypothesis: (h) => HYPOTHESES[h],
  candidate,
  verdict,
  figure(v) {
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
            v.maxStepGapAt !== null
              ? `单步最大差(自回归 − 教师强制)${fmtSignedLoss(v.maxStepGap)} nats,在第${v.maxStepGapAt}步`
              : `自回归 − 教师强制 ${fmtSignedLoss(v.gap)} nats`,
          threshold: thresholdZh(v),
        }
      case 'kvCache':
        if (v.reason === 'top1Differs')
          return { figure: `top-1一致率 ${fmtPct(v.figure, 2)}`, threshold: `≥ ${fmtPct(v.threshold, 0)}` }
        return { figure: `最大|差| ${fmtSci(v.figure)}`, threshold: thresholdZh(v) }
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
          return {
            figure: `您的数字与行号偏移 ${fmtShift(v.reportedShift ?? 0)} 的切片相差 ${fmtPct(v.figure, 2)}`,
            threshold: `≤ ${fmtPct(v.threshold, 0)}`,
          }
        }
        return { figure: `最低点在偏移 ${fmtShift(v.figure ?? 0)}`, threshold: '偏移0' }
      case 'trainEval':
        return { figure: `|差异| ${fmtPct(v.figure)}`, threshold: thresholdZh(v) }
    }
  },
  explanation(e, runName) {
    const on = (c: Candidate): string => {
      const name = runName?.(c)
      return name ? `(${name})` : ''
    }
    if (e.status === 'noCandidates') return `没有可与您报告的 ${fmtLoss(e.reported)} 比较的测量结果。`
    if (e.status === 'noMatch' || !e.match) {
      const n = e.nearest!
      return `没有任何一种计算方式能在 ${fmtPct(e.tolerance, 0)} 以内复现您报告的 ${fmtLoss(e.reported)}:最接近的是${candidate(n)}${on(n)},为 ${fmtLoss(n.value)}(相差 ${fmtPct(n.relative, 2)})。请确认您的脚本使用了相同的样本、输入长度和预测长度。`
    }
    const m = e.match
    const head = `${candidate(m)}${on(m)}复现了您报告的 ${fmtLoss(e.reported)}:${fmtLoss(m.value)},相差 ${fmtPct(m.relative, 2)}(容差 ${fmtPct(e.tolerance, 0)})。`
    let tail = ''
    if (m.rowShift !== null && m.rowShift !== 0) {
      tail = `您的脚本取的切片${m.rowShift > 0 ? '向后' : '向前'}错了${Math.abs(m.rowShift)}个位置。`
    } else if (m.rowShift === 0) {
      tail = '您的脚本取的已经是正确切片。'
    }
    const others = e.ranked.filter((c) => c.relative <= e.tolerance && c.rowShift !== m.rowShift)
    const amb =
      e.ambiguous && others.length > 0
        ? `同样在容差以内的还有:${others
            .slice(0, 3)
            .map((c) => `${candidate(c)}${on(c)},${fmtLoss(c.value)}(相差 ${fmtPct(c.relative, 2)})`)
            .join(';')}。这里取最接近者,但仅凭数字无法排除它们。`
        : ''
    return head + tail + amb
  },
}

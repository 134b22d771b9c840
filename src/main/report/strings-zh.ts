/**
 * 报告的中文表述；键与 strings-en.ts 一一对应。术语沿用原报告：教师强制、自回归、错位、位置索引。
 * 正文用全角标点（，：；（）。），数字、代码和表格保持原样。
 */
import { GLOSSARY } from '../../shared/glossary'
import type { RunStatus } from '../../shared/experiment'
import type { ReportStrings } from './strings-en'
import { python } from './strings-en'

export const zh: ReportStrings = {
  title: (id) => `训练与推理Loss差距分析报告：实验 ${id}`,
  sep: '；',
  colon: '：',
  sentenceGap: '',
  paren: (text) => `（${text}）`,
  atStep: (ck, step) => (step === null ? ck : `${ck}（第 ${step} 步）`),
  onRun: (ds, ck, step) => `${ds}（${step === null ? ck : `${ck}，第 ${step} 步`}）`,
  statusNote: (note) =>
    ({
      exposureBias: '曝光偏差',
      generalisation: '泛化差距',
      trainedOn: '低于训练loss：已训练过的样本',
      heldOut: '留出集',
      noStep: '步数未知',
    })[note],
  meta: {
    experiment: '实验',
    date: '日期',
    author: '生成',
    authorValue: (version, runs) => `LossLens ${version}，根据已保存的 ${runs} 次运行结果自动生成`,
    datasets: '数据集',
    reported: '您的脚本报告的loss',
  },
  verdictLine: (badge, figure, threshold, sentence) =>
    figure === null ? `${badge}：${sentence}` : `${badge}：${figure}（阈值：${threshold}）。${sentence}`,
  overview: {
    heading: '📋 问题概述',
    answerHeading: '各数据集的结论',
    answerIntro:
      '每个数据集以其最新的检查点为准；原因按权重、位置对齐、训练/推理模式、KV cache、数据、训练vs评估的顺序，取第一个未通过的检查。',
    runsHeading: '本报告使用的运行',
    runsIntro: (L, P) =>
      `每个检查点 × 数据集取最新一次、使用实验当前设置（输入长度 L = ${L}，预测长度 P = ${P}）且已完成的运行。`,
    fallback: (run, L, P, curL, curP) =>
      `⚠️ ${run}：没有使用当前设置（L = ${curL}，P = ${curP}）的运行，改用最新一次有结果的运行（L = ${L}，P = ${P}）；它评估的token与其余运行不同。`,
    chosen: '标有 ✋ 的运行为手动选择。',
    checkpoint: '检查点',
    step: '步数',
    dataset: '数据集',
    kind: '类型',
    scored: '已计算',
    run: '运行',
    keyHeading: (dsOnRun) => `关键数据：${dsOnRun}`,
    quantity: '指标',
    loss: 'Loss（nats）',
    timesTf: '× 教师强制',
    vsTrain: '相对训练loss',
    trainLoss: (lines, step) => `训练loss（第 ${step} 步及之前 ${lines} 条日志的均值）`,
    reported: '您的脚本报告的值',
    keyNote: (n, ds, ck) =>
      `均为每个目标token的平均交叉熵（nats），± 一个标准误，基于 ${ds} 中已计算的 ${n} 个样本，检查点 ${ck}。“× 教师强制”是除以同一批样本的教师强制loss；“相对训练loss”是（loss − 训练loss）/ 训练loss。`,
    timesSft: '× SFT loss',
    keyNoteSft: (n, ds, ck) =>
      `均为每段对话助手token（MiniMind的SFT loss掩码）上的平均交叉熵（nats），± 一个标准误，基于 ${ds} 中已计算的 ${n} 段对话，检查点 ${ck}。“× SFT loss”是除以同一批对话的MiniMind SFT loss；“相对训练loss”是（loss − 训练loss）/ 训练loss。`,
    keyNoStep: (ck) => `${ck} 的训练步数未知，因此不与训练loss并列比较（训练结束时的loss属于另一个模型）。`,
    keyNoLog: '没有训练日志，无法与训练loss比较。',
    hypothesesHeading: '可能原因假设',
    hypothesesIntro:
      '原调查怀疑的四个原因（数据差异、权重加载、训练与推理模式、KV cache），最终找到问题的位置索引，以及与训练loss的比较；每个数据集都在其最新检查点上判定。✅ 通过：排除该原因；❌ 未通过：它是差距的原因之一；🔵 符合预期：方法本身预期的差异，不是缺陷；❔ 无法判定：现有证据还不足以判断；➖ 未测量：尚无证据，不做判断。',
    hypothesis: '假设',
    verdict: '判定',
    figure: '决定性数据',
    threshold: '阈值',
  },
  measures: {
    teacherForcing: '教师强制（第 L−1 … N−2 行）',
    keepLastMisaligned: '`logits_to_keep=P`，取最后P行（错后一位）',
    keepLastAligned: '`logits_to_keep=P+1`，去掉最后一行',
    autoregressive: '自回归（贪心生成）',
    short: {
      teacherForcing: '教师强制',
      keepLastMisaligned: '错位切片',
      keepLastAligned: '对齐的keep-last',
      autoregressive: '自回归',
      sft: 'SFT loss',
      sftAutoregressive: '生成回复',
    },
  },
  phase: { method: '方法', result: '结果', verdict: '判定' },
  analysisHeading: '🔍 分析过程',
  notRun: '已保存的运行中未测量此项。',
  onDataset: (dsOnRun) => `${dsOnRun}上的结果`,
  phaseData: {
    title: '第一阶段：数据一致性验证',
    method: '在训练数据中逐个查找评估样本：逐字匹配、空白归一化后匹配，以及作为某条训练样本的一部分。',
    samples: '样本数',
    exact: '逐字匹配',
    normalized: '归一化匹配',
    substring: '片段匹配',
    claimed: '标注为',
    found: '检查结果',
    notFound: (ds, list, n) => `${ds} 中未找到的样本（${n} 个，按样本序号）：${list}${n > 5 ? '；……' : ''}`,
  },
  phaseWeights: {
    title: '第二阶段：模型加载验证',
    method:
      '将导出ONNX所用的检查点（.pth / .safetensors）中的每个张量，按名称和数值与ONNX模型的initializer逐一比对，允许转置以及lm_head的权重共享。',
    matched: '匹配的唯一张量',
    maxDiff: '最大|差|',
    mismatched: '数值不符',
    missing: '模型中缺失',
  },
  phaseMode: {
    title: '第三阶段：训练vs推理模式对比',
    method:
      '教师强制（teacher forcing）：对真实token做一次前向，用第 L−1 … N−2 行预测第 L … N−1 个token，与训练时的计算完全相同。自回归生成：从前L个token出发，每一步取概率最高的token，共P步，并在每一步计算模型在自己生成的前缀下对真实下一个token的loss。',
    step: '步',
    diff: '自回归 − 教师强制',
    insight:
      '**认知**：模型一旦以自己的错误为条件，两种模式就会分开；这个差距就是曝光偏差，任何模型都会有，属于预期之内。只有当脚本评估的是自由生成时，它才能解释评估得到的数字。',
  },
  phaseKv: {
    title: '第四阶段：KV cache验证',
    method:
      '沿自回归路径，将P个增量步骤的logits（先预填充前L个token，再带着past key/values逐个token解码）与对上下文加生成token做一次完整前向的对应行进行比较。',
    result: (maxDiff, top1, n, P) =>
      `${n} 个样本 × ${P} 步中，logits最大|差|为 ${maxDiff}；${top1} 的步骤上argmax token一致。`,
  },
  phaseAlign: {
    title: '第五阶段：logits_to_keep与位置索引分析',
    method: (L, P) =>
      `第i行logits预测第i+1个token，因此P个目标 T[L … N−1]（N = L + P = ${L + P}）由第 L−1 … N−2 行预测。用三种切法对同样的目标计算loss，并将行号整体偏移 −2 … +2 个位置（偏移扫描）。偏移+1的那一行已经见过自己的目标，所以接近无上下文水平的模型在那里可能得分更低，但这并不说明错位。`,
    fullForward: (slice) => `完整前向，${slice}（教师强制）`,
    keepAligned: (keep, slice) => `${keep}，再取 ${slice}`,
    keepMisaligned: (keep, slice) => `${keep}，再取 ${slice}（原来的错误）`,
    slice: '切法',
    rows: (L, P) => `参与计算的行（L = ${L}，P = ${P}）`,
    shift: '偏移（位置）',
    meanLoss: '平均loss（nats）',
    samples: '样本数',
    meaning: '含义',
    note: (s) =>
      s === 0
        ? '正确的行'
        : s === 1
          ? '晚一行：`logits_to_keep=P` 取最后P行（已见过目标）'
          : s > 1
            ? `晚${s}行（已见过目标）`
            : `早${-s}行`,
    rightSlice: (slice) => `这次运行的正确切片：${slice}。`,
    offsetFix: (offset, slice, L, P) =>
      `模型的行与目标错开了：应取偏移 ${offset} 的行，即 ${slice}（对 T[0 : ${L + P + Math.max(0, Number(offset))}] 做前向），或者修复把logits挪了位置的导出脚本。`,
  },
  explain: {
    title: '解释您的数字',
    method: (reported, tol) =>
      `您的脚本报告了 ${reported}。将每次运行中测得的每一种计算方式与之比较：相对差异不超过 ${tol} 即视为复现，取最接近者。前提是您的脚本使用了相同的样本。`,
    variant: '计算方式',
    run: '数据集（检查点）',
    distance: '与您的数字的相对差异',
    within: '在容差内',
    sftElsewhere: (section, heading) =>
      `对SFT对话，“${section}”中的“${heading}”一节会把您的数字与MiniMind的SFT loss及错位掩码的loss比较。`,
  },
  fix: {
    heading: '🛠️ 根本原因与修复方案',
    headingCheck: '🛠️ 检查您自己的评估脚本',
    cause: '根本原因',
    causeText: (s, keepLast, L, P, value, reported) => {
      const n = Math.abs(s)
      const row = n === 1 ? (s > 0 ? '的下一行' : '的上一行') : `${s > 0 ? '之后' : '之前'}第${n}行`
      const kept = keepLast
        ? `\`logits_to_keep=P\` 保留的是最后P行，即第 N−P … N−1 行（此处为 ${L} … ${L + P - 1}），却拿去对目标 T[L … N−1]（第 ${L} … ${L + P - 1} 个token）计算loss`
        : `第 ${L - 1 + s} … ${L + P - 2 + s} 行被拿去对目标 T[L … N−1]（第 ${L} … ${L + P - 1} 个token）计算loss`
      return `评估脚本让每个目标都配上了预测它的那一行${row}。${kept}；而第i行预测的是第i+1个token，这些目标应由第 L−1 … N−2 行（${L - 1} … ${L + P - 2}）预测。在这些样本上，这种切法得到 ${value}，正是您的 ${reported}。`
    },
    caveat: '注意',
    alternative: (name, value, pct) => `${name}：${value}（相差 ${pct}）`,
    alternatives: (list) =>
      `另有切法也在容差以内：${list}。这里取最接近者；如果您的脚本没有用 \`logits_to_keep\`，请对照偏移扫描表。`,
    rightSlice: '正确切片',
    slice: (formula, filled, L, P) => `${formula}，此处为 ${filled}（L = ${L}，P = ${P}）。`,
    beforeLabel: '修复前',
    afterLabel: '修复后',
    before: (L, P) =>
      python([
        [`outputs = model(input_ids, logits_to_keep=${P})`, `input_ids = T[0:${L + P}]`],
        [`shift_logits = outputs.logits[0, -${P}:, :]`, `第 ${L}..${L + P - 1} 行：错后一位`],
        [`loss = F.cross_entropy(shift_logits, input_ids[0, ${L}:${L + P}])`],
      ]),
    beforeShift: (L, P, s) =>
      python([
        [`outputs = model(input_ids)`, `input_ids = T[0:${L + P}]`],
        [
          `shift_logits = outputs.logits[0, ${L - 1 + s}:${L + P - 1 + s}, :]`,
          `行号偏移 ${s > 0 ? '+' : ''}${s}`,
        ],
        [`loss = F.cross_entropy(shift_logits, input_ids[0, ${L}:${L + P}])`],
      ]),
    after: (L, P) =>
      python([
        [`outputs = model(input_ids)`, `保留所有行`],
        [
          `shift_logits = outputs.logits[0, ${L - 1}:${L + P - 1}, :]`,
          `第 ${L - 1}..${L + P - 2} 行预测第 ${L}..${L + P - 1} 个token`,
        ],
        [`loss = F.cross_entropy(shift_logits, input_ids[0, ${L}:${L + P}])`],
        [``],
        [`# 或者保留 logits_to_keep 的节省：多留一行，再去掉最后一行`],
        [`outputs = model(input_ids, logits_to_keep=${P + 1})`],
        [`shift_logits = outputs.logits[0, :-1, :]`],
      ]),
    principle: '修复原理',
    principles: (aligned, tf) =>
      [
        '1. 因果Transformer中第i行logits预测第i+1个token，所以目标 T[L] 由第 L−1 行预测。',
        `2. \`logits_to_keep\` 本身从来不是问题：多留一行再截掉（\`logits_to_keep=P+1\`，\`[:-1]\`），得到 ${aligned}，与完整前向（${tf}）相同。`,
        '3. 修正后的loss与训练loss的计算方式（教师强制）完全一致，二者可以直接比较。',
      ].join('\n'),
    comparable: '应与训练loss比较的数字',
    teacherForcingCode: (L, P) =>
      python([
        [`logits = model(input_ids).logits`, `input_ids = T[0:${L + P}]，一次前向`],
        [`loss = F.cross_entropy(logits[0, ${L - 1}:${L + P - 1}], input_ids[0, ${L}:${L + P}])`],
      ]),
    alreadyRight: '切片方式无需修改；与训练loss的比较见下文。',
    noReported:
      '没有提供您自己的评估脚本得到的loss，因此本报告无法判断您的脚本计算的是哪一种。在窗口的“你的脚本报告的 loss”一栏（概览 › 假设与判定）填入它（或给 `losslens report` 传 `--reported-loss`），即可得到解释。',
    ifBefore: '如果您的脚本这样写，就错后了一位',
    ifAfter: '应改为',
    ifYourScript: (ds, mis, ar, tf) =>
      `在 ${ds} 上，用 \`logits_to_keep=P\` 后取最后P行的脚本会得到 ${mis}；评估自由生成的脚本会得到 ${ar}；正确切片得到 ${tf}。`,

    sftRightMask:
      'MiniMind的SFT loss是其loss掩码计入的助手token上的平均交叉熵：每段回复的token、结尾的<|im_end|>及其后的换行；系统和用户轮次、<|im_start|>assistant标头都不计入。掩码随标签一起移位（loss_mask = mask[1:]），因此每个计入的token t由logits的第 t − 1 行打分。',
    sftIfYourScript: (ds, sft, shifted) =>
      `在 ${ds} 上，MiniMind的SFT loss为 ${sft}；掩码错后一个位置（脚本常见的失误）时同一均值为 ${shifted}。`,
    sftBefore: [
      'X, Y = ids[:-1], ids[1:]                 # logits 第 t 行预测第 t + 1 个token',
      'logits = model(X[None]).logits[0]',
      "ce = F.cross_entropy(logits, Y, reduction='none')",
      'loss_mask = mask[:-1]                    # 输入行的掩码：错后了一位',
      'loss = (ce * loss_mask).sum() / loss_mask.sum()',
    ].join('\n'),
    sftAfter: [
      'X, Y = ids[:-1], ids[1:]                 # logits 第 t 行预测第 t + 1 个token',
      'logits = model(X[None]).logits[0]',
      "ce = F.cross_entropy(logits, Y, reduction='none')",
      'loss_mask = mask[1:]                     # 与标签一起移位，与MiniMind的SFT数据集一致',
      'loss = (ce * loss_mask).sum() / loss_mask.sum()',
    ].join('\n'),
  },
  perSample: {
    heading: '📊 修复效果验证',
    title: (dsOnRun) => `单样本对比：${dsOnRun}`,
    intro: (keep, slice) =>
      `样本按其在数据集中的序号编号（从0开始，与窗口中一致）。错位切片：${keep} 后取最后P行；教师强制：正确切片 ${slice}。`,
    sample: '样本',
    misaligned: '错位切片（nats）',
    teacherForcing: '教师强制（nats）',
    timesTf: '错位切片，× 教师强制',
    autoregressive: '自回归（nats）',
    mean: '平均',
    skipped: (n, list) => `${n} 个样本被跳过，不计入均值：${list}${n > 5 ? '；……' : ''}。`,
    summaryIntro: (n, csv) =>
      `共 ${n} 个样本，不在此逐一列出。下面给出各指标的分布和差距最大的10个样本；全部样本见 ${csv}。`,
    measure: '指标（nats）',
    n: 'n',
    mean_se: '均值 ± 标准误',
    sd: '标准差',
    median: '中位数',
    min: '最小',
    max: '最大',
    largestHeading: (what) => `差距最大的10个样本（${what}）`,
    gapMisaligned: '错位切片 − 教师强制',
    gapTf: '教师强制loss最高',
    sftIntro:
      '对话按其在数据集中的序号排列（从0开始，与窗口中一致）。SFT loss：MiniMind按其loss掩码只对助手token取的平均交叉熵，与SFT训练器的算法相同；掩码错后一位：掩码错后一个位置时的同一均值，即评估脚本的常见失误；生成回复：贪心生成的第一条助手回复，每步对真实token的交叉熵。',
    sftLargest: (n, k, csv) =>
      `共 ${n} 段对话，无法在此全部列出。下面是掩码错后一位时loss变化最大的 ${k} 段，然后是全部 ${n} 段的均值；每段对话都在 ${csv} 中。`,
    sftLoss: 'SFT loss（nats）',
    sftLate: '掩码错后一位（nats）',
    sftLateDiff: '错后 − SFT',
    sftReply: '生成回复（nats）',
    id: '样本id',
    gap: '差距（nats）',
  },
  final: {
    title: '最终验证：与训练loss比较',
    intro: (lines) =>
      `每个检查点都与它自己保存时那一步之前记录的训练loss比较：取该步及之前最后 ${lines} 条日志的均值（之后的日志来自更晚的权重；训练结束时的loss属于另一个模型）。`,
    trainLoss: '训练loss',
    trainLossValue: (v, lines, step, from, to, sd, file) =>
      `${v}，即 ${file} 中第 ${step} 步及之前 ${lines} 条日志的均值（第 ${from}–${to} 步，标准差 ${sd}）。`,
    caveat: 'MiniMind每行日志记录的是单个micro-batch在更新之前的loss，单行噪声很大，所以取一个窗口的均值。',
    evalLoss: (part) => `教师强制${part}`,
    partFound: '（在训练数据中找到的样本上）',
    partNotFound: '（在训练数据中未找到的样本上）',
    evalLossValue: (v, ds, n, ck) => `${v}（${ds}，${n} 个样本，检查点 ${ck}）`,
    difference: '差异',
    differenceValue: (diff, rel, badge, thr) =>
      `${diff} nats（相对训练loss ${rel}）→ ${badge}（阈值 ${thr}）`,
    fromReported: '与您的数字相比',
    fromReportedValue: (rep, tf, pct) => `${rep} → ${tf}：正确切片比您的数字低 ${pct}`,
    sftEvalLoss: (part) => `MiniMind的SFT loss${part}`,
    fromReportedSftValue: (rep, sft, pct, lower) =>
      `${rep} → ${sft}：MiniMind的SFT loss（按其loss掩码只对助手token取平均，即SFT训练记录的数）比您的数字${lower ? '低' : '高'} ${pct}`,
    chartNote: '图中每次评估都画在其检查点的步数处（点 ± 2个标准误），背后是记录的训练loss。',
  },
  trajectory: {
    heading: '📈 按训练顺序比较检查点',
    intro: (min, k) =>
      `同一批样本由各个检查点分别计算，按训练顺序排列。相邻检查点之间的变化是两者都计算过的样本上逐样本差值（后者 − 前者）的均值 ± 标准误；只有超过 ${k} 个标准误且超过 ${min} nats，才算退步或进步。`,
    unordered: '并非每个检查点都有训练步数，因此按实验中列出的顺序排列。',
    title: (ds) => `${ds}`,
    n: '样本数',
    changes: '相邻检查点之间的变化',
    noChanges: '该数据集上只有一个检查点，无从比较。',
    matrixHeading: '全部判定：检查点 × 数据集',
    tokenIntro: (a, b) => `逐token比较，目标行上的 \`KL(${a} ‖ ${b})\`（nats）：`,
    meanKld: '平均KLD',
    medianKld: '中位数',
    maxKld: '最大',
    sameTop1: 'top-1相同',
    rmsDp: 'RMS Δp',
    tokens: 'token数（样本数）',
  },
  conclusion: {
    heading: '✅ 结论',
    notMeasured: '尚未测量',
    name: (h) =>
      ({
        data: '数据',
        weights: '权重',
        mode: '训练/推理模式',
        kvCache: 'KV cache',
        alignment: '位置对齐',
        trainEval: '训练vs评估',
      })[h],
    howTo: (h) =>
      ({
        data: '运行 `losslens check-data`，或在数据集上点“与训练数据核对”',
        weights: '用源 .pth 运行 `losslens verify-weights`，或在检查点上点“验证权重”',
        mode: '测量 teacherForcing 和 autoregressive',
        kvCache: '用带 past_key_values 导出的模型测量 kvCache',
        alignment: '测量 offsetSweep 和两种 keepLast 切法',
        trainEval: '添加训练日志，并填写检查点的训练步数',
      })[h],
    howToSft: (h, replyMeasured) =>
      h === 'mode'
        ? replyMeasured
          ? 'SFT运行不对续写做教师强制；贪心生成的第一段回复（sftAutoregressive）已在“MiniMind的SFT loss”一节与SFT loss对照'
          : '测量 sftAutoregressive（贪心生成第一段助手回复），与SFT loss对照'
        : h === 'kvCache'
          ? 'SFT运行不检查KV cache：在同一模型（带 past_key_values 导出）的预训练运行（文本数据集）中测量 kvCache'
          : h === 'alignment'
            ? 'SFT运行不切logits：它的位置对齐就是loss掩码，即“MiniMind的SFT loss”一节中SFT loss与掩码错后一位的对照'
            : null,
    item: (name, value) => `${name}：${value}`,
  },
  prov: {
    heading: '🧾 数据来源',
    item: '项目',
    value: '值',
    unreadable: '无法读取',
    model: (l) => `模型（${l}）`,
    tokenizer: (l) => `分词器（${l}）`,
    source: (l) => `源检查点（${l}）`,
    description: (l) => `模型结构（${l}）`,
    describe: (form, layers, params, opset, vocab, kvHeads, hasKv, producer) =>
      [
        form === 'optimum' ? 'Optimum解码器（past_key_values）' : '普通模型（input_ids → logits）',
        layers !== null ? `${layers} 层` : null,
        params !== null ? `${params.toLocaleString('en-US')} 个参数` : null,
        vocab !== null ? `词表 ${vocab}` : null,
        kvHeads !== null ? `${kvHeads} 个KV头` : null,
        hasKv ? '带KV cache' : '无KV cache',
        opset !== null ? `opset ${opset}` : null,
        producer ? `由 ${producer} 导出` : null,
      ]
        .filter(Boolean)
        .join('，'),
    run: (ck, ds) => `运行 ${ck} / ${ds}`,
    runValue: (id, status, provider, at, version) =>
      `${id}，${status}，执行后端 ${provider}，${at}${version ? `，LossLens ${version}` : ''}`,
    status: (s: string): string => GLOSSARY['zh-CN'].status[s as RunStatus] ?? s,
    dataset: (l) => `数据集 ${l}`,
    trainData: (l) => `${l} 所对照的训练数据`,
    trainDataValue: (path, sha) =>
      sha ? `${path} · SHA-256 ${sha}（由数据一致性检查计算）` : `${path} · 数据一致性检查未记录哈希`,
    trainLog: '训练日志',
    points: '个数据点',
    settings: (runs) => `设置（${runs}）`,
    settingsAll: '设置（所有运行）',
    settingsValue: (L, P, bos, measures, batch, threads, maxSeqLen) =>
      `L = ${L}，P = ${P}，${bos ? '添加BOS' : '不加BOS'}${maxSeqLen === undefined ? '' : `，max_seq_len ${maxSeqLen}`}，测量 ${measures}，batch ${batch}，线程 ${threads === 0 ? '自动' : threads}`,
    settingsValueSft: (P, roles, measures, batch, threads, maxSeqLen) =>
      `SFT对话（对话模板${roles ? `，角色 ${roles}` : ''}），生成回复最多 P = ${P} 个token${maxSeqLen === undefined ? '' : `，max_seq_len ${maxSeqLen}`}，测量 ${measures}，batch ${batch}，线程 ${threads === 0 ? '自动' : threads}`,
    software: '软件版本',
    softwareValue: (losslens, ort, node, os) =>
      `LossLens ${losslens}，onnxruntime-node ${ort ?? '未知'}，Node ${node}，${os}`,
    report: '本报告',
    reportValue: (at) => `生成于 ${at}`,
  },
  gap: {
    trainFormatKey: '训练格式loss，按token加权（与训练器的平均方式相同）',
    waterfallHeading: (dsOnRun: string) => `差距的逐步分解：${dsOnRun}`,
    waterfallIntro:
      '从检查点所在步记录的训练loss，到您报告的数字（没有时到教师强制），每次一个测量过的步骤。每根柱子都是在这些样本上测得、或从日志读出的两个均值之差，附标准误（误差线：± 2 个标准误）；未测量的步骤会写明需要运行哪项测量；没有任何柱子能解释的部分是未解释的残差（灰色斜纹），从不并入某根柱子。',
    waterfallIntroSft:
      '从检查点所在步记录的训练loss，到您报告的数字（没有时到MiniMind的SFT loss），每次一个测量过的步骤。每根柱子都是在这些对话上测得、或从日志读出的两个均值之差，附标准误（误差线：± 2 个标准误）；未测量的步骤会写明需要运行哪项测量；没有任何柱子能解释的部分是未解释的残差（灰色斜纹），从不并入某根柱子。',
    chartTitle: (dsOnRun: string) => `差距的逐步分解：${dsOnRun}`,
    chartSubtitle: '每一步都是测得的均值之差，± 2 个标准误；斜纹：未解释的残差',
    n: 'n',
    stepsHeading: '每一步：方法与结果',
    otherDatasets: '其他数据集上的差距逐步分解',
    sectionHeading: '训练格式、位置、字节与BOS',
    sectionIntro:
      '说明训练loss如何得到、本次评估与之有何不同的各项测量（docs/measurements.md）。均为已打分样本上的均值，± 一个标准误；按token加权：Σ token loss / Σ token数，即这些样本组成一个批次时日志会记录的值。',
    trainFormatHeading: '训练格式loss',
    trainFormatMethod: (convention: string, maxSeqLen: string) =>
      `每个样本完全按训练器的方式编码（${convention}），截断到 max_seq_len = ${maxSeqLen} 个token，对每个非填充的目标位置计算loss：日志中训练loss的来源。`,
    conventionWithBos: 'BOS + 文本 + EOS，与MiniMind 2026及部分2025版本相同',
    conventionWithoutBos: '只有文本的token，与2025年4月发布的MiniMind2相同',
    conventionUnknown: '运行未记录的约定',
    maxSeqLenUnknown: '训练器的默认值（运行未记录）',
    truncated: (n: number, total: number) =>
      `${total}个样本中有${n}个超过 max_seq_len，已按训练器的方式截断。`,
    quantity: '量',
    value: '均值 ± 标准误',
    tokenWeighted: '按token加权',
    tokens: '目标token数',
    bitsPerByte: '每字节比特数',
    samples: '样本数',
    trainFormat: '训练格式（整个样本）',
    rolling: '滚动窗口（整个样本，max_seq_len）',
    teacherForcing: '续写窗口的教师强制',
    rollingHeading: '滚动窗口中的整个样本',
    rollingMethod: (tokens: number, recorded: boolean) =>
      `每个完整样本按 lm-evaluation-harness 的 loglikelihood_rolling 定义，切成每个 ${tokens} 个token的互不重叠窗口打分（max_seq_len${recorded ? '' : '：运行未记录，因此为 LossLens 的默认值'}）：每个token只打分一次，至多以它之前的 ${tokens} 个token为条件；不超过 ${tokens} 个token的样本只有一个窗口。`,
    windows: (n: number) => `共${n}个窗口。`,
    bpbHeading: '每字节比特数',
    bpbMethod:
      'lm-evaluation-harness 的定义：bits_per_byte = −Σ 对数似然 /（ln 2 × 被打分文本的 UTF-8 字节总数），在整个集合上计算；每字节困惑度 = 2^bits_per_byte。分词器不同的检查点之间可以比较，而按token计的nats不行。',
    perplexity: '每字节困惑度',
    utf8Bytes: 'UTF-8字节数',
    scope: '被打分的文本',
    bosHeading: '两种BOS约定',
    bosMethod:
      '续写窗口分别在加BOS token和不加时打分，同一批样本。分词器本身不加BOS（add_bos_token为false），而MiniMind的预训练在2026代码和部分2025版本中用BOS/EOS包裹每段文本，在2025年4月发布的MiniMind2中则不包裹：loss较低的那种约定就是模型训练时用的约定。',
    withBos: '加BOS',
    withoutBos: '不加BOS',
    difference: '不加 − 加（配对）',
    bosUsed: (convention: string) => `本实验的运行在${convention}的情况下为续写窗口打分。`,
    bosUsedUnknown: '本实验的运行未记录使用哪种约定，且两侧都无法复现其教师强制。',
    bosVerdict: (lower: string, diff: string) =>
      `模型在${lower}时loss更低，相差 ${diff} nats（配对，超出噪声）：这就是它训练时的约定。`,
    bosVerdictNoise: (diff: string) =>
      `两种约定相差 ${diff} nats，在噪声以内：仅凭这些分数无法判断模型训练时用的是哪种。`,
    positionHeading: '按位置的loss',
    positionMethod: (maxSeqLen: string) =>
      `在每个目标位置1..T上，对到达该位置的样本求训练格式loss的均值；虚线标出训练器的 max_seq_len（${maxSeqLen}）。超过它的位置模型从未训练过，loss在那里上升是预期的，不是缺陷。`,
    positionSummary: (first: string, last: string, at: number) =>
      `位置1的平均loss：${first}；位置${at}：${last}。`,
    sftSectionHeading: 'MiniMind的SFT loss',
    sftSectionIntro:
      'MiniMind的SFT训练器如何得出它的loss，以及本次评估与之相比的位置（docs/measurements.md，“SFT loss”）：每段对话只在训练器的loss掩码计入的助手token上打分，其均值就是训练记录的SFT loss。均值取自已打分的对话，± 一个标准误；按token加权：Σ token loss / Σ token数，即这些对话组成一个batch时记录的数。',
    sftHeading: 'SFT loss',
    sftMethod:
      '每段对话用分词器自带的对话模板渲染，并按MiniMind的SFT训练器的方式打分：对助手回复的token、每段回复结尾的<|im_end|>及其后的换行求掩码均值，不计系统和用户轮次，也不计<|im_start|>assistant这一头部。把掩码向后错一位得到的均值，就是常见评估错误打印出的数字。',
    sftLoss: 'MiniMind的SFT loss（掩码均值）',
    sftShifted: '掩码向后错一位的同一均值',
    sftAutoregressive: '贪心生成第一段助手回复（真实token的交叉熵）',
    sftReported: (reported: string, a: string, b: string, which: string) =>
      `您的数字 ${reported} 距MiniMind的SFT loss ${a} 个标准误，距错位掩码的loss ${b} 个标准误：它是${which}。`,
    sftWhichCorrect: '按训练器方式计算的MiniMind SFT loss',
    sftWhichShifted: '错位掩码的loss：评估脚本把要计数的token向后错了一位',
    sftWhichNeither: '两者都不是（与两者都相差2个标准误以上）：请检查样本和模板',
    sftNoReported: '填入您脚本打印的数字，即可知道它是两者中的哪一个。',
    sftWhichEither: (diff: string) =>
      `两者之一：在这些样本上两者只相差 ${diff} nats（配对），在噪声以内，仅凭这个数字无法判断掩码是否错后了一位`,
  },
  sftPhases: {
    method: '方法（SFT）',
    modeMethod:
      'SFT运行没有续写窗口：SFT loss 是教师强制的（对套用模板后的对话做一次前向，每个计入的助手token由它前一行预测），与MiniMind的SFT训练器计算方式相同。自由生成从提示（直到并包括 `<|im_start|>assistant\\n`）出发，每一步取概率最高的token，共 min(P, 回复长度) 步，并在每一步计算真实回复token的loss（`sftAutoregressive`）。两者在同一批回复token上按对话配对比较。',
    forced: '生成的这些token上的SFT loss（教师强制）：',
    generated: '生成的回复（自由生成）：',
    diff: '生成 − 教师强制',
    modeNotRun: '未测量生成回复：请在测量项中加入 `sftAutoregressive`（或 `autoregressive`）。',
    kvMethod:
      'SFT loss 对每个对话只做一次完整前向，其中没有KV cache，所以缓存不会影响SFT loss。只有生成回复（第三阶段）使用缓存解码；SFT循环不检查缓存，可在同一模型的预训练运行（文本数据集）中用 `kvCache` 检查。',
    kvNotApplicable: '不适用于SFT评分。',
    alignTitle: '第五阶段：助手目标的位置对齐与loss掩码',
    alignMethod:
      '回复的第 p 个token由第 p − 1 行预测。计入的助手目标分别用第 p − 1 + s 行评分，s = −2 … +2（助手目标上的偏移扫描；s = 0 即SFT loss），并把掩码错后一位重新计算SFT loss（标签移了位、掩码没移：常见的评估错误）。偏移+1的行已经输入过它要预测的目标token。',
    measure: '测量',
    loss: '平均loss（nats）',
    conversations: '对话数',
    trainers: 'SFT loss：掩码随标签移位（训练器的数字）',
    maskLate: '掩码错后一位（常见的评估错误）',
    shiftNote: (s: number): string =>
      s === 0 ? '正确的行：即SFT loss，训练器的数字' : s > 0 ? `错后${s}行（已见过目标）` : `提前${-s}行`,
    seeSft: (heading: string) => `SFT loss 与您报告的数字的比较见“${heading}”。`,
    evalLossValue: (v: string, ds: string, n: number, ck: string) =>
      `${v}（${ds}，${n} 个对话，检查点 ${ck}）`,
  },
}

/** 报告的中文表述;键与 strings-en.ts 一一对应。术语沿用原报告:教师强制、自回归、错位、位置索引。 */
import { fmtPct, type Hypothesis } from '../../shared/diagnosis'
import type { ReportStrings } from './strings-en'

const pyRows = (a: number, b: number): string => `${a}..${b}`

/** Python lines with their comments aligned in one column. */
const python = (lines: [string, string?][]): string => {
  const width = Math.max(...lines.filter((l) => l[1]).map((l) => l[0].length)) + 2
  return lines.map(([code, comment]) => (comment ? `${code.padEnd(width)}# ${comment}` : code)).join('\n')
}

export const zh: ReportStrings = {
  title: (id) => `训练与推理Loss差距分析报告:实验 ${id}`,
  meta: {
    experiment: '实验',
    date: '日期',
    author: '生成',
    authorValue: (version, runs) => `LossLens ${version},根据已保存的${runs}次运行结果自动生成`,
    analysed: '分析对象',
    analysedValue: (ck, ds, scored, total, L, P) =>
      `检查点 ${ck},数据集 ${ds}:${total}个样本中计算了${scored}个,输入长度 L = ${L},预测长度 P = ${P}`,
    reported: '您的脚本报告的loss',
  },
  verdictLine: (badge, figure, threshold, sentence) =>
    figure === null ? `${badge} — ${sentence}` : `${badge} — ${figure}(阈值:${threshold})。${sentence}`,
  answer: {
    vsTrain: (train, rel, pass, thr) =>
      `比训练loss ${train} ${rel < 0 ? '低' : '高'} ${fmtPct(Math.abs(rel))}(${pass ? `在 ${thr} 阈值以内` : `超出 ${thr} 阈值`})`,
    alignment: (reported, shift, keepLast, value, rel, slice, tf, vsTrain) => {
      const n = Math.abs(shift)
      const what = keepLast
        ? `用 \`logits_to_keep=P\` 再取 \`logits[0, -P:]\` 得到的值:这种切法让每个目标都配上了预测它的那一行的下一行`
        : `行号偏移 ${shift > 0 ? '+' : ''}${shift} 的切片算出的loss:每个目标都配上了预测它的那一行${shift > 0 ? '之后' : '之前'}第${n}行`
      return `您的 ${reported} 是${what},在这些样本上得到 ${value}(与您的数字相差 ${rel})。用正确的位置 ${slice} 计算,同样的样本得到 ${tf}${vsTrain ? `,${vsTrain}` : ''}。模型本身没有问题,是评估脚本的位置索引错了${n}位。`
    },
    autoregressive: (reported, value, tf, vsTrain) =>
      `您的 ${reported} 是自回归loss(${value}):您的脚本评估的是自由生成,由于暴露偏差,它本来就高于训练loss。能与训练loss比较的是教师强制loss:${tf}${vsTrain ? `,${vsTrain}` : ''}。`,
    correct: (reported, tf, vsTrain) =>
      `您的 ${reported} 取的已经是正确切片(教师强制得到 ${tf}${vsTrain ? `,${vsTrain}` : ''}),评估方法没有问题,剩下的是下文与训练loss的比较。`,
    measured: (tf, vsTrain, status, misaligned, misRel, ar) => {
      const first =
        status === 'pass'
          ? `用正确的方法评估,模型复现了训练loss:在取自训练数据的样本上,教师强制loss为 ${tf},${vsTrain}。`
          : status === 'fail'
            ? `即使用正确的方法评估,模型也没有复现训练loss:在取自训练数据的样本上,教师强制loss为 ${tf},${vsTrain}。`
            : `教师强制(即训练时的计算方式)得到 ${tf}。`
      const second =
        misaligned !== '—'
          ? `如果脚本用 \`logits_to_keep=P\` 后取最后P行,在同样的样本上会得到 ${misaligned}(${misRel});自由生成则得到 ${ar}。如果您看到的数字接近其中之一,下文说明原因。`
          : ''
      return first + second
    },
    elsewhere: (where, here) => `也就是说,您的数字来自 ${where};本报告分析的是 ${here}。`,
    noMatch: (reported) => `没有任何一种计算方式能复现您报告的 ${reported}(见"解释您的数字")。`,
  },
  overview: {
    heading: '📋 问题概述',
    answerHeading: '结论先行',
    keyNumbers: '关键数据',
    trainLoss: (tail) => `训练loss(最后${tail}条日志的均值)`,
    reported: '您的脚本报告的值',
    quantity: '指标',
    loss: 'Loss (nats)',
    vsTrain: '与训练loss之差',
    keyNote: (n, ck, ds) =>
      `均为每个目标token的平均交叉熵(nats),基于 ${ds} 中计算的${n}个样本,检查点 ${ck}。`,
    trainingRunNote: (ds, tf) =>
      `这些样本并非取自训练数据;在取自训练数据的 ${ds} 上,教师强制loss为 ${tf}(见下文最终验证)。`,
    allRuns: '本报告包含的全部运行',
    checkpoint: '检查点',
    dataset: '数据集',
    scored: '已计算',
    top1: 'Top-1准确率(教师强制)',
    hypotheses: '可能原因假设',
    hypothesesIntro:
      '原调查怀疑的四个原因(数据差异、权重加载、训练与推理模式、KV cache),最终找到问题的位置索引,以及与训练loss的最终比较。✅ 通过:排除该原因;❌ 未通过:它是差距的一部分原因;➖ 未测量:尚无证据,不做判断。',
    hypothesis: '假设',
    verdict: '判定',
    figure: '决定性数据',
    threshold: '阈值',
  },
  measures: {
    teacherForcing: '教师强制:完整前向,第 L-1 .. N-2 行',
    keepLastMisaligned: '`logits_to_keep=P`,取最后P行(错位一个位置)',
    keepLastAligned: '`logits_to_keep=P+1`,去掉最后一行',
    autoregressive: '自回归:贪心生成,计算真实下一个token的loss',
    short: {
      teacherForcing: '教师强制',
      keepLastMisaligned: '错位切片',
      autoregressive: '自回归',
    },
  },
  phase: { method: '方法', result: '结果', verdict: '判定' },
  analysisHeading: '🔍 分析过程',
  yes: '是',
  sep: ';',
  no: '否',
  notRun: '已保存的运行中未测量此项。',
  phaseData: {
    title: '第一阶段:数据一致性验证',
    method: '在训练数据中逐个查找评估样本:逐字匹配、空白归一化后匹配,以及作为某条训练样本的一部分。',
    samples: '样本数',
    exact: '逐字匹配',
    normalized: '归一化匹配',
    substring: '片段匹配',
    claimed: '标注取自训练',
    heldOut: '(留出集)',
    notFound: (list, n) => `未找到(${n}个):${list}${n > 5 ? ';……' : ''}`,
  },
  phaseWeights: {
    title: '第二阶段:模型加载验证',
    method:
      '将导出ONNX所用的检查点(.pth / .safetensors)中的每个张量,按名称和数值与ONNX模型的initializer逐一比对,允许转置以及lm_head的权重共享。',
    matched: '匹配的唯一张量',
    maxDiff: '最大|差|',
    mismatched: '数值不符',
    missing: '模型中缺失',
  },
  phaseMode: {
    title: '第三阶段:训练vs推理模式对比',
    method:
      '教师强制(teacher forcing):对真实token做一次前向,用第 L-1 .. N-2 行预测第 L .. N-1 个token,与训练时的计算完全相同。自回归生成:从前L个token出发,每一步取概率最高的token,共P步,并在每一步计算模型在自己生成的前缀下对真实下一个token的loss。',
    tfLabel: '教师强制loss:',
    arLabel: '自回归loss:',
    trainRef: '训练loss',
    step: '步',
    diff: '自回归 − 教师强制',
    insight:
      '**认知**:模型一旦以自己的错误为条件,两种模式就会分开;这个差距衡量的是暴露偏差,属于正常现象。只有当脚本评估的是自由生成时,它才能解释评估得到的数字。',
  },
  phaseKv: {
    title: '第四阶段:KV cache验证',
    method:
      '沿自回归路径,将P个增量步骤的logits(先预填充前L个token,再带着past key/values逐个token解码)与对上下文加生成token做一次完整前向的对应行进行比较。',
    result: (maxDiff, top1, n, P) =>
      `${n}个样本 × ${P}步中,logits最大|差|为 ${maxDiff};${top1} 的步骤上argmax token一致。`,
  },
  phaseAlign: {
    title: '第五阶段:logits_to_keep与位置索引分析',
    method: (L, P) =>
      `第i行logits预测第i+1个token,因此P个目标 T[L .. N-1](N = L + P = ${L + P})由第 L-1 .. N-2 行预测。用三种切法对同样的目标计算loss,并将行号整体偏移 -2 .. +2 个位置(偏移扫描)。`,
    fullForward: (slice) => `完整前向,${slice}(教师强制)`,
    keepAligned: (keep, slice) => `${keep},再取 ${slice}`,
    keepMisaligned: (keep, slice) => `${keep},再取 ${slice}(原来的错误)`,
    slice: '切法',
    rows: (L, P) => `参与计算的行(L = ${L},P = ${P})`,
    shift: '偏移(位置)',
    meanLoss: '平均loss (nats)',
    samples: '样本数',
    note: (s) =>
      s === 0
        ? '正确的行'
        : s === 1
          ? '晚一行:`logits_to_keep=P` 取最后P行'
          : `${s < 0 ? '早' : '晚'}${Math.abs(s)}行`,
    meaning: '含义',
    insight:
      '**关键认知**:在因果Transformer中,position i的logits预测position i+1的token;任何切片都必须从第一个目标的前一行开始。',
  },
  explain: {
    title: '解释您的数字',
    method: (reported, tol) =>
      `您的脚本报告了 ${reported}。将每次运行中测得的每一种计算方式与之比较:相对差异不超过 ${tol} 即视为复现,取最接近者。前提是您的脚本使用了相同的样本。`,
    variant: '计算方式',
    run: '检查点 / 数据集',
    distance: '相对差异',
    within: '在容差内',
  },
  fix: {
    heading: '🛠️ 根本原因与修复方案',
    headingCheck: '🛠️ 检查您自己的评估脚本',
    cause: '根本原因',
    causeText: (s, keepLast, L, P, value, reported) => {
      const n = Math.abs(s)
      const row = n === 1 ? (s > 0 ? '的下一行' : '的上一行') : `${s > 0 ? '之后' : '之前'}第${n}行`
      const kept = keepLast
        ? `\`logits_to_keep=P\` 保留的是最后P行,即第 N-P .. N-1 行(此处为 ${L}..${L + P - 1}),却拿去对目标 T[L .. N-1](第 ${L}..${L + P - 1} 个token)计算loss`
        : `第 ${L - 1 + s}..${L + P - 2 + s} 行被拿去对目标 T[L .. N-1](第 ${L}..${L + P - 1} 个token)计算loss`
      return `评估脚本让每个目标都配上了预测它的那一行${row}。${kept};而第i行预测的是第i+1个token,这些目标应由第 L-1 .. N-2 行(${L - 1}..${L + P - 2})预测。在这些样本上,这种切法得到 ${value},正是您的 ${reported}。`
    },
    caveat: '注意',
    alternative: (name, value, pct) => `${name},${value}(相差 ${pct})`,
    alternatives: (list) =>
      `另有切法也在容差以内:${list}。这里取最接近者;如果您的脚本没有用 \`logits_to_keep\`,请对照偏移扫描表。`,
    rightSlice: '正确切片',
    slice: (formula, filled, L, P) => `${formula},此处为 ${filled}(L = ${L},P = ${P})。`,
    beforeLabel: '修复前',
    afterLabel: '修复后',
    before: (L, P) =>
      python([
        [`outputs = model(input_ids, logits_to_keep=${P})`, `input_ids = T[0:${L + P}]`],
        [`shift_logits = outputs.logits[0, -${P}:, :]`, `第 ${pyRows(L, L + P - 1)} 行:错后一位`],
        [`loss = F.cross_entropy(shift_logits, input_ids[0, ${L}:${L + P}])`],
      ]),
    beforeShift: (L, P, s) =>
      python([
        [`outputs = model(input_ids)`, `input_ids = T[0:${L + P}]`],
        [
          `shift_logits = outputs.logits[0, ${L - 1 + s}:${L + P - 1 + s}, :]`,
          `行号偏移了 ${s > 0 ? '+' : ''}${s}`,
        ],
        [`loss = F.cross_entropy(shift_logits, input_ids[0, ${L}:${L + P}])`],
      ]),
    after: (L, P) =>
      python([
        [`outputs = model(input_ids)`, `保留全部行`],
        [
          `shift_logits = outputs.logits[0, ${L - 1}:${L + P - 1}, :]`,
          `第 ${pyRows(L - 1, L + P - 2)} 行预测第 ${pyRows(L, L + P - 1)} 个token`,
        ],
        [`loss = F.cross_entropy(shift_logits, input_ids[0, ${L}:${L + P}])`],
        [``],
        [`# 或者保留logits_to_keep的省内存效果:多留一行,再去掉最后一行`],
        [`outputs = model(input_ids, logits_to_keep=${P + 1})`],
        [`shift_logits = outputs.logits[0, :-1, :]`],
      ]),
    principle: '修复原理',
    principles: (aligned, tf) =>
      [
        '1. **位置偏移**:因果Transformer第i行的logits预测第i+1个token,所以目标 T[L] 由第 L-1 行预测。',
        `2. **logits_to_keep本身没有问题**:多留一行再去掉最后一行(\`logits_to_keep=P+1\`,\`[:-1]\`)得到 ${aligned},与完整前向(${tf})相同。`,
        '3. **确保一致性**:修复后的loss与训练时的教师强制计算方式完全相同,两者才能比较。',
      ].join('\n'),
    comparable: '应与训练loss比较的数字',
    teacherForcingCode: (L, P) =>
      python([
        [`logits = model(input_ids).logits`, `input_ids = T[0:${L + P}],一次前向`],
        [`loss = F.cross_entropy(logits[0, ${L - 1}:${L + P - 1}], input_ids[0, ${L}:${L + P}])`],
      ]),
    alreadyRight: '切片无需修改;与训练loss的比较见下文。',
    noReported:
      '没有提供您自己的评估脚本得到的loss,因此本报告无法判断您的脚本用的是哪种计算方式。在 experiment.json 中设置 `reportedLoss`(或给 `losslens report` 加上 `--reported-loss`),即可得到解释。',
    ifBefore: '如果您的脚本是这样写的,它错后了一位',
    ifAfter: '应改为',
    ifYourScript: (mis, ar, tf) =>
      `在这些样本上:用 \`logits_to_keep=P\` 后取最后P行的脚本会得到 ${mis};评估自由生成的脚本会得到 ${ar};正确切片得到 ${tf}。`,
  },
  perSample: {
    heading: '📊 修复效果验证',
    title: '单样本对比',
    intro: (keep, slice) =>
      `错误方法:${keep} 并取最后P行;正确方法:教师强制,${slice}。改善 =(错误 − 正确)/ 错误。`,
    sample: '样本',
    misaligned: '错误方法 (nats)',
    correct: '正确方法 (nats)',
    improvement: '改善',
    mean: '平均',
    skipped: (n, list) => `${n}个样本被跳过,未计入平均值:${list}${n > 5 ? ';……' : ''}。`,
  },
  final: {
    title: '最终验证',
    trainLoss: '训练loss',
    trainLossValue: (v, tail, file, caveat) => `${v},${file} 最后${tail}条日志的均值。${caveat}`,
    minimindCaveat:
      'MiniMind每条日志记录的是单个micro-batch的loss(乘以梯度累积步数),而不是区间平均,单条数值噪声较大,因此取均值。',
    evalLoss: '取自训练数据的样本上的教师强制loss',
    evalLossValue: (v, ds, n, ck) => `${v}(${ds},${n}个样本,检查点 ${ck})`,
    difference: '差异',
    differenceValue: (diff, rel, badge, thr) => `${diff}(${rel})→ ${badge}(阈值 ${thr})`,
    fromReported: '相对您的数字',
    fromReportedValue: (rep, tf, pct) => `从 ${rep} 降至 ${tf},降低 ${pct}`,
    otherDataset: (ds, v, rel, heldOut) =>
      `在 ${ds} 上教师强制loss为 ${v}(相对训练loss ${rel})${heldOut ? ':这是留出样本,反映的是泛化差距,而不是评估错误' : ''}。`,
  },
  compare: {
    heading: '🔀 检查点对比',
    intro:
      '各检查点在相同样本上的结果。单样本差异指教师强制loss之差;差为负表示后一个检查点对该样本预测得更好。',
    pairTitle: (a, b, ds) => `${a} 对比 ${b}(${ds})`,
    measure: '指标 (nats)',
    deltas: (n, mean, median, better, worse, b, first, last) =>
      `逐样本(${n}个样本):平均差 ${mean},中位数 ${median};${b} 在${better}个样本上更好,在${worse}个样本上更差,差值从 ${first} 到 ${last}。`,
    points: (signed) => `${signed}个百分点`,
    diverging: (b, tfA, tfB, misA, misB) =>
      `注意两种切法的走向相反:教师强制loss从 ${tfA} 降到 ${tfB},错位切片却从 ${misA} 升到 ${misB}。错位一位时,训练得更好的 ${b} 反而显得更差,因为它对"下一个token"的预测越来越自信;用这种切法的脚本会让训练看起来有害。`,
    tokenIntro: (a, b) => `逐token比较,目标行上的 KL(${a} ‖ ${b})(nats):`,
    meanKld: '平均KLD',
    medianKld: '中位数',
    maxKld: '最大值',
    sameTop1: 'Top-1相同',
    rmsDp: 'RMS Δp',
    tokens: 'token数(样本数)',
  },
  conclusion: {
    heading: '✅ 结论',
    answer: '结论',
    failed: '发现的问题',
    ruledOut: '已排除',
    expected: '正常现象,并非缺陷',
    notMeasured: '未测量',
    final: '最终状态',
    item: (name, value) => `${name}:${value}`,
    name: (h: Hypothesis) =>
      ({
        data: '数据差异',
        weights: '权重加载',
        mode: '训练与推理模式',
        kvCache: 'KV cache',
        alignment: '位置索引',
        trainEval: '训练与评估',
      })[h],
    howTo: (h: Hypothesis) =>
      ({
        data: '运行 `losslens check-data`,或在数据集上点"检查一致性"',
        weights: '用源.pth运行 `losslens verify-weights`,或在检查点上点"验证权重"',
        mode: '测量 teacherForcing 和 autoregressive',
        kvCache: '用带 past_key_values 导出的模型测量 kvCache',
        alignment: '测量 offsetSweep 和两种 keepLast 切法',
        trainEval: '添加训练日志和取自训练数据的数据集',
      })[h],
  },
  prov: {
    heading: '🧾 溯源信息',
    item: '项目',
    value: '值',
    unreadable: '无法读取',
    model: (l) => `模型(${l})`,
    tokenizer: (l) => `分词器(${l})`,
    source: (l) => `源检查点(${l})`,
    description: (l) => `模型描述(${l})`,
    describe: (form, layers, params, opset, vocab, kvHeads, hasKv, producer) =>
      [
        form === 'optimum' ? 'Optimum解码器格式(past_key_values)' : '普通格式(input_ids → logits)',
        layers !== null ? `${layers}层` : null,
        params !== null ? `${params.toLocaleString('en-US')}个参数` : null,
        vocab !== null ? `词表 ${vocab}` : null,
        kvHeads !== null ? `${kvHeads}个KV头` : null,
        hasKv ? '带KV cache' : '无KV cache',
        opset !== null ? `opset ${opset}` : null,
        producer ? `由 ${producer} 导出` : null,
      ]
        .filter(Boolean)
        .join(','),
    run: (ck, ds) => `运行 ${ck} / ${ds}`,
    runValue: (id, status, provider, at, version) =>
      `${id},${status},执行提供程序 ${provider},${at}${version ? `,LossLens ${version}` : ''}`,
    status: (s) =>
      ({
        queued: '排队中',
        running: '运行中',
        finished: '已完成',
        failed: '失败',
        cancelled: '已取消',
        interrupted: '已中断',
      })[s] ?? s,
    dataset: (l) => `数据集 ${l}`,
    trainLog: '训练日志',
    points: '个数据点',
    settings: '设置',
    settingsValue: (L, P, bos, measures, batch, threads) =>
      `L = ${L},P = ${P},${bos ? '添加BOS' : '不添加BOS'},测量项 ${measures},批大小 ${batch},线程 ${threads === 0 ? '自动' : threads}`,
    report: '本报告',
    reportValue: (v, at) => `LossLens ${v},生成于 ${at}`,
  },
  charts: {
    lossAxis: '交叉熵 (nats)',
    perSample: {
      title: (ck) => `单样本loss:错误切片 vs 正确切片(${ck})`,
      subtitle: (ds, L, P) => `${ds},L = ${L},P = ${P};每个样本P个目标token的平均交叉熵`,
      x: '样本',
      misaligned: 'logits_to_keep=P 取最后P行(错位)',
      correct: '教师强制(正确)',
    },
    sweep: {
      title: (ck) => `偏移扫描:平均loss随行偏移的变化(${ck})`,
      subtitle: '偏移0为正确的行;+1 即 logits_to_keep=P 取最后P行',
      x: '偏移(位置)',
      series: '偏移扫描平均loss',
    },
    mode: {
      title: (ck) => `教师强制 vs 自回归:逐步loss(${ck})`,
      subtitle: (ds) => `${ds};每个目标位置上真实token的平均交叉熵`,
      x: '步(目标位置)',
      tf: '教师强制',
      ar: '自回归(贪心)',
      parts: (step) => `第${step}步开始分离`,
    },
    training: {
      title: '训练loss曲线与评估loss',
      subtitle: (tail) => `日志记录的是单个micro-batch的loss;判定使用最后${tail}个点的均值`,
      x: '步',
      train: '训练loss(日志)',
      tf: (ds) => `教师强制(${ds})`,
      misaligned: '错位切片(logits_to_keep=P)',
    },
    scatter: {
      title: (a, b) => `单样本教师强制loss:${a} vs ${b}`,
      subtitle: '位于对角线下方:后一个检查点对该样本预测得更好',
      x: (a) => `${a}:交叉熵 (nats)`,
      y: (b) => `${b}:交叉熵 (nats)`,
      series: (ds) => ds,
      identity: 'y = x',
    },
  },
}

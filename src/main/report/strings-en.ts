/** The report's English wording. strings-zh.ts mirrors every key (ReportStrings is this object's type). */
import { fmtPct, type Hypothesis } from '../../shared/diagnosis'

const pyRows = (a: number, b: number): string => `${a}..${b}`

/** Python lines with their comments aligned in one column. */
const python = (lines: [string, string?][]): string => {
  const width = Math.max(...lines.filter((l) => l[1]).map((l) => l[0].length)) + 2
  return lines.map(([code, comment]) => (comment ? `${code.padEnd(width)}# ${comment}` : code)).join('\n')
}

export const en = {
  title: (id: string) => `Train–inference loss gap analysis: experiment ${id}`,
  meta: {
    experiment: 'Experiment',
    date: 'Date',
    author: 'Written by',
    authorValue: (version: string, runs: number) =>
      `LossLens ${version}, from the stored results of ${runs} run${runs === 1 ? '' : 's'}`,
    analysed: 'Analysed',
    analysedValue: (ck: string, ds: string, scored: number, total: number, L: number, P: number) =>
      `checkpoint ${ck} on ${ds}: ${scored} of ${total} samples scored, input length L = ${L}, predict length P = ${P}`,
    reported: 'Loss your script reported',
  },
  verdictLine: (badge: string, figure: string | null, threshold: string, sentence: string) =>
    figure === null
      ? `${badge} — ${sentence}`
      : `${badge} — ${figure} (threshold: ${threshold}). ${sentence}`,
  answer: {
    vsTrain: (train: string, rel: number, pass: boolean, thr: string) =>
      `${fmtPct(Math.abs(rel))} ${rel < 0 ? 'below' : 'above'} the training loss of ${train} (${pass ? 'within' : 'outside'} the ${thr} threshold)`,
    alignment: (
      reported: string,
      shift: number,
      keepLast: boolean,
      value: string,
      rel: string,
      slice: string,
      tf: string,
      vsTrain: string,
    ) => {
      const n = Math.abs(shift)
      const what = keepLast
        ? `what \`logits_to_keep=P\` followed by \`logits[0, -P:]\` reports: that slice scores each target with the row after the one that predicts it`
        : `the loss of rows shifted by ${shift > 0 ? '+' : ''}${shift}: each target scored with the row ${n} position${n > 1 ? 's' : ''} ${shift > 0 ? 'after' : 'before'} the one that predicts it`
      const off = n === 1 ? 'one position' : `${n} positions`
      return `Your ${reported} is ${what}, and gives ${value} on these samples (${rel} from your number). Scored on the right rows, ${slice}, the same samples give ${tf}${vsTrain ? `, ${vsTrain}` : ''}. The model is fine; the evaluation script is off by ${off}.`
    },
    autoregressive: (reported: string, value: string, tf: string, vsTrain: string) =>
      `Your ${reported} is the autoregressive loss (${value}): your script scores free-running generation, which sits above the training loss by design (exposure bias). The number comparable with training is teacher forcing: ${tf}${vsTrain ? `, ${vsTrain}` : ''}.`,
    correct: (reported: string, tf: string, vsTrain: string) =>
      `Your ${reported} is already the right slice (teacher forcing gives ${tf}${vsTrain ? `, ${vsTrain}` : ''}); the evaluation is sound and what remains is the comparison with training below.`,
    measured: (
      tf: string,
      vsTrain: string,
      status: string,
      misaligned: string,
      misRel: string,
      ar: string,
    ) => {
      const first =
        status === 'pass'
          ? `Evaluated correctly, the model reproduces its training loss: teacher forcing on training-drawn samples gives ${tf}, ${vsTrain}.`
          : status === 'fail'
            ? `Even evaluated correctly, the model does not reproduce its training loss: teacher forcing on training-drawn samples gives ${tf}, ${vsTrain}.`
            : `Teacher forcing, the computation training does, gives ${tf}.`
      const second =
        misaligned !== '—'
          ? ` A script that keeps the last P rows after \`logits_to_keep=P\` would report ${misaligned} on the same samples (${misRel}), and free-running generation gives ${ar}: if your number is near one of those, the sections below say why.`
          : ''
      return first + second
    },
    elsewhere: (where: string, here: string) =>
      `Your number belongs to ${where}; this report analyses ${here}.`,
    noMatch: (reported: string) =>
      `None of the measured variants reproduces your ${reported} (see "Explain your number").`,
  },
  overview: {
    heading: '📋 Overview',
    answerHeading: 'The answer',
    keyNumbers: 'Key numbers',
    trainLoss: (tail: number) => `Training loss (mean of the last ${tail} logged steps)`,
    reported: 'Your script reported',
    quantity: 'Quantity',
    loss: 'Loss (nats)',
    vsTrain: 'vs training loss',
    keyNote: (n: number, ck: string, ds: string) =>
      `Mean cross-entropy per target token, in nats, over the ${n} scored samples of ${ds} with checkpoint ${ck}.`,
    trainingRunNote: (ds: string, tf: string) =>
      `These samples are not drawn from training; on the training-drawn ${ds} teacher forcing gives ${tf} (final verification below).`,
    allRuns: 'All runs in this report',
    checkpoint: 'Checkpoint',
    dataset: 'Dataset',
    scored: 'Scored',
    top1: 'Top-1 accuracy (TF)',
    hypotheses: 'Hypotheses examined',
    hypothesesIntro:
      'The four causes the original investigation suspected (data, weights, train/infer mode, KV cache), the position alignment where it found the cause, and the final comparison with training. ✅ pass: ruled out as a defect; ❌ fail: part of the explanation; ➖ not measured: no evidence yet, so no verdict.',
    hypothesis: 'Hypothesis',
    verdict: 'Verdict',
    figure: 'Deciding figure',
    threshold: 'Threshold',
  },
  measures: {
    teacherForcing: 'Teacher forcing: full forward, rows L-1 .. N-2',
    keepLastMisaligned: '`logits_to_keep=P`, last P rows (one position late)',
    keepLastAligned: '`logits_to_keep=P+1`, last row dropped',
    autoregressive: 'Autoregressive: greedy generation, true next token scored',
    short: {
      teacherForcing: 'Teacher forcing',
      keepLastMisaligned: 'Misaligned',
      autoregressive: 'Autoregressive',
    },
  },
  phase: { method: 'Method', result: 'Result', verdict: 'Verdict' },
  analysisHeading: '🔍 Analysis',
  yes: 'yes',
  /** Separates items of an inline list. */
  sep: '; ',
  no: 'no',
  notRun: 'Not measured in the stored runs.',
  phaseData: {
    title: 'Phase 1: data consistency',
    method:
      'Every evaluation sample is looked up in the training data: verbatim, after collapsing whitespace, and as part of a training row.',
    samples: 'Samples',
    exact: 'Verbatim',
    normalized: 'Normalised',
    substring: 'In a row',
    claimed: 'Marked from training',
    heldOut: '(held out by design)',
    notFound: (list: string, n: number) => `Not found (${n}): ${list}${n > 5 ? '; …' : ''}`,
  },
  phaseWeights: {
    title: 'Phase 2: model loading',
    method:
      "Each tensor of the checkpoint the model was exported from (.pth / .safetensors) is matched against the ONNX model's initializers by name and value, allowing transposes and the tied lm_head.",
    matched: 'Unique tensors matched',
    maxDiff: 'Max |diff|',
    mismatched: 'Different values',
    missing: 'Missing from model',
  },
  phaseMode: {
    title: 'Phase 3: training vs inference mode',
    method:
      'Teacher forcing runs one forward over the true tokens and scores rows L-1 .. N-2 against tokens L .. N-1, exactly what training computes. Autoregressive generation starts from the first L tokens, takes the most likely token at each of P steps, and at each step scores the true next token under the model given its own prefix.',
    tfLabel: 'teacher forcing:',
    arLabel: 'autoregressive:',
    trainRef: 'training loss',
    step: 'Step',
    diff: 'AR − TF',
    insight:
      '**Insight**: the two modes part as soon as the model conditions on its own mistakes; this gap measures exposure bias and is expected. It explains an evaluation number only if the script scores free-running generation.',
  },
  phaseKv: {
    title: 'Phase 4: KV cache',
    method:
      'Along the autoregressive path, the logits of the P incremental steps (prefill of the first L tokens, then one token at a time with past key/values) are compared with the same rows of one full forward over the context and the generated tokens.',
    result: (maxDiff: string, top1: string, n: number, P: number) =>
      `Largest |logit difference| ${maxDiff} over ${n} samples × ${P} steps; the argmax token agrees on ${top1} of steps.`,
  },
  phaseAlign: {
    title: 'Phase 5: logits_to_keep and position alignment',
    method: (L: number, P: number) =>
      `Row i of the logits predicts token i+1, so the P targets T[L .. N-1] (N = L + P = ${L + P}) are predicted by rows L-1 .. N-2. The same targets are scored against three slices, and against rows shifted by -2 .. +2 positions (the offset sweep).`,
    fullForward: (slice: string) => `Full forward, ${slice} (teacher forcing)`,
    keepAligned: (keep: string, slice: string) => `${keep}, then ${slice}`,
    keepMisaligned: (keep: string, slice: string) => `${keep}, then ${slice} (the original bug)`,
    slice: 'Slice',
    rows: (L: number, P: number) => `Rows scored (L = ${L}, P = ${P})`,
    shift: 'Shift (positions)',
    meanLoss: 'Mean loss (nats)',
    samples: 'Samples',
    note: (s: number): string =>
      s === 0
        ? 'the right rows'
        : s === 1
          ? 'one row late: `logits_to_keep=P`, last P rows'
          : `${Math.abs(s)} row${Math.abs(s) > 1 ? 's' : ''} ${s < 0 ? 'early' : 'late'}`,
    meaning: 'Meaning',
    insight:
      '**Insight**: in a causal Transformer the logits at position i predict token i+1; every slice must start one row before its first target.',
  },
  explain: {
    title: 'Explain your number',
    method: (reported: string, tol: string) =>
      `Your script reported ${reported}. Every variant measured on every run is compared with it; a variant reproduces it when the two differ by at most ${tol} (relative), and the nearest wins. This assumes your script scored the same samples.`,
    variant: 'Variant',
    run: 'Checkpoint / dataset',
    distance: 'Distance',
    within: 'Within',
  },
  fix: {
    heading: '🛠️ Root cause and fix',
    headingCheck: '🛠️ Checking your own evaluation script',
    cause: 'Root cause',
    causeText: (s: number, keepLast: boolean, L: number, P: number, value: string, reported: string) => {
      const n = Math.abs(s)
      const row =
        n === 1
          ? `the row ${s > 0 ? 'after' : 'before'}`
          : `the row ${n} positions ${s > 0 ? 'after' : 'before'}`
      const kept = keepLast
        ? `\`logits_to_keep=P\` keeps the last P rows, N-P .. N-1 (here ${L}..${L + P - 1}), and they were scored against the targets T[L .. N-1] (tokens ${L}..${L + P - 1})`
        : `rows ${L - 1 + s}..${L + P - 2 + s} were scored against the targets T[L .. N-1] (tokens ${L}..${L + P - 1})`
      return `The evaluation scores each target with ${row} the one that predicts it. ${kept}; but row i predicts token i+1, so these targets are predicted by rows L-1 .. N-2 (${L - 1}..${L + P - 2}). On these samples that slice gives ${value}: your ${reported}.`
    },
    caveat: 'Caveat',
    alternative: (name: string, value: string, pct: string) => `${name} at ${value} (${pct} away)`,
    alternatives: (list: string) =>
      `another slice is within tolerance too: ${list}. The nearest is taken; if your script does not use \`logits_to_keep\`, compare it with the offset-sweep table.`,
    rightSlice: 'The right slice',
    slice: (formula: string, filled: string, L: number, P: number) =>
      `${formula}, here ${filled} (L = ${L}, P = ${P}).`,
    beforeLabel: 'Before',
    afterLabel: 'After',
    before: (L: number, P: number) =>
      python([
        [`outputs = model(input_ids, logits_to_keep=${P})`, `input_ids = T[0:${L + P}]`],
        [`shift_logits = outputs.logits[0, -${P}:, :]`, `rows ${pyRows(L, L + P - 1)}: one position late`],
        [`loss = F.cross_entropy(shift_logits, input_ids[0, ${L}:${L + P}])`],
      ]),
    beforeShift: (L: number, P: number, s: number) =>
      python([
        [`outputs = model(input_ids)`, `input_ids = T[0:${L + P}]`],
        [
          `shift_logits = outputs.logits[0, ${L - 1 + s}:${L + P - 1 + s}, :]`,
          `rows shifted by ${s > 0 ? '+' : ''}${s}`,
        ],
        [`loss = F.cross_entropy(shift_logits, input_ids[0, ${L}:${L + P}])`],
      ]),
    after: (L: number, P: number) =>
      python([
        [`outputs = model(input_ids)`, `every row`],
        [
          `shift_logits = outputs.logits[0, ${L - 1}:${L + P - 1}, :]`,
          `rows ${pyRows(L - 1, L + P - 2)} predict tokens ${pyRows(L, L + P - 1)}`,
        ],
        [`loss = F.cross_entropy(shift_logits, input_ids[0, ${L}:${L + P}])`],
        [``],
        [`# or keep the saving of logits_to_keep: one row more, then drop the last`],
        [`outputs = model(input_ids, logits_to_keep=${P + 1})`],
        [`shift_logits = outputs.logits[0, :-1, :]`],
      ]),
    principle: 'Why this is right',
    principles: (aligned: string, tf: string) =>
      [
        "1. Row i of a causal Transformer's logits predicts token i+1, so the target T[L] is predicted by row L-1.",
        `2. \`logits_to_keep\` itself was never the problem: kept one row longer and trimmed (\`logits_to_keep=P+1\`, \`[:-1]\`), it gives ${aligned}, the same as a full forward (${tf}).`,
        '3. The corrected loss is computed exactly like the training loss (teacher forcing), so the two can be compared.',
      ].join('\n'),
    comparable: 'The number to compare with training',
    teacherForcingCode: (L: number, P: number) =>
      python([
        [`logits = model(input_ids).logits`, `input_ids = T[0:${L + P}], one forward`],
        [`loss = F.cross_entropy(logits[0, ${L - 1}:${L + P - 1}], input_ids[0, ${L}:${L + P}])`],
      ]),
    alreadyRight: 'Nothing to fix in the slicing; the comparison with the training loss is below.',
    noReported:
      'No loss from your own evaluation script was given, so this report cannot say which variant your script computes. Set `reportedLoss` in experiment.json (or pass `--reported-loss` to `losslens report`) to have it explained.',
    ifBefore: 'If your script does this, it is one position late',
    ifAfter: 'Do this instead',
    ifYourScript: (mis: string, ar: string, tf: string) =>
      `On these samples a script that keeps the last P rows after \`logits_to_keep=P\` prints ${mis}; one that scores free-running generation prints ${ar}; the right slice prints ${tf}.`,
  },
  perSample: {
    heading: '📊 Verification',
    title: 'Sample by sample',
    intro: (keep: string, slice: string) =>
      `Misaligned: ${keep} with its last P rows; correct: teacher forcing, ${slice}. Improvement = (misaligned − correct) / misaligned.`,
    sample: 'Sample',
    misaligned: 'Misaligned (nats)',
    correct: 'Correct (nats)',
    improvement: 'Improvement',
    mean: 'Mean',
    skipped: (n: number, list: string) =>
      `${n} sample${n === 1 ? '' : 's'} skipped and not in the means: ${list}${n > 5 ? '; …' : ''}.`,
  },
  final: {
    title: 'Final verification against the training loss',
    trainLoss: 'Training loss',
    trainLossValue: (v: string, tail: number, file: string, caveat: string) =>
      `${v}, the mean of the last ${tail} logged steps of ${file}. ${caveat}`,
    /** Used instead of the log's own caveat for MiniMind's formats. */
    minimindCaveat:
      'MiniMind logs the loss of a single micro-batch on each line (times the accumulation steps), not an average over the interval, so one line is noisy; hence the mean.',
    evalLoss: 'Teacher forcing on training-drawn samples',
    evalLossValue: (v: string, ds: string, n: number, ck: string) =>
      `${v} (${ds}, ${n} samples, checkpoint ${ck})`,
    difference: 'Difference',
    differenceValue: (diff: string, rel: string, badge: string, thr: string) =>
      `${diff} (${rel}) → ${badge} (threshold ${thr})`,
    fromReported: 'From your number',
    fromReportedValue: (rep: string, tf: string, pct: string) => `${rep} → ${tf}, ${pct} lower`,
    otherDataset: (ds: string, v: string, rel: string, heldOut: boolean) =>
      `On ${ds} teacher forcing gives ${v} (${rel} against the training loss)${heldOut ? ': held-out samples, so this is the generalisation gap, not an evaluation error' : ''}.`,
  },
  compare: {
    heading: '🔀 Checkpoint comparison',
    intro:
      'The same samples scored by each checkpoint. Per-sample differences are in teacher-forcing loss; a negative difference means the later checkpoint predicts the sample better.',
    pairTitle: (a: string, b: string, ds: string) => `${a} vs ${b} on ${ds}`,
    measure: 'Measure (nats)',
    deltas: (
      n: number,
      mean: string,
      median: string,
      better: number,
      worse: number,
      b: string,
      first: string,
      last: string,
    ) =>
      `Per sample (${n} samples): mean difference ${mean}, median ${median}; ${b} is better on ${better} and worse on ${worse}, from ${first} to ${last}.`,
    points: (signed: string) => `${signed} pp`,
    diverging: (b: string, tfA: string, tfB: string, misA: string, misB: string) =>
      `Note how the two slices move apart: teacher forcing falls from ${tfA} to ${tfB} while the misaligned slice rises from ${misA} to ${misB}. Scored one position late, the better-trained ${b} looks worse, because it predicts the next token ever more confidently; a script with that slice can make training look harmful.`,
    tokenIntro: (a: string, b: string) => `Token by token, KL(${a} ‖ ${b}) over the target rows (nats):`,
    meanKld: 'Mean KLD',
    medianKld: 'Median',
    maxKld: 'Max',
    sameTop1: 'Same top-1',
    rmsDp: 'RMS Δp',
    tokens: 'Tokens (samples)',
  },
  conclusion: {
    heading: '✅ Conclusion',
    answer: 'Answer',
    failed: 'Cause found',
    ruledOut: 'Ruled out',
    expected: 'Expected, not a defect',
    notMeasured: 'Not measured',
    final: 'Final state',
    item: (name: string, value: string) => `${name}: ${value}`,
    name: (h: Hypothesis) =>
      ({
        data: 'data',
        weights: 'weights',
        mode: 'train/infer mode',
        kvCache: 'KV cache',
        alignment: 'alignment',
        trainEval: 'train vs eval',
      })[h],
    howTo: (h: Hypothesis) =>
      ({
        data: 'run `losslens check-data`, or "Check consistency" on the dataset',
        weights: 'run `losslens verify-weights` with the source .pth, or "Verify weights" on the checkpoint',
        mode: 'measure teacherForcing and autoregressive',
        kvCache: 'measure kvCache with a model exported with past_key_values',
        alignment: 'measure offsetSweep and the keepLast variants',
        trainEval: 'add the training log and a dataset drawn from the training data',
      })[h],
  },
  prov: {
    heading: '🧾 Provenance',
    item: 'Item',
    value: 'Value',
    unreadable: 'not readable',
    model: (l: string) => `Model (${l})`,
    tokenizer: (l: string) => `Tokenizer (${l})`,
    source: (l: string) => `Source checkpoint (${l})`,
    description: (l: string) => `Model description (${l})`,
    describe: (
      form: string,
      layers: number | null,
      params: number | null,
      opset: number | null,
      vocab: number | null,
      kvHeads: number | null,
      hasKv: boolean,
      producer: string | null,
    ) =>
      [
        form === 'optimum' ? 'Optimum decoder (past_key_values)' : 'plain (input_ids → logits)',
        layers !== null ? `${layers} layers` : null,
        params !== null ? `${params.toLocaleString('en-US')} parameters` : null,
        vocab !== null ? `vocabulary ${vocab}` : null,
        kvHeads !== null ? `${kvHeads} KV heads` : null,
        hasKv ? 'KV cache' : 'no KV cache',
        opset !== null ? `opset ${opset}` : null,
        producer ? `exported by ${producer}` : null,
      ]
        .filter(Boolean)
        .join(', '),
    run: (ck: string, ds: string) => `Run ${ck} / ${ds}`,
    runValue: (id: string, status: string, provider: string, at: string, version: string | null) =>
      `${id}, ${status}, execution provider ${provider}, ${at}${version ? `, LossLens ${version}` : ''}`,
    status: (s: string): string =>
      ({
        queued: 'queued',
        running: 'running',
        finished: 'finished',
        failed: 'failed',
        cancelled: 'cancelled',
        interrupted: 'interrupted',
      })[s] ?? s,
    dataset: (l: string) => `Dataset ${l}`,
    trainLog: 'Training log',
    points: 'points',
    settings: 'Settings',
    settingsValue: (L: number, P: number, bos: boolean, measures: string, batch: number, threads: number) =>
      `L = ${L}, P = ${P}, BOS ${bos ? 'prepended' : 'not added'}, measures ${measures}, batch ${batch}, threads ${threads === 0 ? 'auto' : threads}`,
    report: 'This report',
    reportValue: (v: string, at: string) => `LossLens ${v}, generated ${at}`,
  },
  charts: {
    lossAxis: 'cross-entropy (nats)',
    perSample: {
      title: (ck: string) => `Per-sample loss: misaligned vs correct slice (${ck})`,
      subtitle: (ds: string, L: number, P: number) =>
        `${ds}, L = ${L}, P = ${P}; mean cross-entropy over each sample's P targets`,
      x: 'sample',
      misaligned: 'logits_to_keep=P, last P rows (misaligned)',
      correct: 'teacher forcing (correct)',
    },
    sweep: {
      title: (ck: string) => `Offset sweep: mean loss vs row shift (${ck})`,
      subtitle: 'shift 0 scores the right rows; +1 is logits_to_keep=P with its last P rows',
      x: 'shift (positions)',
      series: 'offset sweep, mean loss',
    },
    mode: {
      title: (ck: string) => `Teacher forcing vs autoregressive, per step (${ck})`,
      subtitle: (ds: string) => `${ds}; mean cross-entropy of the true token at each target position`,
      x: 'step (target position)',
      tf: 'teacher forcing',
      ar: 'autoregressive (greedy)',
      parts: (step: number) => `parts at step ${step}`,
    },
    training: {
      title: 'Training loss with the evaluation loss over it',
      subtitle: (tail: number) =>
        `logged micro-batch loss; the verdict uses the mean of the last ${tail} points`,
      x: 'step',
      train: 'training loss (logged)',
      tf: (ds: string) => `teacher forcing on ${ds}`,
      misaligned: 'misaligned slice (logits_to_keep=P)',
    },
    scatter: {
      title: (a: string, b: string) => `Per-sample teacher-forcing loss: ${a} vs ${b}`,
      subtitle: 'below the diagonal: the later checkpoint predicts the sample better',
      x: (a: string) => `${a}: cross-entropy (nats)`,
      y: (b: string) => `${b}: cross-entropy (nats)`,
      series: (ds: string) => ds,
      identity: 'y = x',
    },
  },
}

export type ReportStrings = typeof en

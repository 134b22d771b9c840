/**
 * The report's English wording. strings-zh.ts mirrors every key (ReportStrings is this object's type).
 * Verdict sentences come from the shared diagnosis texts (text-en.ts); these are the report's own words.
 */
import { GLOSSARY } from '../../shared/glossary'
import type { RunStatus } from '../../shared/experiment'
import type { Hypothesis } from '../../shared/diagnosis'

/** Python lines with their comments aligned in one column. */
export const python = (lines: [string, string?][]): string => {
  const width = Math.max(...lines.filter((l) => l[1]).map((l) => l[0].length)) + 2
  return lines.map(([code, comment]) => (comment ? `${code.padEnd(width)}# ${comment}` : code)).join('\n')
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`

export const en = {
  title: (id: string) => `Train–inference loss gap analysis: experiment ${id}`,
  /** Separates items of an inline list. */
  sep: '; ',
  /** After a bold label: "**Method**: ...". */
  colon: ': ',
  /** Between two sentences. */
  sentenceGap: ' ',
  /** A parenthesis after a word: " (held out)". */
  paren: (text: string) => ` (${text})`,
  /** A checkpoint with its step: "final (step 836)". */
  atStep: (ck: string, step: number | null) => (step === null ? ck : `${ck} (step ${step})`),
  /** "eval.json (final, step 836)": a dataset with the checkpoint its numbers are from. */
  onRun: (ds: string, ck: string, step: number | null) =>
    `${ds} (${step === null ? ck : `${ck}, step ${step}`})`,
  /** What a status means for one verdict, beside its badge: "expected (exposure bias)". */
  statusNote: (note: 'exposureBias' | 'generalisation' | 'trainedOn' | 'heldOut' | 'noStep') =>
    ({
      exposureBias: 'exposure bias',
      generalisation: 'generalisation gap',
      trainedOn: 'below training: trained on',
      heldOut: 'held out',
      noStep: 'step unknown',
    })[note],
  meta: {
    experiment: 'Experiment',
    date: 'Date',
    author: 'Written by',
    authorValue: (version: string, runs: number) =>
      `LossLens ${version}, from the stored results of ${plural(runs, 'run')}`,
    datasets: 'Datasets',
    reported: 'Loss your script reported',
  },
  verdictLine: (badge: string, figure: string | null, threshold: string, sentence: string) =>
    figure === null ? `${badge}: ${sentence}` : `${badge}: ${figure} (threshold: ${threshold}). ${sentence}`,
  overview: {
    heading: '📋 Overview',
    answerHeading: 'The answer, dataset by dataset',
    answerIntro:
      'Each dataset is judged on its latest checkpoint (its headline); the cause is the first of weights, alignment, mode, KV cache, data and train vs eval whose check fails.',
    runsHeading: 'Runs this report uses',
    runsIntro: (L: number, P: number) =>
      `For each checkpoint × dataset: the newest finished run with the experiment's current settings (input length L = ${L}, predict length P = ${P}).`,
    fallback: (run: string, L: number, P: number, curL: number, curP: number) =>
      `⚠️ ${run}: no run has the current settings (L = ${curL}, P = ${curP}), so the newest run with results is used (L = ${L}, P = ${P}); its numbers score other tokens than the rest.`,
    chosen: 'Runs marked ✋ were chosen by hand.',
    checkpoint: 'Checkpoint',
    step: 'Step',
    dataset: 'Dataset',
    kind: 'Kind',
    scored: 'Scored',
    run: 'Run',
    keyHeading: (dsOnRun: string) => `Key numbers: ${dsOnRun}`,
    quantity: 'Quantity',
    loss: 'Loss (nats)',
    timesTf: '× teacher forcing',
    vsTrain: 'vs training loss',
    trainLoss: (lines: number, step: number) =>
      `Training loss (mean of the ${lines} logged losses up to step ${step})`,
    reported: 'Your script reported',
    keyNote: (n: number, ds: string, ck: string) =>
      `Mean cross-entropy per target token in nats, ± one standard error, over the ${n} scored samples of ${ds} with checkpoint ${ck}. "× teacher forcing" divides by the teacher-forcing loss of the same samples; "vs training loss" is (loss − training loss) / training loss.`,
    /** An SFT run's key numbers are divided by its SFT loss, the trainer's own loss. */
    timesSft: '× SFT loss',
    keyNoteSft: (n: number, ds: string, ck: string) =>
      `Mean cross-entropy over each conversation's assistant tokens (MiniMind's SFT loss mask) in nats, ± one standard error, over the ${n} scored conversations of ${ds} with checkpoint ${ck}. "× SFT loss" divides by MiniMind's SFT loss of the same conversations; "vs training loss" is (loss − training loss) / training loss.`,
    keyNoStep: (ck: string) =>
      `The training step of ${ck} is unknown, so no training loss is set beside it (the end of training would be another model).`,
    keyNoLog: 'No training log: nothing to compare with training.',
    hypothesesHeading: 'Hypotheses examined',
    hypothesesIntro:
      'The four causes the original investigation suspected (data, weights, train/infer mode, KV cache), the position alignment where it found the cause, and the comparison with training, for each dataset on its headline checkpoint. ✅ pass: ruled out as a defect; ❌ fail: part of the explanation; 🔵 expected: a difference the method predicts, not a defect; ❔ inconclusive: the evidence cannot tell yet; ➖ not measured: no evidence, no verdict.',
    hypothesis: 'Hypothesis',
    verdict: 'Verdict',
    figure: 'Deciding figure',
    threshold: 'Threshold',
  },
  measures: {
    teacherForcing: 'Teacher forcing (rows L−1 … N−2)',
    keepLastMisaligned: '`logits_to_keep=P`, last P rows (one position late)',
    keepLastAligned: '`logits_to_keep=P+1`, last row dropped',
    autoregressive: 'Autoregressive (greedy generation)',
    short: {
      teacherForcing: 'Teacher forcing',
      keepLastMisaligned: 'Misaligned',
      keepLastAligned: 'Aligned keep-last',
      autoregressive: 'Autoregressive',
      sft: 'SFT loss',
      sftAutoregressive: 'Reply generated',
    },
  },
  phase: { method: 'Method', result: 'Result', verdict: 'Verdict' },
  analysisHeading: '🔍 Analysis',
  notRun: 'Not measured in the stored runs.',
  /** Subheading of a check's result on one dataset. */
  onDataset: (dsOnRun: string) => `On ${dsOnRun}`,
  phaseData: {
    title: 'Phase 1: data consistency',
    method:
      'Every evaluation sample is looked up in the training data: verbatim, after collapsing whitespace, and as part of a training row.',
    samples: 'Samples',
    exact: 'Verbatim',
    normalized: 'Normalised',
    substring: 'In a row',
    claimed: 'Said to be',
    found: 'Found to be',
    notFound: (ds: string, list: string, n: number) =>
      `Not found in ${ds} (${n}, by sample index): ${list}${n > 5 ? '; …' : ''}`,
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
      'Teacher forcing runs one forward over the true tokens and scores rows L−1 … N−2 against tokens L … N−1, exactly what training computes. Autoregressive generation starts from the first L tokens, takes the most likely token at each of P steps, and at each step scores the true next token under the model given its own prefix.',
    step: 'Step',
    diff: 'AR − TF',
    insight:
      '**Insight**: the two modes part as soon as the model conditions on its own mistakes; the gap is exposure bias, expected of every model. It explains an evaluation number only if the script scores free-running generation.',
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
      `Row i of the logits predicts token i+1, so the P targets T[L … N−1] (N = L + P = ${L + P}) are predicted by rows L−1 … N−2. The same targets are scored against three slices, and against rows shifted by −2 … +2 positions (the offset sweep). Row +1 has already been fed its own target, so a model near its no-context level can score lower there without being misaligned.`,
    fullForward: (slice: string) => `Full forward, ${slice} (teacher forcing)`,
    keepAligned: (keep: string, slice: string) => `${keep}, then ${slice}`,
    keepMisaligned: (keep: string, slice: string) => `${keep}, then ${slice} (the original bug)`,
    slice: 'Slice',
    rows: (L: number, P: number) => `Rows scored (L = ${L}, P = ${P})`,
    shift: 'Shift (positions)',
    meanLoss: 'Mean loss (nats)',
    samples: 'Samples',
    meaning: 'Meaning',
    note: (s: number): string =>
      s === 0
        ? 'the right rows'
        : s === 1
          ? 'one row late: `logits_to_keep=P`, last P rows (has seen its target)'
          : s > 1
            ? `${s} rows late (has seen its target)`
            : `${-s} row${s < -1 ? 's' : ''} early`,
    rightSlice: (slice: string) => `The right slice for this run: ${slice}.`,
    offsetFix: (offset: string, slice: string, L: number, P: number) =>
      `The model's rows are out of step: take rows offset by ${offset}, ${slice} (a forward over T[0 : ${L + P + Math.max(0, Number(offset))}]), or fix the export that moved the logits.`,
  },
  explain: {
    title: 'Explain your number',
    method: (reported: string, tol: string) =>
      `Your script reported ${reported}. Every variant measured on every run is compared with it; a variant reproduces it when the two differ by at most ${tol} (relative), and the nearest wins. This assumes your script scored the same samples.`,
    variant: 'Variant',
    run: 'Dataset (checkpoint)',
    distance: 'Distance from your number',
    within: 'Within',
    sftElsewhere: (section: string, heading: string) =>
      `For SFT conversations, "${heading}" under "${section}" weighs your number against MiniMind's SFT loss and the shifted-mask loss.`,
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
        ? `\`logits_to_keep=P\` keeps the last P rows, N−P … N−1 (here ${L} … ${L + P - 1}), and they were scored against the targets T[L … N−1] (tokens ${L} … ${L + P - 1})`
        : `rows ${L - 1 + s} … ${L + P - 2 + s} were scored against the targets T[L … N−1] (tokens ${L} … ${L + P - 1})`
      return `The evaluation scores each target with ${row} the one that predicts it. ${kept}; but row i predicts token i+1, so these targets are predicted by rows L−1 … N−2 (${L - 1} … ${L + P - 2}). On these samples that slice gives ${value}: your ${reported}.`
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
        [`shift_logits = outputs.logits[0, -${P}:, :]`, `rows ${L}..${L + P - 1}: one position late`],
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
          `rows ${L - 1}..${L + P - 2} predict tokens ${L}..${L + P - 1}`,
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
        "1. Row i of a causal Transformer's logits predicts token i+1, so the target T[L] is predicted by row L−1.",
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
      'No loss from your own evaluation script was given, so this report cannot say which variant your script computes. Enter it in the window’s "Your script reported" field (Overview, Hypotheses and verdicts), or pass `--reported-loss` to `losslens report`, to have it explained.',
    ifBefore: 'If your script does this, it is one position late',
    ifAfter: 'Do this instead',
    ifYourScript: (ds: string, mis: string, ar: string, tf: string) =>
      `On ${ds} a script that keeps the last P rows after \`logits_to_keep=P\` prints ${mis}; one that scores free-running generation prints ${ar}; the right slice prints ${tf}.`,

    sftRightMask:
      "MiniMind's SFT loss is the mean cross-entropy over the assistant tokens its loss mask counts: each reply's tokens, its closing <|im_end|> and the newline after it; nothing of the system and user turns and nothing of the <|im_start|>assistant header. The mask is shifted with the labels (loss_mask = mask[1:]), so logits row t − 1 scores each counted token t.",
    sftIfYourScript: (ds: string, sft: string, shifted: string) =>
      `On ${ds} MiniMind's SFT loss is ${sft}; the same mean with the mask one position late, a script's usual slip, is ${shifted}.`,
    sftBefore: [
      'X, Y = ids[:-1], ids[1:]                 # logits row t predicts token t + 1',
      'logits = model(X[None]).logits[0]',
      "ce = F.cross_entropy(logits, Y, reduction='none')",
      'loss_mask = mask[:-1]                    # the mask of the input rows: one position late',
      'loss = (ce * loss_mask).sum() / loss_mask.sum()',
    ].join('\n'),
    sftAfter: [
      'X, Y = ids[:-1], ids[1:]                 # logits row t predicts token t + 1',
      'logits = model(X[None]).logits[0]',
      "ce = F.cross_entropy(logits, Y, reduction='none')",
      "loss_mask = mask[1:]                     # shifted with the labels, as MiniMind's SFT dataset does",
      'loss = (ce * loss_mask).sum() / loss_mask.sum()',
    ].join('\n'),
  },
  perSample: {
    heading: '📊 Verification',
    title: (dsOnRun: string) => `Sample by sample: ${dsOnRun}`,
    intro: (keep: string, slice: string) =>
      `Samples by their index in the dataset (0-based, as the window shows them). Misaligned: ${keep} with its last P rows; teacher forcing: the right slice, ${slice}.`,
    sample: 'Sample',
    misaligned: 'Misaligned (nats)',
    teacherForcing: 'Teacher forcing (nats)',
    timesTf: 'Misaligned, × teacher forcing',
    autoregressive: 'Autoregressive (nats)',
    mean: 'Mean',
    skipped: (n: number, list: string) =>
      `${plural(n, 'sample')} skipped and not in the means: ${list}${n > 5 ? '; …' : ''}.`,
    summaryIntro: (n: number, csv: string) =>
      `${n} samples: too many to list here. Their distribution per measure, then the 10 samples with the largest gap; every sample is in ${csv}.`,
    measure: 'Measure (nats)',
    n: 'n',
    mean_se: 'Mean ± s.e.',
    sd: 'sd',
    median: 'Median',
    min: 'Min',
    max: 'Max',
    largestHeading: (what: string) => `The 10 largest gaps (${what})`,
    gapMisaligned: 'misaligned − teacher forcing',
    gapTf: 'highest teacher-forcing loss',
    sftIntro:
      "Conversations by their index in the dataset (0-based, as the window shows them). SFT loss: MiniMind's mean over the assistant tokens its loss mask counts, as the SFT trainer computes it; mask one late: the same mean with the mask one position late, the usual slip of an evaluation script; reply: the first assistant reply generated greedily, true-token cross-entropy per step.",
    sftLargest: (n: number, k: number, csv: string) =>
      `${n} conversations: too many to list here. The ${k} where the late mask moves the loss most, then the means over all ${n}; every conversation is in ${csv}.`,
    sftLoss: 'SFT loss (nats)',
    sftLate: 'Mask one late (nats)',
    sftLateDiff: 'Late − SFT',
    sftReply: 'Reply generated (nats)',
    id: 'Sample id',
    gap: 'Gap (nats)',
  },
  final: {
    title: 'Final verification against the training loss',
    intro: (lines: number) =>
      `Each checkpoint is compared with the training loss logged just before its own step: the mean of the last ${lines} logged losses up to that step (lines after it come from later weights; the end of training is another model).`,
    trainLoss: 'Training loss',
    trainLossValue: (
      v: string,
      lines: number,
      step: number,
      from: number,
      to: number,
      sd: string,
      file: string,
    ) =>
      `${v}, the mean of the ${lines} logged losses up to step ${step} (steps ${from}–${to}, sd ${sd}) of ${file}.`,
    caveat:
      'MiniMind logs the loss of a single micro-batch on each line, measured before the update on it, so one line is noisy; hence a window.',
    evalLoss: (part: string) => `Teacher forcing${part}`,
    partFound: ' on the samples found in training',
    partNotFound: ' on the samples not found in training',
    evalLossValue: (v: string, ds: string, n: number, ck: string) =>
      `${v} (${ds}, ${n} samples, checkpoint ${ck})`,
    difference: 'Difference',
    differenceValue: (diff: string, rel: string, badge: string, thr: string) =>
      `${diff} nats (${rel} vs training loss) → ${badge} (threshold ${thr})`,
    fromReported: 'From your number',
    fromReportedValue: (rep: string, tf: string, pct: string) =>
      `${rep} → ${tf}: the right slice is ${pct} lower than your number`,
    sftEvalLoss: (part: string) => `MiniMind's SFT loss${part}`,
    fromReportedSftValue: (rep: string, sft: string, pct: string, lower: boolean) =>
      `${rep} → ${sft}: MiniMind's SFT loss, the mean over the assistant tokens its loss mask counts (what the SFT trainer logs), is ${pct} ${lower ? 'lower' : 'higher'} than your number`,
    chartNote:
      "The chart puts each evaluation at its checkpoint's step, as a point with ± 2 standard errors, over the logged training loss.",
  },
  trajectory: {
    heading: '📈 Checkpoints in training order',
    intro: (min: string, k: number) =>
      `The same samples scored by each checkpoint, in order of training. A change between consecutive checkpoints is the mean per-sample difference (later − earlier) over the samples both scored, ± its standard error; it is a regression or an improvement only beyond ${k} standard errors and ${min} nats.`,
    unordered:
      'Not every checkpoint has a training step, so they are taken in the order the experiment lists them.',
    title: (ds: string) => `On ${ds}`,
    n: 'Samples',
    changes: 'Changes between consecutive checkpoints',
    noChanges: 'A single checkpoint on this dataset: nothing to compare.',
    matrixHeading: 'Every verdict, checkpoint by dataset',
    tokenIntro: (a: string, b: string) => `Token by token, \`KL(${a} ‖ ${b})\` over the target rows (nats):`,
    meanKld: 'Mean KLD',
    medianKld: 'Median',
    maxKld: 'Max',
    sameTop1: 'Same top-1',
    rmsDp: 'RMS Δp',
    tokens: 'Tokens (samples)',
  },
  conclusion: {
    heading: '✅ Conclusion',
    notMeasured: 'Not measured yet',
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
        data: 'run `losslens check-data`, or "Check against training data" on the dataset',
        weights: 'run `losslens verify-weights` with the source .pth, or "Verify weights" on the checkpoint',
        mode: 'measure teacherForcing and autoregressive',
        kvCache: 'measure kvCache with a model exported with past_key_values',
        alignment: 'measure offsetSweep and the keepLast variants',
        trainEval: "add the training log, and the checkpoint's step",
      })[h],
    /**
     * What an SFT run has instead of the pretraining checks it cannot make (they score a continuation
     * after L tokens; an SFT run scores conversations); null where the pretraining advice holds.
     */
    howToSft: (h: Hypothesis, replyMeasured: boolean): string | null =>
      h === 'mode'
        ? replyMeasured
          ? 'an SFT run scores no teacher forcing on a continuation; the first reply generated (sftAutoregressive) is set against the SFT loss under "MiniMind\'s SFT loss"'
          : 'measure sftAutoregressive (the first assistant reply generated greedily) to set generation against the SFT loss'
        : h === 'kvCache'
          ? 'an SFT run does not check the KV cache: measure kvCache in a pretraining run of the same model (a text dataset), exported with past_key_values'
          : h === 'alignment'
            ? 'an SFT run scores no logits slice: its alignment is the loss mask, the SFT loss against the same mask one position late under "MiniMind\'s SFT loss"'
            : null,
    item: (name: string, value: string) => `${name}: ${value}`,
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
    status: (s: string): string => GLOSSARY['en'].status[s as RunStatus] ?? s,
    dataset: (l: string) => `Dataset ${l}`,
    trainData: (l: string) => `Training data checked against ${l}`,
    trainDataValue: (path: string, sha: string | null) =>
      sha
        ? `${path} · SHA-256 ${sha} (hashed by the data check)`
        : `${path} · no hash recorded by the data check`,
    trainLog: 'Training log',
    points: 'points',
    settings: (runs: string) => `Settings of ${runs}`,
    settingsAll: 'Settings (every run)',
    settingsValue: (
      L: number,
      P: number,
      bos: boolean,
      measures: string,
      batch: number,
      threads: number,
      maxSeqLen?: number,
    ) =>
      `L = ${L}, P = ${P}, BOS ${bos ? 'prepended' : 'not added'}${maxSeqLen === undefined ? '' : `, max_seq_len ${maxSeqLen}`}, measures ${measures}, batch ${batch}, threads ${threads === 0 ? 'auto' : threads}`,
    /** An SFT run's settings: conversations through the chat template, so no L and no BOS convention. */
    settingsValueSft: (
      P: number,
      roles: string | undefined,
      measures: string,
      batch: number,
      threads: number,
      maxSeqLen: number | undefined,
    ) =>
      `SFT conversations (chat template${roles ? `, roles ${roles}` : ''}), reply generated up to P = ${P} tokens${maxSeqLen === undefined ? '' : `, max_seq_len ${maxSeqLen}`}, measures ${measures}, batch ${batch}, threads ${threads === 0 ? 'auto' : threads}`,
    software: 'Software',
    softwareValue: (losslens: string, ort: string | null, node: string, os: string) =>
      `LossLens ${losslens}, onnxruntime-node ${ort ?? 'unknown'}, Node ${node}, ${os}`,
    report: 'This report',
    reportValue: (at: string) => `generated ${at}`,
  },
  /** Issue 13: the gap waterfall, training-format loss, position, bytes, BOS and SFT. */
  gap: {
    trainFormatKey: 'Training-format loss, token-weighted (as the trainer averages)',
    waterfallHeading: (dsOnRun: string) => `The gap, step by step: ${dsOnRun}`,
    waterfallIntro:
      "From the training loss logged at the checkpoint's step to your number (or, without one, to teacher forcing), one measured step at a time. Each bar is the difference of two means measured on these samples or read from the log, with its standard error (error bars: ± 2 s.e.); a step not measured is named with the measure that would measure it; what no bar accounts for is the unexplained residual (hatched grey), never folded into a bar.",
    waterfallIntroSft:
      "From the training loss logged at the checkpoint's step to your number (or, without one, to MiniMind's SFT loss), one measured step at a time. Each bar is the difference of two means measured on these conversations or read from the log, with its standard error (error bars: ± 2 s.e.); a step not measured is named with the measure that would measure it; what no bar accounts for is the unexplained residual (hatched grey), never folded into a bar.",
    chartTitle: (dsOnRun: string) => `The gap, step by step: ${dsOnRun}`,
    chartSubtitle: 'each step a measured difference of means, ± 2 s.e.; hatched: unexplained residual',
    n: 'n',
    stepsHeading: 'Each step: method and result',
    otherDatasets: 'The gap, step by step, on the other datasets',
    sectionHeading: 'Training format, positions, bytes and BOS',
    sectionIntro:
      'The measures that say how the training loss is made and how this evaluation differs from it (docs/measurements.md). Means over the scored samples, ± one standard error; token-weighted: Σ token losses / Σ tokens, what one batch of these samples would log.',
    trainFormatHeading: 'Training-format loss',
    trainFormatMethod: (convention: string, maxSeqLen: string) =>
      `Each sample encoded exactly as the trainer encodes it (${convention}), cut to max_seq_len = ${maxSeqLen} tokens, loss over every target position that is not padding: the number the logged training loss is made of.`,
    conventionWithBos: 'BOS + text + EOS, as MiniMind 2026 and some 2025 revisions write it',
    conventionWithoutBos: "the text's tokens only, as MiniMind2 at its April-2025 release writes it",
    conventionUnknown: 'the convention the run does not record',
    maxSeqLenUnknown: "the trainer's default (not recorded in the run)",
    truncated: (n: number, total: number) =>
      `${n} of ${total} samples were longer than max_seq_len and were cut, as the trainer cuts them.`,
    quantity: 'Quantity',
    value: 'Mean ± s.e.',
    tokenWeighted: 'Token-weighted',
    tokens: 'Target tokens',
    bitsPerByte: 'Bits per byte',
    samples: 'Samples',
    trainFormat: 'training format (whole sample)',
    rolling: 'rolling windows (whole sample, max_seq_len)',
    teacherForcing: 'continuation teacher forcing',
    rollingHeading: 'Whole samples in rolling windows',
    rollingMethod: (tokens: number, recorded: boolean) =>
      `Each whole sample scored in disjoint windows of ${tokens} tokens (max_seq_len${recorded ? '' : ": the run does not record it, so LossLens's default"}), as lm-evaluation-harness's loglikelihood_rolling defines them: every token scored once, from at most the ${tokens} tokens before it; a sample of at most ${tokens} tokens is one window.`,
    windows: (n: number) => `${n} windows in all.`,
    bpbHeading: 'Bits per byte',
    bpbMethod:
      "lm-evaluation-harness's definition: bits_per_byte = −Σ log-likelihood / (ln 2 × Σ UTF-8 bytes of the scored text), over the set; per-byte perplexity = 2^bits_per_byte. Comparable between checkpoints with different tokenizers, where a loss in nats per token is not.",
    perplexity: 'Per-byte perplexity',
    utf8Bytes: 'UTF-8 bytes',
    scope: 'Scored text',
    bosHeading: 'BOS both ways',
    bosMethod:
      "The continuation scored after a BOS token and without one, on the same samples. The tokenizer adds none by itself (add_bos_token is false), while MiniMind's pretraining wraps each text in BOS/EOS in the 2026 code and in some 2025 revisions, and not in MiniMind2 at its April-2025 release: the convention that scores lower is the one the model was trained with.",
    withBos: 'with BOS',
    withoutBos: 'without BOS',
    difference: 'without − with (paired)',
    bosUsed: (convention: string) => `This experiment's runs score the continuation ${convention}.`,
    bosUsedUnknown:
      "Which convention this experiment's runs use is not recorded, and neither side reproduces its teacher forcing.",
    bosVerdict: (lower: string, diff: string) =>
      `The model scores lower ${lower} by ${diff} nats (paired, beyond noise): that is the convention it was trained with.`,
    bosVerdictNoise: (diff: string) =>
      `The two conventions differ by ${diff} nats, within the noise: the scores cannot tell which one the model was trained with.`,
    positionHeading: 'Loss by position',
    positionMethod: (maxSeqLen: string) =>
      `The mean training-format loss at each target position 1..T over the samples that reach it; the dashed line marks the trainer's max_seq_len (${maxSeqLen}). Past it the model never trained on a position, so a rise there is expected, not a defect.`,
    positionSummary: (first: string, last: string, at: number) =>
      `Mean loss at position 1: ${first}; at position ${at}: ${last}.`,
    sftSectionHeading: "MiniMind's SFT loss",
    sftSectionIntro:
      'How MiniMind\'s SFT trainer makes its loss and where this evaluation stands against it (docs/measurements.md, "SFT loss"): each conversation is scored on the assistant tokens the trainer\'s loss mask counts, and their mean is the SFT loss it logs. Means over the scored conversations, ± one standard error; token-weighted: Σ token losses / Σ tokens, what one batch of these conversations would log.',
    sftHeading: 'SFT loss',
    sftMethod:
      "Each conversation rendered with the tokenizer's own chat template and scored as MiniMind's SFT trainer scores it: the masked mean over the assistant replies' tokens, each reply's closing <|im_end|> and the newline after it, nothing of the system and user turns and nothing of the <|im_start|>assistant header. The same mean with the mask one position late is what the common evaluation bug prints.",
    sftLoss: "MiniMind's SFT loss (masked mean)",
    sftShifted: 'the same with the mask one position late',
    sftAutoregressive: 'first assistant reply generated greedily (true-token CE)',
    sftReported: (reported: string, a: string, b: string, which: string) =>
      `Your number ${reported} is ${a} standard errors from MiniMind's SFT loss and ${b} from the shifted-mask loss: it is ${which}.`,
    sftWhichCorrect: "MiniMind's SFT loss, computed as the trainer computes it",
    sftWhichShifted: 'the shifted-mask loss: the evaluation script counts the tokens one position late',
    sftWhichNeither: 'neither (more than 2 standard errors from both): check the samples and the template',
    sftNoReported: 'Enter the number your script printed to be told which of the two it is.',
    sftWhichEither: (diff: string) =>
      `either: on these samples the two differ by only ${diff} nats (paired), within noise, so the number alone cannot tell whether the mask is one position late`,
  },
  sftPhases: {
    /** Phases 3–5 on an SFT dataset: the same hypotheses, measured on the assistant replies. */
    method: 'Method (SFT)',
    modeMethod:
      "An SFT run has no continuation window: the SFT loss is teacher-forced (one forward over the templated conversation, each counted assistant token scored by the row before it), as MiniMind's SFT trainer computes it. Free-running generation starts from the prompt (everything up to and including `<|im_start|>assistant\\n`), takes the most likely token at each of min(P, reply length) steps, and scores the true reply token at each step (`sftAutoregressive`). The two are compared on the same reply tokens, paired per conversation.",
    forced: 'SFT loss on the generated tokens (teacher-forced):',
    generated: 'generated reply (free-running):',
    diff: 'generated − teacher-forced',
    modeNotRun:
      'The generated reply was not measured: add `sftAutoregressive` (or `autoregressive`) to the measures.',
    kvMethod:
      'The SFT loss is one full forward per conversation: no KV cache enters it, so the cache cannot move the SFT loss. Only the generated reply (Phase 3) decodes with the cache; the SFT loop does not check it, and `kvCache` in a pretraining run of the same model (a text dataset) does.',
    kvNotApplicable: 'Not applicable to SFT scoring.',
    alignTitle: 'Phase 5: position alignment of the assistant targets and the loss mask',
    alignMethod:
      'Reply token p is predicted by row p − 1. The counted assistant targets are scored against rows p − 1 + s for s = −2 … +2 (the offset sweep over assistant targets; s = 0 is the SFT loss), and the SFT loss is recomputed with the mask one position late (labels shifted, mask not: the common evaluation bug). Row +1 has already been fed its own target.',
    measure: 'Measure',
    loss: 'Mean loss (nats)',
    conversations: 'Conversations',
    trainers: "SFT loss: mask shifted with the labels (the trainer's number)",
    maskLate: 'mask one position late (the common evaluation bug)',
    shiftNote: (s: number): string =>
      s === 0
        ? "the right rows: the SFT loss, the trainer's number"
        : s > 0
          ? `${s} row${s > 1 ? 's' : ''} late (has seen its target)`
          : `${-s} row${s < -1 ? 's' : ''} early`,
    seeSft: (heading: string) => `The SFT loss and the user's number are weighed in “${heading}”.`,
    /** Final verification's evaluation line on an SFT run: it scores conversations, not samples. */
    evalLossValue: (v: string, ds: string, n: number, ck: string) =>
      `${v} (${ds}, ${n} conversation${n === 1 ? '' : 's'}, checkpoint ${ck})`,
  },
}

export type ReportStrings = typeof en

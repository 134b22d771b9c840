/** A crafted, realistic report input (seed-like numbers) for the report tests: no model needed. */
import type { TokenComparison } from '../../src/shared/compare'
import type { DataConsistency, TrainLog, WeightReport } from '../../src/shared/evidence'
import type { Experiment, RunInfo } from '../../src/shared/experiment'
import type { ModelDescription } from '../../src/shared/model'
import type { RunSettings, RunSummary, SampleResult } from '../../src/shared/results'
import type { ReportInput, ReportRun } from '../../src/main/report'

/** Deterministic PRNG (mulberry32) so fixtures are stable. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export const SETTINGS: RunSettings = {
  inputLength: 100,
  predictLength: 30,
  measures: [
    'teacherForcing',
    'keepLastMisaligned',
    'keepLastAligned',
    'offsetSweep',
    'autoregressive',
    'kvCache',
  ],
  batchSize: 1,
  threads: 2,
  bos: 'no',
  provider: 'auto',
}

export const MODEL: ModelDescription = {
  path: 'checkpoints/final/model.onnx',
  fileBytes: 103_400_000,
  form: 'optimum',
  inputs: [],
  outputs: [],
  numLayers: 8,
  numKvHeads: 2,
  headDim: 64,
  vocabSize: 6400,
  opset: 17,
  producer: 'pytorch',
  parameterCount: 25_829_888,
  hasKvCache: true,
  logitsToKeepInput: 'logits_to_keep',
  hasPositionIds: true,
  hasAttentionMask: true,
  hasUseCacheBranch: false,
  inputIdsType: 'int64',
  notes: [],
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length

/** Per-sample results around the given levels; `skip` indexes are skipped as too short. */
export function makeResults(
  seed: number,
  n: number,
  level: { tf: number; mis: number; ar: number },
  skip: number[] = [],
  idBase = 1,
  P = 30,
): SampleResult[] {
  const r = rng(seed)
  const out: SampleResult[] = []
  for (let index = 0; index < n; index++) {
    // Same sample, same id across checkpoints (the id is a hash of the text): the dataset decides it.
    const id = (idBase * 1000 + index).toString(16).padStart(16, '0')
    if (skip.includes(index)) {
      out.push({
        index,
        id,
        tokens: 90,
        inputLength: 100,
        predictLength: P,
        skipped: 'too short: 90 tokens, needs 130',
      })
      continue
    }
    const tokenLosses = Array.from({ length: P }, () => Math.max(0.01, level.tf + (r() - 0.5) * 3))
    const tf = mean(tokenLosses)
    const stepLosses = Array.from({ length: P }, (_, j) =>
      j === 0
        ? tokenLosses[0]!
        : Math.max(0.01, tokenLosses[j]! + (level.ar - level.tf) * Math.min(1, j / 6) * (0.7 + r() * 0.6)),
    )
    const mis = level.mis + (r() - 0.5) * 4
    out.push({
      index,
      id,
      tokens: 130 + Math.floor(r() * 200),
      inputLength: 100,
      predictLength: P,
      teacherForcing: { loss: tf, tokenLosses, top1: 0.3 + r() * 0.3 },
      keepLastMisaligned: { loss: mis },
      keepLastAligned: { loss: tf + (r() - 0.5) * 2e-5 },
      offsetSweep: {
        '-2': level.mis * 0.8 + r(),
        '-1': level.mis * 0.7 + r(),
        '0': tf,
        '1': mis + 1e-6,
        '2': level.mis * 0.88 + r(),
      },
      autoregressive: {
        loss: mean(stepLosses),
        stepLosses,
        generatedIds: [],
        generatedText: '',
        usedKvCache: true,
      },
      kvCache: { maxAbsDiff: 1e-5 + r() * 2e-5, top1Agreement: 1 },
    })
  }
  return out
}

function summary(label: string, dataPath: string): RunSummary {
  return {
    label,
    modelPath: `checkpoints/${label}/model.onnx`,
    tokenizerPath: `checkpoints/${label}/tokenizer.json`,
    dataPath,
    settings: SETTINGS,
    model: MODEL,
    provider: { used: 'cpu', attempts: [{ name: 'cpu', ok: true }], loadMs: 120 },
    counts: { total: 0, scored: 0, skipped: 0 },
    means: {},
    wallSeconds: 12,
    tokensPerSecond: 900,
    startedAt: '2026-11-27T10:00:00.000Z',
    finishedAt: '2026-11-27T10:00:12.000Z',
    losslensVersion: '0.1.0',
  }
}

export function runOf(
  checkpointId: string,
  datasetId: string,
  dataPath: string,
  results: SampleResult[],
): ReportRun {
  const run: RunInfo = {
    runId: `20261127-100000-${checkpointId}-${datasetId}`,
    experimentId: '1.4.0',
    checkpointId,
    datasetId,
    label: checkpointId,
    settings: SETTINGS,
    status: 'finished',
    createdAt: '2026-11-27T10:00:00.000Z',
    updatedAt: '2026-11-27T10:00:12.000Z',
    done: results.length,
    total: results.length,
    provider: 'cpu',
    summary: summary(checkpointId, dataPath),
  }
  return { checkpointId, datasetId, run, results, summary: run.summary ?? null }
}

export function trainLog(): TrainLog {
  const r = rng(7)
  const points = Array.from({ length: 400 }, (_, i) => ({
    step: (i + 1) * 100,
    epoch: 1,
    loss: 2.4 + 6.4 * Math.exp(-i / 40) + (r() - 0.5) * 0.3,
    lr: 5e-4,
  }))
  const tail = points.slice(-20)
  return {
    path: 'train.log',
    format: 'minimind-2025',
    steps: points.length,
    trailingMean: mean(tail.map((p) => p.loss)),
    tail: 20,
    unparsedLines: [],
    points,
    caveat: 'MiniMind logs the loss of one micro-batch per line, not an average over the interval.',
  }
}

export const WEIGHTS: WeightReport = {
  checkpointPath: 'pretrain_512.pth',
  modelPath: 'model.onnx',
  matched: 74,
  total: 74,
  maxAbsDiff: 0,
  unmatchedCheckpoint: [],
  unmatchedModel: [],
  mismatched: [],
  matches: [],
  tolerance: 1e-6,
}

export function consistency(total: number, found: number, evalPath: string): DataConsistency {
  return {
    evalPath,
    trainPath: 'pretrain_hq.jsonl',
    total,
    found,
    foundNormalized: found,
    foundSubstring: found,
    notFound: Array.from({ length: total - found }, (_, i) => ({
      index: i,
      preview: `held-out sample ${i + 1} | text`,
    })),
    trainRows: 10_000,
    bytesScanned: 12_345_678,
  }
}

export const TOKENS: TokenComparison = {
  baseLabel: 'early',
  otherLabel: 'final',
  meanKld: 2.1234,
  medianKld: 1.5,
  p99Kld: 9.87,
  maxKld: 14.2,
  sameTop1: 0.4123,
  rmsDeltaP: 0.2345,
  samples: 18,
  tokens: 540,
}

/** The seed-like experiment: early (step 2000) / final (step 40000) x train-drawn / held-out, reported 12.34. */
export function seedLikeInput(overrides: Partial<Experiment> = {}): ReportInput {
  const experiment: Experiment = {
    id: '1.4.0',
    title: 'model_original baseline',
    notes: '',
    createdAt: '2026-11-27T09:00:00.000Z',
    updatedAt: '2026-11-27T09:00:00.000Z',
    checkpoints: [
      {
        id: 'early',
        label: 'early',
        modelPath: 'checkpoints/early/model.onnx',
        tokenizerPath: 'tokenizer.json',
        step: 2000,
      },
      {
        id: 'final',
        label: 'final',
        modelPath: 'checkpoints/final/model.onnx',
        tokenizerPath: 'tokenizer.json',
        weights: WEIGHTS,
        step: 40000,
      },
    ],
    datasets: [
      {
        id: 'train',
        label: 'eval_data_from_train.json',
        path: 'eval_data_from_train.json',
        fromTraining: true,
        consistency: { ...consistency(20, 20, 'eval_data_from_train.json'), trainSha256: '9'.repeat(64) },
      },
      {
        id: 'heldout',
        label: 'eval_heldout.json',
        path: 'eval_heldout.json',
        datasetKind: 'heldOut',
        consistency: consistency(10, 0, 'eval_heldout.json'),
      },
    ],
    trainingLog: 'train.log',
    reportedLoss: 12.34,
    settings: SETTINGS,
    ...overrides,
  }
  return {
    experiment,
    runs: [
      runOf(
        'early',
        'train',
        'eval_data_from_train.json',
        makeResults(1, 20, { tf: 6.6, mis: 9.1, ar: 7.4 }, [7], 1),
      ),
      runOf(
        'final',
        'train',
        'eval_data_from_train.json',
        makeResults(2, 20, { tf: 2.3, mis: 12.3, ar: 10.2 }, [7], 1),
      ),
      runOf(
        'early',
        'heldout',
        'eval_heldout.json',
        makeResults(3, 10, { tf: 6.9, mis: 9.2, ar: 7.6 }, [], 2),
      ),
      runOf(
        'final',
        'heldout',
        'eval_heldout.json',
        makeResults(4, 10, { tf: 3.2, mis: 11.8, ar: 9.9 }, [], 2),
      ),
    ],
    trainLog: trainLog(),
    tokenComparisons: [TOKENS],
    provenance: {
      checkpoints: {
        early: {
          model: { path: 'checkpoints/early/model.onnx', sha256: 'a'.repeat(64), bytes: 103_400_000 },
          tokenizer: { path: 'tokenizer.json', sha256: 'b'.repeat(64), bytes: 500_000 },
          source: null,
        },
        final: {
          model: { path: 'checkpoints/final/model.onnx', sha256: 'c'.repeat(64), bytes: 103_400_000 },
          tokenizer: { path: 'tokenizer.json', sha256: 'b'.repeat(64), bytes: 500_000 },
          source: { path: 'pretrain_512.pth', sha256: 'd'.repeat(64), bytes: 51_700_000 },
        },
      },
      datasets: {
        train: { path: 'eval_data_from_train.json', sha256: 'e'.repeat(64), bytes: 20_000 },
        heldout: { path: 'eval_heldout.json', sha256: 'f'.repeat(64), bytes: 10_000 },
      },
      trainLog: { path: 'train.log', sha256: '1'.repeat(64), bytes: 40_000 },
      losslensVersion: '0.1.0',
      runtime: { onnxruntime: '1.30.0', node: '20.20.2', os: 'linux 6.8.0 x64' },
      generatedAt: '2026-11-28T08:00:00.000Z',
    },
  }
}

/**
 * An export whose logits are one row late (our exporter's output with its logits moved one row later):
 * teacher forcing far above the training loss, and shift +1 collapsing onto it.
 */
export function shiftedResults(seed: number, n: number, trainLevel: number): SampleResult[] {
  const r = rng(seed)
  return makeResults(seed, n, { tf: 8.5, mis: trainLevel, ar: 9.5 }).map((s) => {
    const tf = s.teacherForcing!.loss
    const late = trainLevel + (r() - 0.5) * 0.4
    return {
      ...s,
      keepLastMisaligned: { loss: late },
      offsetSweep: {
        '-2': tf + 1.2 + r() * 0.3,
        '-1': tf + 0.6 + r() * 0.3,
        '0': tf,
        '1': late,
        '2': tf - 0.3 + r() * 0.3,
      },
    }
  })
}

/** One checkpoint (step 40000) whose export shifted its logits, on training-drawn samples. */
export function shiftedInput(): ReportInput {
  const input = seedLikeInput({ reportedLoss: undefined })
  delete input.experiment.reportedLoss
  input.experiment.checkpoints = [input.experiment.checkpoints[1]!]
  input.experiment.datasets = [input.experiment.datasets[0]!]
  input.runs = [runOf('final', 'train', 'eval_data_from_train.json', shiftedResults(11, 20, 2.4))]
  return input
}

/** The seed-like experiment with `n` samples on the training-drawn set (a long report). */
export function longInput(n: number): ReportInput {
  const input = seedLikeInput()
  input.runs = input.runs.map((r) =>
    r.datasetId === 'train'
      ? runOf(
          r.checkpointId,
          'train',
          'eval_data_from_train.json',
          makeResults(
            r.checkpointId === 'final' ? 2 : 1,
            n,
            r.checkpointId === 'final' ? { tf: 2.3, mis: 12.3, ar: 10.2 } : { tf: 6.6, mis: 9.1, ar: 7.4 },
            [7],
            1,
          ),
        )
      : r,
  )
  return input
}

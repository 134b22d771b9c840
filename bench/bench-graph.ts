/**
 * The bench's timings of the graph path (scoring inside onnxruntime, src/main/engine/graph-targets.ts)
 * against the logits path (logits copied out, scored in float64), both on DecoderSession directly:
 *
 * - training-format loss: every position of T-token sequences (T = 512, MiniMind2's max_seq_len),
 *   one sequence at a time and all of them as one batch;
 * - continuation teacher forcing (L, P), in batches as runAnalysis makes them.
 */
import { DecoderSession } from '../src/main/engine/decoder-session'
import { rowStats } from '../src/main/engine/math'
import { planForward, scoreForward } from '../src/main/engine/scoring'
import { scoreForwardGraph } from '../src/main/engine/scoring-graph'
import type { Measure } from '../src/shared/measures'

/**
 * `count` sequences of exactly T tokens: the samples' tokens one after another (cycled as often as
 * needed), cut into T-token pieces, as a pretraining loader packs text.
 */
export function packSequences(samples: number[][], T: number, count: number): number[][] {
  const stream: number[] = []
  for (let i = 0; stream.length < T * count; i++) stream.push(...samples[i % samples.length]!)
  return Array.from({ length: count }, (_, c) => stream.slice(c * T, (c + 1) * T))
}

const now = () => performance.now() / 1000

async function bestOf(repeat: number, f: () => Promise<unknown>): Promise<number> {
  let best = Infinity
  for (let i = 0; i < repeat; i++) {
    const t0 = now()
    await f()
    best = Math.min(best, now() - t0)
  }
  return best
}

export interface TrainFormatTiming {
  /** Targets (T - 1 per sequence) per second. */
  graphOne: number
  graphBatch: number
  logitsOne: number
  logitsBatch: number
  /** Mean loss over every target, graph and logits path. */
  graphLoss: number
  logitsLoss: number
  scoringPath: string
}

/** Float64 mean-CE and per-sequence log-likelihoods the logits way: full forward, rowStats per row. */
async function logitsLoss(s: DecoderSession, seqs: number[][]): Promise<number> {
  const T = seqs[0]!.length
  const rows = await s.forward(seqs, T)
  let sum = 0
  for (let b = 0; b < seqs.length; b++) {
    for (let t = 0; t < T - 1; t++) {
      const off = (b * rows.rows + t) * rows.vocab
      sum += rowStats(rows.data, off, rows.vocab).lse - rows.data[off + seqs[b]![t + 1]!]!
    }
  }
  return sum / (seqs.length * (T - 1))
}

async function graphLoss(s: DecoderSession, seqs: number[][]): Promise<number> {
  const ll = (await s.targetLogLikelihoods(seqs))!
  let sum = 0
  for (const x of ll) for (const v of x) sum -= v
  return sum / ll.reduce((a, x) => a + x.length, 0)
}

export async function timeTrainFormat(
  modelPath: string,
  seqs: number[][],
  threads: number,
  repeat: number,
): Promise<TrainFormatTiming> {
  const graph = await DecoderSession.create(modelPath, { provider: 'cpu', threads })
  const plain = await DecoderSession.create(modelPath, { provider: 'cpu', threads, graphTargets: false })
  try {
    if (graph.scoringPath !== 'graph') throw new Error(`graph path unavailable: ${graph.scoringPathReason}`)
    const targets = seqs.length * (seqs[0]!.length - 1)
    const one = async (f: (s: number[][]) => Promise<number>) => {
      for (const seq of seqs) await f([seq])
    }
    // Warm-up at both shapes (onnxruntime's first run at a shape grows its arena).
    await graphLoss(graph, seqs.slice(0, 1))
    await graphLoss(graph, seqs)
    const gOne = await bestOf(repeat, () => one((s) => graphLoss(graph, s)))
    const gBatch = await bestOf(repeat, () => graphLoss(graph, seqs))
    await logitsLoss(plain, seqs.slice(0, 1))
    await logitsLoss(plain, seqs)
    const lOne = await bestOf(repeat, () => one((s) => logitsLoss(plain, s)))
    const lBatch = await bestOf(repeat, () => logitsLoss(plain, seqs))
    return {
      graphOne: targets / gOne,
      graphBatch: targets / gBatch,
      logitsOne: targets / lOne,
      logitsBatch: targets / lBatch,
      graphLoss: await graphLoss(graph, seqs),
      logitsLoss: await logitsLoss(plain, seqs),
      scoringPath: graph.scoringPath,
    }
  } finally {
    await graph.dispose()
    await plain.dispose()
  }
}

export interface ContinuationTiming {
  /** Tokens (L + P per sample) per second, as runAnalysis counts them. */
  graph: number
  logits: number
  /** max |loss difference| between the paths over the samples. */
  maxLossDiff: number
}

/** Continuation teacher forcing over the samples in batches of `batchSize`, graph path vs logits path. */
export async function timeContinuation(
  modelPath: string,
  samples: number[][],
  threads: number,
  batchSize: number,
  L: number,
  P: number,
  repeat: number,
): Promise<ContinuationTiming> {
  const measures = new Set<Measure>(['teacherForcing'])
  const graph = await DecoderSession.create(modelPath, { provider: 'cpu', threads })
  const plain = await DecoderSession.create(modelPath, { provider: 'cpu', threads, graphTargets: false })
  // Every bench sample has >= N + 2 tokens: one bucket, batches of batchSize.
  const plan = planForward(L + P + 2, L, P, measures)!
  const batches: number[][][] = []
  for (let i = 0; i < samples.length; i += batchSize) batches.push(samples.slice(i, i + batchSize))
  const lossesGraph: number[] = []
  const lossesLogits: number[] = []
  const runGraph = async () => {
    lossesGraph.length = 0
    for (const batch of batches) {
      const r = (await scoreForwardGraph(graph, batch, plan, L, P, measures))!
      for (const x of r) lossesGraph.push(x.teacherForcing!.loss)
    }
  }
  const runLogits = async () => {
    lossesLogits.length = 0
    for (const batch of batches) {
      const rows = await plain.forward(
        batch.map((T) => T.slice(0, plan.length)),
        plan.keep,
      )
      batch.forEach((T, b) =>
        lossesLogits.push(scoreForward(rows, b, T, plan.length, L, P, measures).teacherForcing!.loss),
      )
    }
  }
  try {
    if (graph.scoringPath !== 'graph') throw new Error(`graph path unavailable: ${graph.scoringPathReason}`)
    await runGraph()
    await runLogits()
    const tokens = samples.length * (L + P)
    const g = await bestOf(repeat, runGraph)
    const l = await bestOf(repeat, runLogits)
    return {
      graph: tokens / g,
      logits: tokens / l,
      maxLossDiff: Math.max(...lossesGraph.map((x, i) => Math.abs(x - lossesLogits[i]!))),
    }
  } finally {
    await graph.dispose()
    await plain.dispose()
  }
}

/**
 * Token-level comparison of two checkpoints on the same samples, as llama.cpp's --kl-divergence
 * reports it: over the teacher-forcing target rows (rows L-1 .. N-2 of a forward over T[0:N]),
 * KL(base || other) per row, the rate of equal argmaxes, and the RMS change in the true token's
 * probability; plus the per-sample teacher-forcing losses of both.
 */
import {
  DELTA_P_PERCENTILES,
  KLD_PERCENTILES,
  type CompareProgress,
  type Spread,
  type TokenComparison,
  type TokenDistribution,
} from '../../shared/compare'
import type { BosMode } from '../../shared/results'
import { readSamples, sampleId } from './dataset'
import { rowOffset, type DecoderSession } from './decoder-session'
import { InputError } from './errors'
import { estimate, mean, quantileSorted } from '../../shared/stats'
import { argmax, klDivergence, logSoftmax } from './math'
import { openModel } from './providers'
import { TextTokenizer } from './tokenizer'

export interface CompareOptions {
  base: { modelPath: string; label?: string }
  other: { modelPath: string; label?: string }
  tokenizerPath: string
  dataPath: string
  inputLength: number
  predictLength: number
  limit?: number
  /** BOS convention (RunSettings.bos): the samples are tokenized as the runs being compared were. */
  bos?: BosMode
  batchSize?: number
  threads?: number
  provider?: string
}

/** One sample's teacher-forcing losses under both checkpoints. */
export interface SampleComparison {
  index: number
  id: string
  baseLoss: number
  otherLoss: number
  /** otherLoss - baseLoss. */
  delta: number
  meanKld: number
  sameTop1: number
}

export class CancelledError extends Error {
  override readonly name = 'CancelledError'
  constructor() {
    super('cancelled')
  }
}

/**
 * One per-row quantity as llama.cpp reports it. Its uncertainty, sqrt((E[x²] - E[x]²) / (n - 1)), is the
 * standard error of the mean, src/shared/stats.ts' estimate(); its percentiles interpolate linearly at
 * q/100 · (n - 1) over the sorted values, which is quantileSorted (numpy's default). NaNs when empty.
 */
export function spread(values: ArrayLike<number>, qs: readonly number[]): Spread {
  const sorted = Array.from(Float64Array.from(values).sort())
  const at = (q: number) => quantileSorted(sorted, q / 100) ?? NaN
  const e = estimate(values)
  return {
    mean: e?.mean ?? NaN,
    uncertainty: e?.stderr ?? NaN,
    median: at(50),
    min: sorted[0] ?? NaN,
    max: sorted[sorted.length - 1] ?? NaN,
    percentiles: qs.map((q) => ({ q, value: at(q) })),
  }
}

/**
 * The statistics llama.cpp's `--kl-divergence` prints, from the per-row KLDs and Δp and the number of
 * rows whose argmaxes agree: RMS Δp's uncertainty is the error of the mean of Δp² carried through the
 * square root (0.5 / RMS · u(Δp²)); same top-1's is the binomial sqrt(p (1 - p) / (n - 1)).
 */
export function tokenDistribution(
  klds: readonly number[],
  deltaP: readonly number[],
  sameTop1: number,
): TokenDistribution {
  const n = klds.length
  const squares = estimate(deltaP.map((d) => d * d))
  const rms = Math.sqrt(squares?.mean ?? NaN)
  const top = n > 0 ? sameTop1 / n : NaN
  return {
    kld: spread(klds, KLD_PERCENTILES),
    deltaP: spread(deltaP, DELTA_P_PERCENTILES),
    rmsDeltaP: { value: rms, uncertainty: squares?.stderr != null ? (0.5 / rms) * squares.stderr : NaN },
    sameTop1: { value: top, uncertainty: n > 1 ? Math.sqrt((top * (1 - top)) / (n - 1)) : NaN },
  }
}

/** Accumulates row statistics; kept separate from the model runs so it can be tested on small arrays. */
export class TokenStats {
  readonly klds: number[] = []
  readonly deltaP: number[] = []
  sameTop1 = 0

  /** Adds one row pair (raw logits) and the true token; returns the row's KL and the two CEs. */
  add(
    base: ArrayLike<number>,
    baseOff: number,
    other: ArrayLike<number>,
    otherOff: number,
    vocab: number,
    target: number,
  ): { kld: number; baseCe: number; otherCe: number; same: boolean } {
    const lb = logSoftmax(base, baseOff, vocab)
    const lo = logSoftmax(other, otherOff, vocab)
    const kld = klDivergence(lb, lo)
    const same = argmax(base, baseOff, vocab) === argmax(other, otherOff, vocab)
    this.klds.push(kld)
    this.deltaP.push(Math.exp(lo[target]!) - Math.exp(lb[target]!))
    if (same) this.sameTop1++
    return { kld, baseCe: -lb[target]!, otherCe: -lo[target]!, same }
  }

  summary(baseLabel: string, otherLabel: string, samples: number): TokenComparison {
    // The headline figures are the report's own, so the two can never disagree.
    const distribution = tokenDistribution(this.klds, this.deltaP, this.sameTop1)
    const p99 = distribution.kld.percentiles.find((p) => p.q === 99)
    return {
      baseLabel,
      otherLabel,
      meanKld: mean(this.klds) ?? NaN,
      medianKld: distribution.kld.median,
      p99Kld: p99?.value ?? NaN,
      maxKld: distribution.kld.max,
      sameTop1: distribution.sameTop1.value,
      rmsDeltaP: distribution.rmsDeltaP.value,
      samples,
      tokens: this.klds.length,
      distribution,
    }
  }
}

/** Runs both checkpoints over the samples and compares them (inside the worker). */
export async function compareCore(
  opts: CompareOptions,
  isCancelled: () => boolean,
  /** Called with 0 of the total before the first batch, then after each batch. */
  onProgress: (progress: CompareProgress) => void = () => {},
): Promise<{ comparison: TokenComparison; perSample: SampleComparison[] }> {
  const L = opts.inputLength
  const P = opts.predictLength
  for (const [k, v] of [
    ['inputLength', L],
    ['predictLength', P],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new InputError(`${k} must be a positive integer, got ${String(v)}`)
  }
  const N = L + P
  const all = await readSamples(opts.dataPath)
  const samples = opts.limit !== undefined ? all.slice(0, opts.limit) : all
  const tokenizer = await TextTokenizer.load(opts.tokenizerPath)
  const sessions: DecoderSession[] = []
  try {
    for (const m of [opts.base, opts.other]) {
      sessions.push((await openModel(m.modelPath, opts.provider ?? 'auto', opts.threads ?? 0)).session)
    }
    const [base, other] = sessions as [DecoderSession, DecoderSession]
    const vb = await base.ensureVocab()
    const vo = await other.ensureVocab()
    if (vb !== vo) {
      throw new InputError(
        `the models differ in vocabulary: ${opts.base.modelPath} has ${vb} logits, ${opts.other.modelPath} has ${vo}`,
      )
    }
    tokenizer.checkFits(vb, opts.base.modelPath)
    const batchSize = Math.max(1, Math.min(opts.batchSize ?? 8, base.maxBatch, other.maxBatch))
    const useBos = tokenizer.usesBos(opts.bos)
    const scoredSamples = samples
      .map((s) => ({ sample: s, ids: tokenizer.encodeAtLeast(s.text, N + 2, useBos) }))
      .filter((p) => p.ids.length >= N)
    const stats = new TokenStats()
    const perSample: SampleComparison[] = []
    onProgress({ done: 0, total: scoredSamples.length })
    for (let i = 0; i < scoredSamples.length; i += batchSize) {
      if (isCancelled()) throw new CancelledError()
      const batch = scoredSamples.slice(i, i + batchSize)
      const seqs = batch.map((p) => p.ids.slice(0, N))
      // Rows L-1 .. N-1 (logits_to_keep = P + 1); the last one is not a target row and is ignored.
      const rb = await base.forward(seqs, P + 1)
      const ro = await other.forward(seqs, P + 1)
      batch.forEach((p, b) => {
        let baseCe = 0
        let otherCe = 0
        let kld = 0
        let same = 0
        for (let j = 0; j < P; j++) {
          const pos = L - 1 + j
          const r = stats.add(
            rb.data,
            rowOffset(rb, b, pos),
            ro.data,
            rowOffset(ro, b, pos),
            vb,
            p.ids[L + j]!,
          )
          baseCe += r.baseCe
          otherCe += r.otherCe
          kld += r.kld
          if (r.same) same++
        }
        perSample.push({
          index: p.sample.index,
          id: sampleId(p.sample.text),
          baseLoss: baseCe / P,
          otherLoss: otherCe / P,
          delta: (otherCe - baseCe) / P,
          meanKld: kld / P,
          sameTop1: same / P,
        })
      })
      onProgress({ done: perSample.length, total: scoredSamples.length })
    }
    const comparison = stats.summary(
      opts.base.label ?? opts.base.modelPath,
      opts.other.label ?? opts.other.modelPath,
      perSample.length,
    )
    return { comparison, perSample }
  } finally {
    for (const s of sessions) await s.dispose()
  }
}

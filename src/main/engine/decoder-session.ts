/**
 * One ONNX decoder under onnxruntime-node, driven the way its layout asks: full forwards with only
 * the logit rows a measure needs (logits_to_keep when the graph has it), and incremental decoding
 * with the KV cache fed back step by step. Knows nothing about measures; see scoring.ts for those.
 */
import * as ort from 'onnxruntime-node'
import { halfBitsToFloat32 } from './weights/float-bits'
import { detectLayout, type CacheSlot, type FedInput, type ModelLayout, type TensorInfo } from './layout'
import { ARGMAX, TARGET_IDS, TARGET_LOGPROBS, loadWithGraphTargets, type ScoringPath } from './graph-targets'

/** Logit rows of a batch: `rows` consecutive sequence positions per item, starting at `firstRow`. */
export interface LogitRows {
  /** [batch, rows, vocab], row-major. */
  data: Float32Array
  batch: number
  rows: number
  /** Sequence position of each item's first row. */
  firstRow: number
  vocab: number
}

/** Offset into `rows.data` of item b's row for sequence position `position`. */
export function rowOffset(rows: LogitRows, b: number, position: number): number {
  const r = position - rows.firstRow
  if (r < 0 || r >= rows.rows || b < 0 || b >= rows.batch) {
    throw new RangeError(
      `row ${position} of item ${b} is not among the fetched rows ${rows.firstRow}..${rows.firstRow + rows.rows - 1}`,
    )
  }
  return (b * rows.rows + r) * rows.vocab
}

/**
 * What the graph path returns for a forward: log p(target) of K given targets per row, and each row's
 * argmax, for `rows` consecutive positions per item starting at `firstRow` (graph-targets.ts).
 */
export interface TargetRows {
  /** [batch, rows, k], float32 log-probabilities computed by onnxruntime. */
  logprobs: Float32Array
  /** [batch, rows]: the row's argmax (lowest id on ties). */
  argmax: Int32Array
  batch: number
  rows: number
  firstRow: number
  k: number
}

/** The target ids of item b's row at `position`: K ids written to `out` (any valid id where unused). */
export type TargetsOf = (b: number, position: number, out: number[]) => void

/** The KV cache of a batch after some positions: the present tensors, fed back as past. */
export interface CacheState {
  tensors: Map<string, ort.Tensor>
  length: number
  batch: number
}

export interface SessionSettings {
  /** Execution provider name as onnxruntime-node knows it ('cpu', 'cuda', 'webgpu', 'dml', 'coreml'). */
  provider: string
  /** intraOpNumThreads; 0 leaves onnxruntime's default. */
  threads: number
  /**
   * Only for `npm run bench`: onnxruntime records every kernel's time and shapes, written to a JSON file
   * starting with this path prefix when `endProfiling` is called.
   */
  profilePrefix?: string
  /**
   * Append the scoring nodes of graph-targets.ts to the graph (default true); false keeps the model
   * as it is and scoring on the logits path. The bench and the tests turn it off to compare paths.
   */
  graphTargets?: boolean
}

function tensorInfo(meta: readonly ort.InferenceSession.ValueMetadata[]): TensorInfo[] {
  return meta.map((m) =>
    m.isTensor
      ? {
          name: m.name,
          type: String(m.type),
          shape: m.shape.map((d) => (typeof d === 'number' ? d : String(d))),
        }
      : { name: m.name, type: 'non-tensor', shape: [] },
  )
}

function intTensor(input: FedInput, values: ArrayLike<number>, dims: number[]): ort.Tensor {
  if (input.type === 'int32') return new ort.Tensor('int32', Int32Array.from(values), dims)
  const data = new BigInt64Array(values.length)
  for (let i = 0; i < values.length; i++) data[i] = BigInt(values[i]!)
  return new ort.Tensor('int64', data, dims)
}

function scalarTensor(input: FedInput, value: number): ort.Tensor {
  return intTensor(input, [value], input.rank === 0 ? [] : [1])
}

function emptyPast(slot: CacheSlot, batch: number, file: string): ort.Tensor {
  const dims = slot.shape.map((d, axis) => {
    if (axis === slot.batchAxis) return batch
    if (axis === slot.seqAxis) return 0
    if (typeof d === 'number') return d
    throw new Error(
      `${file}: cache input ${slot.input} has a symbolic dimension "${d}" at axis ${axis}; cannot build an empty cache`,
    )
  })
  if (slot.type === 'float16') return new ort.Tensor('float16', new Uint16Array(0), dims)
  if (slot.type !== 'float32')
    throw new Error(`${file}: cache input ${slot.input} is ${slot.type}; expected float32 or float16`)
  return new ort.Tensor('float32', new Float32Array(0), dims)
}

function toFloat32(tensor: ort.Tensor): Float32Array {
  if (tensor.type === 'float32') return tensor.data as Float32Array
  if (tensor.type === 'float16') {
    const data = tensor.data as unknown
    return data instanceof Uint16Array
      ? halfBitsToFloat32(data)
      : Float32Array.from(data as ArrayLike<number>)
  }
  throw new Error(`logits came back as ${tensor.type}`)
}

/** An ONNX decoder session with a known layout. Create with `DecoderSession.create`, free with `dispose`. */
export class DecoderSession {
  readonly #session: ort.InferenceSession
  readonly layout: ModelLayout
  readonly path: string
  readonly provider: string
  readonly inputs: TensorInfo[]
  readonly outputs: TensorInfo[]
  /** 'graph' when log-likelihoods are computed inside onnxruntime (graph-targets.ts), else 'logits'. */
  readonly scoringPath: ScoringPath
  /** Why the graph path is not in use (null when it is). */
  readonly scoringPathReason: string | null
  /** The graph has a target_ids input (ours, or the exporter's): every forward must feed it. */
  readonly #targetInput: boolean
  #vocab: number | null

  private constructor(
    session: ort.InferenceSession,
    path: string,
    provider: string,
    graphReason: string | null,
  ) {
    this.#session = session
    this.path = path
    this.provider = provider
    // The model's own interface: the appended input and outputs are the engine's, not the model's.
    const appended = new Set([TARGET_IDS, TARGET_LOGPROBS, ARGMAX])
    const ins = tensorInfo(session.inputMetadata)
    const outs = tensorInfo(session.outputMetadata)
    const hasGraph =
      graphReason === null &&
      ins.some((i) => i.name === TARGET_IDS) &&
      outs.some((o) => o.name === TARGET_LOGPROBS) &&
      outs.some((o) => o.name === ARGMAX)
    this.scoringPath = hasGraph ? 'graph' : 'logits'
    this.#targetInput = ins.some((i) => i.name === TARGET_IDS)
    this.scoringPathReason = hasGraph
      ? null
      : (graphReason ?? 'onnxruntime did not report the appended scoring outputs')
    this.inputs = ins.filter((i) => !appended.has(i.name))
    this.outputs = outs.filter((o) => !appended.has(o.name))
    this.layout = detectLayout(this.inputs, this.outputs, path)
    this.#vocab = this.layout.vocabSize
  }

  /** Loads a model on one execution provider; throws whatever onnxruntime throws (providers.ts decides). */
  static async create(path: string, settings: SessionSettings): Promise<DecoderSession> {
    // Provider load failures are thrown to us and reported through ProviderReport.attempts; without
    // this, onnxruntime also prints each one to stderr as an error.
    ort.env.logLevel = 'fatal'
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: [settings.provider],
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      interOpNumThreads: 1,
      logSeverityLevel: 3,
    }
    if (settings.threads > 0) options.intraOpNumThreads = settings.threads
    if (settings.profilePrefix) {
      options.enableProfiling = true
      options.profileFilePrefix = settings.profilePrefix
    }
    let session: ort.InferenceSession | null = null
    let graphReason: string | null = 'turned off for this session'
    if (settings.graphTargets !== false) {
      const graph = await loadWithGraphTargets(path)
      graphReason = graph.ok ? null : graph.reason
      if (graph.ok && graph.bytes) {
        try {
          session = await ort.InferenceSession.create(graph.bytes, options)
        } catch (err) {
          // The appended nodes are ours: if onnxruntime refuses the graph with them, it is tried
          // without them, and a failure there is the model's (or the provider's) own.
          graphReason = `onnxruntime refused the graph with the scoring nodes (${String(err).split('\n')[0]})`
        }
      }
    }
    session ??= await ort.InferenceSession.create(path, options)
    try {
      return new DecoderSession(session, path, settings.provider, graphReason)
    } catch (err) {
      await session.release()
      throw err
    }
  }

  /** Vocabulary size (the logits' last dimension), known from the graph or from the first forward. */
  get vocab(): number | null {
    return this.#vocab
  }

  /** The vocabulary size, running a one-token forward when the graph leaves it symbolic. */
  async ensureVocab(): Promise<number> {
    if (this.#vocab === null) await this.forward([[1]], 1)
    return this.#vocab!
  }

  get hasKvCache(): boolean {
    return this.layout.cache.length > 0
  }

  /** Largest batch the graph accepts (a fixed batch dimension), or Infinity. */
  get maxBatch(): number {
    return this.layout.fixedBatch ?? Infinity
  }

  /**
   * A forward over equal-length sequences from position 0 returning the last `keep` rows of each
   * (all rows when keep equals the length). With logits_to_keep in the graph only those rows are
   * computed and copied; without it the full logits come back and `firstRow` is 0.
   */
  async forward(seqs: number[][], keep: number): Promise<LogitRows> {
    return (await this.#run(seqs, keep, null, false, null)).logits!
  }

  /**
   * A forward like `forward` that returns, instead of logits, log p(target) for K target ids per kept
   * row (`targetsOf` fills them) and each row's argmax, computed inside onnxruntime. Only on the graph
   * path (`scoringPath === 'graph'`); throws otherwise.
   */
  async forwardTargets(seqs: number[][], keep: number, k: number, targetsOf: TargetsOf): Promise<TargetRows> {
    if (this.scoringPath !== 'graph') {
      throw new Error(`${this.path}: scoring nodes are not in the graph (${this.scoringPathReason})`)
    }
    if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`forwardTargets: k must be >= 1, got ${k}`)
    return (await this.#run(seqs, keep, null, false, { k, of: targetsOf })).targets!
  }

  /**
   * Per-position log-likelihoods of each sequence under the model: ll[t] = log p(seq[t+1] | seq[0..t]),
   * t = 0 .. len-2, computed inside onnxruntime (float32 log-softmax). Sequences of unequal length
   * are right-padded to the longest: a causal model's row t does not depend on later tokens, so the
   * padding changes no row that is read. Null when the graph path is not available.
   */
  async targetLogLikelihoods(seqs: number[][]): Promise<Float64Array[] | null> {
    if (this.scoringPath !== 'graph') return null
    if (seqs.some((s) => s.length === 0)) throw new RangeError('targetLogLikelihoods: empty sequence')
    const out: Float64Array[] = []
    const step = Number.isFinite(this.maxBatch) ? this.maxBatch : seqs.length
    for (let i = 0; i < seqs.length; i += step) {
      const chunk = seqs.slice(i, i + step)
      const T = Math.max(...chunk.map((s) => s.length))
      const padded = chunk.map((s) =>
        s.length === T ? s : [...s, ...new Array<number>(T - s.length).fill(s[0]!)],
      )
      const rows = await this.forwardTargets(padded, T, 1, (b, pos, ids) => {
        ids[0] = pos + 1 < chunk[b]!.length ? chunk[b]![pos + 1]! : 0
      })
      chunk.forEach((s, b) => {
        const ll = new Float64Array(s.length - 1)
        for (let t = 0; t < ll.length; t++)
          ll[t] = rows.logprobs[(b * rows.rows + t - rows.firstRow) * rows.k]!
        out.push(ll)
      })
    }
    return out
  }

  /** Like forward, but also returns the KV cache after the sequences (the model must have one). */
  async prefill(seqs: number[][], keep: number): Promise<{ logits: LogitRows; cache: CacheState }> {
    if (!this.hasKvCache) throw new Error(`${this.path}: the model has no KV cache to prefill`)
    const out = await this.#run(seqs, keep, null, true, null)
    return { logits: out.logits!, cache: out.cache! }
  }

  /** One incremental step: one new token per batch item on top of `cache`; returns its row and the new cache. */
  async step(tokens: number[], cache: CacheState): Promise<{ logits: LogitRows; cache: CacheState }> {
    if (tokens.length !== cache.batch) {
      throw new RangeError(`step: ${tokens.length} tokens for a cache of batch ${cache.batch}`)
    }
    const out = await this.#run(
      tokens.map((t) => [t]),
      1,
      cache,
      true,
      null,
    )
    return { logits: out.logits!, cache: out.cache! }
  }

  async #run(
    seqs: number[][],
    keep: number,
    past: CacheState | null,
    wantCache: boolean,
    targets: { k: number; of: TargetsOf } | null,
  ): Promise<{ logits: LogitRows | null; targets: TargetRows | null; cache: CacheState | null }> {
    const batch = seqs.length
    const seqLen = seqs[0]?.length ?? 0
    if (batch === 0 || seqLen === 0) throw new RangeError('forward: empty batch or empty sequence')
    if (seqs.some((s) => s.length !== seqLen))
      throw new RangeError('forward: sequences in a batch must have equal length')
    if (!(keep >= 1 && keep <= seqLen))
      throw new RangeError(`forward: keep must be 1..${seqLen}, got ${keep}`)
    if (batch > this.maxBatch)
      throw new RangeError(`forward: batch ${batch} exceeds the graph's fixed batch ${this.maxBatch}`)
    const L = this.layout
    const pastLen = past?.length ?? 0
    const feeds: Record<string, ort.Tensor> = {}
    const ids = new Array<number>(batch * seqLen)
    for (let b = 0; b < batch; b++) for (let t = 0; t < seqLen; t++) ids[b * seqLen + t] = seqs[b]![t]!
    feeds[L.inputIds.name] = intTensor(L.inputIds, ids, [batch, seqLen])
    if (L.attentionMask) {
      feeds[L.attentionMask.name] = intTensor(
        L.attentionMask,
        new Array(batch * (pastLen + seqLen)).fill(1),
        [batch, pastLen + seqLen],
      )
    }
    if (L.positionIds) {
      const pos = new Array<number>(batch * seqLen)
      for (let b = 0; b < batch; b++) for (let t = 0; t < seqLen; t++) pos[b * seqLen + t] = pastLen + t
      feeds[L.positionIds.name] = intTensor(L.positionIds, pos, [batch, seqLen])
    }
    const useKeep = L.logitsToKeep !== null
    if (L.logitsToKeep) feeds[L.logitsToKeep.name] = scalarTensor(L.logitsToKeep, keep === seqLen ? 0 : keep)
    if (L.useCacheBranch) {
      const dims = L.useCacheBranch.rank === 0 ? [] : [1]
      feeds[L.useCacheBranch.name] = new ort.Tensor('bool', new Uint8Array([pastLen > 0 ? 1 : 0]), dims)
    }
    for (const slot of [...L.cache, ...L.orphanPast]) {
      feeds[slot.input] = past?.tensors.get(slot.input) ?? emptyPast(slot, batch, this.path)
    }
    const expectedRows = useKeep ? keep : seqLen
    const firstRow = pastLen + seqLen - expectedRows
    if (this.#targetInput) {
      // target_ids is a required input of the graph with the scoring nodes: a logits forward feeds
      // zeros (one id per row) and does not fetch what they give.
      const k = targets?.k ?? 1
      const data = new BigInt64Array(batch * expectedRows * k)
      if (targets) {
        const row = new Array<number>(k).fill(0)
        for (let b = 0; b < batch; b++) {
          for (let r = 0; r < expectedRows; r++) {
            row.fill(0)
            targets.of(b, firstRow + r, row)
            const at = (b * expectedRows + r) * k
            for (let j = 0; j < k; j++) data[at + j] = BigInt(row[j]!)
          }
        }
      }
      feeds[TARGET_IDS] = new ort.Tensor('int64', data, [batch, expectedRows, k])
    }
    const fetches = [
      ...(targets ? [TARGET_LOGPROBS, ARGMAX] : [L.logits]),
      ...(wantCache ? L.cache.map((s) => s.output) : []),
    ]
    const out = await this.#session.run(feeds, fetches)
    let cache: CacheState | null = null
    if (wantCache) {
      const tensors = new Map<string, ort.Tensor>()
      for (const slot of L.cache) tensors.set(slot.input, out[slot.output] as ort.Tensor)
      cache = { tensors, length: pastLen + seqLen, batch }
    }
    if (targets) {
      const lp = out[TARGET_LOGPROBS] as ort.Tensor
      const am = out[ARGMAX] as ort.Tensor
      const want = [batch, expectedRows, targets.k].join(', ')
      if (lp.dims.join(', ') !== want || am.dims.join(', ') !== `${batch}, ${expectedRows}`) {
        throw new Error(
          `${this.path}: scoring outputs came back shaped [${lp.dims.join(', ')}] and [${am.dims.join(', ')}], expected [${want}] and [${batch}, ${expectedRows}]`,
        )
      }
      const argmaxData = am.data as BigInt64Array
      const argmax = new Int32Array(argmaxData.length)
      for (let i = 0; i < argmax.length; i++) argmax[i] = Number(argmaxData[i]!)
      return {
        logits: null,
        targets: {
          logprobs: lp.data as Float32Array,
          argmax,
          batch,
          rows: expectedRows,
          firstRow,
          k: targets.k,
        },
        cache,
      }
    }
    const logits = out[L.logits] as ort.Tensor
    const [ob, orows, ovocab] = logits.dims as number[]
    if (logits.dims.length !== 3 || ob !== batch) {
      throw new Error(
        `${this.path}: logits came back shaped [${logits.dims.join(', ')}], expected [${batch}, rows, vocab]`,
      )
    }
    this.#vocab ??= ovocab!
    if (orows !== expectedRows) {
      throw new Error(
        `${this.path}: logits have ${orows} rows, expected ${expectedRows} (${L.logitsToKeep?.name ?? 'no logits_to_keep'} = ${keep})`,
      )
    }
    const rows: LogitRows = {
      data: toFloat32(logits),
      batch,
      rows: orows,
      firstRow,
      vocab: ovocab!,
    }
    return { logits: rows, targets: null, cache }
  }

  /** Writes the profile asked for by `SessionSettings.profilePrefix`. */
  endProfiling(): void {
    this.#session.endProfiling()
  }

  /** Frees the native session. */
  async dispose(): Promise<void> {
    await this.#session.release()
  }
}

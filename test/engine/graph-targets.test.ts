/**
 * The graph path (scoring nodes appended to the model in memory, graph-targets.ts) against today's
 * logits path (logits copied out, scored in float64 by math.ts / scoring.ts) on the same model: the
 * log-likelihoods agree to 1e-5 (float32 log-softmax inside onnxruntime) and the argmaxes exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DecoderSession } from '../../src/main/engine/decoder-session'
import {
  bytesField,
  intField,
  node,
  planGraphTargets,
  tensorValueInfo,
} from '../../src/main/engine/graph-targets'
import { rowStats } from '../../src/main/engine/math'
import { readOnnxGraphSurface, type OnnxGraphSurface } from '../../src/main/engine/onnx-proto'
import { planForward, scoreForward } from '../../src/main/engine/scoring'
import { neededShifts, scoreForwardGraph } from '../../src/main/engine/scoring-graph'
import { TextTokenizer } from '../../src/main/engine/tokenizer'
import { MEASURES, type Measure } from '../../src/shared/measures'
import { DEMO, TINY_MODEL, fixture, tmpDir } from './fixtures'

const FINAL = fixture(join(DEMO, 'checkpoints/final/model.onnx'))
const opts = { provider: 'cpu', threads: 1 }

/** Float64 log-likelihoods and argmaxes of every row, from a logits forward (the reference). */
async function logitsPath(
  s: DecoderSession,
  seqs: number[][],
): Promise<{ ll: Float64Array[]; top: Int32Array[] }> {
  const ll: Float64Array[] = []
  const top: Int32Array[] = []
  for (const seq of seqs) {
    const rows = await s.forward([seq], seq.length)
    const l = new Float64Array(seq.length - 1)
    const t = new Int32Array(seq.length)
    for (let p = 0; p < seq.length; p++) {
      const off = p * rows.vocab
      const st = rowStats(rows.data, off, rows.vocab)
      t[p] = st.argmax
      if (p < seq.length - 1) l[p] = rows.data[off + seq[p + 1]!]! - st.lse
    }
    ll.push(l)
    top.push(t)
  }
  return { ll, top }
}

function maxAbsDiff(a: Float64Array[], b: Float64Array[]): number {
  let m = 0
  a.forEach((x, i) => x.forEach((v, t) => (m = Math.max(m, Math.abs(v - b[i]![t]!)))))
  return m
}

describe('graph path on the demo model', () => {
  let graph: DecoderSession
  let plain: DecoderSession
  let seqs: number[][]
  beforeAll(async () => {
    graph = await DecoderSession.create(FINAL, opts)
    plain = await DecoderSession.create(FINAL, { ...opts, graphTargets: false })
    const tok = await TextTokenizer.load(join(DEMO, 'tokenizer.json'))
    const texts = (
      JSON.parse(readFileSync(join(DEMO, 'eval_data_from_train.json'), 'utf8')) as { text: string }[]
    ).map((r) => r.text)
    // Six samples cut to different lengths (the trainer's 96 and shorter): padding is exercised.
    seqs = texts.slice(0, 6).map((t, i) => tok.encode(t).slice(0, 96 - 9 * i))
  })
  afterAll(async () => {
    await graph?.dispose()
    await plain?.dispose()
  })

  it('reports which path it scores on', () => {
    expect(graph.scoringPath).toBe('graph')
    expect(graph.scoringPathReason).toBeNull()
    expect(plain.scoringPath).toBe('logits')
    expect(plain.scoringPathReason).toMatch(/turned off/)
    // The appended input and outputs are not the model's: the interface reads as before.
    expect(graph.inputs).toEqual(plain.inputs)
    expect(graph.outputs).toEqual(plain.outputs)
  })

  it('per-position log-likelihoods equal the float64 logits path to 1e-5', async () => {
    const ref = await logitsPath(plain, seqs)
    const got = (await graph.targetLogLikelihoods(seqs))!
    expect(got.map((x) => x.length)).toEqual(seqs.map((s) => s.length - 1))
    const err = maxAbsDiff(got, ref.ll)
    // The float32 log-sum-exp error on the demo (reported by the speed work): about 1e-6.
    console.log(
      `graph vs float64 logits path, max |diff| of ll over ${seqs.length} samples: ${err.toExponential(2)}`,
    )
    expect(err).toBeLessThan(1e-5)
    expect(await plain.targetLogLikelihoods(seqs)).toBeNull()
  })

  it("argmax equals the logits path's exactly", async () => {
    const ref = await logitsPath(plain, seqs)
    for (const [i, seq] of seqs.entries()) {
      const rows = await graph.forwardTargets([seq], seq.length, 1, (_b, p, ids) => {
        ids[0] = seq[p + 1] ?? 0
      })
      expect(Array.from(rows.argmax)).toEqual(Array.from(ref.top[i]!))
    }
  })

  it('logits forwards still work on the session with the scoring nodes', async () => {
    const a = await graph.forward([seqs[0]!], 5)
    const b = await plain.forward([seqs[0]!], 5)
    expect(a.firstRow).toBe(b.firstRow)
    expect(Array.from(a.data)).toEqual(Array.from(b.data))
  })

  it('continuation teacher forcing, keepLast and the sweep equal scoreForward to 1e-5', async () => {
    const L = 40
    const P = 30
    const measures = new Set<Measure>([
      'teacherForcing',
      'keepLastAligned',
      'keepLastMisaligned',
      'offsetSweep',
    ])
    // Buckets as analysis-core makes them: the full N + 2 tokens, and samples of N + 1 and N tokens.
    const long = seqs.filter((s) => s.length >= L + P + 2)
    const buckets = [long, [seqs[0]!.slice(0, L + P + 1)], [seqs[1]!.slice(0, L + P)]]
    for (const bucket of buckets) {
      const plan = planForward(bucket[0]!.length, L, P, measures)!
      const rows = await plain.forward(
        bucket.map((T) => T.slice(0, plan.length)),
        plan.keep,
      )
      const got = (await scoreForwardGraph(graph, bucket, plan, L, P, measures))!
      bucket.forEach((T, b) => {
        const ref = scoreForward(rows, b, T, plan.length, L, P, measures)
        const g = got[b]!
        expect(g.teacherForcing!.top1).toBe(ref.teacherForcing!.top1)
        expect(g.teacherForcing!.loss).toBeCloseTo(ref.teacherForcing!.loss, 5)
        g.teacherForcing!.tokenLosses.forEach((x, j) =>
          expect(Math.abs(x - ref.teacherForcing!.tokenLosses[j]!)).toBeLessThan(1e-5),
        )
        expect(Math.abs(g.keepLastAligned!.loss - ref.keepLastAligned!.loss)).toBeLessThan(1e-5)
        expect(g.keepLastMisaligned === undefined).toBe(ref.keepLastMisaligned === undefined)
        if (ref.keepLastMisaligned)
          expect(Math.abs(g.keepLastMisaligned!.loss - ref.keepLastMisaligned.loss)).toBeLessThan(1e-5)
        expect(Object.keys(g.offsetSweep!).sort()).toEqual(Object.keys(ref.offsetSweep!).sort())
        for (const [s, v] of Object.entries(ref.offsetSweep!))
          expect(Math.abs(g.offsetSweep![s as '0']! - v)).toBeLessThan(1e-5)
      })
    }
    // A sample of N tokens has no row N for shift +2: the sweep leaves it out on both paths.
    const short = (await scoreForwardGraph(
      graph,
      buckets[2]!,
      planForward(L + P, L, P, measures)!,
      L,
      P,
      measures,
    ))!
    expect(short[0]!.offsetSweep!['2']).toBeUndefined()
    expect(short[0]!.offsetSweep!['1']).toBeTypeOf('number')
  })

  it('asks only for the shifts the measures read', () => {
    expect(neededShifts(new Set<Measure>(['teacherForcing']))).toEqual([0])
    expect(neededShifts(new Set<Measure>(['keepLastMisaligned', 'keepLastAligned']))).toEqual([0, 1])
    expect(neededShifts(new Set<Measure>(MEASURES))).toEqual([-2, -1, 0, 1, 2])
    expect(neededShifts(new Set<Measure>(['autoregressive']))).toEqual([])
  })
})

describe('graph path on a third-party export', () => {
  it('the tiny GPT-2 (opset 11, int32 ids, contrib ops) scores the same on both paths', async () => {
    const graph = await DecoderSession.create(TINY_MODEL, opts)
    const plain = await DecoderSession.create(TINY_MODEL, { ...opts, graphTargets: false })
    try {
      expect(graph.scoringPath).toBe('graph')
      const seqs = [
        [5, 17, 301, 44, 9, 900, 12, 3],
        [7, 7, 7, 250, 999],
      ]
      const ref = await logitsPath(plain, seqs)
      expect(maxAbsDiff((await graph.targetLogLikelihoods(seqs))!, ref.ll)).toBeLessThan(1e-5)
      // The KV cache path runs on the session with the scoring nodes too.
      const pre = await graph.prefill([seqs[0]!], 1)
      const st = await graph.step([4], pre.cache)
      const pre0 = await plain.prefill([seqs[0]!], 1)
      const st0 = await plain.step([4], pre0.cache)
      expect(Array.from(st.logits.data)).toEqual(Array.from(st0.logits.data))
    } finally {
      await graph.dispose()
      await plain.dispose()
    }
  })
})

// ---- synthetic models, written with the same encoder ----------------------------------------

const V = 16
const H = 4

/** TensorProto with float32 raw data. */
function floatTensor(name: string, dims: number[], seed: number): Buffer {
  const data = Buffer.alloc(4 * dims.reduce((a, b) => a * b, 1))
  let x = seed
  for (let i = 0; i < data.length / 4; i++) {
    x = (x * 1103515245 + 12345) % 2147483648
    data.writeFloatLE((x / 2147483648) * 4 - 2, 4 * i)
  }
  return Buffer.concat([
    ...dims.map((d) => intField(1, d)),
    intField(2, 1),
    bytesField(8, name),
    bytesField(9, data),
  ])
}

/**
 * A bigram "decoder": logits = Embedding(input_ids) @ W, declared [batch, seq, vocab]. `opset` and
 * `fp16` pick the case; `logitsRank` declares another rank for the output.
 */
function tinyModel(opset: number, fp16 = false, logitsRank = 3): Buffer {
  const nodes = [
    node('Gather', ['emb', 'input_ids'], ['h'], { axis: 0 }),
    node('MatMul', ['h', 'w'], [fp16 ? 'logits32' : 'logits']),
    ...(fp16 ? [node('Cast', ['logits32'], ['logits'], { to: 10 })] : []),
  ]
  const dims = ['batch', 'seq', 'vocab'].slice(0, logitsRank)
  const graph = Buffer.concat([
    ...nodes.map((n) => bytesField(1, n)),
    bytesField(2, 'tiny'),
    bytesField(5, floatTensor('emb', [V, H], 1)),
    bytesField(5, floatTensor('w', [H, V], 2)),
    bytesField(11, tensorValueInfo('input_ids', 7, ['batch', 'seq'])),
    bytesField(12, tensorValueInfo('logits', fp16 ? 10 : 1, dims)),
  ])
  return Buffer.concat([
    intField(1, 7),
    bytesField(2, 'losslens-test'),
    bytesField(7, graph),
    bytesField(8, Buffer.concat([bytesField(1, ''), intField(2, opset)])),
  ])
}

describe('fallback and fp16 logits', () => {
  const dir = tmpDir('losslens-graph-targets-')
  const write = (name: string, bytes: Buffer) => {
    const p = join(dir, name)
    writeFileSync(p, bytes)
    return p
  }
  const seqs = [
    [1, 5, 9, 2, 15, 0],
    [3, 3, 8],
  ]

  it('refuses a graph without GatherElements (opset 10) and scores on the logits path, saying so', async () => {
    const s = await DecoderSession.create(write('opset10.onnx', tinyModel(10)), opts)
    try {
      expect(s.scoringPath).toBe('logits')
      expect(s.scoringPathReason).toMatch(/opset is 10; GatherElements needs 11/)
      expect(await s.targetLogLikelihoods(seqs)).toBeNull()
      const plan = planForward(6, 2, 2, new Set<Measure>(['teacherForcing']))!
      expect(
        await scoreForwardGraph(s, [seqs[0]!], plan, 2, 2, new Set<Measure>(['teacherForcing'])),
      ).toBeNull()
      await expect(s.forwardTargets([seqs[0]!], 6, 1, () => {})).rejects.toThrow(/not in the graph/)
      // The model itself still runs: the logits path is intact.
      expect((await s.forward([seqs[0]!], 6)).vocab).toBe(V)
    } finally {
      await s.dispose()
    }
  })

  it('casts float16 logits to float32 before the log-softmax', async () => {
    const path = write('fp16.onnx', tinyModel(13, true))
    const graph = await DecoderSession.create(path, opts)
    const plain = await DecoderSession.create(path, { ...opts, graphTargets: false })
    try {
      expect(graph.scoringPathReason).toBeNull()
      expect(graph.scoringPath).toBe('graph')
      const ref = await logitsPath(plain, seqs)
      const got = (await graph.targetLogLikelihoods(seqs))!
      expect(maxAbsDiff(got, ref.ll)).toBeLessThan(1e-5)
      // A bigram model's ll at t depends on seq[t] only: an independent check of the alignment.
      expect(got[0]![0]).toBeCloseTo(ref.ll[0]![0]!, 5)
    } finally {
      await graph.dispose()
      await plain.dispose()
    }
  })

  it('names why each unsafe graph is refused', async () => {
    const base = await readOnnxGraphSurface(write('ok.onnx', tinyModel(13)))
    expect(planGraphTargets(base)).toEqual({
      ok: true,
      logits: 'logits',
      castFromFloat16: false,
      builtIn: false,
    })
    const refuse = (s: Partial<OnnxGraphSurface>) => {
      const plan = planGraphTargets({ ...base, ...s })
      return plan.ok ? 'accepted' : plan.reason
    }
    expect(refuse({ externalData: true })).toMatch(/external data/)
    expect(refuse({ graphFields: 2 })).toMatch(/2 graph fields/)
    expect(refuse({ outputs: [] })).toMatch(/no "logits" output/)
    expect(refuse({ outputs: [{ name: 'logits', elemType: 1, rank: null }] })).toMatch(/no shape/)
    expect(refuse({ outputs: [{ name: 'logits', elemType: 11, rank: 3 }] })).toMatch(/element type 11/)
    expect(refuse({ names: new Set([...base.names, 'argmax']) })).toMatch(/already defines argmax/)
    const rank2 = await readOnnxGraphSurface(write('rank2.onnx', tinyModel(13, false, 2)))
    expect(planGraphTargets(rank2)).toEqual({
      ok: false,
      reason: '"logits" is declared with rank 2, not [batch, rows, vocab]',
    })
  })
})

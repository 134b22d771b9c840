/**
 * The bench's own measuring tools: the hand-encoded MatMul model behind onnxruntime's GEMM peak, the
 * FLOP count credited to each matrix-product kernel, and the per-kernel profile of a real forward.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { matMulModel } from '../../bench/gemm-peak'
import { matrixFlops, profileForward } from '../../bench/profile-forward'

const DEMO_DIR = resolve(import.meta.dirname, '../../resources/demo/checkpoints/final')
const DEMO_MODEL = resolve(DEMO_DIR, 'model.onnx')
const manifest = JSON.parse(readFileSync(resolve(DEMO_DIR, 'manifest.json'), 'utf8')) as {
  config: Record<
    | 'vocab_size'
    | 'hidden_size'
    | 'num_hidden_layers'
    | 'num_attention_heads'
    | 'num_key_value_heads'
    | 'intermediate_size',
    number
  >
}

describe('bench GEMM peak model', () => {
  it('is a valid ONNX MatMul with symbolic dims that multiplies like the definition', async () => {
    const session = await ort.InferenceSession.create(matMulModel())
    try {
      const [m, k, n] = [3, 4, 2]
      const a = Float32Array.from({ length: m * k }, (_, i) => i - 5)
      const b = Float32Array.from({ length: k * n }, (_, i) => (i % 3) - 0.5)
      const out = await session.run({
        A: new ort.Tensor('float32', a, [m, k]),
        B: new ort.Tensor('float32', b, [k, n]),
      })
      const c = out.C!
      expect(c.dims).toEqual([m, n])
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let s = 0
          for (let t = 0; t < k; t++) s += a[i * k + t]! * b[t * n + j]!
          expect((c.data as Float32Array)[i * n + j]).toBeCloseTo(s, 5)
        }
    } finally {
      await session.release()
    }
  })
})

describe('matrixFlops', () => {
  const event = (a: number[], out: number[]) => ({
    name: 'x_kernel_time',
    ts: 0,
    dur: 1,
    args: { input_type_shape: [{ float: a }], output_type_shape: [{ float: out }] },
  })
  it('credits 2 x output elements x K, with K from the first input', () => {
    expect(matrixFlops(event([20, 96, 512], [20, 96, 1408]))).toBe(2 * 20 * 96 * 1408 * 512)
    // batched attention scores: [b, h, s, d] x [b, h, d, t]
    expect(matrixFlops(event([2, 8, 10, 64], [2, 8, 10, 12]))).toBe(2 * 2 * 8 * 10 * 12 * 64)
  })
  it('reads K from the other dimension when the first input is transposed (FusedMatMul transA)', () => {
    expect(matrixFlops(event([64, 10], [10, 12]))).toBe(2 * 10 * 12 * 64)
  })
  it('credits nothing when the shapes are missing', () => {
    expect(matrixFlops({ name: 'x', ts: 0, dur: 1 })).toBe(0)
  })
})

describe('profileForward', () => {
  it('profiles exactly one forward of the demo model: kernel times inside its wall time, GEMM FLOPs as the config implies', async () => {
    const L = 16
    const P = 8
    const p = await profileForward(DEMO_MODEL, 1, 3, L, P, 1)
    expect(p.length).toBe(L + P)
    expect(p.keep).toBe(P + 1)
    const kernelMs = p.ops.reduce((a, o) => a + o.ms, 0)
    expect(kernelMs).toBeGreaterThan(0)
    expect(kernelMs).toBeLessThanOrEqual(p.forwardMs)
    expect(p.matrixMs).toBeGreaterThan(0)
    expect(p.matrixMs).toBeLessThanOrEqual(kernelMs)
    // Independent count from the model's config: every position goes through each layer's seven linear
    // maps and both attention products (all S x S scores: the mask is added, not skipped); only the kept
    // rows go through the tied lm_head.
    const cfg = manifest.config
    const [B, S, h, d] = [3, L + P, cfg.hidden_size, cfg.hidden_size / cfg.num_attention_heads]
    const kvDim = cfg.num_key_value_heads * d
    const linear = 2 * (h * h + 2 * h * kvDim + h * h + 3 * h * cfg.intermediate_size)
    const attention = 2 * 2 * B * cfg.num_attention_heads * S * S * d
    const head = 2 * B * p.keep * h * cfg.vocab_size
    expect(p.matrixFlops).toBe(cfg.num_hidden_layers * (B * S * linear + attention) + head)
    expect(p.ops.some((o) => o.op === 'MatMul' || o.op === 'Gemm')).toBe(true)
  })
})

import { describe, expect, it } from 'vitest'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { verifyWeights } from '../../src/main/engine/weights/match-weights'

// tiny_tied.onnx is torch.onnx.export of tiny_tied.pth's weights in fp32 (make_weight_fixtures.py):
// 21 initializers, the 14 Linear weights renamed onnx::MatMul_128..141 and stored transposed, and the
// tied lm_head exported a second time as onnx::MatMul_142 [16, 32] (embed_tokens transposed).
const FIX = resolve(__dirname, '../fixtures/evidence')
const ONNX = resolve(FIX, 'tiny_tied.onnx')

/** A copy of tiny_tied.safetensors with element 0 of one tensor set to fp16 1.0 (0x3c00). */
async function perturbedSafetensors(tensor: string): Promise<string> {
  const bytes = Buffer.from(await readFile(resolve(FIX, 'tiny_tied.safetensors')))
  const headerLength = Number(bytes.readBigUInt64LE(0))
  const header = JSON.parse(bytes.toString('utf8', 8, 8 + headerLength)) as Record<
    string,
    { data_offsets: number[] }
  >
  bytes.writeUInt16LE(0x3c00, 8 + headerLength + header[tensor]!.data_offsets[0]!)
  const dir = await mkdtemp(join(tmpdir(), 'losslens-weights-'))
  const file = join(dir, 'perturbed.safetensors')
  await writeFile(file, bytes)
  return file
}

describe('verifyWeights', () => {
  it('matches every unique tensor of the fp16 checkpoint against its fp32 export, exactly', async () => {
    const report = await verifyWeights(resolve(FIX, 'tiny_tied.pth'), ONNX)
    expect([report.matched, report.total, report.maxAbsDiff]).toEqual([20, 20, 0])
    expect(report.unmatchedCheckpoint).toEqual([])
    expect(report.unmatchedModel).toEqual([])
    expect(report.mismatched).toEqual([])
    expect(report.tolerance).toBe(2 ** -11) // fp16 unit roundoff
    // 14 Linear weights found by value, transposed; the tied embedding matched twice.
    expect(report.matches.filter((m) => m.transposed)).toHaveLength(15)
    const embed = report.matches.filter((m) => m.checkpointName === 'model.embed_tokens.weight')
    expect(embed.map((m) => [m.modelName, m.transposed, m.tied])).toEqual([
      ['model.embed_tokens.weight', false, true],
      ['onnx::MatMul_142', true, true],
    ])
    // Invariant: each checkpoint tensor is matched, mismatched or unmatched, exactly once.
    expect(report.matched + report.mismatched.length + report.unmatchedCheckpoint.length).toBe(report.total)
  })

  it('matches by name when the export keeps state_dict names but transposes and halves weights', async () => {
    // tiny_named.onnx (make_named_onnx.py): named like tools/export_onnx.py names initializers,
    // Linear weights transposed, layer 1 in fp16 (exact: the checkpoint is fp16), plus a table of its own.
    const progress: string[] = []
    const report = await verifyWeights(resolve(FIX, 'tiny_tied.pth'), resolve(FIX, 'tiny_named.onnx'), {
      onProgress: (stage, done, total) => progress.push(`${stage} ${done}/${total}`),
    })
    expect([report.matched, report.total, report.maxAbsDiff]).toEqual([20, 20, 0])
    expect(report.matches.every((m) => m.checkpointName === m.modelName)).toBe(true)
    expect(report.matches.filter((m) => m.transposed)).toHaveLength(14)
    expect(report.unmatchedModel).toEqual(['rope_cos_table'])
    expect(progress.at(0)).toBe('checkpoint 1/21')
    expect(progress.at(-1)).toBe('model 21/21')
  })

  it('stops when aborted', async () => {
    const controller = new AbortController()
    controller.abort()
    await expect(
      verifyWeights(resolve(FIX, 'tiny_tied.pth'), ONNX, { signal: controller.signal }),
    ).rejects.toThrow(/abort/i)
  })

  it('gives the same result for the safetensors copy', async () => {
    const pth = await verifyWeights(resolve(FIX, 'tiny_tied.pth'), ONNX)
    const st = await verifyWeights(resolve(FIX, 'tiny_tied.safetensors'), ONNX)
    expect([st.matched, st.total, st.maxAbsDiff]).toEqual([pth.matched, pth.total, pth.maxAbsDiff])
    expect(st.matches.map((m) => m.modelName).sort()).toEqual(pth.matches.map((m) => m.modelName).sort())
  })

  it('accepts a bf16 copy within bf16 rounding', async () => {
    // tiny_nested.pth holds the fp16 weights cast to bf16 (nested under "model"); torch reports
    // max |bf16 - fp16| = 0.0078125 and max relative 0.00389 < 2^-8.
    const report = await verifyWeights(resolve(FIX, 'tiny_nested.pth'), ONNX)
    expect([report.matched, report.total]).toEqual([20, 20])
    expect(report.maxAbsDiff).toBe(0.0078125)
    expect(report.tolerance).toBe(2 ** -8)
  })

  it('names a perturbed tensor, whether the export kept its name or not', async () => {
    const named = await verifyWeights(
      await perturbedSafetensors('model.layers.1.input_layernorm.weight'),
      ONNX,
    )
    expect([named.matched, named.total]).toEqual([19, 20])
    expect(named.mismatched).toHaveLength(1)
    expect(named.mismatched[0]).toMatchObject({
      checkpointName: 'model.layers.1.input_layernorm.weight',
      modelName: 'model.layers.1.input_layernorm.weight',
    })
    expect(named.mismatched[0]!.maxAbsDiff).toBeGreaterThan(1e-3)

    const anonymous = await verifyWeights(
      await perturbedSafetensors('model.layers.1.self_attn.q_proj.weight'),
      ONNX,
    )
    expect([anonymous.matched, anonymous.total]).toEqual([19, 20])
    expect(anonymous.mismatched.map((m) => m.checkpointName)).toEqual([
      'model.layers.1.self_attn.q_proj.weight',
    ])
    expect(anonymous.mismatched[0]!.modelName).toMatch(/^onnx::MatMul_/)
  })

  it('reports a checkpoint of another model as mismatched, tensor by tensor', async () => {
    // tiny_other.pth: same architecture, other seed.
    const report = await verifyWeights(resolve(FIX, 'tiny_other.pth'), ONNX)
    expect([report.matched, report.total]).toEqual([0, 20])
    expect(report.mismatched).toHaveLength(20)
    expect(report.mismatched.every((m) => m.maxAbsDiff > 0.1)).toBe(true)
    expect(report.unmatchedModel).toEqual(['onnx::MatMul_142'])
  })

  it('lists tensors with no counterpart on either side', async () => {
    // mixed.onnx has none of the tiny model's shapes.
    const report = await verifyWeights(resolve(FIX, 'tiny_tied.pth'), resolve(FIX, 'mixed.onnx'))
    expect(report.matched).toBe(0)
    expect(report.unmatchedCheckpoint).toHaveLength(20)
    // Float initializers only: int64_vals is not a weight.
    expect(report.unmatchedModel).toEqual([
      'raw_f32',
      'float_data_f32',
      'raw_f16',
      'int32_f16',
      'raw_bf16',
      'external_f32',
    ])
  })
})

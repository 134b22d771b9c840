import { describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { resolve } from 'node:path'
import { verifyWeights } from '../../src/main/engine/weights/match-weights'
import { InputError } from '../../src/main/engine/errors'

// test/fixtures/weights: written by tools/make_weight_fixtures.py (torch); the expected results are
// the ones its README.md states, computed there with torch.
const DIR = resolve(__dirname, '../fixtures/weights')
const ONNX = resolve(DIR, 'tiny.onnx')
const verify = (name: string) => verifyWeights(resolve(DIR, name), ONNX)

describe('verifyWeights on the tiny MiniMind-compat export (tools/export_onnx.py)', () => {
  it('tiny.pth (fp16, lm_head saved as a separate equal copy): 20/20, exactly', async () => {
    const r = await verify('tiny.pth')
    expect([r.matched, r.total, r.maxAbsDiff]).toEqual([20, 20, 0])
    expect([r.unmatchedCheckpoint, r.unmatchedModel, r.mismatched]).toEqual([[], [], []])
    // Linear weights are stored transposed, [in, out]; 7 per layer, 2 layers.
    expect(r.matches.filter((m) => m.transposed)).toHaveLength(14)
    expect(r.matches.filter((m) => m.tied).map((m) => m.modelName)).toEqual(['model.embed_tokens.weight'])
  })

  it('tiny_fp32.pth: 20/20, exactly', async () => {
    const r = await verify('tiny_fp32.pth')
    expect([r.matched, r.total, r.maxAbsDiff, r.tolerance]).toEqual([20, 20, 0, 2 ** -24])
  })

  it('tiny_bf16.pth: 20/20 within bf16 rounding, none exactly, max |diff| 0.00390625', async () => {
    const r = await verify('tiny_bf16.pth')
    expect([r.matched, r.total, r.maxAbsDiff, r.tolerance]).toEqual([20, 20, 0.00390625, 2 ** -8])
    expect(r.matches.filter((m) => m.maxAbsDiff === 0)).toHaveLength(0)
  })

  it('tiny.safetensors gives what tiny.pth gives', async () => {
    const [st, pth] = [await verify('tiny.safetensors'), await verify('tiny.pth')]
    expect([st.matched, st.total, st.maxAbsDiff]).toEqual([20, 20, 0])
    const pairs = (r: typeof st) => r.matches.map((m) => [m.modelName, m.transposed, m.maxAbsDiff]).sort()
    expect(pairs(st)).toEqual(pairs(pth))
  })

  it('tiny_perturbed.pth: exactly one tensor named as mismatched, by 0.2501220703125', async () => {
    const r = await verify('tiny_perturbed.pth')
    expect([r.matched, r.total, r.maxAbsDiff]).toEqual([19, 20, 0])
    expect(r.mismatched).toEqual([
      {
        checkpointName: 'model.layers.1.self_attn.v_proj.weight',
        modelName: 'model.layers.1.self_attn.v_proj.weight',
        maxAbsDiff: 0.2501220703125,
      },
    ])
  })

  it('other_model.pth: 0/29, the shared names with their other shapes, layer 2 only in the checkpoint', async () => {
    const r = await verify('other_model.pth')
    expect([r.matched, r.total, r.mismatched]).toEqual([0, 29, []])
    expect(r.shapeMismatched).toHaveLength(20)
    expect(r.shapeMismatched).toContainEqual({
      checkpointName: 'model.embed_tokens.weight',
      modelName: 'model.embed_tokens.weight',
      checkpointShape: [256, 48],
      modelShape: [256, 32],
    })
    expect(r.unmatchedCheckpoint.filter((n) => n.startsWith('model.layers.2.'))).toHaveLength(9)
    expect(r.unmatchedModel).toHaveLength(20)
  })

  it('legacy_names.pth (April-2025 naming): 20/20, exactly, paired by name', async () => {
    const r = await verify('legacy_names.pth')
    expect([r.matched, r.total, r.maxAbsDiff]).toEqual([20, 20, 0])
    const wq = r.matches.find((m) => m.checkpointName === 'layers.0.attention.wq.weight')
    expect(wq?.modelName).toBe('model.layers.0.self_attn.q_proj.weight')
  })

  it('malicious.pth: refused, naming os.system, and nothing runs', async () => {
    await rm('/tmp/losslens-pwned', { force: true })
    const err = await verify('malicious.pth').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(InputError)
    expect((err as Error).message).toMatch(
      /malicious\.pth: refused: pickle calls os\.system, which a state_dict never needs$/,
    )
    expect(existsSync('/tmp/losslens-pwned')).toBe(false)
  })
})

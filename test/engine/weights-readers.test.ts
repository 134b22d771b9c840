import { describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { openCheckpoint, type Checkpoint } from '../../src/main/engine/weights/checkpoint'
import { unpickle, PyDict, PyTuple, type PickleHooks } from '../../src/main/engine/weights/pickle'
import { canonicalTensorName, candidateNames } from '../../src/main/engine/weights/tensor-names'
import { halfBitsToFloat32 } from '../../src/main/engine/weights/float-bits'
import { InputError } from '../../src/main/engine/errors'

// Fixtures written by test/fixtures/evidence/make_weight_fixtures.py (torch 1.13); the numbers
// below are what that script printed.
const FIX = resolve(__dirname, '../fixtures/evidence')
const fixture = (name: string) => resolve(FIX, name)

async function withCheckpoint<T>(name: string, body: (c: Checkpoint) => Promise<T>): Promise<T> {
  const c = await openCheckpoint(fixture(name))
  try {
    return await body(c)
  } finally {
    await c.close()
  }
}

describe('torch .pth reader', () => {
  it('lists a state_dict with its tied lm_head sharing embed_tokens storage', async () => {
    await withCheckpoint('tiny_tied.pth', async (c) => {
      expect(c.format).toBe('pth')
      expect(c.tensors).toHaveLength(21) // len(state_dict): 21 keys, 20 unique tensors
      const embed = c.tensors.find((t) => t.name === 'model.embed_tokens.weight')!
      const head = c.tensors.find((t) => t.name === 'lm_head.weight')!
      expect(embed.shape).toEqual([32, 16])
      expect(embed.elementType).toBe('float16')
      expect(embed.shareKey).toBe(head.shareKey)
      expect(new Set(c.tensors.map((t) => t.shareKey)).size).toBe(20)
      // sd['model.embed_tokens.weight'].float().flatten()[:3]
      expect(Array.from((await embed.read()).subarray(0, 3))).toEqual([
        -1.1259765625, -1.15234375, -0.25048828125,
      ])
      const q = await c.tensors.find((t) => t.name === 'model.layers.0.self_attn.q_proj.weight')!.read()
      // float(sd['model.layers.0.self_attn.q_proj.weight'].double().sum())
      expect(q.reduce((a, b) => a + b, 0)).toBeCloseTo(0.2525637745857239, 5)
    })
  })

  it('finds a bf16 state_dict nested under "model" beside optimizer state', async () => {
    await withCheckpoint('tiny_nested.pth', async (c) => {
      expect(c.tensors).toHaveLength(21)
      expect(new Set(c.tensors.map((t) => t.elementType))).toEqual(new Set(['bfloat16']))
    })
  })

  it('reads strided views of one storage (a transpose, a row)', async () => {
    // base = arange(12).reshape(3, 4); saved with base.t() and base[1]
    await withCheckpoint('tiny_view.pth', async (c) => {
      const byName = Object.fromEntries(
        await Promise.all(c.tensors.map(async (t) => [t.name, Array.from(await t.read())])),
      )
      expect(byName.base).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
      expect(byName.base_t).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11])
      expect(byName.row).toEqual([4, 5, 6, 7])
      expect(c.tensors.find((t) => t.name === 'base_t')!.shape).toEqual([4, 3])
    })
  })

  it('refuses a pickle that calls os.system, and runs nothing', async () => {
    const marker = '/tmp/losslens-pwned'
    await rm(marker, { force: true })
    const err = await openCheckpoint(fixture('malicious_os_system.pth')).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(InputError)
    expect((err as Error).message).toBe(
      `${fixture('malicious_os_system.pth')}: refused: pickle calls os.system, which a state_dict never needs`,
    )
    expect(existsSync(marker)).toBe(false)
  })

  it('says what to do with the legacy (pre-zip) torch.save format', async () => {
    await expect(openCheckpoint(fixture('legacy.pth'))).rejects.toThrow(/legacy torch.save format/)
  })

  it('refuses a bare (not zipped) malicious pickle the same way, and names a harmless one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'losslens-pickle-'))
    // pickle.dumps(Evil(), protocol=2) with posix.system spelled os.system; then pickle.dumps({'w': 1.0}, protocol=2)
    const evil = join(dir, 'evil.pth')
    await writeFile(
      evil,
      Buffer.from(
        '8002636f730a73797374656d0a71005819000000746f756368202f746d702f6c6f73736c656e732d70776e656471018571025271032e',
        'hex',
      ),
    )
    await expect(openCheckpoint(evil)).rejects.toThrow(
      `${evil}: refused: pickle calls os.system, which a state_dict never needs`,
    )
    expect(existsSync('/tmp/losslens-pwned')).toBe(false)
    const plain = join(dir, 'plain.pkl')
    await writeFile(plain, Buffer.from('80027d71005801000000777101473ff0000000000000732e', 'hex'))
    await expect(openCheckpoint(plain)).rejects.toThrow(/a bare pickle, not a torch.save checkpoint/)
  })

  it('names files that are not checkpoints', async () => {
    await expect(openCheckpoint(fixture('mixed.onnx'))).rejects.toThrow(
      /mixed\.onnx: not a checkpoint LossLens reads/,
    )
    await expect(openCheckpoint(fixture('missing.pth'))).rejects.toThrow(/missing\.pth: file not found/)
  })
})

describe('safetensors reader', () => {
  it('holds the same tensors as the .pth it was written from', async () => {
    const pth = await withCheckpoint('tiny_tied.pth', async (c) =>
      Promise.all(c.tensors.map(async (t) => [t.name, t.shape, Array.from(await t.read())] as const)),
    )
    await withCheckpoint('tiny_tied.safetensors', async (c) => {
      expect(c.format).toBe('safetensors')
      // lm_head.weight is left out of the safetensors file, as safetensors.save_model does for tied tensors.
      expect(c.tensors.map((t) => t.name)).toEqual(pth.map(([n]) => n).filter((n) => n !== 'lm_head.weight'))
      for (const t of c.tensors) {
        const [, shape, values] = pth.find(([n]) => n === t.name)!
        expect(t.shape).toEqual(shape)
        expect(Array.from(await t.read())).toEqual(values)
      }
    })
  })
})

describe('pickle interpreter', () => {
  const hooks: PickleHooks = {
    refuse: (g) => (g.qualified === 'collections.OrderedDict' ? null : `pickle calls ${g.qualified}`),
    call: () => new PyDict(),
    persistentLoad: () => null,
  }

  it('refuses STACK_GLOBAL (protocol 4) to posix.system before anything runs', () => {
    // pickle.dumps(Evil(), protocol=4) where Evil.__reduce__ returns (os.system, ('touch ...',))
    const evil = Buffer.from(
      '80049534000000000000008c05706f736978948c0673797374656d9493948c19746f756368202f746d702f6c6f73736c656e732d70776e656494859452942e',
      'hex',
    )
    expect(() => unpickle(evil, hooks, 'x.pth')).toThrow('x.pth: refused: pickle calls posix.system')
  })

  it('builds dicts, lists, tuples, numbers and strings', () => {
    // pickle.dumps({'a': [1, -2, 3.5, 2**40], 'b': ('x', None, True)}, protocol=2)
    const bytes = Buffer.from(
      '80027d71002858010000006171015d7102284b014afeffffff47400c0000000000008a060000000000016558010000006271' +
        '0358010000007871044e88877105752e',
      'hex',
    )
    const value = unpickle(bytes, hooks, 'x')
    expect(value).toBeInstanceOf(PyDict)
    const dict = value as PyDict
    expect(dict.map.get('a')).toEqual([1, -2, 3.5, 2 ** 40])
    expect((dict.map.get('b') as PyTuple).items).toEqual(['x', null, true])
  })

  it('refuses opcodes torch.save never writes', () => {
    // protocol-0 INT opcode 'I'
    expect(() => unpickle(Buffer.from('I1\n.', 'latin1'), hooks, 'x.pth')).toThrow(
      /opcode 0x49 .* not one torch.save writes/,
    )
  })
})

describe('tensor names', () => {
  it('maps the April-2025 MiniMind names onto the current ones', () => {
    const pairs: Array<[string, string]> = [
      ['tok_embeddings.weight', 'model.embed_tokens.weight'],
      ['layers.3.attention.wq.weight', 'model.layers.3.self_attn.q_proj.weight'],
      ['layers.3.attention.wo.weight', 'model.layers.3.self_attn.o_proj.weight'],
      ['layers.0.attention_norm.weight', 'model.layers.0.input_layernorm.weight'],
      ['layers.0.ffn_norm.weight', 'model.layers.0.post_attention_layernorm.weight'],
      ['layers.7.feed_forward.w1.weight', 'model.layers.7.mlp.gate_proj.weight'],
      ['layers.7.feed_forward.w2.weight', 'model.layers.7.mlp.down_proj.weight'],
      ['layers.7.feed_forward.w3.weight', 'model.layers.7.mlp.up_proj.weight'],
      ['layers.1.feed_forward.experts.2.w1.weight', 'model.layers.1.mlp.experts.2.gate_proj.weight'],
      ['norm.weight', 'model.norm.weight'],
      ['output.weight', 'lm_head.weight'],
      ['module._orig_mod.model.norm.weight', 'model.norm.weight'],
      ['model.layers.0.self_attn.q_proj.weight', 'model.layers.0.self_attn.q_proj.weight'],
    ]
    for (const [legacy, current] of pairs) expect(canonicalTensorName(legacy), legacy).toBe(current)
  })

  it('lets an exporter wrapper prefix stand for the same tensor', () => {
    expect(candidateNames('model.model.norm.weight')).toContain('model.norm.weight')
    expect(candidateNames('onnx::MatMul_123')).toEqual(['onnx::MatMul_123'])
  })
})

describe('fp16 widening', () => {
  it('is exact for normals, subnormals, infinities and signed zero', () => {
    // numpy: np.array([0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x8000], np.uint16).view(np.float16)
    const out = halfBitsToFloat32(Uint16Array.from([0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x8000]))
    expect(Array.from(out)).toEqual([1, -2, 65504, 2 ** -24, Infinity, -0])
  })
})

import { describe, expect, it } from 'vitest'
import { mkdtemp, readFile, writeFile, copyFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { readOnnxHeader, readOnnxInitializers } from '../../src/main/engine/onnx-proto'
import { InputError } from '../../src/main/engine/errors'
import { TINY_MODEL } from './fixtures'

const GPT2 = TINY_MODEL
const MIXED = resolve(__dirname, '../fixtures/evidence/mixed.onnx')

async function tmp(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'losslens-onnx-'))
}

describe('readOnnxHeader', () => {
  it('reads producer, opset and parameter count of a third-party export', async () => {
    // Expected values from /usr/bin/python3 with onnx 1.12:
    //   m = onnx.load('past.onnx'); m.producer_name, m.producer_version, m.opset_import,
    //   len(m.graph.initializer), sum(np.prod(t.dims) for t in m.graph.initializer)
    const header = await readOnnxHeader(GPT2)
    expect(header).toEqual({
      producer: 'onnxruntime.transformers',
      producerVersion: '1.17.0',
      opset: 11,
      irVersion: 6,
      parameterCount: 142112,
      initializerCount: 27,
    })
  })

  it('reports the ai.onnx opset, not another domain', async () => {
    // mixed.onnx imports ('', 17) and ('com.example', 1); see make_onnx_fixture.py.
    const header = await readOnnxHeader(MIXED)
    expect(header.opset).toBe(17)
    expect(header.producer).toBe('losslens-fixture')
    expect(header.initializerCount).toBe(7)
    expect(header.parameterCount).toBe(25)
  })

  it('refuses files that are not ONNX, naming the file', async () => {
    const dir = await tmp()
    const cases: Array<[string, Buffer]> = [
      ['empty.onnx', Buffer.alloc(0)],
      ['json.onnx', Buffer.from('{"text": "hello"}\n')],
      ['zip.onnx', Buffer.from('PK\u0003\u0004rest-of-a-zip-archive', 'latin1')],
      ['truncated.onnx', (await readFile(GPT2)).subarray(0, 4000)],
    ]
    for (const [name, bytes] of cases) {
      const file = join(dir, name)
      await writeFile(file, bytes)
      const err = await readOnnxHeader(file).catch((e: unknown) => e)
      expect(err, name).toBeInstanceOf(InputError)
      expect((err as Error).message, name).toMatch(
        new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not an ONNX model`),
      )
    }
  })

  it('says when the file does not exist', async () => {
    await expect(readOnnxHeader('/nonexistent/model.onnx')).rejects.toThrow(
      '/nonexistent/model.onnx: file not found',
    )
  })
})

describe('readOnnxInitializers', () => {
  it('reads names, dims and values of raw fp32 initializers', async () => {
    const inits = await readOnnxInitializers(GPT2)
    expect(inits).toHaveLength(27)
    const wte = inits[0]!
    expect([wte.name, wte.dims, wte.dataType, wte.elementType]).toEqual([
      'transformer.wte.weight',
      [1000, 32],
      1,
      'float32',
    ])
    const values = await wte.readFloat32()
    // numpy_helper.to_array(inits[0]).ravel()[:4] and .astype('float64').sum() with onnx 1.12.
    expect(Array.from(values.subarray(0, 4))).toEqual(
      [-0.02064314, 0.0125005, -0.02890361, 0.01246242].map((v) => expect.closeTo(v, 8)),
    )
    expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(0.07420032310841407, 5)
    expect(inits.map((i) => i.dims.reduce((a, b) => a * b, 1)).reduce((a, b) => a + b, 0)).toBe(142112)
  })

  it('decodes every storage the fixture uses (float_data, fp16, int32 fp16 bits, bf16, int64, external)', async () => {
    // Values printed by make_onnx_fixture.py (numpy / onnx.numpy_helper).
    const expected: Record<string, number[]> = {
      raw_f32: [-0.5, -0.25, 0.0, 0.25, 0.5, 0.75],
      float_data_f32: [1.5, -2.25, 0.003000000026077032],
      raw_f16: [1.0, -0.5, 65504.0, 5.960464477539063e-8],
      int32_f16: [1.0, -0.5],
      raw_bf16: [1.0, -3.140625, 0.0078125],
      int64_vals: [7, -1, 1099511627776],
      external_f32: [0.25, -1.0, 2.0, 8.5],
    }
    const inits = await readOnnxInitializers(MIXED)
    expect(inits.map((i) => i.name)).toEqual(Object.keys(expected))
    for (const init of inits) {
      expect(Array.from(await init.readFloat32()), init.name).toEqual(expected[init.name])
    }
    expect(inits.find((i) => i.name === 'external_f32')!.external).toBe(true)
    expect(inits.find((i) => i.name === 'raw_bf16')!.dataType).toBe(16)
  })

  it('names a missing external data file', async () => {
    const dir = await tmp()
    await copyFile(MIXED, join(dir, 'mixed.onnx'))
    const ext = (await readOnnxInitializers(join(dir, 'mixed.onnx'))).find((i) => i.external)!
    await expect(ext.readFloat32()).rejects.toThrow(/external data file "mixed.weights" not found/)
  })

  it('refuses external data outside the model folder', async () => {
    const dir = await tmp()
    // Same fixture with the location rewritten to climb out of the folder (same byte length).
    const bytes = Buffer.from(await readFile(MIXED))
    const at = bytes.indexOf('mixed.weights')
    bytes.write('../../passwd!', at, 'latin1')
    await writeFile(join(dir, 'evil.onnx'), bytes)
    const ext = (await readOnnxInitializers(join(dir, 'evil.onnx'))).find((i) => i.external)!
    await expect(ext.readFloat32()).rejects.toThrow(/outside the model's folder/)
  })
})

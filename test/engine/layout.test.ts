/** Form detection from a graph's inputs and outputs, on synthetic metadata. */
import { describe, expect, it } from 'vitest'
import { layoutNotes } from '../../src/main/engine/describe'
import { InputError } from '../../src/main/engine/errors'
import { detectLayout, type TensorInfo } from '../../src/main/engine/layout'
import { explainProviderError, skipReason, providerOrder } from '../../src/main/engine/providers'

const t = (name: string, type: string, shape: (number | string)[]): TensorInfo => ({ name, type, shape })
const LOGITS = t('logits', 'float32', ['batch', 'seq', 6400])

function optimum(layers: number, extra: TensorInfo[] = []): { inputs: TensorInfo[]; outputs: TensorInfo[] } {
  const inputs = [
    t('input_ids', 'int64', ['batch', 'seq']),
    t('attention_mask', 'int64', ['batch', 'total']),
    t('position_ids', 'int64', ['batch', 'seq']),
    ...extra,
  ]
  const outputs = [LOGITS]
  for (let i = 0; i < layers; i++) {
    for (const kv of ['key', 'value']) {
      inputs.push(t(`past_key_values.${i}.${kv}`, 'float32', ['batch', 2, 'past', 64]))
      outputs.push(t(`present.${i}.${kv}`, 'float32', ['batch', 2, 'total', 64]))
    }
  }
  return { inputs, outputs }
}

describe('detectLayout', () => {
  it('reads an Optimum decoder with logits_to_keep', () => {
    const { inputs, outputs } = optimum(8, [t('logits_to_keep', 'int64', [])])
    const L = detectLayout(inputs, outputs, 'm.onnx')
    expect(L).toMatchObject({
      form: 'optimum',
      kvLayout: 'separate',
      numLayers: 8,
      numKvHeads: 2,
      headDim: 64,
      vocabSize: 6400,
      fixedBatch: null,
      logitsToKeep: { name: 'logits_to_keep', type: 'int64', rank: 0 },
    })
    expect(L.cache).toHaveLength(16)
    expect(L.cache[1]).toMatchObject({
      input: 'past_key_values.0.value',
      output: 'present.0.value',
      seqAxis: 2,
    })
    expect(layoutNotes(L, 6400).join(' ')).toMatch(/all six measures/)
  })

  it('reads a merged decoder (use_cache_branch, num_logits_to_keep)', () => {
    const { inputs, outputs } = optimum(2, [
      t('use_cache_branch', 'bool', [1]),
      t('num_logits_to_keep', 'int64', []),
    ])
    const L = detectLayout(inputs, outputs, 'm.onnx')
    expect(L.useCacheBranch).toEqual({ name: 'use_cache_branch', type: 'bool', rank: 1 })
    expect(L.logitsToKeep?.name).toBe('num_logits_to_keep')
    expect(layoutNotes(L, 6400).join(' ')).toMatch(/Merged decoder/)
  })

  it('reads a plain graph and says what it cannot measure', () => {
    const L = detectLayout([t('input_ids', 'int64', [1, 'seq'])], [LOGITS], 'p.onnx')
    expect(L).toMatchObject({ form: 'plain', kvLayout: null, cache: [], logitsToKeep: null, fixedBatch: 1 })
    const notes = layoutNotes(L, 6400).join(' ')
    expect(notes).toMatch(/recomputes the whole prefix/)
    expect(notes).toMatch(/kvCache check is not measured/)
    expect(notes).toMatch(/Batch dimension fixed at 1/)
  })

  it('treats past inputs without present outputs as a model without a cache', () => {
    const { inputs } = optimum(1)
    const L = detectLayout(inputs, [LOGITS], 'm.onnx')
    expect(L.cache).toEqual([])
    expect(L.orphanPast).toHaveLength(2)
    expect(layoutNotes(L, 6400).join(' ')).toMatch(/no present/)
  })

  it('refuses graphs it cannot drive, naming what they lack', () => {
    expect(() => detectLayout([t('ids', 'int64', ['b', 's'])], [LOGITS], 'x.onnx')).toThrow(
      /x\.onnx: the model has no "input_ids" input \(its inputs: ids\)/,
    )
    expect(() =>
      detectLayout([t('input_ids', 'int64', ['b', 's'])], [t('out', 'float32', [1])], 'x.onnx'),
    ).toThrow(/no "logits" output \(its outputs: out\)/)
    expect(() =>
      detectLayout(
        [t('input_ids', 'int64', ['b', 's']), t('pixel_values', 'float32', [1, 3])],
        [LOGITS],
        'x.onnx',
      ),
    ).toThrow(InputError)
    expect(() => detectLayout([t('input_ids', 'float32', ['b', 's'])], [LOGITS], 'x.onnx')).toThrow(
      /int64 or int32/,
    )
  })
})

describe('providers', () => {
  it('orders providers per platform, cpu last', () => {
    expect(providerOrder('linux')).toEqual(['cuda', 'webgpu', 'cpu'])
    expect(providerOrder('win32')).toEqual(['cuda', 'dml', 'webgpu', 'cpu'])
    expect(providerOrder('darwin')).toEqual(['coreml', 'webgpu', 'cpu'])
  })
  it('explains load failures in words', () => {
    expect(
      explainProviderError(
        'cuda',
        new Error('OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library'),
      ),
    ).toMatch(/cuda libraries are not installed/)
    expect(
      explainProviderError('webgpu', new Error('x Failed to get a WebGPU adapter: No supported adapters')),
    ).toMatch(/no WebGPU adapter/)
  })
  it('auto skips webgpu on Linux without the Vulkan loader, and only there', () => {
    const dirs = ['/opt/gpu/lib', '/usr/lib/x86_64-linux-gnu']
    const none = () => false
    const inOpt = (p: string) => p === '/opt/gpu/lib/libvulkan.so.1'
    expect(skipReason('webgpu', 'linux', none, dirs)).toMatch(
      /Vulkan loader \(libvulkan\.so\.1\), which WebGPU needs on Linux, is not installed/,
    )
    expect(skipReason('webgpu', 'linux', inOpt, dirs)).toBeNull()
    expect(skipReason('webgpu', 'win32', none, dirs)).toBeNull()
    expect(skipReason('webgpu', 'darwin', none, dirs)).toBeNull()
    expect(skipReason('cuda', 'linux', none, dirs)).toBeNull()
  })
})

/**
 * tools/export_onnx.py on a transformers-format folder (config.json + model.safetensors, or
 * pytorch_model.bin) made from the demo's final .pth by tools/make_hf_folder.py, with
 * --target-logprobs: the exported graph carries the scoring nodes itself, the engine uses them
 * without appending its own, and it computes the demo model (its committed model.onnx, scored on the
 * logits path in float64) to 1e-5. Needs /usr/bin/python3 with torch and onnx, which CI lacks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { DecoderSession } from '../../src/main/engine/decoder-session'
import { readOnnxGraphSurface } from '../../src/main/engine/onnx-proto'
import { rowStats } from '../../src/main/engine/math'
import { TextTokenizer } from '../../src/main/engine/tokenizer'
import { DEMO, REPO, fixture, tmpDir } from './fixtures'

const PYTHON = '/usr/bin/python3'
const canRun =
  existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, onnx'], { encoding: 'utf8' }).status === 0
const FINAL = join(DEMO, 'checkpoints/final')

function python(args: string[]): string {
  const r = spawnSync(PYTHON, args, { cwd: REPO, encoding: 'utf8', timeout: 300_000 })
  if (r.status !== 0) throw new Error(`${args[0]} failed:\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}

describe.skipIf(!canRun)('exporter on a transformers-format folder', () => {
  const dir = tmpDir('losslens-hf-folder-')
  let exported: DecoderSession
  let demo: DecoderSession
  let seqs: number[][]
  beforeAll(async () => {
    for (const format of ['safetensors', 'bin']) {
      python([
        'tools/make_hf_folder.py',
        '--checkpoint',
        fixture(join(FINAL, 'pretrain_96.pth')),
        '--manifest',
        join(FINAL, 'manifest.json'),
        '--tokenizer',
        join(DEMO, 'tokenizer.json'),
        '--format',
        format,
        '--out',
        join(dir, format),
      ])
    }
    const out = python([
      'tools/export_onnx.py',
      '--checkpoint',
      join(dir, 'safetensors'),
      '--minimind-dir',
      'tools/minimind_compat',
      '--forms',
      'optimum',
      '--target-logprobs',
      '--out',
      join(dir, 'out'),
    ])
    expect(out).toMatch(/transformers-format folder .*: weights from model\.safetensors/)
    // pytorch_model.bin: the plain form, without the scoring nodes.
    python([
      'tools/export_onnx.py',
      '--checkpoint',
      join(dir, 'bin'),
      '--minimind-dir',
      'tools/minimind_compat',
      '--forms',
      'plain',
      '--out',
      join(dir, 'out-bin'),
    ])
    exported = await DecoderSession.create(join(dir, 'out/model.onnx'), { provider: 'cpu', threads: 1 })
    demo = await DecoderSession.create(join(FINAL, 'model.onnx'), {
      provider: 'cpu',
      threads: 1,
      graphTargets: false,
    })
    const tok = await TextTokenizer.load(join(DEMO, 'tokenizer.json'))
    const texts = (
      JSON.parse(readFileSync(join(DEMO, 'eval_data_from_train.json'), 'utf8')) as { text: string }[]
    ).map((r) => r.text)
    seqs = texts.slice(0, 3).map((t) => tok.encode(t).slice(0, 96))
  }, 600_000)
  afterAll(async () => {
    await exported?.dispose()
    await demo?.dispose()
  })

  it('reads config.json from the folder and records the folder in the manifest', () => {
    const manifest = JSON.parse(readFileSync(join(dir, 'out/manifest.json'), 'utf8')) as {
      config: Record<string, number>
      configProvenance: Record<string, string>
      source: { notes: string[] }
      targetLogprobs: string | null
    }
    const demoConfig = (JSON.parse(readFileSync(join(FINAL, 'manifest.json'), 'utf8')) as { config: unknown })
      .config
    expect(manifest.config).toEqual(demoConfig)
    expect(manifest.configProvenance.num_attention_heads).toMatch(/config\.json/)
    expect(manifest.source.notes.join('\n')).toMatch(/tied weights/)
    expect(manifest.targetLogprobs).toMatch(/target_logprobs/)
    const bin = JSON.parse(readFileSync(join(dir, 'out-bin/manifest.json'), 'utf8')) as {
      config: unknown
      source: { checkpoint: string }
      targetLogprobs: string | null
    }
    expect(bin.config).toEqual(demoConfig)
    expect(bin.source.checkpoint).toMatch(/pytorch_model\.bin$/)
    expect(bin.targetLogprobs).toBeNull()
  })

  it('the exported scoring nodes are used as they are and give the demo model to 1e-5', async () => {
    const surface = await readOnnxGraphSurface(join(dir, 'out/model.onnx'))
    expect(surface.inputs.map((i) => i.name)).toContain('target_ids')
    expect(exported.scoringPath).toBe('graph')
    expect(exported.inputs.map((i) => i.name)).not.toContain('target_ids')
    const got = (await exported.targetLogLikelihoods(seqs))!
    let worst = 0
    for (const [i, seq] of seqs.entries()) {
      const rows = await demo.forward([seq], seq.length)
      for (let t = 0; t < seq.length - 1; t++) {
        const off = t * rows.vocab
        const ll = rows.data[off + seq[t + 1]!]! - rowStats(rows.data, off, rows.vocab).lse
        worst = Math.max(worst, Math.abs(ll - got[i]![t]!))
      }
    }
    expect(worst).toBeLessThan(1e-5)
    // A logits forward on the exported model still works (target_ids fed with zeros).
    const a = await exported.forward([seqs[0]!], 3)
    const b = await demo.forward([seqs[0]!], 3)
    a.data.forEach((v, i) => expect(Math.abs(v - b.data[i]!)).toBeLessThan(1e-4))
  })
})

/**
 * "Import checkpoint" end to end with the real exporter: the window's checkpoint:import handler runs
 * tools/export_onnx.py under Debian's /usr/bin/python3 against a fake MiniMind checkout shaped like the
 * real one (model/ code + model/tokenizer.json), in both layouts: MiniMind2's model_minimind.py with
 * the demo's own .pth, and the older LMConfig.py + model.py with a checkpoint made here. The imported
 * model must then verify against its .pth tensor for tensor and reproduce the PyTorch reference.
 *
 * Needs torch and onnx in /usr/bin/python3 (Debian's python3-torch, python3-onnx); skipped without
 * them, as CI must not need torch. The exporter's argument handling and failure reporting are also
 * covered without Python in test/engine/evidence-exporter.test.ts.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Experiment } from '../../src/shared/experiment'
import type { SampleResult } from '../../src/shared/results'
import type { RunEvent } from '../../src/shared/run-events'
import { createEngineServices } from '../../src/main/services'
import { DEMO, REPO } from '../engine/fixtures'
import { makeContext } from './helpers/context'

const PYTHON = '/usr/bin/python3'
const hasTorch =
  fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, onnx'], { stdio: 'ignore' }).status === 0

/** A folder shaped like a MiniMind checkout: our model code from tools/ under model/, plus the tokenizer. */
function fakeCheckout(root: string, name: string, codeDir: string): string {
  const model = join(root, name, 'model')
  fs.mkdirSync(model, { recursive: true })
  for (const f of fs.readdirSync(codeDir).filter((f) => f.endsWith('.py')))
    fs.copyFileSync(join(codeDir, f), join(model, f))
  fs.copyFileSync(join(DEMO, 'tokenizer.json'), join(model, 'tokenizer.json'))
  return join(root, name)
}

/** An fp16 state_dict of a small model in the older layout, saved as MiniMind's train script does. */
function legacyCheckpoint(checkout: string, out: string): void {
  const script = `
import sys, torch
sys.path.insert(0, ${JSON.stringify(checkout)})
from model.LMConfig import LMConfig
from model.model import MiniMindLM
torch.manual_seed(7)
m = MiniMindLM(LMConfig(dim=64, n_layers=2, n_heads=4, n_kv_heads=2, vocab_size=6400, max_seq_len=256))
torch.save({k: v.half() for k, v in m.state_dict().items()}, ${JSON.stringify(out)})
`
  const r = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`could not make the legacy checkpoint: ${r.stderr}`)
}

async function teacherForcing(modelPath: string, tokenizerPath: string): Promise<SampleResult[]> {
  const results: SampleResult[] = []
  for await (const e of createEngineServices().runAnalysis({
    runId: 'imported',
    label: 'imported',
    modelPath,
    tokenizerPath,
    dataPath: join(DEMO, 'eval_data_from_train.json'),
    settings: {
      inputLength: 64,
      predictLength: 30,
      measures: ['teacherForcing', 'kvCache'],
      batchSize: 4,
      threads: 2,
      bos: 'no',
      provider: 'cpu',
      limit: 4,
    },
  }) as AsyncIterable<RunEvent>) {
    if (e.type === 'sample') results.push(e.result)
    if (e.type === 'failed') throw new Error(e.message)
  }
  return results.sort((a, b) => a.index - b.index)
}

describe.runIf(hasTorch)('Import checkpoint with the real exporter', () => {
  let t: Awaited<ReturnType<typeof makeContext>>
  beforeAll(async () => {
    const real = createEngineServices()
    t = await makeContext({
      kind: 'bridge',
      // The bridge runs only the interpreter it was started with.
      host: { python: PYTHON },
      services: {
        importCheckpoint: real.importCheckpoint,
        verifyWeights: real.verifyWeights,
        describeModel: real.describeModel,
      },
    })
    await t.handlers['experiment:create']({ id: '1.4.0', title: 'import' })
  })
  afterAll(() => t.cleanup())

  const imported = (e: Experiment, id: string) => e.checkpoints.find((c) => c.id === id)!

  it('MiniMind2 layout: a wrong default head count is caught, then the import matches PyTorch', async () => {
    const checkout = fakeCheckout(t.outside, 'minimind', join(REPO, 'tools/minimind_compat/model'))
    // The demo's .pth alone, as a trainer's out/ folder holds it: nothing says it has 4 heads, not 8.
    const pth = join(t.outside, 'out', 'pretrain_96.pth')
    fs.mkdirSync(join(t.outside, 'out'))
    fs.copyFileSync(join(DEMO, 'checkpoints/final/pretrain_96.pth'), pth)
    await t.handlers['experiment:addFiles']({
      experimentId: '1.4.0',
      paths: [join(DEMO, 'eval_data_from_train.json')],
    })
    const request = {
      experimentId: '1.4.0',
      checkpointPath: pth,
      minimindDir: checkout,
      python: PYTHON,
      label: 'final (imported)',
    }
    // MiniMind's default of 8 heads loads strictly and exports cleanly, but computes another model:
    // scored on the experiment's own samples, 4 heads fits far better, so the exporter refuses.
    const refused = await t.handlers['checkpoint:import'](request).catch((e: unknown) => e as Error)
    expect(refused).toBeInstanceOf(Error)
    expect((refused as Error).message).toMatch(/--num-heads 4\b/)
    expect((await t.handlers['experiment:get']({ experimentId: '1.4.0' })).checkpoints).toEqual([])

    const experiment = await t.handlers['checkpoint:import']({ ...request, numHeads: 4 })

    // The exporter's output reached the window line by line, the PyTorch check included.
    const log = t.events
      .filter((e) => e.channel === 'import:log')
      .map((e) => (e.payload as { line: string }).line)
    expect(log.some((l) => l.includes('loaded strictly into MiniMindForCausalLM'))).toBe(true)
    expect(log.some((l) => l.startsWith('PyTorch check'))).toBe(true)

    const c = imported(experiment, 'final-imported')
    expect(c).toMatchObject({ label: 'final (imported)', sourcePath: pth })
    expect(log.some((l) => /num_attention_heads = 4 +\(given\)/.test(l))).toBe(true)
    // Written inside the experiment, stored relative to it (the workspace can move).
    expect(c).toMatchObject({
      modelPath: 'checkpoints/final-imported/model.onnx',
      tokenizerPath: 'checkpoints/final-imported/tokenizer.json',
    })
    const dir = join(t.workspace, 'experiments', '1.4.0')
    const modelPath = join(dir, c.modelPath)
    const tokenizerPath = join(dir, c.tokenizerPath)
    expect(fs.existsSync(modelPath) && fs.existsSync(tokenizerPath)).toBe(true)

    const description = await t.handlers['checkpoint:describe']({ experimentId: '1.4.0', checkpointId: c.id })
    expect(description).toMatchObject({ form: 'optimum', numLayers: 4, vocabSize: 6400 })
    expect(description.hasKvCache).toBe(true)

    const weights = await t.handlers['checkpoint:verifyWeights']({
      experimentId: '1.4.0',
      checkpointId: c.id,
    })
    expect(weights.total).toBeGreaterThan(0)
    expect(weights.matched).toBe(weights.total)
    expect(weights.mismatched).toEqual([])
    expect(weights.unmatchedCheckpoint).toEqual([])

    // The imported model scores the demo's samples as PyTorch did on the same .pth.
    const ref = JSON.parse(fs.readFileSync(join(DEMO, 'reference.json'), 'utf8')) as {
      results: { final: Record<string, { samples: { index: number; teacherForcing: { loss: number } }[] }> }
    }
    const refSamples = ref.results.final['eval_data_from_train.json']!.samples
    const ours = await teacherForcing(modelPath, tokenizerPath)
    expect(ours.length).toBe(4)
    for (const r of ours.filter((x) => !x.skipped)) {
      const expected = refSamples.find((s) => s.index === r.index)!.teacherForcing.loss
      expect(Math.abs(r.teacherForcing!.loss - expected)).toBeLessThanOrEqual(1e-4)
      expect(r.kvCache!.maxAbsDiff).toBeLessThanOrEqual(1e-4)
    }
  }, 240_000)

  it('older layout (LMConfig.py + model.py), config.json beside the .pth: imported, every tensor verified', async () => {
    const checkout = fakeCheckout(t.outside, 'minimind-2025-04', join(REPO, 'tools/minimind_legacy/model'))
    fs.mkdirSync(join(t.outside, 'legacy-out'))
    const pth = join(t.outside, 'legacy-out', 'pretrain_64.pth')
    legacyCheckpoint(checkout, pth)
    // Random weights: no probe can tell the head count, so the config (older field names) must.
    fs.writeFileSync(
      join(t.outside, 'legacy-out', 'config.json'),
      JSON.stringify({ dim: 64, n_layers: 2, n_heads: 4, n_kv_heads: 2, vocab_size: 6400 }),
    )
    const experiment = await t.handlers['checkpoint:import']({
      experimentId: '1.4.0',
      checkpointPath: pth,
      minimindDir: checkout,
      python: PYTHON,
      label: '',
    })
    const c = experiment.checkpoints.at(-1)!
    expect(c).toMatchObject({ label: 'pretrain_64', sourcePath: pth })
    expect(c.id).not.toBe('final-imported')
    const description = await t.handlers['checkpoint:describe']({ experimentId: '1.4.0', checkpointId: c.id })
    expect(description).toMatchObject({
      form: 'optimum',
      numLayers: 2,
      vocabSize: 6400,
      numKvHeads: 2,
      headDim: 16,
    })
    const weights = await t.handlers['checkpoint:verifyWeights']({
      experimentId: '1.4.0',
      checkpointId: c.id,
    })
    expect(weights.matched).toBe(weights.total)
    expect(weights.unmatchedCheckpoint).toEqual([])
    expect(weights.maxAbsDiff).toBe(0)
  }, 240_000)

  it('a checkout without MiniMind code is a clear failure, and the experiment is left as it was', async () => {
    const empty = join(t.outside, 'not-minimind')
    fs.mkdirSync(empty)
    const before = await t.handlers['experiment:get']({ experimentId: '1.4.0' })
    const err = await t.handlers['checkpoint:import']({
      experimentId: '1.4.0',
      checkpointPath: join(DEMO, 'checkpoints/early/pretrain_96.pth'),
      minimindDir: empty,
      python: PYTHON,
      label: 'early',
    }).catch((e: unknown) => e as Error)
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).message).toMatch(/model_minimind\.py|LMConfig\.py/)
    const after = await t.handlers['experiment:get']({ experimentId: '1.4.0' })
    expect(after.checkpoints).toEqual(before.checkpoints)
  }, 120_000)
})

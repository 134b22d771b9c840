import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { resolve } from 'node:path'
import { checkDataConsistency } from '../../src/main/engine/evidence/data-consistency'
import { readTrainLog } from '../../src/main/engine/evidence/train-log'
import { verifyWeights } from '../../src/main/engine/weights/match-weights'
import { readOnnxHeader } from '../../src/main/engine/onnx-proto'

// The bundled demo (resources/demo, written by tools/make_demo.py). Expected figures computed with
// /usr/bin/python3 (torch 1.13, onnx 1.12, json, re) over the same files:
//   torch.load(pretrain_96.pth): 39 keys, lm_head.weight equal to model.embed_tokens.weight -> 38 unique,
//     1,020,768 parameters; early vs final embed_tokens max |diff| 0.2977294921875
//   onnx.load(model.onnx): 38 initializers, 1,020,768 elements, producer losslens-export 1.13.0, opset 17
//   eval_data_from_train.json: 20/20 texts are rows of train.jsonl; eval_heldout.json and eval_ood.json:
//     0/20, not even as substrings
//   train.log: 176 lines, all parse; mean of the last 10 losses 2.3219, of the last 50 2.58236; last step
//     (22-1)*38+35 = 833; reference.json's training.windows: the 50 lines ending at each checkpoint's step
const DEMO = resolve(__dirname, '../../resources/demo')
const demo = (p: string) => resolve(DEMO, p)

/** Every checkpoint of the manifest with a source file: its exports (the final one also has the plain form). */
const manifest = JSON.parse(readFileSync(demo('manifest.json'), 'utf8')) as {
  checkpoints: { id: string; step: number; dir: string; checkpoint?: string; onnx: string; plain?: string }[]
}
const pairs = manifest.checkpoints.flatMap((c) =>
  c.checkpoint ? [c.onnx, ...(c.plain ? [c.plain] : [])].map((m) => [c.checkpoint!, m] as const) : [],
)

describe('the demo experiment', () => {
  it('exports every checkpoint it has a source for, both forms for final', () => {
    expect(pairs.map(([, m]) => m)).toEqual(
      expect.arrayContaining([
        'checkpoints/early/model.onnx',
        'checkpoints/final/model.onnx',
        'checkpoints/final/model.plain.onnx',
      ]),
    )
  })

  it("records each checkpoint's step in the exporter's manifest too (export_onnx.py --step)", () => {
    for (const c of manifest.checkpoints) {
      const own = JSON.parse(readFileSync(demo(`${c.dir}/manifest.json`), 'utf8')) as { step?: number }
      expect(own.step, c.id).toBe(c.step)
    }
    expect(manifest.checkpoints.map((c) => [c.id, c.step])).toEqual([
      ['very-early', 5],
      ['early', 250],
      ['mid', 400],
      ['final', 836],
      ['shifted', 836],
      ['sft', 100],
    ])
  })

  for (const [source, model] of pairs) {
    it(`${source} matches ${model}: 38/38, exactly`, async () => {
      const r = await verifyWeights(demo(source), demo(model))
      expect([r.matched, r.total, r.maxAbsDiff]).toEqual([38, 38, 0])
      expect([r.unmatchedCheckpoint, r.unmatchedModel, r.mismatched]).toEqual([[], [], []])
    })
  }

  it('the early checkpoint is not the final model', async () => {
    const r = await verifyWeights(
      demo('checkpoints/early/pretrain_96.pth'),
      demo('checkpoints/final/model.onnx'),
    )
    expect([r.matched, r.total, r.mismatched.length]).toEqual([0, 38, 38])
    expect(r.mismatched.find((m) => m.checkpointName === 'model.embed_tokens.weight')?.maxAbsDiff).toBe(
      0.2977294921875,
    )
  })

  it('the model header agrees with onnx.load', async () => {
    expect(await readOnnxHeader(demo('checkpoints/final/model.onnx'))).toMatchObject({
      producer: 'losslens-export',
      producerVersion: '1.13.0',
      opset: 17,
      parameterCount: 1_020_768,
      initializerCount: 38,
    })
  })

  it('finds the eval-from-train samples in train.jsonl and none of the held-out ones', async () => {
    const fromTrain = await checkDataConsistency(demo('eval_data_from_train.json'), demo('train.jsonl'))
    expect(fromTrain).toMatchObject({
      total: 20,
      found: 20,
      foundNormalized: 20,
      foundSubstring: 20,
      notFound: [],
    })
    expect([fromTrain.trainRows, fromTrain.malformedCount]).toEqual([300, 0])
    for (const set of ['eval_heldout.json', 'eval_ood.json']) {
      const heldOut = await checkDataConsistency(demo(set), demo('train.jsonl'))
      expect(heldOut).toMatchObject({ total: 20, found: 0, foundNormalized: 0, foundSubstring: 0 })
      expect(heldOut.notFound).toHaveLength(20)
    }
  })

  it('parses train.log into 176 points with the trailing means Python computes', async () => {
    const log = await readTrainLog(demo('train.log'))
    expect([log.format, log.steps, log.unparsedLines.length]).toEqual(['minimind-2025', 176, 0])
    expect(log.trailingMean).toBeCloseTo(2.3219, 10)
    expect(log.points.at(-1)).toMatchObject({ step: 833, epoch: 22, loss: 2.462 })
    expect((await readTrainLog(demo('train.log'), { tail: 50 })).trailingMean).toBeCloseTo(2.58236, 10)
  })

  it("the log's points give reference.json's training window at every checkpoint's step", async () => {
    const log = await readTrainLog(demo('train.log'))
    const ref = JSON.parse(readFileSync(demo('reference.json'), 'utf8')) as {
      checkpoints: Record<string, { step: number }>
      training: {
        windows: Record<
          string,
          { step: number; lines: number; firstStep: number; lastStep: number; mean: number; sd: number }
        >
      }
    }
    expect(Object.keys(ref.training.windows)).toEqual(Object.keys(ref.checkpoints))
    for (const [id, w] of Object.entries(ref.training.windows)) {
      expect(w.step).toBe(ref.checkpoints[id]!.step)
      const win = log.points.filter((p) => p.step <= w.step).slice(-50)
      const xs = win.map((p) => p.loss)
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length
      const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1))
      expect([xs.length, win[0]!.step, win.at(-1)!.step]).toEqual([w.lines, w.firstStep, w.lastStep])
      expect(mean).toBeCloseTo(w.mean, 10)
      expect(sd).toBeCloseTo(w.sd, 10)
    }
    expect(ref.training.windows['very-early']).toMatchObject({ step: 5, lines: 2, mean: 8.5195 })
    expect(ref.training.windows.final).toMatchObject({ step: 836, lines: 50, lastStep: 833 })
  })

  it('parses train_sft.log (the SFT checkpoint is at its last step)', async () => {
    const log = await readTrainLog(demo('train_sft.log'))
    expect([log.format, log.steps, log.unparsedLines.length]).toEqual(['minimind-2025', 100, 0])
    expect(log.points.at(-1)?.step).toBe(99)
  })
})

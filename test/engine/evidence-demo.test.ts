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
//   eval_data_from_train.json: 20/20 texts are rows of train.jsonl; eval_heldout.json: 0/20, not even as substrings
//   train.log: 90 lines, all parse; mean of the last 10 losses 2.8815, of the last 50 3.46784; last step (18-1)*50+40
const DEMO = resolve(__dirname, '../../resources/demo')
const demo = (p: string) => resolve(DEMO, p)

describe('the demo experiment', () => {
  for (const stage of ['early', 'final']) {
    for (const model of ['model.onnx', 'model.plain.onnx']) {
      it(`${stage}/pretrain_96.pth matches ${stage}/${model}: 38/38, exactly`, async () => {
        const r = await verifyWeights(
          demo(`checkpoints/${stage}/pretrain_96.pth`),
          demo(`checkpoints/${stage}/${model}`),
        )
        expect([r.matched, r.total, r.maxAbsDiff]).toEqual([38, 38, 0])
        expect([r.unmatchedCheckpoint, r.unmatchedModel, r.mismatched]).toEqual([[], [], []])
      })
    }
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
    const heldOut = await checkDataConsistency(demo('eval_heldout.json'), demo('train.jsonl'))
    expect(heldOut).toMatchObject({ total: 20, found: 0, foundNormalized: 0, foundSubstring: 0 })
    expect(heldOut.notFound).toHaveLength(20)
  })

  it('parses train.log into 176 points with the trailing means Python computes', async () => {
    const log = await readTrainLog(demo('train.log'))
    expect([log.format, log.steps, log.unparsedLines.length]).toEqual(['minimind-2025', 176, 0])
    expect(log.trailingMean).toBeCloseTo(2.3218, 10)
    expect(log.points.at(-1)).toMatchObject({ step: 833, epoch: 22, loss: 2.462 })
    expect((await readTrainLog(demo('train.log'), { tail: 50 })).trailingMean).toBeCloseTo(2.58238, 10)
  })
})

import fs from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Experiment } from '../../src/shared/experiment'
import { addFiles } from '../../src/main/ipc/add-files'
import { DEFAULT_RUN_SETTINGS } from '../../src/main/store/defaults'

let dir: string
const file = (...parts: string[]) => {
  const path = join(dir, ...parts)
  fs.mkdirSync(join(path, '..'), { recursive: true })
  fs.writeFileSync(path, '{}')
  return path
}
const empty = (): Experiment => ({
  id: 'e',
  title: 'e',
  notes: '',
  createdAt: '',
  updatedAt: '',
  checkpoints: [],
  datasets: [],
  settings: DEFAULT_RUN_SETTINGS,
})

beforeEach(() => (dir = fs.mkdtempSync(join(os.tmpdir(), 'losslens-drop-'))))
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

describe('dropped files', () => {
  it('a model, its tokenizer and its .pth make one checkpoint labelled by its folder', () => {
    const model = file('out', 'final', 'model.onnx')
    const tok = file('tok', 'tokenizer.json')
    const pth = file('out', 'pretrain_512.pth')
    const r = addFiles(empty(), [model, tok, pth])
    expect(r.experiment.checkpoints).toEqual([
      { id: 'final', label: 'final', modelPath: model, tokenizerPath: tok, sourcePath: pth },
    ])
    expect(r.added).toEqual([model, tok, pth])
    expect(r.ignored).toEqual([])
  })

  it('eval data, its training JSONL and the log find their places; metadata is set aside', () => {
    const evalSet = file('eval_data_from_train.json')
    const train = file('pretrain_hq.jsonl')
    const log = file('train.log')
    const meta = [file('tokenizer_config.json'), file('config.json'), file('merges.txt')]
    const r = addFiles(empty(), [evalSet, train, log, ...meta])
    expect(r.experiment.datasets).toEqual([
      {
        id: 'eval_data_from_train',
        label: 'eval_data_from_train.json',
        path: evalSet,
        fromTraining: true,
        trainPath: train,
      },
    ])
    expect(r.experiment.trainingLog).toBe(log)
    expect(r.ignored.map((i) => i.path)).toEqual(meta)
  })

  it('an eval JSONL named after training is a dataset, not training data', () => {
    const evalSet = file('eval_from_train.jsonl')
    expect(addFiles(empty(), [evalSet]).experiment.datasets[0]).toMatchObject({
      path: evalSet,
      fromTraining: true,
    })
  })

  it('explains what it cannot place', () => {
    const lone = file('m', 'model.onnx')
    const folder = join(dir, 'folder')
    fs.mkdirSync(folder)
    const r = addFiles(empty(), [lone, folder, join(dir, 'missing.json'), file('x.bmp')])
    expect(r.added).toEqual([])
    expect(r.ignored.map((i) => i.reason)).toEqual([
      'a folder, not a file',
      'file not found',
      'not a kind of file LossLens uses',
      expect.stringMatching(/no tokenizer\.json beside it/),
    ])
  })
})

import fs from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { addFiles } from '../../src/main/ipc/add-files'
import { findCheckpointStep, stepFromManifest, stepFromName } from '../../src/main/store/checkpoint-step'

describe('stepFromName', () => {
  it.each([
    ['step_1200.pth', 1200],
    ['step-1200.pth', 1200],
    ['step1200.safetensors', 1200],
    ['model_step_250.onnx', 250],
    ['global_step836', 836],
    ['pretrain_512_step_4000.pth', 4000],
    ['full_sft_768_moe_step-300.pth', 300],
    ['iter_1200', 1200],
    ['iter-1200.pt', 1200],
    ['iteration_77.pth', 77],
    ['ckpt_1200.pth', 1200],
    ['ckpt-1200.pt', 1200],
    ['checkpoint-1200', 1200],
    ['checkpoint_500', 500],
    ['model-1200.pth', 1200],
    ['pretrain-4400.safetensors', 4400],
    ['run-a-30.bin', 30],
    ['epoch_2_step_300.pth', 300],
    ['STEP_42.PTH', 42],
    ['step_0.pth', 0],
  ])('%s carries step %i', (name, step) => {
    expect(stepFromName(name)).toBe(step)
  })

  it.each([
    // MiniMind's own names: the number is the hidden size.
    'pretrain_512.pth',
    'pretrain_768.pth',
    'full_sft_512.pth',
    'full_sft_768_moe.pth',
    'rlhf_512.pth',
    'reason_768.pth',
    'dpo_640_moe.pth',
    'lora_identity_512.pth',
    'pretrain_512_resume.pth',
    'pretrain_96.pth',
    // Ambiguous numbers: not said to be steps.
    'model_1200.pth',
    'model1200.pth',
    '1200.pth',
    'epoch_3.pth',
    'model-00001-of-00002.safetensors',
    'minimind-3.pth',
    'MiniMind2-Small',
    'model-7.pth',
    'model.onnx',
    'decoder_model_merged.onnx',
    'steps',
    'checkpoints',
    'final',
    'early (250)',
    'ministep',
    'losslens-step-2ufhJH',
    'step_12b.pth',
  ])('%s carries no step', (name) => {
    expect(stepFromName(name)).toBeNull()
  })
})

describe('findCheckpointStep', () => {
  const dirs: string[] = []
  const tmp = () => {
    const d = fs.mkdtempSync(join(os.tmpdir(), 'losslens-ck-'))
    dirs.push(d)
    return d
  }
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
  })

  it('prefers the manifest beside the model', () => {
    const dir = join(tmp(), 'step_999')
    fs.mkdirSync(dir)
    fs.writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ format: 'x', step: 250 }))
    expect(
      findCheckpointStep({ modelPath: join(dir, 'model.onnx'), sourcePath: join(dir, 'step_7.pth') }),
    ).toEqual({ step: 250, from: 'manifest.json beside model.onnx' })
    expect(stepFromManifest(dir)).toBe(250)
  })

  it('ignores a manifest without an integer step, then reads names', () => {
    const dir = join(tmp(), 'checkpoint-1200')
    fs.mkdirSync(dir)
    fs.writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ label: 'final (step 836)', step: 'x' }))
    expect(stepFromManifest(dir)).toBeNull()
    // The source's name first, then the model's, then folders.
    expect(
      findCheckpointStep({ modelPath: join(dir, 'model.onnx'), sourcePath: join(dir, 'ckpt_40.pth') }),
    ).toEqual({ step: 40, from: 'file name ckpt_40.pth' })
    expect(
      findCheckpointStep({ modelPath: join(dir, 'model.onnx'), sourcePath: join(dir, 'pretrain_512.pth') }),
    ).toEqual({ step: 1200, from: 'folder name checkpoint-1200' })
    expect(findCheckpointStep({ modelPath: join(dir, 'iter_5.onnx') })?.step).toBe(5)
  })

  it('a corrupt manifest is no step, not an error', () => {
    const dir = tmp()
    fs.writeFileSync(join(dir, 'manifest.json'), '{not json')
    expect(findCheckpointStep({ modelPath: join(dir, 'model.onnx') })).toBeNull()
  })

  it("finds nothing in MiniMind's own layout", () => {
    const dir = join(tmp(), 'out')
    fs.mkdirSync(dir)
    expect(
      findCheckpointStep({
        modelPath: join(dir, 'full_sft_768_moe', 'model.onnx'),
        sourcePath: join(dir, 'full_sft_768_moe.pth'),
      }),
    ).toBeNull()
  })

  it('the demo checkpoints have no step unless their manifests record one', () => {
    const demo = join(__dirname, '../../resources/demo/checkpoints/early')
    const found = findCheckpointStep({
      modelPath: join(demo, 'model.onnx'),
      sourcePath: join(demo, 'pretrain_96.pth'),
    })
    expect(found === null || found.from.startsWith('manifest.json')).toBe(true)
  })

  it('a checkpoint dropped on the window gets the step its names carry', () => {
    const dir = join(tmp(), 'checkpoint-1200')
    fs.mkdirSync(dir)
    for (const f of ['model.onnx', 'tokenizer.json', 'pretrain_512.pth']) fs.writeFileSync(join(dir, f), '')
    const other = join(tmp(), 'pretrain_512')
    fs.mkdirSync(other)
    for (const f of ['model.onnx', 'tokenizer.json']) fs.writeFileSync(join(other, f), '')
    const experiment = {
      id: 'e',
      title: 'e',
      notes: '',
      createdAt: '',
      updatedAt: '',
      checkpoints: [],
      datasets: [],
      settings: {
        inputLength: 64,
        predictLength: 30,
        measures: ['teacherForcing' as const],
        batchSize: 8,
        threads: 0,
        bos: 'no' as const,
        provider: 'cpu',
      },
    }
    const first = addFiles(experiment, [join(dir, 'model.onnx'), join(dir, 'pretrain_512.pth')]).experiment
    expect(first.checkpoints.map((c) => [c.id, c.step])).toEqual([['checkpoint-1200', 1200]])
    const second = addFiles(first, [join(other, 'model.onnx')]).experiment
    expect(second.checkpoints[1]?.step).toBeUndefined()
  })
})

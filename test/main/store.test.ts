import fs from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { RunInfo } from '../../src/shared/experiment'
import type { SampleResult } from '../../src/shared/results'
import { writeFileAtomic, StoreError } from '../../src/main/store/atomic'
import { DEFAULT_RUN_SETTINGS } from '../../src/main/store/defaults'
import { ResultsAppender, readResults } from '../../src/main/store/results-file'
import { listRuns, makeRunId, readRun, resultsFile, writeRun } from '../../src/main/store/runs'
import { Workspace } from '../../src/main/store/workspace'

let root: string
let ws: Workspace

beforeEach(async () => {
  root = fs.mkdtempSync(join(os.tmpdir(), 'losslens-store-'))
  ws = (await Workspace.open(root)).workspace
})
afterEach(() => {
  vi.restoreAllMocks()
  fs.rmSync(root, { recursive: true, force: true })
})

function sample(index: number): SampleResult {
  return {
    index,
    id: `id${index}`,
    tokens: 100,
    inputLength: 64,
    predictLength: 30,
    teacherForcing: { loss: 2 + index, tokenLosses: [1, 2], top1: 0.5 },
  }
}

function run(experimentId: string, runId: string, status: RunInfo['status'] = 'running'): RunInfo {
  const now = new Date().toISOString()
  return {
    runId,
    experimentId,
    checkpointId: 'final',
    datasetId: 'd',
    label: 'final',
    settings: DEFAULT_RUN_SETTINGS,
    status,
    createdAt: now,
    updatedAt: now,
    done: 0,
    total: 3,
  }
}

describe('atomic writes', () => {
  it('leave the old file intact when the rename fails (a crash mid-write)', async () => {
    const file = join(root, 'x.json')
    await writeFileAtomic(file, 'old')
    vi.spyOn(fs.promises, 'rename').mockRejectedValueOnce(
      Object.assign(new Error('EIO: crash'), { code: 'EIO' }),
    )
    await expect(writeFileAtomic(file, 'new')).rejects.toThrow(/crash/)
    expect(fs.readFileSync(file, 'utf8')).toBe('old')
    expect(fs.readdirSync(root).filter((f) => f.endsWith('.tmp'))).toEqual([])
    await writeFileAtomic(file, 'new')
    expect(fs.readFileSync(file, 'utf8')).toBe('new')
  })

  it('keep experiment.json as it was when saving fails', async () => {
    const e = await ws.createExperiment({ id: '1.4.0', title: 'first' })
    vi.spyOn(fs.promises, 'rename').mockRejectedValueOnce(new Error('disk full'))
    await expect(ws.saveExperiment({ ...e, title: 'second' })).rejects.toThrow(/disk full/)
    expect((await ws.getExperiment('1.4.0')).title).toBe('first')
  })
})

describe('experiments', () => {
  it('create, list, save with relative and absolute paths', async () => {
    const e = await ws.createExperiment({ id: '1.4.0', title: 'Baseline' })
    expect(e.settings.inputLength).toBe(64)
    expect(fs.existsSync(join(root, 'experiments/1.4.0/experiment.json'))).toBe(true)
    expect(fs.existsSync(join(root, 'experiments/1.4.0/runs'))).toBe(true)
    expect(fs.existsSync(join(root, 'experiments/1.4.0/reports'))).toBe(true)
    await expect(ws.createExperiment({ id: '1.4.0', title: 'again' })).rejects.toThrow(/already exists/)

    const inside = join(ws.experimentDir('1.4.0'), 'models', 'model.onnx')
    const saved = await ws.saveExperiment({
      ...e,
      notes: '# notes',
      checkpoints: [{ id: 'c', label: 'c', modelPath: inside, tokenizerPath: '/abs/tokenizer.json' }],
    })
    expect(saved.checkpoints[0]!.modelPath).toBe('models/model.onnx')
    expect(saved.checkpoints[0]!.tokenizerPath).toBe('/abs/tokenizer.json')
    expect(ws.resolvePath('1.4.0', 'models/model.onnx')).toBe(inside)
    const onDisk = JSON.parse(fs.readFileSync(ws.experimentFile('1.4.0'), 'utf8'))
    expect(onDisk.notes).toBe('# notes')
    expect(onDisk.createdAt).toBe(e.createdAt)

    const list = await ws.listExperiments()
    expect(list.map((x) => x.id)).toEqual(['1.4.0'])
  })

  it('rejects ids that are not folder-safe', async () => {
    expect(() => ws.experimentDir('../x')).toThrow(RangeError)
    expect(() => ws.runDir('a', '../../etc')).toThrow(RangeError)
  })

  it('report a corrupt experiment.json by name and never overwrite it', async () => {
    const e = await ws.createExperiment({ id: 'bad', title: 'x' })
    const file = ws.experimentFile('bad')
    fs.writeFileSync(file, '{"id": "bad", "title": ')
    await expect(ws.getExperiment('bad')).rejects.toThrow(StoreError)
    await expect(ws.getExperiment('bad')).rejects.toThrow(file)
    await expect(ws.saveExperiment({ ...e, title: 'y' })).rejects.toThrow(/not valid JSON/)
    await expect(ws.duplicateExperiment('bad', 'bad2')).rejects.toThrow(file)
    expect(fs.readFileSync(file, 'utf8')).toBe('{"id": "bad", "title": ')
    const list = await ws.listExperiments()
    expect(list).toEqual([{ id: 'bad', error: expect.stringContaining(file) }])

    fs.writeFileSync(file, '{"id": "bad"}')
    await expect(ws.getExperiment('bad')).rejects.toThrow(/not a valid experiment/)
  })

  it('rename moves the folder and the runs with it', async () => {
    await ws.createExperiment({ id: '1.4.0', title: 'x' })
    await writeRun(ws, run('1.4.0', '20260101-000000-final', 'finished'))
    const renamed = await ws.renameExperiment('1.4.0', '1.4.1')
    expect(renamed.id).toBe('1.4.1')
    expect(fs.existsSync(ws.experimentDir('1.4.0'))).toBe(false)
    expect((await ws.getExperiment('1.4.1')).id).toBe('1.4.1')
    expect((await readRun(ws, '1.4.1', '20260101-000000-final')).experimentId).toBe('1.4.1')
    await ws.createExperiment({ id: 'other', title: 'x' })
    await expect(ws.renameExperiment('1.4.1', 'other')).rejects.toThrow(/already exists/)
  })

  it('duplicate copies inputs but not runs or reports', async () => {
    const e = await ws.createExperiment({ id: 'a', title: 'A' })
    fs.mkdirSync(join(ws.experimentDir('a'), 'models'))
    fs.writeFileSync(join(ws.experimentDir('a'), 'models', 'm.onnx'), 'onnx')
    await ws.saveExperiment({
      ...e,
      checkpoints: [{ id: 'c', label: 'c', modelPath: 'models/m.onnx', tokenizerPath: '/t.json' }],
    })
    await writeRun(ws, run('a', '20260101-000000-c', 'finished'))
    fs.writeFileSync(join(ws.reportsDir('a'), 'report.md'), '#')
    const copy = await ws.duplicateExperiment('a', 'b')
    expect(copy.title).toBe('A (copy)')
    expect(copy.checkpoints[0]!.modelPath).toBe('models/m.onnx')
    expect(fs.readFileSync(join(ws.experimentDir('b'), 'models', 'm.onnx'), 'utf8')).toBe('onnx')
    expect(await ws.runIds('b')).toEqual([])
    expect(fs.readdirSync(ws.reportsDir('b'))).toEqual([])
    expect(await ws.runIds('a')).toEqual(['20260101-000000-c'])
    await expect(ws.duplicateExperiment('a', 'b')).rejects.toThrow(/already exists/)
  })

  it('delete moves the folder into .trash', async () => {
    await ws.createExperiment({ id: 'gone', title: 'x' })
    await ws.deleteExperiment('gone')
    expect(fs.existsSync(ws.experimentDir('gone'))).toBe(false)
    expect(fs.readdirSync(ws.trashDir)[0]).toMatch(/^gone-/)
    expect((await ws.listExperiments()).length).toBe(0)
    await expect(ws.deleteExperiment('gone')).rejects.toThrow(/no experiment/)
  })

  it('serialises concurrent updates', async () => {
    await ws.createExperiment({ id: 'a', title: '' })
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => ws.updateExperiment('a', (e) => ({ ...e, notes: e.notes + i }))),
    )
    expect((await ws.getExperiment('a')).notes).toBe('0123456789')
  })
})

describe('runs and results.jsonl', () => {
  it('run ids sort by time', () => {
    const a = makeRunId(new Date('2026-11-28T03:15:00Z'), 'final')
    expect(a).toBe('20261128-031500-final')
    expect(makeRunId(new Date('2026-11-28T03:15:00Z'), 'final', new Set([a]))).toBe('20261128-031500-final-2')
    expect(makeRunId(new Date('2026-11-28T03:15:01Z'), 'early') > a).toBe(true)
  })

  it('append per sample; a torn last line is ignored with a warning and cut before appending', async () => {
    await ws.createExperiment({ id: 'e', title: '' })
    await writeRun(ws, run('e', 'r1'))
    const file = resultsFile(ws, 'e', 'r1')
    const appender = ResultsAppender.open(file)
    appender.append(sample(0))
    appender.append(sample(1))
    appender.close()
    fs.appendFileSync(file, '{"index": 2, "id": "id2", "tok')

    const read = await readResults(file)
    expect(read.results.map((r) => r.index)).toEqual([0, 1])
    expect(read.warnings[0]).toMatch(/line 3 is incomplete/)
    expect(read.warnings[0]).toContain(file)

    const again = ResultsAppender.open(file, read.validBytes)
    again.append(sample(2))
    again.close()
    const after = await readResults(file)
    expect(after.results.map((r) => r.index)).toEqual([0, 1, 2])
    expect(after.warnings).toEqual([])
  })

  it('list runs skips unreadable run.json with a warning', async () => {
    await ws.createExperiment({ id: 'e', title: '' })
    await writeRun(ws, run('e', '20260101-000000-a', 'finished'))
    fs.mkdirSync(ws.runDir('e', '20260101-000001-b'))
    fs.writeFileSync(join(ws.runDir('e', '20260101-000001-b'), 'run.json'), 'nope')
    const { runs, warnings } = await listRuns(ws, 'e')
    expect(runs.map((r) => r.runId)).toEqual(['20260101-000000-a'])
    expect(warnings[0]).toMatch(/run\.json: not valid JSON/)
  })
})

describe('demo', () => {
  it('copies the bundled demo in as an experiment with both checkpoints and datasets', async () => {
    const { seedDemo } = await import('../../src/main/store/demo')
    const demo = join(root, 'demo-src')
    for (const name of ['early', 'final']) {
      fs.mkdirSync(join(demo, 'checkpoints', name), { recursive: true })
      fs.writeFileSync(join(demo, 'checkpoints', name, 'model.onnx'), 'x')
      fs.writeFileSync(join(demo, 'checkpoints', name, 'pretrain_96.pth'), 'x')
      fs.writeFileSync(
        join(demo, 'checkpoints', name, 'manifest.json'),
        JSON.stringify({ label: `${name} (96)` }),
      )
    }
    for (const f of [
      'tokenizer.json',
      'eval_data_from_train.json',
      'eval_heldout.json',
      'train.jsonl',
      'train.log',
    ]) {
      fs.writeFileSync(join(demo, f), '[]')
    }
    const e = await seedDemo(ws, demo)
    expect(e?.id).toBe('1.4.0-demo')
    expect(e?.checkpoints.map((c) => [c.id, c.label, c.modelPath, c.sourcePath])).toEqual([
      ['early', 'early (96)', 'demo/checkpoints/early/model.onnx', 'demo/checkpoints/early/pretrain_96.pth'],
      ['final', 'final (96)', 'demo/checkpoints/final/model.onnx', 'demo/checkpoints/final/pretrain_96.pth'],
    ])
    expect(e?.datasets[0]).toMatchObject({ fromTraining: true, trainPath: 'demo/train.jsonl' })
    expect(e?.trainingLog).toBe('demo/train.log')
    expect(fs.existsSync(ws.resolvePath('1.4.0-demo', e!.checkpoints[1]!.modelPath))).toBe(true)
    expect(await seedDemo(ws, demo)).toBeNull()
    expect(await ws.experimentIds()).toEqual(['1.4.0-demo'])
  })

  it('takes the pretrain checkpoints with their steps and the pretrain datasets with their kinds from the manifest', async () => {
    const { seedDemo } = await import('../../src/main/store/demo')
    const demo = join(root, 'demo-manifest')
    const ckpts = [
      { id: 'very-early', kind: 'pretrain', step: 30, pth: 'pretrain_96.pth' },
      { id: 'final', kind: 'pretrain', step: 836, pth: 'pretrain_96.pth' },
      { id: 'shifted', kind: 'shifted', step: 836 },
      { id: 'sft', kind: 'sft', step: 100, pth: 'full_sft_96.pth' },
    ]
    for (const c of ckpts) {
      fs.mkdirSync(join(demo, 'checkpoints', c.id), { recursive: true })
      fs.writeFileSync(join(demo, 'checkpoints', c.id, 'model.onnx'), 'x')
      if (c.pth) fs.writeFileSync(join(demo, 'checkpoints', c.id, c.pth), 'x')
    }
    const files = ['tokenizer.json', 'eval_data_from_train.json', 'eval_heldout.json', 'eval_ood.json']
    for (const f of [...files, 'eval_sft.json', 'train.jsonl', 'train_sft.jsonl', 'train.log']) {
      fs.writeFileSync(join(demo, f), '[]')
    }
    fs.writeFileSync(
      join(demo, 'manifest.json'),
      JSON.stringify({
        checkpoints: ckpts.map((c) => ({
          id: c.id,
          kind: c.kind,
          label: `${c.id} (step ${c.step})`,
          step: c.step,
          onnx: `checkpoints/${c.id}/model.onnx`,
          ...(c.pth ? { checkpoint: `checkpoints/${c.id}/${c.pth}` } : {}),
        })),
        evalSets: files.slice(1),
        datasets: [
          {
            file: 'eval_data_from_train.json',
            kind: 'fromTraining',
            format: 'pretrain',
            trainingData: 'train.jsonl',
          },
          { file: 'eval_heldout.json', kind: 'heldOut', format: 'pretrain' },
          { file: 'eval_ood.json', kind: 'heldOut', format: 'pretrain' },
          { file: 'eval_sft.json', kind: 'fromTraining', format: 'sft', trainingData: 'train_sft.jsonl' },
        ],
      }),
    )
    const e = await seedDemo(ws, demo)
    expect(e?.checkpoints.map((c) => [c.id, c.label, c.step, c.sourcePath])).toEqual([
      ['very-early', 'very-early (step 30)', 30, 'demo/checkpoints/very-early/pretrain_96.pth'],
      ['final', 'final (step 836)', 836, 'demo/checkpoints/final/pretrain_96.pth'],
    ])
    expect(e?.datasets.map((d) => [d.id, d.fromTraining, d.datasetKind, d.trainPath])).toEqual([
      ['eval_data_from_train', true, 'fromTraining', 'demo/train.jsonl'],
      ['eval_heldout', undefined, 'heldOut', undefined],
      ['eval_ood', undefined, 'heldOut', undefined],
    ])
    // The files the experiment leaves out are still copied in.
    expect(fs.existsSync(ws.resolvePath(e!.id, 'demo/checkpoints/shifted/model.onnx'))).toBe(true)
    expect(fs.existsSync(ws.resolvePath(e!.id, 'demo/eval_sft.json'))).toBe(true)
  })
})

describe('evidence on save', () => {
  it('keeps what main measured while the files stay, drops it when they change', async () => {
    const { fakeModel } = await import('./helpers/fake-engine')
    const e = await ws.createExperiment({
      id: 'e',
      title: 'e',
      checkpoints: [
        { id: 'c', label: 'c', modelPath: '/m/a.onnx', tokenizerPath: '/m/t.json', sourcePath: '/m/a.pth' },
      ],
      datasets: [{ id: 'd', label: 'd', path: '/d/eval.json', trainPath: '/d/train.jsonl' }],
    })
    const consistency = {
      evalPath: '/d/eval.json',
      trainPath: '/d/train.jsonl',
      total: 1,
      found: 1,
      foundNormalized: 1,
      foundSubstring: 1,
      notFound: [],
      trainRows: 1,
      bytesScanned: 1,
      malformedCount: 0,
      malformedLines: [],
    }
    await ws.updateExperiment('e', (x) => ({
      ...x,
      checkpoints: x.checkpoints.map((c) => ({ ...c, description: fakeModel })),
      datasets: x.datasets.map((d) => ({ ...d, consistency, sampleCount: 1 })),
    }))
    // A window saving the copy it had before the description arrived does not erase it.
    const kept = await ws.saveExperiment({ ...e, notes: 'edited' })
    expect(kept.checkpoints[0]!.description?.form).toBe('plain')
    expect(kept.datasets[0]!.consistency?.found).toBe(1)
    expect(kept.notes).toBe('edited')
    // Another model or training file: what was measured on the old one goes.
    const changed = await ws.saveExperiment({
      ...kept,
      checkpoints: [{ ...kept.checkpoints[0]!, modelPath: '/m/b.onnx' }],
      datasets: [{ ...kept.datasets[0]!, trainPath: '/d/other.jsonl' }],
    })
    expect(changed.checkpoints[0]!.description).toBeUndefined()
    expect(changed.datasets[0]!.consistency).toBeUndefined()
    expect(changed.datasets[0]!.sampleCount).toBe(1)
  })
})

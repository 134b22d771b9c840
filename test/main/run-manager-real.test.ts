/**
 * The run manager on the real engine (inference worker, onnxruntime-node): the tiny random GPT-2 of
 * test/fixtures, and the bundled demo seeded into a workspace.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runAnalysis } from '../../src/main/engine'
import type { RunEventMessage } from '../../src/main/runs/run-manager'
import { RunManager } from '../../src/main/runs/run-manager'
import { DEFAULT_RUN_SETTINGS } from '../../src/main/store/defaults'
import { DEFAULT_MEASURES } from '../../src/shared/measures'
import { seedDemo } from '../../src/main/store/demo'
import { cliSync } from '../helpers/cli'
import { readRun, readRunResults } from '../../src/main/store/runs'
import { Workspace } from '../../src/main/store/workspace'
import { DEMO, TINY_MODEL, tmpDir, writeDataset, writeWordTokenizer } from '../engine/fixtures'

let dir: string | undefined
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
  dir = undefined
})

async function runToEnd(
  ws: Workspace,
  experimentId: string,
  checkpointIds: string[],
  datasetId: string,
  limit: number,
) {
  const events: RunEventMessage[] = []
  const runs = new RunManager({ workspace: ws, runAnalysis, emit: (e) => events.push(e) })
  const settings = { ...(await ws.getExperiment(experimentId)).settings, limit, provider: 'cpu', threads: 2 }
  const runIds = await runs.start({ experimentId, checkpointIds, datasetId, settings })
  await runs.idle()
  return { runIds, events, runs }
}

describe('run manager on the real engine (tiny GPT-2)', () => {
  it('a run of 3 samples is persisted with its summary', async () => {
    dir = tmpDir('losslens-real-')
    const ws = (await Workspace.open(join(dir, 'ws'))).workspace
    const tokenizer = writeWordTokenizer(dir)
    const data = writeDataset(dir, [20, 24, 30, 28])
    await ws.createExperiment({
      id: 'tiny',
      title: 'tiny',
      checkpoints: [{ id: 'tiny', label: 'tiny GPT-2', modelPath: TINY_MODEL, tokenizerPath: tokenizer }],
      datasets: [{ id: 'd', label: 'd', path: data }],
      settings: { ...DEFAULT_RUN_SETTINGS, inputLength: 8, predictLength: 6, batchSize: 2 },
    })
    const { runIds, events } = await runToEnd(ws, 'tiny', ['tiny'], 'd', 3)
    const run = await readRun(ws, 'tiny', runIds[0]!)
    expect(run.error).toBeUndefined()
    expect(run).toMatchObject({ status: 'finished', done: 3, total: 3, provider: 'cpu' })
    expect(run.summary?.counts).toEqual({ total: 3, scored: 3, skipped: 0 })
    const { results, warnings } = await readRunResults(ws, 'tiny', runIds[0]!)
    expect(warnings).toEqual([])
    expect(results.map((r) => r.index).sort()).toEqual([0, 1, 2])
    expect(results[0]!.teacherForcing?.tokenLosses).toHaveLength(6)
    expect(events.filter((e) => e.type === 'sample')).toHaveLength(3)
    expect(events.at(-1)?.type).toBe('finished')
  })
})

describe('the bundled demo', () => {
  it('seeds into a new workspace and runs 3 samples on each checkpoint, one after another', async () => {
    dir = tmpDir('losslens-demo-')
    const ws = (await Workspace.open(join(dir, 'ws'))).workspace
    const demo = await seedDemo(ws, DEMO)
    expect(demo).not.toBeNull()
    expect(demo!.id).toBe('1.4.0-demo')
    expect(demo!.checkpoints.map((c) => [c.id, c.label, c.step, c.modelPath, c.sourcePath])).toEqual(
      (
        [
          ['very-early', 5],
          ['early', 250],
          ['mid', 400],
          ['final', 836],
        ] as const
      ).map(([id, step]) => [
        id,
        `${id} (step ${step})`,
        step,
        `demo/checkpoints/${id}/model.onnx`,
        `demo/checkpoints/${id}/pretrain_96.pth`,
      ]),
    )
    expect(demo!.datasets.map((d) => [d.id, d.datasetKind])).toEqual([
      ['eval_data_from_train', 'fromTraining'],
      ['eval_heldout', 'heldOut'],
      ['eval_ood', 'heldOut'],
    ])
    // The demo's trainer: no BOS (manifest settings.addBos false), max_length 256 (manifest training).
    expect(demo!.settings).toMatchObject({ inputLength: 64, predictLength: 30, bos: 'no', maxSeqLen: 256 })
    expect(demo!.settings.measures).toEqual(DEFAULT_MEASURES)
    const fromTrain = demo!.datasets.find((d) => d.fromTraining)
    expect(fromTrain?.trainPath).toBeDefined()
    expect(demo!.trainingLog).toBeDefined()
    const { runIds } = await runToEnd(
      ws,
      demo!.id,
      demo!.checkpoints.map((c) => c.id),
      fromTrain!.id,
      3,
    )
    for (const runId of runIds) {
      const run = await readRun(ws, demo!.id, runId)
      expect(run.error).toBeUndefined()
      expect(run).toMatchObject({ status: 'finished', done: 3 })
      expect(run.summary?.means.teacherForcing).toBeGreaterThan(0)
      expect((await readRunResults(ws, demo!.id, runId)).results).toHaveLength(3)
    }
    // `losslens report` on it exits 0 whatever its verdicts say (the demo's include a failing slice).
    const out = join(dir, 'report', 'report.md')
    const report = cliSync(['report', '--experiment', join(ws.root, 'experiments', demo!.id), '--out', out])
    expect(report.code, report.stderr).toBe(0)
    expect(report.stdout).toContain(out)
    expect(fs.readFileSync(out, 'utf8')).toContain('logits_to_keep')
  })
})

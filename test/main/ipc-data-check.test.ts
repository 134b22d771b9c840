/** dataset:checkConsistency from the window: progress events (at most one per percent) and cancel. */
import fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { EngineServices } from '../../src/main/ipc/context'
import { createEngineServices } from '../../src/main/services'
import { makeContext } from './helpers/context'

let cleanup: (() => void) | undefined
afterEach(() => {
  cleanup?.()
  cleanup = undefined
})

async function setup(checkDataConsistency: EngineServices['checkDataConsistency'], trainRows = 0) {
  const t = await makeContext({ kind: 'bridge', services: { checkDataConsistency } })
  cleanup = t.cleanup
  await t.handlers['experiment:create']({ id: '1.4.0', title: 'data' })
  const evalPath = join(t.outside, 'eval.json')
  const trainPath = join(t.outside, 'train.jsonl')
  fs.writeFileSync(evalPath, JSON.stringify([{ text: 'row 7 of the training data' }, { text: 'not there' }]))
  const rows = Array.from({ length: trainRows }, (_, i) =>
    JSON.stringify({ text: `row ${i} of the training data` }),
  )
  fs.writeFileSync(trainPath, rows.join('\n') + '\n')
  const e = await t.handlers['experiment:get']({ experimentId: '1.4.0' })
  await t.handlers['experiment:save']({
    ...e,
    datasets: [{ id: 'eval', label: 'eval', path: evalPath, trainPath }],
  })
  const progress = () =>
    t.events
      .filter((x) => x.channel === 'dataset:checkProgress')
      .map((x) => x.payload as { datasetId: string; bytesRead: number; totalBytes: number })
  return { ...t, trainPath, progress }
}

describe('dataset:checkConsistency', () => {
  it('streams a large training file with progress and stores what it found', async () => {
    const real = createEngineServices()
    const t = await setup(real.checkDataConsistency, 120_000) // ~4.5 MB: several 1 MiB chunks
    const result = await t.handlers['dataset:checkConsistency']({ experimentId: '1.4.0', datasetId: 'eval' })
    expect(result).toMatchObject({ total: 2, found: 1, trainRows: 120_000 })
    expect(result.notFound.map((n) => n.index)).toEqual([1])
    const p = t.progress()
    const size = fs.statSync(t.trainPath).size
    expect(p.length).toBeGreaterThanOrEqual(4)
    expect(p.every((x) => x.datasetId === 'eval' && x.totalBytes === size)).toBe(true)
    expect(p.map((x) => x.bytesRead)).toEqual([...p.map((x) => x.bytesRead)].sort((a, b) => a - b))
    expect(p.at(-1)!.bytesRead).toBe(size)
    const stored = await t.handlers['experiment:get']({ experimentId: '1.4.0' })
    expect(stored.datasets[0]!.consistency).toMatchObject({ found: 1, total: 2 })
    // Nobody had said what the set is: it takes the kind the check found (1 of 2: mixed).
    expect(stored.datasets[0]!.datasetKind).toBe('mixed')
  })

  it('keeps a kind the user gave: the diagnosis holds the check against it', async () => {
    const real = createEngineServices()
    const t = await setup(real.checkDataConsistency, 10)
    const e = await t.handlers['experiment:get']({ experimentId: '1.4.0' })
    await t.handlers['experiment:save']({
      ...e,
      datasets: e.datasets.map((d) => ({ ...d, datasetKind: 'heldOut' as const })),
    })
    await t.handlers['dataset:checkConsistency']({ experimentId: '1.4.0', datasetId: 'eval' })
    const stored = await t.handlers['experiment:get']({ experimentId: '1.4.0' })
    expect(stored.datasets[0]!.consistency).toMatchObject({ found: 1, total: 2 })
    expect(stored.datasets[0]!.datasetKind).toBe('heldOut')
  })

  it('sends at most one progress event per percent', async () => {
    const t = await setup(async (_input, onProgress) => {
      for (let b = 0; b <= 10_000; b++) onProgress!(b, 10_000)
      return createEngineServices().checkDataConsistency(_input)
    })
    await t.handlers['dataset:checkConsistency']({ experimentId: '1.4.0', datasetId: 'eval' })
    expect(t.progress().map((x) => Math.floor((100 * x.bytesRead) / x.totalBytes))).toEqual(
      Array.from({ length: 101 }, (_, i) => i),
    )
  })

  it('cancel stops the scan and stores nothing', async () => {
    let started: () => void = () => {}
    const running = new Promise<void>((resolve) => (started = resolve))
    const t = await setup(
      (_input, _onProgress, signal) =>
        new Promise((_resolve, reject) => {
          signal!.addEventListener('abort', () => reject(new Error('aborted')))
          started()
        }),
    )
    const pass = t.handlers['dataset:checkConsistency']({ experimentId: '1.4.0', datasetId: 'eval' }).catch(
      (e: unknown) => e as Error,
    )
    await running
    await expect(
      t.handlers['dataset:checkConsistency']({ experimentId: '1.4.0', datasetId: 'eval' }),
    ).rejects.toThrow(/already being checked/)
    await t.handlers['dataset:cancelCheck']({ experimentId: '1.4.0', datasetId: 'eval' })
    expect(((await pass) as Error).message).toBe('consistency check cancelled')
    const stored = await t.handlers['experiment:get']({ experimentId: '1.4.0' })
    expect(stored.datasets[0]!.consistency).toBeUndefined()
  })
})

/** Datasets get their sample count when added, keep it while the file stays, and recount when it changes. */
import fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createEngineServices } from '../../src/main/services'
import { makeContext } from './helpers/context'

let cleanup: (() => void) | undefined
afterEach(() => {
  cleanup?.()
  cleanup = undefined
})

describe('dataset sample counts', () => {
  it('counts a dropped dataset, keeps the count, recounts a changed file, refuses a malformed one', async () => {
    let reads = 0
    const { countSamples } = createEngineServices()
    const t = await makeContext({
      kind: 'bridge',
      services: { countSamples: (p) => (reads++, countSamples(p)) },
    })
    cleanup = t.cleanup
    await t.handlers['experiment:create']({ id: '1.4.0', title: 'counts' })
    const evalJson = join(t.outside, 'eval.json')
    const jsonl = join(t.outside, 'heldout.jsonl')
    const bad = join(t.outside, 'broken.jsonl')
    fs.writeFileSync(evalJson, JSON.stringify([{ text: 'a' }, { text: 'b' }, { text: 'c' }]))
    fs.writeFileSync(jsonl, '{"text": "x"}\n{"text": "y"}\n')
    fs.writeFileSync(bad, '{"text": "x"}\nnot json\n')

    const added = await t.handlers['experiment:addFiles']({
      experimentId: '1.4.0',
      paths: [evalJson, jsonl, bad],
    })
    const counts = () =>
      Object.fromEntries(added.experiment.datasets.map((d) => [d.path.split('/').pop(), d.sampleCount]))
    // The malformed one is refused on arrival (read as a run would read it), not added uncounted.
    expect(counts()).toEqual({ 'eval.json': 3, 'heldout.jsonl': 2 })
    expect(added.ignored.map((i) => i.path)).toEqual([bad])

    // Stored: opening the experiment reads no file again.
    reads = 0
    const opened = await t.handlers['experiment:get']({ experimentId: '1.4.0' })
    expect(reads).toBe(0)
    expect(opened.datasets.map((d) => d.sampleCount)).toEqual([3, 2])

    // The same dataset pointed at another file is counted again.
    const bigger = join(t.outside, 'eval2.json')
    fs.writeFileSync(bigger, JSON.stringify([{ text: 'a' }, { text: 'b' }, { text: 'c' }, { text: 'd' }]))
    const saved = await t.handlers['experiment:save']({
      ...opened,
      datasets: opened.datasets.map((d, i) => (i === 0 ? { ...d, path: bigger } : d)),
    })
    expect(saved.datasets.map((d) => d.sampleCount)).toEqual([4, 2])
  })
})

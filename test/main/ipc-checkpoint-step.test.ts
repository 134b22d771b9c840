/** experiment:save from the window's Add dialog: a new checkpoint without a step gets the one its names record. */
import fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { makeContext } from './helpers/context'

let cleanup: (() => void) | undefined
afterEach(() => {
  cleanup?.()
  cleanup = undefined
})

describe('experiment:save fills a new checkpoint step', () => {
  it('from its folder name or manifest, never over a step the user gave or on a checkpoint already there', async () => {
    const t = await makeContext({ kind: 'bridge' })
    cleanup = t.cleanup
    const file = (...parts: string[]) => {
      const path = join(t.outside, ...parts)
      fs.mkdirSync(join(path, '..'), { recursive: true })
      fs.writeFileSync(path, '{}')
      return path
    }
    const tokenizerPath = file('tokenizer.json')
    const named = file('checkpoint-1200', 'model.onnx')
    const manifested = file('final', 'model.onnx')
    fs.writeFileSync(join(t.outside, 'final', 'manifest.json'), JSON.stringify({ step: 836 }))
    const typed = file('step_5', 'model.onnx')
    const minimind = file('pretrain_512', 'model.onnx')
    await t.handlers['experiment:create']({ id: 'steps', title: 'steps' })
    const e = await t.handlers['experiment:get']({ experimentId: 'steps' })
    const ref = (id: string, modelPath: string) => ({ id, label: id, modelPath, tokenizerPath })
    const saved = await t.handlers['experiment:save']({
      ...e,
      checkpoints: [
        ref('named', named),
        ref('manifested', manifested),
        { ...ref('typed', typed), step: 40 },
        ref('minimind', minimind),
      ],
    })
    expect(saved.checkpoints.map((c) => [c.id, c.step])).toEqual([
      ['named', 1200],
      ['manifested', 836],
      ['typed', 40],
      ['minimind', undefined],
    ])
    // The user clears a step: a checkpoint already in the experiment is not filled again.
    const cleared = await t.handlers['experiment:save']({
      ...saved,
      checkpoints: saved.checkpoints.map(({ step: _, ...c }) => c),
    })
    expect(cleared.checkpoints.every((c) => c.step === undefined)).toBe(true)
  })
})

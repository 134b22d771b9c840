/**
 * Files are read as a run would read them when they are added (files:validate, and the drop path): a
 * text file named .onnx, a tokenizer too big for the model, truncated JSON, a JSONL with a bad line and
 * JSON of the wrong shape are refused with a one-line message naming the file, and nothing is added.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createEngineServices } from '../../src/main/services'
import { dispatch } from '../../src/main/ipc/handlers'
import { DEMO, TINY_MODEL, TINY_TOKENIZER } from '../engine/fixtures'
import { makeContext } from './helpers/context'

let cleanup: (() => void) | undefined
afterEach(() => {
  cleanup?.()
  cleanup = undefined
})

async function context() {
  const real = createEngineServices()
  const t = await makeContext({
    kind: 'bridge',
    services: {
      describeModel: real.describeModel,
      tokenizerFit: real.tokenizerFit,
      countSamples: real.countSamples,
    },
  })
  cleanup = t.cleanup
  await t.handlers['experiment:create']({ id: '1.4.0', title: 'validate' })
  return t
}

const oneLine = (m: string) => expect(m).not.toContain('\n')

describe('files:validate', () => {
  it('accepts the demo model with its tokenizer and counts a good dataset', async () => {
    const t = await context()
    const model = join(DEMO, 'checkpoints/final/model.onnx')
    const ok = await t.handlers['files:validate']({
      kind: 'checkpoint',
      modelPath: model,
      tokenizerPath: join(DEMO, 'tokenizer.json'),
    })
    expect(ok).toEqual({ ok: true, vocabSize: 6400, tokenizerSize: 6400 })
    const data = await t.handlers['files:validate']({
      kind: 'dataset',
      path: join(DEMO, 'eval_heldout.json'),
    })
    const expected = (JSON.parse(fs.readFileSync(join(DEMO, 'eval_heldout.json'), 'utf8')) as unknown[])
      .length
    expect(data).toEqual({ ok: true, samples: expected })
  })

  it('refuses a text file named .onnx, and a tokenizer with more ids than the model has logits', async () => {
    const t = await context()
    const fake = join(t.outside, 'fake.onnx')
    fs.writeFileSync(fake, 'this is not a model\n')
    const bad = await t.handlers['files:validate']({
      kind: 'checkpoint',
      modelPath: fake,
      tokenizerPath: join(DEMO, 'tokenizer.json'),
    })
    expect(bad.ok).toBe(false)
    if (bad.ok) return
    expect(bad.message).toContain('fake.onnx')
    oneLine(bad.message)

    const misfit = await t.handlers['files:validate']({
      kind: 'checkpoint',
      modelPath: TINY_MODEL,
      tokenizerPath: TINY_TOKENIZER,
    })
    expect(misfit).toEqual({
      ok: false,
      message: expect.stringMatching(/tokenizer.*50295 ids but the model .*past\.onnx has 1000 logits/),
    })
  })

  it('refuses truncated JSON, a JSONL with a bad line and JSON of the wrong shape', async () => {
    const t = await context()
    const files = {
      'truncated.json': '[{"text": "a"}, {"text": "b"',
      'badline.jsonl': '{"text": "x"}\nnot json\n{"text": "z"}\n',
      'schema.json': JSON.stringify({ samples: 3 }),
    }
    for (const [name, text] of Object.entries(files)) {
      const path = join(t.outside, name)
      fs.writeFileSync(path, text)
      const r = await t.handlers['files:validate']({ kind: 'dataset', path })
      expect(r.ok, name).toBe(false)
      if (r.ok) continue
      expect(r.message, name).toContain(name)
      oneLine(r.message)
    }
  })

  it('bounds its payload: an over-long path or an unknown kind is refused by the contract', async () => {
    const t = await context()
    await expect(
      dispatch(t.handlers, 'files:validate', { kind: 'dataset', path: 'x'.repeat(5000) }),
    ).rejects.toThrow(/invalid payload for files:validate/)
    await expect(dispatch(t.handlers, 'files:validate', { kind: 'log', path: '/a' })).rejects.toThrow(
      /invalid payload for files:validate/,
    )
  })

  it('reads paths relative to the experiment folder as experiment.json stores them (desktop grants)', async () => {
    const real = createEngineServices()
    const t = await makeContext({ kind: 'electron', services: { countSamples: real.countSamples } })
    cleanup = t.cleanup
    await t.handlers['experiment:create']({ id: '1.4.0', title: 'relative' })
    const dir = t.ctx.current().workspace.experimentDir('1.4.0')
    fs.mkdirSync(join(dir, 'data'))
    fs.writeFileSync(join(dir, 'data', 'eval.json'), JSON.stringify([{ text: 'a' }, { text: 'b' }]))
    const inside = await t.handlers['files:validate']({
      kind: 'dataset',
      experimentId: '1.4.0',
      path: 'data/eval.json',
    })
    expect(inside).toEqual({ ok: true, samples: 2 })
    // Outside the workspace and never chosen in a dialog: refused before anything is read.
    const outside = join(t.outside, 'eval.json')
    fs.writeFileSync(outside, '[]')
    await expect(
      t.handlers['files:validate']({ kind: 'dataset', experimentId: '1.4.0', path: outside }),
    ).rejects.toThrow(/eval\.json/)
  })

  it('a drop keeps the good files and refuses the bad ones with the run’s message', async () => {
    const t = await context()
    const fake = join(t.outside, 'fake.onnx')
    fs.writeFileSync(fake, 'not a model')
    fs.copyFileSync(join(DEMO, 'tokenizer.json'), join(t.outside, 'tokenizer.json'))
    const good = join(t.outside, 'eval.json')
    fs.writeFileSync(good, JSON.stringify([{ text: 'a' }, { text: 'b' }]))
    const broken = join(t.outside, 'broken.jsonl')
    fs.writeFileSync(broken, '{"text": "x"}\nnot json\n')
    const r = await t.handlers['experiment:addFiles']({ experimentId: '1.4.0', paths: [fake, good, broken] })
    expect(r.experiment.checkpoints).toEqual([])
    expect(r.experiment.datasets.map((d) => d.label)).toEqual(['eval.json'])
    expect(r.added).toEqual([good])
    expect(r.ignored.map((i) => i.path).sort()).toEqual([broken, fake].sort())
    for (const i of r.ignored) oneLine(i.reason)
  })
})

/**
 * LossLens' numbers against the PyTorch reference (resources/demo/reference.json, written by
 * tools/reference_measures.py from the .pth checkpoints): per sample, every pretrain checkpoint on
 * every pretrain dataset, both ONNX forms, the deliberately shifted export and the checkpoint comparison.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { MEASURES } from '../../src/shared/measures'
import {
  RunSummarySchema,
  SampleResultSchema,
  type RunSettings,
  type RunSummary,
  type SampleResult,
} from '../../src/shared/results'
import type { RunEvent } from '../../src/shared/run-events'
import { compareTokens, runAnalysis } from '../../src/main/engine/index'
import { assertClose, maxAbsDiff } from '../helpers/assert-close'
import { DEMO, collect } from './fixtures'

interface RefSample {
  index: number
  tokens: number
  ids: number[]
  teacherForcing: { loss: number; tokenLosses: number[]; top1: number }
  keepLastMisaligned: { loss: number }
  keepLastAligned: { loss: number }
  offsetSweep: Record<string, number>
  autoregressive: { loss: number; stepLosses: number[]; generatedIds: number[]; generatedText: string }
  kvCache: { maxAbsDiff: number; top1Agreement: number }
}
interface RefSet {
  samples: RefSample[]
  skipped: { index: number; tokens: number; reason: string }[]
  means: Record<string, unknown>
}
interface Reference {
  settings: { inputLength: number; predictLength: number }
  results: Record<string, Record<string, RefSet>>
  shifted: { model: string; of: string; results: Record<string, RefSet> }
  compare: Record<string, number | string> & {
    perSample: { index: number; base: number; other: number; delta: number }[]
  }
}

const TF_TOL = 1e-4
const AR_TOL = 1e-3
const KV_TOL = 1e-4

async function analyse(model: string, data: string, over: Partial<RunSettings> = {}) {
  const events = await collect(
    runAnalysis({
      runId: 'ref',
      label: model,
      modelPath: join(DEMO, model),
      tokenizerPath: join(DEMO, 'tokenizer.json'),
      dataPath: join(DEMO, data),
      settings: {
        inputLength: 64,
        predictLength: 30,
        measures: [...MEASURES],
        batchSize: 8,
        threads: 2,
        bos: 'no',
        provider: 'cpu',
        ...over,
      },
    }),
  )
  const end = events[events.length - 1]!
  if (end.type !== 'finished') throw new Error(`run did not finish: ${JSON.stringify(end)}`)
  const results = events
    .flatMap((e: RunEvent) => (e.type === 'sample' ? [e.result] : []))
    .sort((a, b) => a.index - b.index)
  return { results, summary: end.summary }
}

/** The demo's manifest: its pretrain checkpoints and datasets, read when the suite is collected. */
const manifest = JSON.parse(readFileSync(join(DEMO, 'manifest.json'), 'utf8')) as {
  checkpoints: { id: string; kind?: string; onnx: string }[]
  evalSets: string[]
}
const pretrain = manifest.checkpoints.filter((c) => (c.kind ?? 'pretrain') === 'pretrain')

describe('against the PyTorch reference', () => {
  let ref: Reference
  beforeAll(() => {
    ref = JSON.parse(readFileSync(join(DEMO, 'reference.json'), 'utf8')) as Reference
    expect(ref.settings).toMatchObject({ inputLength: 64, predictLength: 30 })
  })

  it('has a reference for every pretrain checkpoint on every pretrain dataset', () => {
    expect(pretrain.map((c) => c.id)).toEqual(expect.arrayContaining(['very-early', 'early', 'final']))
    expect(manifest.evalSets).toEqual(['eval_data_from_train.json', 'eval_heldout.json', 'eval_ood.json'])
    for (const c of pretrain) expect(Object.keys(ref.results[c.id]!)).toEqual(manifest.evalSets)
    // The cases the demo is built to show (the engine's numbers are held to these below).
    const sweep = (id: string, set = 'eval_data_from_train.json') =>
      (ref.results[id]![set]!.means as { offsetSweep: Record<string, number> }).offsetSweep
    expect(sweep('very-early')['1']!).toBeLessThan(sweep('very-early')['0']!)
    expect(sweep('final')['1']!).toBeGreaterThan(3 * sweep('final')['0']!)
    const tf = (id: string, set: string) =>
      (ref.results[id]![set]!.means as { teacherForcing: number }).teacherForcing
    for (const set of ['eval_heldout.json', 'eval_ood.json']) {
      expect(tf('final', set)).toBeGreaterThan(tf('mid', set))
    }
  })

  const cases = pretrain.flatMap((c) => manifest.evalSets.map((d) => [c.id, d] as const))

  describe.each(cases)('%s checkpoint on %s', (ckpt, data) => {
    let run: { results: SampleResult[]; summary: RunSummary }
    let set: RefSet
    beforeAll(async () => {
      run = await analyse(`checkpoints/${ckpt}/model.onnx`, data)
      set = ref.results[ckpt]![data]!
    })

    it('scores and skips the same samples, all schema-valid', () => {
      RunSummarySchema.parse(run.summary)
      for (const r of run.results) SampleResultSchema.parse(r)
      expect(run.results.filter((r) => !r.skipped).map((r) => r.index)).toEqual(
        set.samples.map((s) => s.index),
      )
      expect(run.results.filter((r) => r.skipped).map((r) => r.index)).toEqual(
        set.skipped.map((s) => s.index),
      )
      for (const s of set.samples) {
        const r = run.results.find((x) => x.index === s.index)!
        expect(r.tokens).toBe(s.tokens)
        expect(r.targetIds).toEqual(s.ids.slice(64, 94))
      }
    })

    it(`teacherForcing, keepLast and offsetSweep within ${TF_TOL}`, () => {
      let worst = 0
      for (const s of set.samples) {
        const r = run.results.find((x) => x.index === s.index)!
        const tag = `sample ${s.index}`
        assertClose(
          r.teacherForcing!.tokenLosses,
          s.teacherForcing.tokenLosses,
          TF_TOL,
          0,
          `${tag} tokenLosses`,
        )
        assertClose(r.teacherForcing!.loss, s.teacherForcing.loss, TF_TOL, 0, `${tag} teacherForcing`)
        expect(r.teacherForcing!.top1, `${tag} top1`).toBeCloseTo(s.teacherForcing.top1, 10)
        assertClose(r.keepLastMisaligned!.loss, s.keepLastMisaligned.loss, TF_TOL, 0, `${tag} misaligned`)
        assertClose(r.keepLastAligned!.loss, s.keepLastAligned.loss, TF_TOL, 0, `${tag} aligned`)
        expect(Object.keys(r.offsetSweep!).sort()).toEqual(Object.keys(s.offsetSweep).sort())
        for (const [k, v] of Object.entries(s.offsetSweep)) {
          assertClose(r.offsetSweep![k as '0']!, v, TF_TOL, 0, `${tag} sweep ${k}`)
        }
        worst = Math.max(worst, maxAbsDiff(r.teacherForcing!.tokenLosses, s.teacherForcing.tokenLosses))
      }
      console.info(`${ckpt}/${data}: teacherForcing max |diff| ${worst.toExponential(2)}`)
    })

    it(`autoregressive within ${AR_TOL} with the same greedy tokens`, () => {
      let worst = 0
      for (const s of set.samples) {
        const r = run.results.find((x) => x.index === s.index)!
        expect(r.autoregressive!.generatedIds, `sample ${s.index}`).toEqual(s.autoregressive.generatedIds)
        expect(r.autoregressive!.generatedText).toBe(s.autoregressive.generatedText)
        expect(r.autoregressive!.usedKvCache).toBe(true)
        assertClose(
          r.autoregressive!.stepLosses,
          s.autoregressive.stepLosses,
          AR_TOL,
          0,
          `sample ${s.index} steps`,
        )
        assertClose(r.autoregressive!.loss, s.autoregressive.loss, AR_TOL, 0, `sample ${s.index} AR`)
        worst = Math.max(worst, maxAbsDiff(r.autoregressive!.stepLosses, s.autoregressive.stepLosses))
      }
      console.info(`${ckpt}/${data}: autoregressive max |diff| ${worst.toExponential(2)}`)
    })

    it(`kvCache max |diff| within ${KV_TOL} of the reference and itself small`, () => {
      for (const s of set.samples) {
        const r = run.results.find((x) => x.index === s.index)!
        assertClose(r.kvCache!.maxAbsDiff, s.kvCache.maxAbsDiff, KV_TOL, 0, `sample ${s.index} kv`)
        expect(r.kvCache!.maxAbsDiff).toBeLessThan(KV_TOL)
        expect(r.kvCache!.top1Agreement).toBe(s.kvCache.top1Agreement)
      }
    })

    it('means agree with the reference means', () => {
      const m = run.summary.means
      const rm = set.means as Record<string, number> & { offsetSweep: Record<string, number> }
      assertClose(m.teacherForcing!, rm.teacherForcing, TF_TOL)
      assertClose(m.keepLastMisaligned!, rm.keepLastMisaligned, TF_TOL)
      assertClose(m.keepLastAligned!, rm.keepLastAligned, TF_TOL)
      assertClose(m.autoregressive!, rm.autoregressive, AR_TOL)
      assertClose(m.teacherForcingSteps!, rm.teacherForcingSteps as unknown as number[], TF_TOL)
      assertClose(m.autoregressiveSteps!, rm.autoregressiveSteps as unknown as number[], AR_TOL)
      for (const [k, v] of Object.entries(rm.offsetSweep)) assertClose(m.offsetSweep![k as '0']!, v, TF_TOL)
    })
  })

  it('the shifted export (logits one row late) gives the reference numbers: far above at 0, the real model at +1', async () => {
    const data = 'eval_data_from_train.json'
    const shifted = await analyse(ref.shifted.model, data)
    const set = ref.shifted.results[data]!
    const real = ref.results[ref.shifted.of]![data]!
    expect(shifted.summary.model.form).toBe('plain')
    expect(shifted.results.filter((r) => !r.skipped).map((r) => r.index)).toEqual(
      set.samples.map((s) => s.index),
    )
    for (const s of set.samples) {
      const r = shifted.results.find((x) => x.index === s.index)!
      const tag = `shifted sample ${s.index}`
      assertClose(r.teacherForcing!.tokenLosses, s.teacherForcing.tokenLosses, TF_TOL, 0, tag)
      assertClose(r.keepLastMisaligned!.loss, s.keepLastMisaligned.loss, TF_TOL, 0, `${tag} misaligned`)
      assertClose(r.keepLastAligned!.loss, s.keepLastAligned.loss, TF_TOL, 0, `${tag} aligned`)
      expect(Object.keys(r.offsetSweep!).sort()).toEqual(Object.keys(s.offsetSweep).sort())
      for (const [k, v] of Object.entries(s.offsetSweep)) {
        assertClose(r.offsetSweep![k as '0']!, v, TF_TOL, 0, `${tag} sweep ${k}`)
      }
      // Row +1 of the shifted model is row 0 of the real one.
      const own = real.samples.find((x) => x.index === s.index)!
      assertClose(r.offsetSweep!['1']!, own.teacherForcing.loss, TF_TOL, 0, `${tag} +1 vs real TF`)
      expect(r.autoregressive!.usedKvCache).toBe(false)
      expect(r.autoregressive!.generatedIds).toEqual(s.autoregressive.generatedIds)
      assertClose(r.autoregressive!.stepLosses, s.autoregressive.stepLosses, AR_TOL, 0, `${tag} AR`)
      expect(r.kvCache).toBeUndefined()
    }
    const m = shifted.summary.means
    const rm = set.means as { teacherForcing: number; offsetSweep: Record<string, number> }
    assertClose(m.teacherForcing!, rm.teacherForcing, TF_TOL)
    expect(m.teacherForcing!).toBeGreaterThan(3 * (real.means as { teacherForcing: number }).teacherForcing)
    for (const [k, v] of Object.entries(rm.offsetSweep)) assertClose(m.offsetSweep![k as '0']!, v, TF_TOL)
  })

  it('the plain form gives the same teacherForcing, and recomputes autoregressive without a cache', async () => {
    const plain = await analyse('checkpoints/final/model.plain.onnx', 'eval_data_from_train.json')
    const optimum = await analyse('checkpoints/final/model.onnx', 'eval_data_from_train.json', {
      measures: ['teacherForcing'],
    })
    const set = ref.results.final!['eval_data_from_train.json']!
    expect(plain.summary.model.form).toBe('plain')
    for (const s of set.samples) {
      const p = plain.results.find((x) => x.index === s.index)!
      const o = optimum.results.find((x) => x.index === s.index)!
      assertClose(
        p.teacherForcing!.tokenLosses,
        o.teacherForcing!.tokenLosses,
        TF_TOL,
        0,
        `sample ${s.index} plain vs optimum`,
      )
      assertClose(
        p.teacherForcing!.tokenLosses,
        s.teacherForcing.tokenLosses,
        TF_TOL,
        0,
        `sample ${s.index} plain`,
      )
      assertClose(p.keepLastMisaligned!.loss, s.keepLastMisaligned.loss, TF_TOL)
      expect(p.autoregressive!.usedKvCache).toBe(false)
      expect(p.autoregressive!.generatedIds).toEqual(s.autoregressive.generatedIds)
      assertClose(p.autoregressive!.stepLosses, s.autoregressive.stepLosses, AR_TOL)
      expect(p.kvCache).toBeUndefined()
    }
  })

  it('gives the same per-sample numbers with batch sizes 1, 4 and 7', async () => {
    const runs = await Promise.all(
      [1, 4, 7].map((batchSize) =>
        analyse('checkpoints/final/model.onnx', 'eval_data_from_train.json', {
          batchSize,
          measures: ['teacherForcing', 'offsetSweep', 'autoregressive'],
        }),
      ),
    )
    const [a, ...others] = runs.map((r) => r.results)
    for (const b of others) {
      let worst = 0
      a!.forEach((x, i) => {
        const y = b[i]!
        worst = Math.max(
          worst,
          maxAbsDiff(x.teacherForcing!.tokenLosses, y.teacherForcing!.tokenLosses),
          maxAbsDiff(Object.values(x.offsetSweep!), Object.values(y.offsetSweep!)),
          maxAbsDiff(x.autoregressive!.stepLosses, y.autoregressive!.stepLosses),
        )
      })
      expect(worst).toBeLessThan(1e-5)
    }
  })

  it(`compare (early as base, final as other) within ${TF_TOL}`, async () => {
    const { comparison, perSample } = await compareTokens({
      base: { modelPath: join(DEMO, 'checkpoints/early/model.onnx'), label: 'early' },
      other: { modelPath: join(DEMO, 'checkpoints/final/model.onnx'), label: 'final' },
      tokenizerPath: join(DEMO, 'tokenizer.json'),
      dataPath: join(DEMO, ref.compare.dataset as string),
      inputLength: 64,
      predictLength: 30,
      provider: 'cpu',
      threads: 2,
    })
    const c = ref.compare
    for (const k of ['meanKld', 'medianKld', 'p99Kld', 'maxKld', 'sameTop1', 'rmsDeltaP'] as const) {
      assertClose(comparison[k], c[k] as number, TF_TOL, 0, k)
    }
    expect(comparison.samples).toBe(c.samples)
    expect(comparison.tokens).toBe(c.tokens)
    for (const p of c.perSample) {
      const s = perSample.find((x) => x.index === p.index)!
      assertClose(
        [s.baseLoss, s.otherLoss, s.delta],
        [p.base, p.other, p.delta],
        TF_TOL,
        0,
        `sample ${p.index}`,
      )
    }
  })
})

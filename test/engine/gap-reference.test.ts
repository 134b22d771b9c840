/**
 * The whole-sample measures against the PyTorch reference (resources/demo/reference-gap.json, written by
 * tools/reference_gap.py from the .pth checkpoints the ONNX models were exported from): training-format
 * loss with both BOS conventions, uncut and cut; the rolling loss; the continuation's bits per byte and
 * its loss with and without a BOS; and the run's means, against the per-sample numbers they are made of.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Measure } from '../../src/shared/measures'
import {
  RunSummarySchema,
  SampleResultSchema,
  type BosMode,
  type RunSummary,
  type SampleResult,
} from '../../src/shared/results'
import type { RunEvent } from '../../src/shared/run-events'
import { runAnalysis } from '../../src/main/engine/index'
import { assertClose, maxAbsDiff } from '../helpers/assert-close'
import { DEMO, collect, fixture } from './fixtures'

interface RefWhole {
  index: number
  loss: number
  tokens: number
  bytes: number
  bitsPerByte: number
  positionLosses: number[]
  truncated?: boolean
  windows?: number
}
interface RefMeans {
  loss: number
  tokenWeighted: number
  bitsPerByte: number
  positions: number[]
}
interface RefSet {
  trainFormat: Record<string, { samples: RefWhole[]; means: RefMeans }>
  rolling: Record<string, { samples: RefWhole[]; means: RefMeans }>
  continuation: {
    inputLength: number
    predictLength: number
    samples: {
      index: number
      loss: number
      bytes: number
      bitsPerByte: number
      withBos: number
      withoutBos: number
    }[]
    means: { loss: number; bitsPerByte: number; withBos: number; withoutBos: number }
  }
}
interface Reference {
  settings: { maxSeqLens: number[]; rollingContexts: number[]; inputLength: number; predictLength: number }
  checkpoints: Record<string, string>
  datasets: string[]
  results: Record<string, Record<string, RefSet>>
}

const TOL = 1e-4
const ref = JSON.parse(readFileSync(fixture(join(DEMO, 'reference-gap.json')), 'utf8')) as Reference

async function analyse(
  checkpoint: string,
  data: string,
  bos: BosMode,
  maxSeqLen: number,
  measures: Measure[],
): Promise<{ results: SampleResult[]; summary: RunSummary }> {
  const events = await collect(
    runAnalysis({
      runId: 'gap',
      label: checkpoint,
      modelPath: join(DEMO, 'checkpoints', checkpoint, 'model.onnx'),
      tokenizerPath: join(DEMO, 'tokenizer.json'),
      dataPath: join(DEMO, data),
      settings: {
        inputLength: ref.settings.inputLength,
        predictLength: ref.settings.predictLength,
        measures,
        batchSize: 4,
        threads: 2,
        bos,
        maxSeqLen,
        provider: 'cpu',
      },
    }),
  )
  const end = events[events.length - 1]!
  if (end.type !== 'finished') throw new Error(`run did not finish: ${JSON.stringify(end)}`)
  const results = events
    .flatMap((e: RunEvent) => (e.type === 'sample' ? [e.result] : []))
    .sort((a, b) => a.index - b.index)
  for (const r of results) SampleResultSchema.parse(JSON.parse(JSON.stringify(r)))
  RunSummarySchema.parse(JSON.parse(JSON.stringify(end.summary)))
  return { results, summary: end.summary }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length

/** Per-sample numbers against the reference, and the invariants every whole-sample result keeps. */
function checkWhole(got: SampleResult[], key: 'trainFormat' | 'rolling', want: RefWhole[], what: string) {
  expect(got.map((r) => r.index)).toEqual(want.map((w) => w.index))
  const worst = Math.max(...got.map((r, i) => maxAbsDiff(r[key]!.positionLosses, want[i]!.positionLosses)))
  console.log(`${what}: ${key} per-position CE max |diff| ${worst.toExponential(2)}`)
  got.forEach((r, i) => {
    const g = r[key]!
    const w = want[i]!
    const at = `${what} #${r.index}`
    expect(g, at).toBeDefined()
    expect(g.tokens, at).toBe(w.tokens)
    expect(g.bytes, at).toBe(w.bytes)
    assertClose(g.loss, w.loss, TOL, 0, `${at} loss`)
    assertClose(g.bitsPerByte, w.bitsPerByte, TOL, 0, `${at} bitsPerByte`)
    assertClose(g.positionLosses, w.positionLosses, TOL, 0, `${at} positionLosses`)
    if (w.truncated !== undefined) expect(g.truncated, at).toBe(w.truncated)
    if (w.windows !== undefined) expect(g.windows, at).toBe(w.windows)
    // No pad token inside the demo's texts: every target counts, so the positions average to the loss,
    // and bits per byte is the same sum over bytes instead of tokens.
    expect(g.positionLosses.length, at).toBe(g.tokens)
    assertClose(mean(g.positionLosses), g.loss, 1e-12, 0, `${at} mean of positionLosses`)
    assertClose(g.bitsPerByte, (g.loss * g.tokens) / (Math.LN2 * g.bytes), 1e-12, 0, `${at} bits per byte`)
  })
}

/** The run's means: each the mean of the per-sample numbers it is made of, and close to the reference's. */
function checkMeans(
  summary: RunSummary,
  got: SampleResult[],
  key: 'trainFormat' | 'rolling',
  want: RefMeans,
  what: string,
) {
  const m = summary.means
  const whole = got.map((r) => r[key]!)
  const sumLoss = whole.reduce((a, w) => a + w.loss * w.tokens, 0)
  const sumTokens = whole.reduce((a, w) => a + w.tokens, 0)
  const sumBytes = whole.reduce((a, w) => a + w.bytes, 0)
  assertClose(m[key]!, mean(whole.map((w) => w.loss)), 1e-12, 0, `${what} mean`)
  assertClose(m[`${key}TokenWeighted`]!, sumLoss / sumTokens, 1e-12, 0, `${what} token-weighted`)
  assertClose(m[`${key}BitsPerByte`]!, sumLoss / (Math.LN2 * sumBytes), 1e-12, 0, `${what} bits per byte`)
  assertClose(m[key]!, want.loss, TOL, 0, `${what} mean vs reference`)
  assertClose(m[`${key}TokenWeighted`]!, want.tokenWeighted, TOL, 0, `${what} token-weighted vs reference`)
  assertClose(m[`${key}BitsPerByte`]!, want.bitsPerByte, TOL, 0, `${what} bits per byte vs reference`)
  // A token-weighted mean weights long samples more: it is not the plain mean unless lengths are equal.
  if (new Set(whole.map((w) => w.tokens)).size > 1) {
    expect(Math.abs(m[key]! - m[`${key}TokenWeighted`]!)).toBeGreaterThan(1e-9)
  }
  if (key === 'trainFormat') {
    const positions = m.trainFormatPositions!
    expect(positions.length).toBe(Math.max(...whole.map((w) => w.positionLosses.length)))
    for (const i of [0, positions.length - 1]) {
      const reaching = whole.filter((w) => w.positionLosses.length > i).map((w) => w.positionLosses[i]!)
      assertClose(positions[i]!, mean(reaching), 1e-12, 0, `${what} position ${i}`)
    }
    assertClose(positions, want.positions, TOL, 0, `${what} positions vs reference`)
  }
}

const cases = Object.keys(ref.checkpoints).flatMap((c) => ref.datasets.map((d) => [c, d] as const))

describe('whole-sample measures against the PyTorch reference', () => {
  it('covers both BOS conventions, a cut and an uncut max_seq_len, and several rolling windows', () => {
    expect(Object.keys(ref.checkpoints)).toEqual(['very-early', 'final'])
    expect(ref.settings.maxSeqLens).toEqual([512, 64])
    const set = ref.results['final']!['eval_heldout.json']!
    expect(set.trainFormat['no/64']!.samples.every((s) => s.truncated)).toBe(true)
    expect(set.trainFormat['no/512']!.samples.some((s) => s.truncated)).toBe(false)
    expect(Math.min(...set.rolling['64']!.samples.map((s) => s.windows!))).toBeGreaterThan(2)
  })

  describe.each(cases)('%s on %s', (checkpoint, data) => {
    const want = ref.results[checkpoint]![data]!

    it('trainFormat without BOS, uncut, with the continuation, its bits per byte and bosBoth', async () => {
      const { results, summary } = await analyse(checkpoint, data, 'no', 512, [
        'teacherForcing',
        'trainFormat',
        'bosBoth',
      ])
      expect(summary.bosUsed).toBe('no')
      checkWhole(results, 'trainFormat', want.trainFormat['no/512']!.samples, 'no/512')
      checkMeans(summary, results, 'trainFormat', want.trainFormat['no/512']!.means, 'no/512')
      const cont = want.continuation
      expect(results.map((r) => r.index)).toEqual(cont.samples.map((s) => s.index))
      results.forEach((r, i) => {
        const w = cont.samples[i]!
        const tf = r.teacherForcing!
        assertClose(tf.loss, w.loss, TOL, 0, `#${r.index} teacherForcing`)
        expect(tf.bytes).toBe(w.bytes)
        assertClose(tf.bitsPerByte!, w.bitsPerByte, TOL, 0, `#${r.index} teacherForcing bits per byte`)
        assertClose(r.bosBoth!.withBos, w.withBos, TOL, 0, `#${r.index} withBos`)
        assertClose(r.bosBoth!.withoutBos, w.withoutBos, TOL, 0, `#${r.index} withoutBos`)
        // Without a BOS, bosBoth's plain side is the continuation itself (another forward, same numbers).
        assertClose(r.bosBoth!.withoutBos, tf.loss, 1e-5, 0, `#${r.index} withoutBos = teacherForcing`)
      })
      assertClose(summary.means.teacherForcingBitsPerByte!, cont.means.bitsPerByte, TOL, 0, 'tf bpb mean')
      assertClose(summary.means.bosBothWithBos!, cont.means.withBos, TOL, 0, 'withBos mean')
      assertClose(summary.means.bosBothWithoutBos!, cont.means.withoutBos, TOL, 0, 'withoutBos mean')
      assertClose(
        summary.means.bosBothWithBos!,
        mean(results.map((r) => r.bosBoth!.withBos)),
        1e-12,
        0,
        'withBos = mean of samples',
      )
    })

    it('trainFormat without BOS cut to 64, and rolling in windows of 64', async () => {
      const { results, summary } = await analyse(checkpoint, data, 'no', 64, ['trainFormat', 'rolling'])
      checkWhole(results, 'trainFormat', want.trainFormat['no/64']!.samples, 'no/64')
      checkMeans(summary, results, 'trainFormat', want.trainFormat['no/64']!.means, 'no/64')
      checkWhole(results, 'rolling', want.rolling['64']!.samples, 'rolling/64')
      checkMeans(summary, results, 'rolling', want.rolling['64']!.means, 'rolling/64')
      for (const r of results) {
        // Cut to max_seq_len: 63 targets; rolling scores every token of the text once.
        expect(r.trainFormat!.tokens).toBe(63)
        expect(r.rolling!.tokens).toBe(r.tokens)
        expect(r.rolling!.windows).toBe(Math.ceil(r.tokens / 64))
      }
    })

    it.each([512, 64])('trainFormat as [bos] + text + [eos], max_seq_len %i', async (maxSeqLen) => {
      const { results, summary } = await analyse(checkpoint, data, 'yes', maxSeqLen, ['trainFormat'])
      expect(summary.bosUsed).toBe('yes')
      const key = `yes/${maxSeqLen}`
      checkWhole(results, 'trainFormat', want.trainFormat[key]!.samples, key)
      checkMeans(summary, results, 'trainFormat', want.trainFormat[key]!.means, key)
      // The EOS is a target but stands for no bytes of the text.
      // r.tokens counts the BOS the continuation would be fed with.
      for (const r of results) expect(r.trainFormat!.tokens).toBe(Math.min(r.tokens - 1, maxSeqLen - 2) + 1)
    })
  })
})

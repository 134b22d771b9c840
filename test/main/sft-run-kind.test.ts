/**
 * Telling an SFT run from a pretraining one by the dataset, one rule for the CLI and the engine, and
 * the run loops' shared progress events.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { isSftData } from '../../src/main/cli/analyze'
import { progressEvent, startedEvent } from '../../src/main/engine/run-events'

const dir = mkdtempSync(join(tmpdir(), 'losslens-sftkind-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const file = (name: string, text: string): string => {
  const p = join(dir, name)
  writeFileSync(p, text)
  return p
}
const conv = JSON.stringify({
  conversations: [
    { role: 'user', content: 'hi' },
    { role: 'assistant', content: 'yo' },
  ],
})

describe('isSftData (analyze: the engine rule, isSftDataset, before the flags are parsed)', () => {
  it('conversations rows are SFT, text rows are not', async () => {
    expect(await isSftData({ data: file('c.jsonl', `${conv}\n${conv}\n`) })).toBe(true)
    expect(await isSftData({ data: file('t.jsonl', '{"text": "a"}\n{"text": "b"}\n') })).toBe(false)
    expect(await isSftData({ data: file('c2.jsonl', `${conv}\n`), format: 'pretrain' })).toBe(false)
    expect(await isSftData({ format: 'sft' })).toBe(true)
  })

  it('a row with both keys is read as text, as the engine reads it (a first-row peek said SFT)', async () => {
    const both = JSON.stringify({ conversations: [{ role: 'user', content: 'q' }], text: 'plain text' })
    expect(await isSftData({ data: file('both.jsonl', `${both}\n${both}\n`) })).toBe(false)
  })

  it('a file mixing both kinds is left to the run (the engine refuses it with its row)', async () => {
    expect(await isSftData({ data: file('mixed.jsonl', `${conv}\n{"text": "t"}\n`) })).toBe(false)
  })

  it('a FIFO is not opened (opening one blocks until a writer comes)', async () => {
    const fifo = join(dir, 'pipe')
    try {
      execFileSync('mkfifo', [fifo])
    } catch {
      return // no mkfifo on this platform: nothing to block on
    }
    expect(await isSftData({ data: fifo })).toBe(false)
  })
})

describe('run events (both run loops build them here)', () => {
  it('progress: done, throughput and ETA from this call', () => {
    const e = progressEvent({
      runId: 'r',
      total: 100,
      alreadyDone: 20,
      doneNow: 30,
      tokens: 3000,
      scoringSeconds: 6,
    })
    // 30 samples in 6 s = 5/s; 50 left -> 10 s; 3000 tokens / 6 s = 500 tok/s.
    expect(e).toEqual({
      type: 'progress',
      runId: 'r',
      done: 50,
      total: 100,
      tokensPerSecond: 500,
      etaSeconds: 10,
    })
  })

  it('progress before any scoring time: no rate, no ETA', () => {
    const e = progressEvent({
      runId: 'r',
      total: 5,
      alreadyDone: 0,
      doneNow: 1,
      tokens: 0,
      scoringSeconds: 0,
    })
    expect(e).toMatchObject({ done: 1, tokensPerSecond: 0, etaSeconds: null })
  })

  it('started carries the counts, model and provider as given', () => {
    const model = { inputs: [] } as never
    const provider = { requested: 'auto' } as never
    expect(startedEvent({ runId: 'r', label: 'L', total: 9, alreadyDone: 2, model, provider })).toEqual({
      type: 'started',
      runId: 'r',
      label: 'L',
      total: 9,
      alreadyDone: 2,
      model,
      provider,
    })
  })
})

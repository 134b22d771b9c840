import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { checkDataConsistency } from '../../src/main/engine/evidence/data-consistency'

const dir = fs.mkdtempSync(join(os.tmpdir(), 'losslens-hash-'))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))
const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex')

describe('data check: SHA-256 of the training file', () => {
  const evalPath = join(dir, 'eval.json')
  fs.writeFileSync(evalPath, JSON.stringify([{ text: 'hello world' }, { text: 'not there' }]))

  it('is taken in the same pass over a JSONL file, chunk by chunk', async () => {
    const train = join(dir, 'train.jsonl')
    const rows = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ text: `row ${i} hello world` }))
    fs.writeFileSync(train, '\uFEFF' + rows.join('\r\n') + '\n')
    const r = await checkDataConsistency(evalPath, train, { chunkBytes: 4096 })
    expect(r.foundSubstring).toBe(1)
    expect(r.trainSha256).toBe(sha(train))
  })

  it('covers a training file given as a JSON array', async () => {
    const train = join(dir, 'train.json')
    fs.writeFileSync(train, JSON.stringify([{ text: 'hello world' }]))
    const r = await checkDataConsistency(evalPath, train)
    expect(r.found).toBe(1)
    expect(r.trainSha256).toBe(sha(train))
  })
})

import { describe, expect, it } from 'vitest'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  checkDataConsistency,
  findSamplesInTraining,
  normalizeWhitespace,
} from '../../src/main/engine/evidence/data-consistency'
import { forEachLine } from '../../src/main/engine/evidence/line-stream'
import { drawEvalRows, mulberry32, writeEvalSet } from '../../src/main/engine/evidence/make-eval'
import { renderConversation } from '../../src/main/engine/dataset'

async function tmp(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'losslens-evidence-'))
}

const jsonl = (rows: unknown[]) =>
  rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n'

describe('forEachLine', () => {
  it('splits lines across chunk boundaries, with CRLF, BOM, multi-byte text and no final newline', async () => {
    const dir = await tmp()
    const file = join(dir, 'lines.txt')
    const lines = ['\uFEFFfirst', '中文行，跨越块边界', '', 'third\r', 'x'.repeat(50), 'last without newline']
    await writeFile(file, lines.join('\n'))
    for (const chunkBytes of [1, 3, 7, 64, 1 << 20]) {
      const seen: Array<[string, number]> = []
      const { lines: count } = await forEachLine(file, (t, n) => seen.push([t, n]), { chunkBytes })
      expect(count, `chunk ${chunkBytes}`).toBe(6)
      expect(seen.map(([t]) => t)).toEqual([
        'first',
        '中文行，跨越块边界',
        '',
        'third',
        'x'.repeat(50),
        'last without newline',
      ])
      expect(seen.map(([, n]) => n)).toEqual([1, 2, 3, 4, 5, 6])
    }
  })

  it('reports progress up to the file size and stops when aborted', async () => {
    const dir = await tmp()
    const file = join(dir, 'big.txt')
    await writeFile(file, 'line\n'.repeat(10_000))
    const progress: number[] = []
    await forEachLine(file, () => {}, {
      chunkBytes: 4096,
      onProgress: (read, total) => progress.push(read / total),
    })
    expect(progress.at(-1)).toBe(1)
    expect(progress.length).toBeGreaterThan(10)

    const controller = new AbortController()
    let seen = 0
    const pass = forEachLine(
      file,
      () => {
        if (++seen === 100) controller.abort()
      },
      { chunkBytes: 4096, signal: controller.signal },
    )
    await expect(pass).rejects.toThrow(/abort/i)
    expect(seen).toBeLessThan(10_000)
  })
})

describe('findSamplesInTraining', () => {
  it('tells exact, whitespace-normalised and substring occurrences apart, and lists the rest', async () => {
    const dir = await tmp()
    const train = join(dir, 'train.jsonl')
    const chat = [
      { role: 'user', content: '你好' },
      { role: 'assistant', content: '你好，我是 MiniMind。' },
    ]
    await writeFile(
      train,
      jsonl([
        { text: '<|im_start|>鉴别一组中文文章的风格和特点<|im_end|>' },
        { text: 'Spaces   and\ttabs\nand newlines' },
        'this line is not JSON',
        { conversations: chat },
        '',
        { other: 'no text field' },
        { text: 'prefix. The quick brown fox jumps over the lazy dog. suffix' },
      ]),
    )
    const samples = [
      '<|im_start|>鉴别一组中文文章的风格和特点<|im_end|>', // exact
      'Spaces and tabs and newlines', // after normalisation
      'The quick brown fox jumps over the lazy dog.', // inside a row
      'brown', // short: inside a row
      'not in the training data at all', // missing
      renderConversation(chat), // an SFT row, rendered the same way
    ].map((text, index) => ({ index, text }))
    const report = await findSamplesInTraining(samples, train, 'eval.json')
    expect(report).toMatchObject({
      total: 6,
      found: 2,
      foundNormalized: 3,
      foundSubstring: 5,
      trainRows: 4,
      malformedCount: 2,
      malformedLines: [3, 6],
      notFound: [{ index: 4, preview: 'not in the training data at all' }],
    })
    expect(report.bytesScanned).toBe((await readFile(train)).length)
  })

  it('agrees with a naive search on random data, whatever the chunking', async () => {
    // Reference: for each sample, the strongest of exact / normalised / substring, by brute force.
    const random = mulberry32(7)
    const word = () => ['alpha', 'beta', '中文', 'gamma', 'δ', 'x', 'yy'][Math.floor(random() * 7)]!
    const sentence = (n: number) =>
      Array.from({ length: n }, word).join(random() < 0.3 ? '  ' : ' ') + (random() < 0.2 ? '\n' : '')
    const rows = Array.from({ length: 300 }, () => sentence(3 + Math.floor(random() * 40)))
    const evalTexts = Array.from({ length: 60 }, (_, i) => {
      const row = rows[Math.floor(random() * rows.length)]!
      if (i % 4 === 0) return row // exact
      if (i % 4 === 1) return ` ${row.replace(/ /g, '\t')} ` // normalised
      if (i % 4 === 2) return row.slice(Math.floor(row.length / 3), Math.floor((2 * row.length) / 3)) // substring-ish
      return sentence(6) // probably absent
    })
    const naive = evalTexts.map((t) => {
      if (rows.includes(t)) return 3
      const n = normalizeWhitespace(t)
      const normRows = rows.map(normalizeWhitespace)
      if (normRows.includes(n)) return 2
      return normRows.some((r) => r.includes(n)) ? 1 : 0
    })
    const dir = await tmp()
    const train = join(dir, 'train.jsonl')
    await writeFile(train, jsonl(rows.map((text) => ({ text }))))
    const samples = evalTexts.map((text, index) => ({ index, text }))
    for (const chunkBytes of [97, 1 << 20]) {
      const report = await findSamplesInTraining(samples, train, 'eval', { chunkBytes })
      expect(report.found).toBe(naive.filter((s) => s >= 3).length)
      expect(report.foundNormalized).toBe(naive.filter((s) => s >= 2).length)
      expect(report.foundSubstring).toBe(naive.filter((s) => s >= 1).length)
      expect(report.notFound.map((n) => n.index)).toEqual(naive.flatMap((s, i) => (s === 0 ? [i] : [])))
    }
    // The random data must exercise every level for the comparison to mean something.
    expect(new Set(naive)).toEqual(new Set([0, 1, 2, 3]))
  })

  it('accepts training data given as a JSON array (an eval-style file)', async () => {
    const dir = await tmp()
    const train = join(dir, 'train.json')
    await writeFile(train, JSON.stringify([{ text: 'one row' }, { text: 'another  row' }], null, 2))
    const report = await findSamplesInTraining(
      [
        { index: 0, text: 'another row' },
        { index: 1, text: 'missing' },
      ],
      train,
      'eval',
    )
    expect(report).toMatchObject({
      found: 0,
      foundNormalized: 1,
      foundSubstring: 1,
      trainRows: 2,
      malformedCount: 0,
    })
  })

  it('reads the eval file with readSamples and names a missing training file', async () => {
    const dir = await tmp()
    const evalPath = join(dir, 'eval.json')
    await writeFile(evalPath, JSON.stringify([{ text: 'a' }]))
    await expect(checkDataConsistency(evalPath, join(dir, 'missing.jsonl'))).rejects.toThrow(
      /missing\.jsonl: file not found/,
    )
  })
})

describe('make eval set', () => {
  // 100 lines, line i is {"text": "row i 中文"}, every 25th line malformed.
  const trainRows = Array.from({ length: 100 }, (_, k) =>
    (k + 1) % 25 === 0 ? 'not json' : JSON.stringify({ text: `row ${k + 1} 中文` }),
  )

  it('mulberry32 gives the reference sequence', () => {
    // From a Python port of mulberry32 (imul as (x * y) & 0xffffffff).
    const r = mulberry32(42)
    expect([r(), r(), r()]).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099])
  })

  it('draws the rows a Python reservoir sampler with the same PRNG draws, written like json.dumps', async () => {
    const dir = await tmp()
    const train = join(dir, 'train.jsonl')
    await writeFile(train, trainRows.join('\n') + '\n')
    const out = join(dir, 'eval.json')
    const result = await writeEvalSet(train, out, { count: 5, seed: 42 })
    // Python: Algorithm R over the valid rows with mulberry32(42), sorted by line:
    expect(result.rows.map((r) => r.line)).toEqual([20, 36, 44, 58, 69])
    expect([result.population, result.malformedCount]).toEqual([96, 4])
    // json.dumps(rows, ensure_ascii=False, indent=2)
    const python = `[\n  {\n    "text": "row 20 中文"\n  },\n  {\n    "text": "row 36 中文"\n  },\n  {\n    "text": "row 44 中文"\n  },\n  {\n    "text": "row 58 中文"\n  },\n  {\n    "text": "row 69 中文"\n  }\n]`
    expect((await readFile(out, 'utf8')).trimEnd()).toBe(python)
  })

  it('is reproducible per seed and close to uniform across seeds', async () => {
    const dir = await tmp()
    const train = join(dir, 'train.jsonl')
    await writeFile(train, trainRows.join('\n'))
    const a = await drawEvalRows(train, { count: 10, seed: 1 })
    const b = await drawEvalRows(train, { count: 10, seed: 1 })
    const c = await drawEvalRows(train, { count: 10, seed: 2 })
    expect(a.rows).toEqual(b.rows)
    expect(a.rows).not.toEqual(c.rows)
    // Each of the 96 rows should be drawn with probability 10/96; over 400 seeds about 41.7 times.
    const hits = new Map<number, number>()
    for (let seed = 0; seed < 400; seed++) {
      for (const r of (await drawEvalRows(train, { count: 10, seed })).rows)
        hits.set(r.line, (hits.get(r.line) ?? 0) + 1)
    }
    expect(hits.size).toBe(96)
    for (const n of hits.values()) expect(n).toBeGreaterThan(15)
    expect(Math.max(...hits.values())).toBeLessThan(75)
  })

  it('returns every row when asked for more than there are', async () => {
    const dir = await tmp()
    const train = join(dir, 'train.jsonl')
    await writeFile(train, jsonl([{ text: 'a' }, { conversations: [{ role: 'user', content: 'b' }] }]))
    const draw = await drawEvalRows(train, { count: 5, seed: 3 })
    expect(draw.rows.map((r) => r.row)).toEqual([
      { text: 'a' },
      { conversations: [{ role: 'user', content: 'b' }] },
    ])
  })
})

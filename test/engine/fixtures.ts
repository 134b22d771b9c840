/**
 * Test fixtures built at run time: a word-level tokenizer for the tiny random GPT-2 (vocab 1000; its
 * own tokenizer.json has 50257+ ids and is refused), datasets, and the bundled demo's paths.
 */
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { RunEvent } from '../../src/shared/run-events'

export const REPO = resolve(__dirname, '../..')
/** ../shared beside the checkout (CI lays a copy there too). */
export const SHARED = resolve(REPO, '../shared')
export const TINY_DIR = join(SHARED, 'models/tiny-random-gpt2-fp32')
export const TINY_MODEL = join(TINY_DIR, 'past.onnx')
export const TINY_TOKENIZER = join(TINY_DIR, 'tokenizer.json')
export const MINIMIND3_TOKENIZER = join(SHARED, 'minimind/minimind3/tokenizer.json')
export const DEMO = join(REPO, 'resources/demo')
export const hasTiny = existsSync(TINY_MODEL)
export const hasDemo =
  existsSync(join(DEMO, 'reference.json')) && existsSync(join(DEMO, 'checkpoints/final/model.onnx'))

export function tmpDir(prefix = 'losslens-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/**
 * A WordPiece tokenizer.json over "w1" .. "w{size-1}" (id = number, "[UNK]" = 0): by default it fits
 * the tiny GPT-2's 1000 logits.
 */
export function writeWordTokenizer(dir: string, size = 1000): string {
  const vocab: Record<string, number> = { '[UNK]': 0 }
  for (let i = 1; i < size; i++) vocab[`w${i}`] = i
  const json = {
    version: '1.0',
    added_tokens: [
      {
        id: 0,
        content: '[UNK]',
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      },
    ],
    normalizer: null,
    pre_tokenizer: { type: 'WhitespaceSplit' },
    post_processor: null,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab,
    },
  }
  const file = join(dir, 'tokenizer.json')
  writeFileSync(file, JSON.stringify(json))
  return file
}

/** Deterministic pseudo-text of n words for sample k, words "w1" .. "w{size-1}". */
export function words(n: number, k: number, size = 1000): string {
  return Array.from(
    { length: n },
    (_, i) => `w${1 + ((i * 37 + k * 101 + ((i * k) % 7)) % (size - 1))}`,
  ).join(' ')
}

/** A JSONL dataset with samples of the given word counts (words fitting a vocabulary of `size`). */
export function writeDataset(dir: string, lengths: number[], name = 'eval.jsonl', size = 1000): string {
  const file = join(dir, name)
  writeFileSync(file, lengths.map((n, k) => JSON.stringify({ text: words(n, k, size) })).join('\n') + '\n')
  return file
}

export async function collect<T>(iter: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of iter) out.push(x)
  return out
}

export function terminal(events: RunEvent[]): RunEvent {
  return events[events.length - 1]!
}

/**
 * Test fixtures: the committed files in test/fixtures and resources/demo (a missing one fails the
 * suite with its path, never skips it), and what is built at run time: a word-level tokenizer for the
 * tiny random GPT-2 (vocab 1000; its own tokenizer.json has 50,295 ids and is refused), datasets.
 */
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { RunEvent } from '../../src/shared/run-events'

export const REPO = resolve(__dirname, '../..')
export const FIXTURES = join(REPO, 'test/fixtures')
export const DEMO = join(REPO, 'resources/demo')

/** A file the tests need from the repository; a missing one fails the suite that asks, naming it. */
export function fixture(path: string): string {
  if (!existsSync(path)) {
    throw new Error(
      `test fixture missing: ${path} (it is committed to the repository; is the checkout complete?)`,
    )
  }
  return path
}

/** onnxruntime-genai's test GPT-2 (test/fixtures/tiny-random-gpt2-fp32/README.md). */
export const TINY_MODEL = fixture(join(FIXTURES, 'tiny-random-gpt2-fp32/past.onnx'))
export const TINY_TOKENIZER = fixture(join(FIXTURES, 'tiny-random-gpt2-fp32/tokenizer.json'))
/** MiniMind2's tokenizer, the one the demo ships. */
export const MINIMIND2_TOKENIZER = fixture(join(DEMO, 'tokenizer.json'))
/** MiniMind's 2026 tokenizer: same size, other ids (test/fixtures/minimind3/README.md). */
export const MINIMIND3_TOKENIZER = fixture(join(FIXTURES, 'minimind3/tokenizer.json'))
fixture(join(DEMO, 'reference.json'))
fixture(join(DEMO, 'checkpoints/final/model.onnx'))
fixture(join(DEMO, 'checkpoints/early/model.onnx'))

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

/** tokenizer.json through @huggingface/tokenizers: nothing added for MiniMind, BOS on request, sizes. */
import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { InputError } from '../../src/main/engine/errors'
import { TextTokenizer } from '../../src/main/engine/tokenizer'
import {
  MINIMIND2_TOKENIZER,
  MINIMIND3_TOKENIZER,
  TINY_MODEL,
  TINY_TOKENIZER,
  tmpDir,
  writeWordTokenizer,
} from './fixtures'

describe('TextTokenizer', () => {
  it('encodes MiniMind text without adding special tokens, and prepends BOS only on request', async () => {
    const tok = await TextTokenizer.load(MINIMIND2_TOKENIZER)
    expect(tok.size).toBe(6400)
    expect(tok.bosId).toBe(1)
    const ids = tok.encode('Hello world, 你好')
    expect(ids).not.toContain(1)
    expect(ids).not.toContain(2)
    expect(tok.decode(ids)).toBe('Hello world, 你好')
    expect(tok.encode('Hello world, 你好', true)).toEqual([1, ...ids])
    // Special tokens in the text are matched as such, so bos + text encodes like "<|im_start|>" + text.
    expect(tok.encode('<|im_start|>Hello world, 你好')).toEqual([1, ...ids])
  })

  it('counts added tokens in its size and checks it against the logits dimension', async () => {
    const gpt2 = await TextTokenizer.load(TINY_TOKENIZER)
    expect(gpt2.size).toBe(50295)
    expect(() => gpt2.checkFits(1000, 'm.onnx')).toThrow(InputError)
    expect(() => gpt2.checkFits(1000, 'm.onnx')).toThrow(/50295 ids but the model m\.onnx has 1000 logits/)
    expect(() => gpt2.checkFits(50295, 'm.onnx')).not.toThrow()
    // The 2026 MiniMind tokenizer has the same size but other ids: size alone cannot tell them apart.
    expect((await TextTokenizer.load(MINIMIND3_TOKENIZER)).size).toBe(6400)
  })

  it('refuses --add-bos without a bos_token, and names missing or broken files', async () => {
    const dir = tmpDir()
    const words = await TextTokenizer.load(writeWordTokenizer(dir))
    expect(words.bosId).toBeNull()
    expect(() => words.encode('w1', true)).toThrow(/no bos_token/)
    await expect(TextTokenizer.load(join(dir, 'none.json'))).rejects.toThrow(
      `${join(dir, 'none.json')}: file not found`,
    )
    const notJson = join(dir, 'broken.json')
    copyFileSync(TINY_MODEL, notJson)
    await expect(TextTokenizer.load(notJson)).rejects.toThrow(/broken\.json: not valid JSON/)
  })
})

/**
 * The pieces of the whole-sample measures that need no model: lm-evaluation-harness's rolling windows,
 * MiniMind's training-format encodings, the bytes a token stands for, the bos setting read from old
 * files, and the CLI's flags for them.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RunSettingsSchema } from '../../src/shared/results'
import { formatSettings } from '../../src/main/cli/args'
import { UsageError } from '../../src/main/engine/errors'
import { parseTrainLog } from '../../src/main/engine/evidence/train-log'
import { TextTokenizer } from '../../src/main/engine/tokenizer'
import { rollingWindows, trainFormatInput, type TokenInfo } from '../../src/main/engine/whole-sample'
import { DEMO, MINIMIND2_TOKENIZER, TINY_TOKENIZER } from './fixtures'

const range = (n: number) => Array.from({ length: n }, (_, i) => 100 + i)

describe('rolling windows (lm-evaluation-harness, context_len = 1)', () => {
  it('scores every token once: the first window after the prefix, later ones with a full context', () => {
    const tokens = range(10)
    const w = rollingWindows(tokens, 7, 4)
    expect(w).toEqual([
      { seq: [7, 100, 101, 102, 103], scored: 4 },
      { seq: [103, 104, 105, 106, 107], scored: 4 },
      // The last window scores 2 tokens but is still fed the 4 before them.
      { seq: [105, 106, 107, 108, 109], scored: 2 },
    ])
    const scored = w.flatMap((x) => x.seq.slice(x.seq.length - x.scored))
    expect(scored).toEqual(tokens)
    for (const x of w) expect(x.seq.length).toBeLessThanOrEqual(4 + 1)
  })

  it('is one window for a text within the context, and none for an empty one', () => {
    expect(rollingWindows(range(3), 7, 4)).toEqual([{ seq: [7, 100, 101, 102], scored: 3 }])
    expect(rollingWindows(range(4), 7, 4)).toEqual([{ seq: [7, 100, 101, 102, 103], scored: 4 }])
    expect(rollingWindows([], 7, 4)).toEqual([])
    expect(rollingWindows(range(5), 7, 4).map((x) => x.scored)).toEqual([4, 1])
  })
})

describe('training-format encoding', () => {
  // Two bytes per token, pad = 0, bos = 1, eos = 2.
  const tok: TokenInfo = { bosId: 1, eosId: 2, padId: 0, tokenBytes: (ids) => 2 * ids.length }

  it('is the text cut to max_seq_len without BOS (MiniMind2 29454c3); targets from the second token', () => {
    const x = trainFormatInput(range(10), false, 6, tok)
    expect(x.seq).toEqual(range(6))
    expect(x.counted).toEqual([true, true, true, true, true])
    expect(x.bytes).toBe(10)
    expect(x.truncated).toBe(true)
    expect(trainFormatInput(range(6), false, 6, tok).truncated).toBe(false)
  })

  it('is [bos] + text[:max_seq_len - 2] + [eos] with BOS (2026); the EOS counts as a target, not as bytes', () => {
    const x = trainFormatInput(range(10), true, 6, tok)
    expect(x.seq).toEqual([1, 100, 101, 102, 103, 2])
    expect(x.counted).toEqual([true, true, true, true, true])
    expect(x.bytes).toBe(8)
    expect(x.truncated).toBe(true)
    const short = trainFormatInput(range(4), true, 6, tok)
    expect(short.seq).toEqual([1, 100, 101, 102, 103, 2])
    expect(short.truncated).toBe(false)
  })

  it('masks a pad token inside the text as the trainer does (it cannot tell it from padding)', () => {
    const x = trainFormatInput([100, 0, 101], false, 512, tok)
    expect(x.counted).toEqual([false, true])
    expect(x.bytes).toBe(2)
  })

  it('needs both BOS and EOS to wrap', () => {
    expect(() => trainFormatInput(range(3), true, 8, { ...tok, eosId: null })).toThrow(
      /bos_token and eos_token/,
    )
  })
})

describe('bytes a token stands for', () => {
  it("sums to each text's UTF-8 length with the byte-level MiniMind tokenizer, Chinese included", async () => {
    const t = await TextTokenizer.load(MINIMIND2_TOKENIZER)
    expect([t.bosId, t.eosId, t.padId, t.addsBos]).toEqual([1, 2, 0, false])
    const texts = [
      ...(JSON.parse(readFileSync(join(DEMO, 'eval_heldout.json'), 'utf8')) as { text: string }[]).map(
        (r) => r.text,
      ),
      '训练和推理的损失差距，为什么？',
      'emoji 🙂 and <|im_end|> inside',
    ]
    for (const text of texts) {
      const ids = t.encode(text)
      expect(t.tokenBytes(ids)).toBe(Buffer.byteLength(text, 'utf8'))
    }
    // A Chinese character split into byte tokens: each piece counts its own bytes, not a U+FFFD.
    const pieces = t.encode('龘')
    expect(t.tokenBytes(pieces)).toBe(3)
    expect(pieces.map((id) => t.tokenBytes([id])).reduce((a, b) => a + b, 0)).toBe(3)
  })

  it('also for GPT-2 byte-level tokens', async () => {
    const t = await TextTokenizer.load(TINY_TOKENIZER)
    const text = 'Hello wörld, ça va? 你好'
    expect(t.tokenBytes(t.encode(text))).toBe(Buffer.byteLength(text, 'utf8'))
  })
})

describe('the bos setting', () => {
  const base = {
    inputLength: 64,
    predictLength: 30,
    measures: ['teacherForcing'],
    batchSize: 1,
    threads: 0,
    provider: 'auto',
  }

  it('reads addBos from files written before it existed, and drops it', () => {
    expect(RunSettingsSchema.parse({ ...base, addBos: true })).toEqual({ ...base, bos: 'yes' })
    expect(RunSettingsSchema.parse({ ...base, addBos: false })).toEqual({ ...base, bos: 'no' })
    // Old settings merged over new defaults: the old file's choice is the one meant.
    expect(RunSettingsSchema.parse({ ...base, bos: 'auto', addBos: false }).bos).toBe('no')
    expect(RunSettingsSchema.parse({ ...base, bos: 'auto', maxSeqLen: 64 })).toEqual({
      ...base,
      bos: 'auto',
      maxSeqLen: 64,
    })
    expect(RunSettingsSchema.safeParse({ ...base, bos: 'maybe' }).success).toBe(false)
    expect(RunSettingsSchema.safeParse({ ...base, maxSeqLen: 1 }).success).toBe(false)
  })

  it('takes --bos, --add-bos as --bos yes, --max-seq-len and --format from the command line', () => {
    expect(formatSettings({})).toEqual({})
    expect(formatSettings({ bos: 'no', 'max-seq-len': '64', format: 'pretrain' })).toEqual({
      bos: 'no',
      maxSeqLen: 64,
      format: 'pretrain',
    })
    expect(formatSettings({ 'add-bos': true })).toEqual({ bos: 'yes' })
    expect(formatSettings({ 'add-bos': true, bos: 'yes' })).toEqual({ bos: 'yes' })
    expect(() => formatSettings({ 'add-bos': true, bos: 'no' })).toThrow(UsageError)
    expect(() => formatSettings({ bos: 'true' })).toThrow(/--bos must be one of auto, yes, no, got "true"/)
    expect(() => formatSettings({ format: 'chat' })).toThrow(/--format must be one of auto, pretrain, sft/)
    expect(() => formatSettings({ 'max-seq-len': '1' })).toThrow(/--max-seq-len must be an integer from 2/)
  })
})

describe("max_seq_len from a training log's header", () => {
  const line = 'Epoch:[1/1](100/200) loss:3.512 lr:0.000549000000 epoch_Time:85.0min:'

  it('reads an argparse Namespace or a JSON arguments line before the first loss line', () => {
    const ns = "Namespace(out_dir='../out', epochs=1, batch_size=32, max_seq_len=340, use_moe=False)"
    expect(parseTrainLog(`${ns}\n${line}\n`, 'train.log').maxSeqLen).toBe(340)
    const json = 'training arguments: {"epochs": 2, "max_length": 1024, "learning_rate": 0.0005}'
    expect(parseTrainLog(`${json}\n${line}\n`, 'train.log').maxSeqLen).toBe(1024)
    expect(parseTrainLog(`args: --max_seq_len 768\n${line}\n`, 'train.log').maxSeqLen).toBe(768)
  })

  it('is absent when no header states it, and never taken from after the first loss line', () => {
    expect(parseTrainLog(`${line}\n`, 'train.log').maxSeqLen).toBeUndefined()
    expect(parseTrainLog(`${line}\nmax_seq_len=99\n`, 'train.log').maxSeqLen).toBeUndefined()
    const demo = readFileSync(join(DEMO, 'train.log'), 'utf8')
    expect(parseTrainLog(demo, 'train.log').maxSeqLen).toBeUndefined()
  })
})

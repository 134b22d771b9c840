/**
 * Chat-template rendering (src/main/engine/sft/chat-template.ts, @huggingface/jinja) against the same
 * template rendered by Python's jinja2 as transformers does (tools/reference_sft.py ->
 * resources/demo/reference-sft.json `renderings`): every eval_sft.json conversation and hand-made ones
 * (system turn, several turns, roles out of parity order), under both role conventions. Also the
 * dataset format rules (dataset.ts) and MiniMind's loss mask on one templated conversation, token by token.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { isSftDataset, parseSamples, type ChatTurn } from '../../src/main/engine/dataset'
import { ChatTemplate } from '../../src/main/engine/sft/chat-template'
import { minimindLossMask, sftLayout } from '../../src/main/engine/sft/sft-mask'
import { TextTokenizer } from '../../src/main/engine/tokenizer'
import { DEMO, MINIMIND3_TOKENIZER, fixture } from './fixtures'

interface Rendering {
  conversation: ChatTurn[]
  parity: string
  asWritten: string
}
interface RefSample {
  index: number
  text: string
  ids: number[]
  mask: number[]
  sft: { maskedPositions: number[] }
}
const ref = JSON.parse(readFileSync(fixture(join(DEMO, 'reference-sft.json')), 'utf8')) as {
  samples: RefSample[]
  renderings: Rendering[]
  renderings2026: { conversation: ChatTurn[]; asWritten: string; ids: number[]; mask: number[] }[]
}
const CONFIG = join(DEMO, 'tokenizer_config.json')
const config = JSON.parse(readFileSync(CONFIG, 'utf8')) as Record<string, unknown>

describe('chat template', () => {
  const template = ChatTemplate.fromConfig(config, CONFIG)

  it('renders every conversation as jinja2 does, roles by parity and as written', () => {
    expect(ref.renderings.length).toBeGreaterThanOrEqual(24)
    for (const r of ref.renderings) {
      expect(template.render(r.conversation, 'parity')).toBe(r.parity)
      expect(template.render(r.conversation, 'asWritten')).toBe(r.asWritten)
    }
    // The hand-made ones include conversations where the two conventions give different text.
    expect(ref.renderings.filter((r) => r.parity !== r.asWritten).length).toBeGreaterThanOrEqual(2)
  })

  it('writes the default system prompt, and a given system turn instead of it', () => {
    const plain = template.render(
      [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'a' },
      ],
      'parity',
    )
    expect(plain).toBe(
      '<|im_start|>system\nYou are a helpful assistant<|im_end|>\n<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\na<|im_end|>\n',
    )
    const sys = template.render(
      [
        { role: 'system', content: 'S' },
        { role: 'user', content: 'q' },
      ],
      'asWritten',
    )
    expect(sys).toBe(
      '<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n',
    )
  })

  it('auto picks parity for MiniMind2 and as-written for a template that handles tool roles', () => {
    expect(template.resolveRoles('auto')).toBe('parity')
    expect(template.resolveRoles(undefined)).toBe('parity')
    expect(template.resolveRoles('asWritten')).toBe('asWritten')
    const tools = ChatTemplate.fromConfig(
      {
        chat_template:
          "{% for m in messages %}{% if m['role'] == 'tool' %}<tool>{{ m['content'] }}</tool>{% else %}{{ m['role'] }}:{{ m['content'] }}\n{% endif %}{% endfor %}",
      },
      'tool_config.json',
    )
    expect(tools.resolveRoles('auto')).toBe('asWritten')
    expect(tools.render([{ role: 'tool', content: 'x' }], 'asWritten')).toBe('<tool>x</tool>')
  })

  it("MiniMind's 2026 template (think blocks, tool turns): auto keeps roles as written; text, ids and mask as Python's", async () => {
    const path = fixture(MINIMIND3_TOKENIZER)
    const t26 = await ChatTemplate.load(path)
    expect(t26.resolveRoles('auto')).toBe('asWritten')
    const tok = await TextTokenizer.load(path)
    const bos = tok.encode('<|im_start|>assistant')
    const eos = tok.encode('<|im_end|>')
    expect(ref.renderings2026.length).toBeGreaterThanOrEqual(8)
    for (const r of ref.renderings2026) {
      const text = t26.render(r.conversation, 'asWritten')
      expect(text).toBe(r.asWritten)
      const ids = tok.encode(text)
      expect(ids).toEqual(r.ids)
      expect(minimindLossMask(ids, bos, eos, Math.max(512, ids.length))).toEqual(r.mask)
    }
  })

  it('refuses a config without a chat template and a turn without a role kept as written, naming the file', () => {
    expect(() => ChatTemplate.fromConfig({}, '/x/tokenizer_config.json')).toThrow(
      /^\/x\/tokenizer_config\.json: has no chat_template/,
    )
    expect(() => template.render([{ content: 'q' }], 'asWritten', 'row 4', '/d/sft.jsonl')).toThrow(
      /^\/d\/sft\.jsonl: row 4: conversations\[0\] has no "role"/,
    )
  })
})

describe('dataset format', () => {
  const conv = '{"conversations": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}'
  it('auto: conversations rows are SFT, text rows pretrain; a mixed file is refused naming the row', () => {
    expect(isSftDataset(parseSamples(`${conv}\n${conv}\n`, 'f.jsonl'), 'auto', 'f.jsonl')).toBe(true)
    expect(isSftDataset(parseSamples('[{"text": "a"}]', 'f.json'), 'auto', 'f.json')).toBe(false)
    expect(isSftDataset(parseSamples(`${conv}\n`, 'f.jsonl'), 'pretrain', 'f.jsonl')).toBe(false)
    expect(() =>
      isSftDataset(parseSamples(`${conv}\n{"text": "t"}\n`, 'f.jsonl'), 'auto', 'f.jsonl'),
    ).toThrow(/^f\.jsonl: row 2: expected \{"conversations"/)
    expect(() => isSftDataset(parseSamples(`{"text": "t"}\n`, 'f.jsonl'), 'sft', 'f.jsonl')).toThrow(
      /^f\.jsonl: row 1: expected \{"conversations"/,
    )
    expect(() => parseSamples('{"conversations": [{"role": 3, "content": "q"}]}\n', 'f.jsonl')).toThrow(
      /^f\.jsonl: line 1: conversations\[0\] has a "role" that is not a string$/,
    )
  })
})

describe('MiniMind loss mask', () => {
  it('marks each reply, its <|im_end|> and the \\n after it, token by token, on the first conversation', async () => {
    const tok = await TextTokenizer.load(join(DEMO, 'tokenizer.json'))
    const template = ChatTemplate.fromConfig(config, CONFIG)
    const sample = ref.samples[0]!
    const text = template.render(
      (JSON.parse(readFileSync(join(DEMO, 'eval_sft.json'), 'utf8')) as { conversations: ChatTurn[] }[])[0]!
        .conversations,
      'parity',
    )
    expect(text).toBe(sample.text)
    const ids = tok.encode(text)
    expect(ids).toEqual(sample.ids)
    const layout = sftLayout(ids, tok.encode('<|im_start|>assistant'), tok.encode('<|im_end|>'), 512, 0)
    expect(layout.positions).toEqual(sample.sft.maskedPositions)
    const mask = minimindLossMask(ids, tok.encode('<|im_start|>assistant'), tok.encode('<|im_end|>'), 512)
    expect(mask).toEqual(sample.mask)
    // Token by token: what each position is and whether it counts.
    const header = ids.lastIndexOf(1) // the last <|im_start|>: "<|im_start|>assistant\n"
    expect(tok.decode(ids.slice(header, layout.positions[0]))).toBe('<|im_start|>assistant\n')
    for (let p = 0; p < ids.length; p++) {
      const counts = p >= layout.positions[0]!
      expect(mask[p], `position ${p} (${JSON.stringify(tok.decode([ids[p]!]))})`).toBe(counts ? 1 : 0)
    }
    expect(tok.decode(ids.slice(layout.positions[0]))).toBe(
      'Return the width of the turtle window.<|im_end|>\n',
    )
    expect(ids.slice(-2)).toEqual([2, 201]) // <|im_end|>, "\n": both counted
    expect(layout.firstReply).toEqual({ start: layout.positions[0], length: layout.positions.length })
  })

  it('a reply cut by max_seq_len runs its mask into the padding, as MiniMind trains it', () => {
    // ids: header(1,7,8) \n(9) reply 20 21 22 23 ... cut at 8; bos = [1,7,8], eos = [2]
    const layout = sftLayout([5, 1, 7, 8, 9, 20, 21, 22, 23, 24, 2, 9], [1, 7, 8], [2], 8, 0)
    expect(layout.truncated).toBe(true)
    expect(layout.ids).toEqual([5, 1, 7, 8, 9, 20, 21, 22])
    expect(layout.positions).toEqual([5, 6, 7])
    // A conversation ending on the generation header (odd turns under parity): the mask runs to max_length.
    const open = sftLayout([1, 7, 8, 9], [1, 7, 8], [2], 6, 0)
    expect(open.ids).toEqual([1, 7, 8, 9, 0, 0])
    expect(open.positions).toEqual([4, 5])
    const multi = sftLayout([1, 7, 8, 9, 20, 2, 9, 3, 1, 7, 8, 9, 30, 31, 2, 9], [1, 7, 8], [2], 64, 0)
    expect(multi.positions).toEqual([4, 5, 6, 12, 13, 14, 15])
    expect(multi.firstReply).toEqual({ start: 4, length: 3 })
  })
})

/**
 * tokenizer.json through @huggingface/tokenizers, encoding exactly as the file says (MiniMind's has
 * no post-processor, so nothing is added), with an optional BOS prepended the way MiniMind's
 * April-2025 data code did (`bos_token + text`).
 */
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Tokenizer } from '@huggingface/tokenizers'
import { InputError, checkInputFile, errorMessage, jsonErrorWithoutText } from './errors'

/** The largest tokenizer.json read (real ones are a few MB; Qwen's is 11 MB). */
const MAX_TOKENIZER_BYTES = 256 << 20

/** Texts longer than this many characters are tokenized on a prefix (encodeAtLeast). */
export const PREFIX_CHARS = 1 << 16
/** Tokens dropped at the end of a prefix's encoding: the ones the cut could have changed. */
const PREFIX_MARGIN_TOKENS = 64

export class TextTokenizer {
  readonly #tokenizer: Tokenizer
  readonly path: string
  /** One more than the largest id the tokenizer can produce (vocabulary plus added tokens). */
  readonly size: number
  readonly bosId: number | null

  private constructor(tokenizer: Tokenizer, path: string, size: number, bosId: number | null) {
    this.#tokenizer = tokenizer
    this.path = path
    this.size = size
    this.bosId = bosId
  }

  /** Reads tokenizer.json (and tokenizer_config.json beside it when present). */
  static async load(path: string): Promise<TextTokenizer> {
    await checkInputFile(path, MAX_TOKENIZER_BYTES, 'tokenizer.json')
    let json: Record<string, unknown>
    try {
      json = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ENOENT') throw new InputError('file not found', path)
      if (err instanceof SyntaxError)
        throw new InputError(`not valid JSON (${jsonErrorWithoutText(err)})`, path)
      throw new InputError(`cannot read (${code ?? errorMessage(err)})`, path)
    }
    const model = json.model as { vocab?: unknown } | undefined
    if (!json || typeof json !== 'object' || !model || typeof model !== 'object') {
      throw new InputError('not a tokenizer.json (no "model" section)', path)
    }
    let config: Record<string, unknown> = {}
    try {
      config = JSON.parse(await readFile(join(dirname(path), 'tokenizer_config.json'), 'utf8')) as Record<
        string,
        unknown
      >
    } catch {
      // No config beside it: defaults (no BOS known, nothing added).
    }
    let tokenizer: Tokenizer
    try {
      tokenizer = new Tokenizer(json, config)
    } catch (err) {
      throw new InputError(`cannot build the tokenizer (${errorMessage(err)})`, path)
    }
    let largest = -1
    const vocab = model.vocab
    if (vocab && typeof vocab === 'object' && !Array.isArray(vocab)) {
      for (const id of Object.values(vocab as Record<string, unknown>))
        if (typeof id === 'number' && id > largest) largest = id
    } else if (Array.isArray(vocab)) {
      largest = vocab.length - 1 // Unigram: [piece, score] pairs indexed by id
    }
    for (const t of (json.added_tokens as { id?: unknown }[] | undefined) ?? []) {
      if (typeof t.id === 'number' && t.id > largest) largest = t.id
    }
    if (largest < 0) largest = tokenizer.get_vocab(true).size - 1
    const bos = bosToken(config)
    const bosId = bos === null ? null : (tokenizer.token_to_id(bos) ?? null)
    return new TextTokenizer(tokenizer, path, largest + 1, bosId)
  }

  /** Token ids of a text, as tokenizer.json encodes it; with addBos, the BOS id first. */
  encode(text: string, addBos = false): number[] {
    const ids = this.#tokenizer.encode(text).ids
    if (!addBos) return ids
    if (this.bosId === null) {
      throw new InputError(
        '--add-bos was asked for but the tokenizer has no bos_token (tokenizer_config.json)',
        this.path,
      )
    }
    return [this.bosId, ...ids]
  }

  /**
   * Token ids of at least the first `need` tokens of a text, without tokenizing all of a huge one: a
   * text longer than PREFIX_CHARS is encoded on a growing prefix until that prefix gives `need`
   * tokens plus a margin (the tokens near the cut, which the rest of the text could change, are
   * beyond what is used). A 50 MB one-line sample then costs milliseconds, not minutes.
   */
  encodeAtLeast(text: string, need: number, addBos = false): number[] {
    if (text.length <= PREFIX_CHARS) return this.encode(text, addBos)
    for (let chars = Math.max(PREFIX_CHARS, need * 32); ; chars *= 4) {
      if (chars >= text.length) return this.encode(text, addBos)
      // Never cut a surrogate pair in half.
      const end = /[\uD800-\uDBFF]/.test(text[chars - 1]!) ? chars + 1 : chars
      const ids = this.encode(text.slice(0, end), addBos)
      if (ids.length >= need + PREFIX_MARGIN_TOKENS) return ids.slice(0, ids.length - PREFIX_MARGIN_TOKENS)
    }
  }

  /** Text of a run of ids (special tokens kept, so the window shows exactly what the model saw). */
  decode(ids: number[]): string {
    return this.#tokenizer.decode(ids, { skip_special_tokens: false })
  }

  /**
   * Refuses a tokenizer that can produce ids the model has no logits for. "Fit" means every id the
   * tokenizer can produce is < vocab (its size <= the logits dimension); a smaller tokenizer is allowed
   * (models often pad their embedding table).
   */
  checkFits(vocab: number, modelPath: string): void {
    if (this.size > vocab) {
      throw new InputError(
        `the tokenizer ${this.path} has ${this.size} ids but the model ${modelPath} has ${vocab} logits per position: ` +
          'they were not made for each other',
      )
    }
  }
}

function bosToken(config: Record<string, unknown>): string | null {
  const bos = config.bos_token
  if (typeof bos === 'string') return bos
  if (bos && typeof bos === 'object' && typeof (bos as { content?: unknown }).content === 'string') {
    return (bos as { content: string }).content
  }
  return null
}

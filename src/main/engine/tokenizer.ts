/**
 * tokenizer.json through @huggingface/tokenizers, encoding exactly as the file says (MiniMind's has
 * no post-processor, so nothing is added), with an optional BOS prepended the way some of MiniMind's
 * 2025 data code did (`bos_token + text`). Also knows the special ids a trainer wraps samples in
 * (bos, eos, pad from tokenizer_config.json) and how many UTF-8 bytes each token stands for.
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
  readonly eosId: number | null
  /** The id the trainer pads with; its targets are masked out of the training loss. */
  readonly padId: number | null
  /** tokenizer_config.json's add_bos_token: what `bos: 'auto'` falls back to when nothing else tells. */
  readonly addsBos: boolean
  /** Whether tokens are byte strings under GPT-2's byte-to-character map (a ByteLevel decoder). */
  readonly #byteLevel: boolean
  readonly #addedIds: Set<number>
  readonly #bytes = new Map<number, number>()

  private constructor(
    tokenizer: Tokenizer,
    path: string,
    size: number,
    ids: { bos: number | null; eos: number | null; pad: number | null },
    addsBos: boolean,
    byteLevel: boolean,
    addedIds: Set<number>,
  ) {
    this.#tokenizer = tokenizer
    this.path = path
    this.size = size
    this.bosId = ids.bos
    this.eosId = ids.eos
    this.padId = ids.pad
    this.addsBos = addsBos
    this.#byteLevel = byteLevel
    this.#addedIds = addedIds
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
    const idOf = (key: string): number | null => {
      const name = specialToken(config, key)
      return name === null ? null : (tokenizer.token_to_id(name) ?? null)
    }
    const addedIds = new Set<number>()
    for (const t of (json.added_tokens as { id?: unknown }[] | undefined) ?? []) {
      if (typeof t.id === 'number') addedIds.add(t.id)
    }
    const decoder = json.decoder as { type?: unknown } | null | undefined
    return new TextTokenizer(
      tokenizer,
      path,
      largest + 1,
      { bos: idOf('bos_token'), eos: idOf('eos_token'), pad: idOf('pad_token') },
      config.add_bos_token === true,
      decoder?.type === 'ByteLevel',
      addedIds,
    )
  }

  /** Token ids of a text, as tokenizer.json encodes it; with bos, the BOS id first. */
  encode(text: string, bos = false): number[] {
    const ids = this.#tokenizer.encode(text).ids
    if (!bos) return ids
    return [this.requireBos(), ...ids]
  }

  /**
   * Whether a run with this BOS setting puts a BOS first: 'yes' / 'no' as asked; 'auto' (or unset)
   * follows tokenizer_config.json's add_bos_token (false for MiniMind's, which is also MiniMind2's
   * pretraining format at 29454c3). Asking for one the tokenizer lacks is an InputError.
   */
  usesBos(mode: 'auto' | 'yes' | 'no' | undefined): boolean {
    const use = mode === 'yes' || (mode !== 'no' && this.addsBos)
    if (use) this.requireBos()
    return use
  }

  /** The BOS id, or an InputError when the tokenizer names none. */
  requireBos(): number {
    if (this.bosId === null) {
      throw new InputError(
        '--bos yes was asked for but the tokenizer has no bos_token (tokenizer_config.json)',
        this.path,
      )
    }
    return this.bosId
  }

  /**
   * UTF-8 bytes the tokens stand for in the text (docs/measurements.md, "Bits per byte"). With a
   * ByteLevel decoder every vocabulary token is a byte string written one character per byte, so
   * this is exact and additive: the tokens of a whole text sum to the text's UTF-8 length, and a
   * token holding half of a multi-byte character counts its own bytes. Added tokens count the UTF-8
   * bytes of their content. Other decoders: the UTF-8 length of each token decoded on its own.
   */
  tokenBytes(ids: readonly number[]): number {
    let sum = 0
    for (const id of ids) {
      let n = this.#bytes.get(id)
      if (n === undefined) {
        n = this.#oneTokenBytes(id)
        this.#bytes.set(id, n)
      }
      sum += n
    }
    return sum
  }

  #oneTokenBytes(id: number): number {
    const piece = this.#addedIds.has(id) ? undefined : this.#tokenizer.id_to_token(id)
    if (this.#byteLevel && piece !== undefined) {
      let n = 0
      for (const ch of piece) {
        if (!BYTE_LEVEL_CHARS.has(ch)) return Buffer.byteLength(this.decode([id]), 'utf8')
        n++
      }
      return n
    }
    return Buffer.byteLength(this.decode([id]), 'utf8')
  }

  /**
   * Token ids of at least the first `need` tokens of a text, without tokenizing all of a huge one: a
   * text longer than PREFIX_CHARS is encoded on a growing prefix until that prefix gives `need`
   * tokens plus a margin (the tokens near the cut, which the rest of the text could change, are
   * beyond what is used). A 50 MB one-line sample then costs milliseconds, not minutes.
   */
  encodeAtLeast(text: string, need: number, bos = false): number[] {
    if (text.length <= PREFIX_CHARS) return this.encode(text, bos)
    for (let chars = Math.max(PREFIX_CHARS, need * 32); ; chars *= 4) {
      if (chars >= text.length) return this.encode(text, bos)
      // Never cut a surrogate pair in half.
      const end = /[\uD800-\uDBFF]/.test(text[chars - 1]!) ? chars + 1 : chars
      const ids = this.encode(text.slice(0, end), bos)
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

/** A special token's text from tokenizer_config.json (a string, or an AddedToken object's content). */
function specialToken(config: Record<string, unknown>, key: string): string | null {
  const v = config[key]
  if (typeof v === 'string') return v
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') {
    return (v as { content: string }).content
  }
  return null
}

/** The 256 characters of GPT-2's bytes_to_unicode map (each stands for one byte). */
const BYTE_LEVEL_CHARS: ReadonlySet<string> = (() => {
  const printable = (b: number) =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff)
  const chars = new Set<string>()
  let extra = 0
  for (let b = 0; b < 256; b++) chars.add(String.fromCodePoint(printable(b) ? b : 256 + extra++))
  return chars
})()

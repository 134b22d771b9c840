/**
 * A conversation rendered with the tokenizer's own chat template (tokenizer_config.json `chat_template`),
 * through @huggingface/jinja, the way MiniMind's SFT dataset calls transformers' apply_chat_template:
 * no generation prompt, the special tokens as template variables, nothing random (the template's own
 * default system prompt stays; MiniMind 2026's training-time random system prompt and <think> stripping
 * are not applied, so the same file always renders to the same text). docs/minimind.md, "SFT conventions".
 */
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Template } from '@huggingface/jinja'
import type { SftRoleMode } from '../../../shared/results'
import type { ChatTurn } from '../dataset'
import { InputError, errorMessage, jsonErrorWithoutText } from '../errors'

/** The two conventions MiniMind's SFT code has used for the file's role fields. */
export type SftRoles = Exclude<SftRoleMode, 'auto'>

/** Special-token names transformers passes to every chat template. */
const SPECIAL_TOKENS = ['bos_token', 'eos_token', 'unk_token', 'pad_token'] as const

/** A role or block only templates of the 2026 era (and later HF templates) handle. */
const AS_WRITTEN_MARKERS = [/['"]tool['"]/, /<think>/, /reasoning_content/, /\btools\b/]

function tokenText(value: unknown): string | null {
  if (typeof value === 'string') return value
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content
  }
  return null
}

export class ChatTemplate {
  readonly source: string
  /** The tokenizer_config.json it came from (for messages). */
  readonly file: string
  readonly #template: Template
  readonly #special: Record<string, string>

  constructor(source: string, special: Record<string, string>, file: string) {
    this.source = source
    this.file = file
    this.#special = special
    try {
      this.#template = new Template(source)
    } catch (err) {
      throw new InputError(`its chat_template does not parse (${errorMessage(err)})`, file)
    }
  }

  /** The special tokens the template is given (bos_token, eos_token, unk_token, pad_token, when set). */
  get specialTokens(): Readonly<Partial<Record<(typeof SPECIAL_TOKENS)[number], string>>> {
    return this.#special
  }

  /** Reads tokenizer_config.json beside tokenizer.json; InputError when it or its chat_template is missing. */
  static async load(tokenizerPath: string): Promise<ChatTemplate> {
    const file = join(dirname(tokenizerPath), 'tokenizer_config.json')
    let config: Record<string, unknown>
    try {
      config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ENOENT') {
        throw new InputError('not found beside the tokenizer; an SFT run needs its chat_template', file)
      }
      if (err instanceof SyntaxError)
        throw new InputError(`not valid JSON (${jsonErrorWithoutText(err)})`, file)
      throw new InputError(`cannot read (${code ?? errorMessage(err)})`, file)
    }
    return ChatTemplate.fromConfig(config, file)
  }

  static fromConfig(config: Record<string, unknown>, file: string): ChatTemplate {
    let source: unknown = config.chat_template
    // Some configs hold several named templates; apply_chat_template uses the one named "default".
    if (Array.isArray(source)) {
      const named = source as { name?: unknown; template?: unknown }[]
      source = named.find((t) => t.name === 'default')?.template
    }
    if (typeof source !== 'string' || source.length === 0) {
      throw new InputError('has no chat_template; an SFT run renders conversations with it', file)
    }
    const special: Record<string, string> = {}
    for (const key of SPECIAL_TOKENS) {
      const text = tokenText(config[key])
      if (text !== null) special[key] = text
    }
    return new ChatTemplate(source, special, file)
  }

  /**
   * The role convention for 'auto': a template that handles tool calls or <think> blocks is of the
   * 2026 era (or a general HF template), whose code keeps the file's roles; MiniMind2's plain ChatML
   * template (system/user/assistant only) goes with MiniMind2's turn parity.
   */
  resolveRoles(mode: SftRoleMode | undefined): SftRoles {
    if (mode === 'parity' || mode === 'asWritten') return mode
    return AS_WRITTEN_MARKERS.some((re) => re.test(this.source)) ? 'asWritten' : 'parity'
  }

  /** The messages the template sees: MiniMind2's parity re-assignment, or the file's roles. */
  static messages(turns: ChatTurn[], roles: SftRoles, where: string, file: string): ChatTurn[] {
    return turns.map((t, i) => {
      if (roles === 'parity') return { role: i % 2 === 0 ? 'user' : 'assistant', content: t.content }
      if (t.role === undefined) {
        throw new InputError(`${where}: conversations[${i}] has no "role" (roles are kept as written)`, file)
      }
      return { role: t.role, content: t.content }
    })
  }

  /** The templated text of a conversation. `where` names the row in messages (e.g. "row 3"). */
  render(turns: ChatTurn[], roles: SftRoles, where = 'conversation', dataFile = this.file): string {
    const messages = ChatTemplate.messages(turns, roles, where, dataFile)
    try {
      return this.#template.render({ messages, add_generation_prompt: false, ...this.#special })
    } catch (err) {
      throw new InputError(`${where}: the chat template refused it (${errorMessage(err)})`, dataFile)
    }
  }
}

/** Small helpers over node:util parseArgs shared by every CLI command. */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError } from '../engine/errors'
import { SETTING_LIMITS } from '../../shared/limits'
import {
  BOS_MODES,
  DATASET_FORMATS,
  SFT_ROLE_MODES,
  type BosMode,
  type DatasetFormat,
  type SftRoleMode,
} from '../../shared/results'

type Options = NonNullable<ParseArgsConfig['options']>

/**
 * `--flag -5` for a string option reads as the value -5 (node's parseArgs calls it ambiguous, and the
 * range check then says what is allowed): such pairs are joined as `--flag=-5`.
 */
function joinNegativeValues(argv: string[], options: Options): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    const name = a.startsWith('--') ? a.slice(2) : null
    const next = argv[i + 1]
    if (name && options[name]?.type === 'string' && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${a}=${next}`)
      i++
    } else out.push(a)
  }
  return out
}

/** Parses argv strictly; an unknown flag, a missing value or a stray argument is a UsageError (exit 2). */
export function parseCommandArgs<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({
      args: joinNegativeValues(argv, options),
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
    })
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]!)
  }
}

/** The value of a required string option, or a UsageError naming the flag. */
export function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing --${flag}`)
  return value
}

/** Parses an integer option within [min, max]; UsageError naming the flag, the range and the value. */
export function intOption(
  value: string | undefined,
  flag: string,
  fallback: number,
  min = 0,
  max = 1e9,
): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${flag} must be an integer from ${min} to ${max}, got "${value}"`)
  }
  return n
}

/** Writes a JSON value to stdout, pretty. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n')
}

/** Flags of the whole-sample and SFT settings, shared by analyze, experiment set and compare. */
export const FORMAT_FLAGS = {
  bos: { type: 'string' },
  'add-bos': { type: 'boolean' },
  'max-seq-len': { type: 'string' },
  format: { type: 'string' },
  'sft-roles': { type: 'string' },
} as const

/** Help lines of FORMAT_FLAGS (two-space indent, aligned like the commands' own help). */
export const FORMAT_FLAGS_HELP = `  --bos auto|yes|no   BOS convention: yes = continuation scored after a BOS and trainFormat as
                      [bos] + text + [eos] (MiniMind 2026, some 2025 revisions); no = the text's
                      tokens only (MiniMind2); auto (default) = the tokenizer's add_bos_token, with
                      the continuation also scored both ways (bosBoth) when it has a BOS
  --add-bos           the same as --bos yes (older name)
  --max-seq-len N     the trainer's max_seq_len for trainFormat, and the rolling window (default 512,
                      MiniMind's pretraining default)
  --format F          auto (default: rows with "text" are pretraining, rows with "conversations"
                      SFT), pretrain or sft
  --sft-roles R       SFT roles: auto (default: from the chat template), parity (MiniMind2: even
                      turns user, odd assistant) or asWritten (2026: the file's roles)`

/** The run settings FORMAT_FLAGS set (only those given); UsageError naming a flag with a bad value. */
export function formatSettings(v: Record<string, string | boolean | undefined>): {
  bos?: BosMode
  maxSeqLen?: number
  format?: DatasetFormat
  sftRoles?: SftRoleMode
} {
  const out: { bos?: BosMode; maxSeqLen?: number; format?: DatasetFormat; sftRoles?: SftRoleMode } = {}
  const bos = v.bos
  if (typeof bos === 'string') {
    if (!(BOS_MODES as readonly string[]).includes(bos))
      throw new UsageError(`--bos must be one of ${BOS_MODES.join(', ')}, got "${bos}"`)
    out.bos = bos as BosMode
  }
  if (v['add-bos'] === true) {
    if (out.bos !== undefined && out.bos !== 'yes')
      throw new UsageError(`--add-bos means --bos yes; it contradicts --bos ${out.bos}`)
    out.bos = 'yes'
  }
  if (typeof v['max-seq-len'] === 'string') {
    const { min, max } = SETTING_LIMITS.maxSeqLen
    out.maxSeqLen = intOption(v['max-seq-len'], 'max-seq-len', 0, min, max)
  }
  const format = v.format
  if (typeof format === 'string') {
    if (!(DATASET_FORMATS as readonly string[]).includes(format))
      throw new UsageError(`--format must be one of ${DATASET_FORMATS.join(', ')}, got "${format}"`)
    out.format = format as DatasetFormat
  }
  const roles = v['sft-roles']
  if (typeof roles === 'string') {
    if (!(SFT_ROLE_MODES as readonly string[]).includes(roles))
      throw new UsageError(`--sft-roles must be one of ${SFT_ROLE_MODES.join(', ')}, got "${roles}"`)
    out.sftRoles = roles as SftRoleMode
  }
  return out
}

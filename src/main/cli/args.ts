/** Small helpers over node:util parseArgs shared by every CLI command. */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError } from '../engine/errors'

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

/** Small helpers over node:util parseArgs shared by every CLI command. */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError } from '../engine/errors'

type Options = NonNullable<ParseArgsConfig['options']>

/** Parses argv strictly; an unknown flag, a missing value or a stray argument is a UsageError (exit 2). */
export function parseCommandArgs<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
    })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}

/** The value of a required string option, or a UsageError naming the flag. */
export function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing --${flag}`)
  return value
}

/** Parses an integer option within [min, max]; UsageError naming the flag and the value. */
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

/** The exit code a command's error stands for (see exit-codes.ts). */
import { InputError, UsageError } from '../engine/errors'
import { StoreError } from '../store/atomic'
import { EXIT, type ExitCode } from './exit-codes'

export function exitCodeFor(err: unknown): ExitCode {
  if (err instanceof UsageError) return EXIT.usage
  if (err instanceof InputError || err instanceof StoreError) return EXIT.input
  return EXIT.problem
}

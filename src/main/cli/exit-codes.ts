/**
 * The CLI's exit codes, documented in the README: scripts tell "the check found a problem" from
 * "you called it wrong" from "a file is bad" without parsing messages.
 */
import { InputError, UsageError } from '../engine/errors'
import { StoreError } from '../store/atomic'

export const EXIT = {
  /** Done; for `report`, whatever its verdicts (a report is content, not a check). */
  ok: 0,
  /** A check found a problem (weights differ, samples not in the training data). */
  problem: 1,
  /** Usage error: an unknown command or flag, a missing or out-of-range option. */
  usage: 2,
  /** Input error: a file is missing, unreadable or not what it claims to be. */
  input: 3,
  /** Anything else went wrong (onnxruntime failed, the run was cancelled, a bug): not a verdict. */
  failed: 4,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/** The exit code for what a command threw: a store that cannot be read or written is an input error too. */
export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof UsageError) return EXIT.usage
  if (err instanceof InputError || err instanceof StoreError) return EXIT.input
  return EXIT.failed
}

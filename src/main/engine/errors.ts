/** An error caused by the user's input (a file, a setting): its message names the file and the problem. */
export class InputError extends Error {
  override readonly name = 'InputError'
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(file ? `${file}: ${message}` : message)
  }
}

/** Message of any thrown value, for one-line reporting. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** A command called wrongly (unknown or missing flag, value out of range): exit code 2, not 3. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

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

/**
 * A JSON.parse error without the text it quotes (V8 shows the start of the input, which may be a file
 * the user did not mean to share, e.g. `Unexpected token 'r', "root:x:0:0:"... is not valid JSON`):
 * messages that quote anything become "invalid JSON" (with the position when V8 gave one).
 */
export function jsonErrorWithoutText(err: unknown): string {
  const message = errorMessage(err)
  if (!/["'`]/.test(message)) return message
  const at = /position \d+(?: \(line \d+ column \d+\))?/.exec(message)
  return at ? `invalid JSON at ${at[0]}` : 'invalid JSON'
}

/**
 * Checks a file the user named before it is read: it exists, is a regular file (not a folder, a
 * device such as /dev/urandom that never ends, or a FIFO that blocks) and, with `maxBytes`, not
 * larger than that. Returns its size; InputError naming the file otherwise.
 */
export async function checkInputFile(path: string, maxBytes?: number, what = 'file'): Promise<number> {
  const { stat } = await import('node:fs/promises')
  let st: import('node:fs').Stats
  try {
    st = await stat(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new InputError(
      code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? errorMessage(err)})`,
      path,
    )
  }
  if (st.isDirectory()) throw new InputError(`is a folder, not a ${what}`, path)
  if (!st.isFile())
    throw new InputError(`is not a regular file (a device, socket or pipe), not a ${what}`, path)
  if (maxBytes !== undefined && st.size > maxBytes) {
    throw new InputError(
      `${st.size} bytes is more than LossLens reads as a ${what} (${maxBytes} at most)`,
      path,
    )
  }
  return st.size
}

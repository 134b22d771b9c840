/**
 * Which Python the exporter may be started with. The window never picks a program main runs:
 *  - the bridge runs only the interpreter it was started with (`serve --python`, or LOSSLENS_PYTHON,
 *    default "python3" on the engine's PATH); a token holder can name no other;
 *  - the desktop app runs a bare "python"/"python3"/"python3.11" (found on PATH), or a program the
 *    user chose in the native dialog for a Python interpreter (in this session, or stored in the
 *    settings file, which only that dialog's choice is written to).
 */
import type { HandlerContext } from '../context'

const BARE_PYTHON = /^python(3(\.\d{1,2})?)?(\.exe)?$/

/** A named interpreter that is not allowed; the message says how to choose one. */
export class ProgramDeniedError extends Error {
  override readonly name = 'ProgramDeniedError'
}

/** The interpreter to run for `requested` (from the window), or a ProgramDeniedError. */
export async function checkProgram(
  ctx: Pick<HandlerContext, 'host' | 'settings' | 'access'>,
  requested: string | undefined,
): Promise<string> {
  const host = ctx.host
  if (host.kind === 'bridge') {
    const fixed = host.python ?? 'python3'
    if (requested && requested !== fixed) {
      throw new ProgramDeniedError(
        `Python interpreter: the bridge runs only the interpreter it was started with (${fixed}); ` +
          'restart it with --python PATH or LOSSLENS_PYTHON to use another',
      )
    }
    return fixed
  }
  const program = requested || (await ctx.settings.read()).python || 'python3'
  if (BARE_PYTHON.test(program)) return program
  if (ctx.access.isChosenProgram?.(program)) return program
  if ((await ctx.settings.read()).python === program) return program
  throw new ProgramDeniedError(
    `Python interpreter: "${program}" was not chosen in the Python interpreter dialog, so LossLens will not run it`,
  )
}

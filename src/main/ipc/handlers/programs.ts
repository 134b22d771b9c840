/** Which Python the exporter may be started with. */
import type { PathAccess } from '../path-access'

const BARE_PYTHON = /^python(3(\.\d{1,2})?)?(\.exe)?$/

/**
 * A program the window asks main to start: a bare "python"/"python3"/"python3.11" (found on PATH),
 * or an absolute path the user chose. Anything else is refused: the window must not pick what main runs.
 */
export function checkProgram(access: PathAccess, program: string): string {
  if (BARE_PYTHON.test(program)) return program
  return access.check(program, 'Python interpreter')
}

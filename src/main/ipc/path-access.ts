/**
 * Which filesystem paths a request from the window may name. In the desktop app: what the user chose
 * in a dialog or dropped on the window (granted by main), and anything inside the workspace. In the
 * browser bridge the token is the authority: any absolute path the server's user can read.
 */
import fs from 'node:fs'
import { basename, dirname, isAbsolute, join, resolve } from 'node:path'
import { isInside } from '../store/paths'

export interface PathAccess {
  /** Records a path the user chose or dropped; a folder grants what lies beneath it. */
  grant(path: string): void
  /** The resolved absolute path, or a PathDeniedError naming it and `what` it was for. */
  check(path: string, what: string): string
  /** Records a program the user chose in the dialog for a Python interpreter (desktop only). */
  grantProgram?(path: string): void
  /** True for a program recorded by grantProgram. */
  isChosenProgram?(path: string): boolean
}

/** A path the window named that the user never chose. */
export class PathDeniedError extends Error {
  override readonly name = 'PathDeniedError'
  constructor(
    readonly path: string,
    what: string,
  ) {
    super(
      `${what}: "${path}" was not chosen in a file dialog or dropped on the window, so LossLens will not use it`,
    )
  }
}

function absolute(path: string, what: string): string {
  if (typeof path !== 'string' || path.length === 0 || path.includes('\0') || !isAbsolute(path)) {
    throw new PathDeniedError(String(path), `${what} (an absolute path is required)`)
  }
  return resolve(path)
}

/** The desktop app's rule: granted paths (and their subtrees) and the workspace. */
export class GrantedPaths implements PathAccess {
  readonly #granted = new Set<string>()
  readonly #programs = new Set<string>()

  constructor(readonly workspaceRoot: () => string) {}

  grant(path: string): void {
    const abs = absolute(path, 'grant')
    this.#granted.add(abs)
    // The real path too, so a granted symlink still matches what check() resolves it to.
    const real = realOrNull(abs)
    if (real) this.#granted.add(real)
  }

  grantProgram(path: string): void {
    this.#programs.add(absolute(path, 'grant'))
  }

  isChosenProgram(path: string): boolean {
    return isAbsolute(path) && this.#programs.has(resolve(path))
  }

  /**
   * Lexically inside the workspace or a granted path, and so is its real path (a symlink in the
   * workspace that leads outside it is refused).
   */
  check(path: string, what: string): string {
    const abs = absolute(path, what)
    const allowed = (p: string) =>
      isInside(this.workspaceRoot(), p) ||
      isInside(realOrNull(this.workspaceRoot()) ?? this.workspaceRoot(), p) ||
      [...this.#granted].some((g) => isInside(g, p))
    if (!allowed(abs)) throw new PathDeniedError(path, what)
    const real = realOrNull(abs)
    if (real !== null && real !== abs && !allowed(real)) {
      throw new PathDeniedError(path, `${what} (a link that leads outside the workspace and your choices)`)
    }
    return abs
  }
}

/** The real path of an existing file or folder (of its nearest existing parent, the rest appended). */
function realOrNull(path: string): string | null {
  let at = path
  const rest: string[] = []
  for (;;) {
    try {
      return join(fs.realpathSync(at), ...rest)
    } catch {
      const parent = dirname(at)
      if (parent === at) return null
      rest.unshift(basename(at))
      at = parent
    }
  }
}

/** The bridge's rule: any absolute path (whoever holds the token is the user). */
export class OpenPaths implements PathAccess {
  grant(): void {}
  check(path: string, what: string): string {
    return absolute(path, what)
  }
}

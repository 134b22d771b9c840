/**
 * Which filesystem paths a request from the window may name. In the desktop app: what the user chose
 * in a dialog or dropped on the window (granted by main), and anything inside the workspace. In the
 * browser bridge the token is the authority: any absolute path the server's user can read.
 */
import { isAbsolute, resolve } from 'node:path'
import { isInside } from '../store/paths'

export interface PathAccess {
  /** Records a path the user chose or dropped; a folder grants what lies beneath it. */
  grant(path: string): void
  /** The resolved absolute path, or a PathDeniedError naming it and `what` it was for. */
  check(path: string, what: string): string
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

  constructor(readonly workspaceRoot: () => string) {}

  grant(path: string): void {
    this.#granted.add(absolute(path, 'grant'))
  }

  check(path: string, what: string): string {
    const abs = absolute(path, what)
    if (isInside(this.workspaceRoot(), abs)) return abs
    for (const granted of this.#granted) if (isInside(granted, abs)) return abs
    throw new PathDeniedError(path, what)
  }
}

/** The bridge's rule: any absolute path (whoever holds the token is the user). */
export class OpenPaths implements PathAccess {
  grant(): void {}
  check(path: string, what: string): string {
    return absolute(path, what)
  }
}

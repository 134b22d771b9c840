/**
 * Output folders of the CLI, checked before any work and made one level at a time: Node's recursive
 * mkdir never returns on some paths (`/proc/x/y`), and a folder that cannot be written should be said
 * before a long run, not after it.
 */
import fs from 'node:fs'
import { dirname, resolve } from 'node:path'
import { InputError, UsageError } from '../engine/errors'

const VIRTUAL = /^\/(proc|sys|dev)(\/|$)/

/** Checks that `dir` is a folder or can be made one; UsageError naming the flag and the reason. */
export function checkOutDir(dir: string, flag = 'out'): string {
  const abs = resolve(dir)
  if (process.platform !== 'win32' && VIRTUAL.test(abs))
    throw new UsageError(
      `--${flag} ${abs}: results cannot be written under ${abs.split('/')[1] ? '/' + abs.split('/')[1] : abs}`,
    )
  let at = abs
  for (;;) {
    let stat: fs.Stats | null = null
    try {
      stat = fs.statSync(at)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ENOTDIR') throw new UsageError(`--${flag} ${abs}: a part of it is a file, not a folder`)
      if (code !== 'ENOENT') throw new UsageError(`--${flag} ${abs}: cannot use ${at} (${code})`)
    }
    if (stat) {
      if (!stat.isDirectory()) throw new UsageError(`--${flag} ${abs}: ${at} is not a folder`)
      try {
        fs.accessSync(at, fs.constants.W_OK | fs.constants.X_OK)
      } catch {
        throw new UsageError(`--${flag} ${abs}: ${at} is not writable`)
      }
      return abs
    }
    const parent = dirname(at)
    if (parent === at) throw new UsageError(`--${flag} ${abs}: no existing folder above it`)
    at = parent
  }
}

/** Makes `dir` (checked by checkOutDir) one level at a time; InputError naming the level that failed. */
export function makeOutDir(dir: string): void {
  const abs = resolve(dir)
  const missing: string[] = []
  let at = abs
  while (!fs.existsSync(at)) {
    missing.unshift(at)
    const parent = dirname(at)
    if (parent === at) break
    at = parent
  }
  for (const level of missing) {
    try {
      fs.mkdirSync(level)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code !== 'EEXIST') throw new InputError(`cannot create the folder (${code ?? String(err)})`, level)
    }
  }
}

/** How experiment.json stores file paths: relative (with "/") inside the experiment folder, absolute outside. */
import { isAbsolute, relative, resolve, sep } from 'node:path'

/** True when `child` is `parent` or lies beneath it (both resolved, no "..") */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(resolve(parent), resolve(child))
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
}

/** The form a path is stored in: relative to `experimentDir` when inside it, absolute otherwise. */
export function toStoredPath(experimentDir: string, path: string): string {
  const abs = resolve(experimentDir, path)
  if (!isInside(experimentDir, abs)) return abs
  return relative(resolve(experimentDir), abs).split(sep).join('/')
}

/** The absolute path of a stored path. */
export function resolveStoredPath(experimentDir: string, stored: string): string {
  return resolve(experimentDir, stored)
}

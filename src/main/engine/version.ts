/**
 * LossLens's version, read once from the nearest package.json named losslens (source tree or packaged
 * app). Its own module, importing only node:fs, so the report can use it without loading onnxruntime.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

let cached: string | null = null

export function losslensVersion(): string {
  if (cached) return cached
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    const file = join(dir, 'package.json')
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string }
        if (pkg.name === 'losslens' && pkg.version) return (cached = pkg.version)
      } catch {
        // keep walking up
      }
    }
    dir = dirname(dir)
  }
  return (cached = 'unknown')
}

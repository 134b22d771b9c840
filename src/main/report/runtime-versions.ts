/** The onnxruntime, Node and OS versions a report records, read without loading onnxruntime itself. */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import type { RuntimeVersions } from './input'

let ort: string | null | undefined

/** onnxruntime-node's version from its package.json; null when it cannot be found. */
export function onnxruntimeVersion(): string | null {
  if (ort !== undefined) return ort
  try {
    const file = createRequire(import.meta.url).resolve('onnxruntime-node/package.json')
    ort = existsSync(file)
      ? ((JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? null)
      : null
  } catch {
    ort = null
  }
  return ort
}

export function runtimeVersions(): RuntimeVersions {
  return {
    onnxruntime: onnxruntimeVersion(),
    node: process.versions.node,
    os: `${os.platform()} ${os.release()} ${os.arch()}`,
  }
}

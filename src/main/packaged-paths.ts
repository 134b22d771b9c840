/**
 * Files the packaged app reads from its own folder. electron-builder packs the app into
 * resources/app.asar and unpacks what other programs must read from disk (the demo's ONNX models for
 * onnxruntime, tools/*.py for Python, onnxruntime-node's native libraries) into
 * resources/app.asar.unpacked (electron-builder.json, "asarUnpack"). Unpacked copies win; from a
 * source checkout (appPath = the repository) the path is simply joined.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'

/** `parts` under the app (app.getAppPath()), taken from app.asar.unpacked when unpacked there. */
export function appFile(appPath: string, ...parts: string[]): string {
  const unpackedRoot = appPath.replace(/app\.asar$/, 'app.asar.unpacked')
  if (unpackedRoot !== appPath) {
    const unpacked = join(unpackedRoot, ...parts)
    if (existsSync(unpacked)) return unpacked
  }
  return join(appPath, ...parts)
}

/** resources/demo beside the app. */
export const demoDir = (appPath: string) => appFile(appPath, 'resources', 'demo')

/** tools/export_onnx.py beside the app: Python reads it, so it must be a real file. */
export const exporterScript = (appPath: string) => appFile(appPath, 'tools', 'export_onnx.py')

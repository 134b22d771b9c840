/**
 * "Import checkpoint": runs the project's Python exporter (tools/export_onnx.py) in the user's own
 * Python, which has torch and MiniMind's code, and streams its output. No shell is involved: the
 * interpreter is spawned with an argument list, so paths with spaces or quotes are passed as is.
 *
 * The exporter is called as
 *   <python> <exporterScript> --checkpoint <.pth> --minimind-dir <dir> --out <dir> [--tokenizer <tokenizer.json>]
 * and leaves in --out: model.onnx (Optimum form), model.plain.onnx, manifest.json and, unless it found
 * none or was told not to copy it, tokenizer.json.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { InputError, jsonErrorWithoutText } from '../errors'

/** What to export and with which interpreter. */
export interface ExporterOptions {
  /** The Python interpreter (a path, or a name on PATH such as "python3"). */
  python: string
  /** Defaults to tools/export_onnx.py found above this module (the app root). */
  exporterScript?: string
  checkpointPath: string
  minimindDir: string
  outDir: string
  tokenizerPath?: string
  /** config.json of the training run (--config). */
  configPath?: string
  /** --num-heads: the one number a state_dict cannot tell. */
  numHeads?: number
  /** --probe-data: samples like the training data, to check the head count when it is not given. */
  probeDataPath?: string
}

/** Where the exporter put its outputs. */
export interface ExporterResult {
  outDir: string
  modelPath: string
  /** The plain input_ids -> logits export; null when the exporter wrote none. */
  plainModelPath: string | null
  /**
   * tokenizer.json beside the model, or where manifest.json's `tokenizer.file` points (the exporter's
   * --no-copy-tokenizer); null when the exporter found none (LossLens then needs one from the user).
   */
  tokenizerPath: string | null
  manifest: Record<string, unknown>
}

const KEPT_LINES = 15
const EXPORTER = join('tools', 'export_onnx.py')

/** tools/export_onnx.py in the nearest folder above `from` that has one (dev tree or built app). */
export function defaultExporterScript(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, EXPORTER))) return join(dir, EXPORTER)
    if (dirname(dir) === dir)
      throw new InputError(`cannot find ${EXPORTER} above ${from}; pass the exporter script`)
  }
}

/** Runs the exporter, calling `onLine` for each stdout/stderr line; rejects with its last lines on failure. */
export async function runExporter(
  options: ExporterOptions,
  onLine: (line: string) => void,
  signal?: AbortSignal,
): Promise<ExporterResult> {
  const script = options.exporterScript ?? defaultExporterScript()
  const outDir = resolve(options.outDir)
  await mkdir(outDir, { recursive: true })
  const args = [
    script,
    '--checkpoint',
    resolve(options.checkpointPath),
    '--minimind-dir',
    resolve(options.minimindDir),
    '--out',
    outDir,
  ]
  if (options.tokenizerPath) args.push('--tokenizer', resolve(options.tokenizerPath))
  if (options.configPath) args.push('--config', resolve(options.configPath))
  if (options.numHeads !== undefined) args.push('--num-heads', String(options.numHeads))
  if (options.probeDataPath) args.push('--probe-data', resolve(options.probeDataPath))

  const lastLines: string[] = []
  const code = await new Promise<number | null>((resolvePromise, reject) => {
    signal?.throwIfAborted()
    const child = spawn(options.python, args, {
      shell: false,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Unbuffered, so lines arrive as the exporter prints them, not at exit.
      env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8' },
    })
    const abort = () => child.kill('SIGTERM')
    signal?.addEventListener('abort', abort, { once: true })
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        lastLines.push(line)
        if (lastLines.length > KEPT_LINES) lastLines.shift()
        onLine(line)
      })
    }
    child.on('error', (err: NodeJS.ErrnoException) => {
      signal?.removeEventListener('abort', abort)
      reject(
        err.code === 'ENOENT'
          ? new InputError(
              `Python not found: "${options.python}" (set the Python interpreter that has torch)`,
            )
          : err,
      )
    })
    child.on('close', (exitCode, exitSignal) => {
      signal?.removeEventListener('abort', abort)
      if (signal?.aborted) reject(signal.reason)
      else resolvePromise(exitCode ?? (exitSignal ? -1 : null))
    })
  })
  if (code !== 0) {
    throw new InputError(`exporter failed (exit code ${code}); its last lines:\n${lastLines.join('\n')}`)
  }
  return collectOutputs(outDir)
}

async function collectOutputs(outDir: string): Promise<ExporterResult> {
  const need = (name: string) => {
    const path = join(outDir, name)
    if (!existsSync(path)) throw new InputError(`the exporter finished but did not write ${name}`, outDir)
    return path
  }
  const modelPath = need('model.onnx')
  const manifestPath = need('manifest.json')
  let manifest: unknown
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8'))
  } catch (err) {
    throw new InputError(`manifest.json is not valid JSON (${jsonErrorWithoutText(err)})`, outDir)
  }
  if (!manifest || typeof manifest !== 'object' || Array.isArray(manifest)) {
    throw new InputError('manifest.json is not a JSON object', outDir)
  }
  const plain = join(outDir, 'model.plain.onnx')
  return {
    outDir,
    modelPath,
    plainModelPath: existsSync(plain) ? plain : null,
    tokenizerPath: tokenizerOf(outDir, manifest as Record<string, unknown>),
    manifest: manifest as Record<string, unknown>,
  }
}

function tokenizerOf(outDir: string, manifest: Record<string, unknown>): string | null {
  const beside = join(outDir, 'tokenizer.json')
  if (existsSync(beside)) return beside
  const info = manifest.tokenizer as { file?: unknown } | null | undefined
  if (info && typeof info.file === 'string') {
    const recorded = resolve(outDir, info.file)
    if (existsSync(recorded)) return recorded
  }
  return null
}

/**
 * Choosing the execution provider. onnxruntime-node throws instead of falling back (asking for
 * ['cuda', 'cpu'] fails outright when the CUDA libraries are missing), so each provider is tried on
 * its own, in the platform's order, and one that loads must also reproduce the CPU logits on a
 * probe input before it is trusted. Every attempt and its reason end up in the ProviderReport.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { ProviderReport } from '../../shared/model'
import { DecoderSession } from './decoder-session'
import { InputError, errorMessage } from './errors'

export const PROVIDER_NAMES = ['cpu', 'cuda', 'webgpu', 'dml', 'coreml'] as const
export type ProviderName = (typeof PROVIDER_NAMES)[number]

/** Providers 'auto' tries, best first, for a platform; cpu always last. */
export function providerOrder(platform: NodeJS.Platform = process.platform): ProviderName[] {
  switch (platform) {
    case 'win32':
      return ['cuda', 'dml', 'webgpu', 'cpu']
    case 'darwin':
      return ['coreml', 'webgpu', 'cpu']
    default:
      return ['cuda', 'webgpu', 'cpu']
  }
}

/**
 * The providers the window offers on a platform: cpu first (always there), then the ones onnxruntime-node
 * builds for it, in 'auto' order. dml exists only on Windows and coreml only on macOS; offering them
 * elsewhere would only produce a "not built" failure.
 */
export function providerChoices(platform: NodeJS.Platform = process.platform): ProviderName[] {
  return ['cpu', ...providerOrder(platform).filter((p) => p !== 'cpu')]
}

/**
 * A short fixed id sequence every vocabulary has (ids < 64). Eight positions exercise attention over
 * a prefix without making the probe cost more than a few milliseconds.
 */
export const PROBE_IDS = [1, 17, 5, 42, 9, 33, 2, 60]

/**
 * Tolerance for a provider's probe logits against CPU: max |diff| <= 1e-3 · max(1, max |cpu logit|).
 * fp32 kernels on another device differ from the CPU by reordered sums (~1e-6 relative); TF32 or
 * reduced-precision matmuls reach ~1e-3 relative, which still keeps CE within ~1e-3 nats. Anything
 * larger changes reported losses visibly, so the provider is not trusted.
 */
export const PROBE_RELATIVE_TOLERANCE = 1e-3

/** Shortens onnxruntime's load errors to the reason a user can act on. */
export function explainProviderError(name: string, err: unknown): string {
  const msg = errorMessage(err)
  if (/Failed to load (shared )?library|libonnxruntime_providers|cannot open shared object/i.test(msg)) {
    return `${name} libraries are not installed (onnxruntime-node could not load its ${name} provider library)`
  }
  if (/Failed to get a WebGPU adapter|No supported adapter/i.test(msg)) {
    return 'no WebGPU adapter on this machine (no GPU or no Vulkan/Metal/D3D12 driver)'
  }
  if (/backend not found|no available backend/i.test(msg)) {
    return `${name} is not built into onnxruntime-node for ${process.platform}-${process.arch}`
  }
  const firstLine = msg.split('\n')[0]!.replace(/^\/onnxruntime_src\/\S+\s+/, '')
  return firstLine.length > 240 ? `${firstLine.slice(0, 240)}…` : firstLine
}

/** Where the dynamic loader looks for libraries on Linux (LD_LIBRARY_PATH first). */
function linuxLibraryDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean)
  const multiarch = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu'
  return [
    ...fromEnv,
    `/usr/lib/${multiarch}`,
    `/lib/${multiarch}`,
    '/usr/lib64',
    '/lib64',
    '/usr/lib',
    '/lib',
  ]
}

/**
 * Why `auto` should not even try a provider here, or null. On Linux onnxruntime-node's WebGPU runs on
 * Dawn over Vulkan: without the Vulkan loader Dawn prints a native warning to stderr and finds no
 * adapter, so auto skips it with the reason instead (a forced webgpu still tries).
 */
export function skipReason(
  name: string,
  platform: NodeJS.Platform = process.platform,
  exists: (path: string) => boolean = existsSync,
  dirs: string[] = linuxLibraryDirs(),
): string | null {
  if (name === 'webgpu' && platform === 'linux' && !dirs.some((d) => exists(join(d, 'libvulkan.so.1')))) {
    return 'the Vulkan loader (libvulkan.so.1), which WebGPU needs on Linux, is not installed'
  }
  return null
}

/** Compares a provider's probe logits with the CPU's; null when they agree, else the reason. */
export async function probeAgainstCpu(
  candidate: DecoderSession,
  cpu: DecoderSession,
): Promise<string | null> {
  const vocab = cpu.vocab ?? 64
  const ids = PROBE_IDS.map((id) => id % vocab)
  const [a, b] = await Promise.all([cpu.forward([ids], ids.length), candidate.forward([ids], ids.length)])
  if (a.data.length !== b.data.length) {
    return `probe logits differ in size from CPU (${b.data.length} vs ${a.data.length} values)`
  }
  let scale = 1
  let maxDiff = 0
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i]! - b.data[i]!)
    if (d !== d) return 'probe logits contain NaN (CPU or provider)'
    if (d > maxDiff) maxDiff = d
    const s = Math.abs(a.data[i]!)
    if (s > scale) scale = s
  }
  const tol = PROBE_RELATIVE_TOLERANCE * scale
  if (!(maxDiff <= tol)) {
    return `did not reproduce CPU logits on the probe input (max |diff| ${maxDiff.toExponential(2)} > ${tol.toExponential(2)})`
  }
  return null
}

export interface OpenedModel {
  session: DecoderSession
  report: ProviderReport
}

async function missingFileCheck(path: string): Promise<void> {
  const { stat } = await import('node:fs/promises')
  try {
    const s = await stat(path)
    if (s.isDirectory()) throw new InputError('is a folder, not an ONNX model', path)
    if (!s.isFile())
      throw new InputError('is not a regular file (a device, socket or pipe), not an ONNX model', path)
  } catch (err) {
    if (err instanceof InputError) throw err
    const code = (err as NodeJS.ErrnoException).code
    throw new InputError(
      code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? errorMessage(err)})`,
      path,
    )
  }
}

/** CPU load failures mean the file itself is wrong: say so, naming the file. */
function modelLoadError(path: string, err: unknown): Error {
  if (err instanceof InputError) return err
  const msg = explainProviderError('cpu', err)
  if (/protobuf|parsing failed|ModelProto|Load model/i.test(errorMessage(err))) {
    return new InputError(`not a loadable ONNX model (onnxruntime: ${msg})`, path)
  }
  return new InputError(`onnxruntime cannot load the model: ${msg}`, path)
}

/**
 * Opens a model on the requested provider ('auto' or a name). Auto falls back provider by provider
 * and ends on cpu; a forced provider that fails to load or to reproduce the CPU logits is an error.
 */
export async function openModel(path: string, provider: string, threads: number): Promise<OpenedModel> {
  const opened = await openOnProvider(path, provider, threads)
  // Which scoring path runs is reported beside the provider: a run says whether the log-softmax ran
  // inside onnxruntime or on the fetched logits, and why not where it fell back.
  opened.report.scoring = {
    path: opened.session.scoringPath,
    reason: opened.session.scoringPathReason,
  }
  return opened
}

async function openOnProvider(path: string, provider: string, threads: number): Promise<OpenedModel> {
  await missingFileCheck(path)
  const start = performance.now()
  const forced = provider !== 'auto'
  if (forced && !(PROVIDER_NAMES as readonly string[]).includes(provider)) {
    throw new InputError(`unknown provider "${provider}"; use auto or one of ${PROVIDER_NAMES.join(', ')}`)
  }
  const order: string[] = forced ? [provider] : providerOrder()
  const attempts: ProviderReport['attempts'] = []
  let cpu: DecoderSession | null = null
  const loadCpu = async (): Promise<DecoderSession> => {
    if (cpu) return cpu
    const t0 = performance.now()
    try {
      cpu = await DecoderSession.create(path, { provider: 'cpu', threads })
    } catch (err) {
      throw modelLoadError(path, err)
    }
    cpuLoadMs = performance.now() - t0
    return cpu
  }
  let cpuLoadMs = 0
  try {
    for (const name of order) {
      if (name === 'cpu') {
        const session = await loadCpu()
        attempts.push({ name, ok: true, loadMs: round(cpuLoadMs) })
        cpu = null // handed over; not disposed below
        return { session, report: { used: 'cpu', attempts, loadMs: round(performance.now() - start) } }
      }
      const skip = forced ? null : skipReason(name)
      if (skip) {
        attempts.push({ name, ok: false, reason: skip, loadMs: 0 })
        continue
      }
      const t0 = performance.now()
      let candidate: DecoderSession
      try {
        candidate = await DecoderSession.create(path, { provider: name, threads })
      } catch (err) {
        const reason = explainProviderError(name, err)
        attempts.push({ name, ok: false, reason, loadMs: round(performance.now() - t0) })
        if (forced)
          throw new Error(`execution provider "${name}" was requested but failed to load: ${reason}`)
        continue
      }
      const loadMs = round(performance.now() - t0)
      let reason: string | null
      try {
        reason = await probeAgainstCpu(candidate, await loadCpu())
      } catch (err) {
        if (err instanceof InputError) {
          await candidate.dispose()
          throw err
        }
        reason = `probe run failed: ${explainProviderError(name, err)}`
      }
      if (reason === null) {
        attempts.push({ name, ok: true, loadMs })
        return {
          session: candidate,
          report: { used: name, attempts, loadMs: round(performance.now() - start) },
        }
      }
      await candidate.dispose()
      attempts.push({ name, ok: false, reason, loadMs })
      if (forced) throw new Error(`execution provider "${name}" was requested but ${reason}`)
    }
    throw new Error('no execution provider could run the model')
  } finally {
    if (cpu) await (cpu as DecoderSession).dispose()
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10
}

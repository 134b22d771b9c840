/**
 * Where the time of one teacher-forcing forward goes, from onnxruntime's own kernel profile: the
 * product's forward (DecoderSession, the batch and logit rows runAnalysis uses), timed per kernel.
 *
 * Matrix products (MatMul, Gemm, FusedMatMul) are credited with the FLOPs their shapes imply, so the
 * bench can say how close the GEMM kernels themselves come to the measured peak, and therefore the
 * highest "% of peak" the whole forward could reach if every other kernel took no time at all.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DecoderSession } from '../src/main/engine/decoder-session'
import { planForward } from '../src/main/engine/scoring'

export const MATRIX_OPS = new Set(['MatMul', 'Gemm', 'FusedMatMul'])

export interface KernelEvent {
  cat?: string
  name: string
  ts: number
  dur: number
  args?: {
    op_name?: string
    input_type_shape?: Record<string, number[]>[]
    output_type_shape?: Record<string, number[]>[]
  }
}

export interface ForwardProfile {
  batch: number
  length: number
  keep: number
  /** Wall time of the profiled forward, ms. */
  forwardMs: number
  /** Kernel time by op type, ms, largest first. */
  ops: { op: string; ms: number }[]
  /** Time in matrix-product kernels, ms, and the FLOPs their shapes imply. */
  matrixMs: number
  matrixFlops: number
}

const shapeOf = (s: Record<string, number[]> | undefined): number[] => (s ? (Object.values(s)[0] ?? []) : [])
const product = (dims: number[]) => dims.reduce((a, b) => a * b, 1)

/** GFLOP/s of the forward's matrix-product kernels. */
export const matrixGflops = (p: ForwardProfile): number => p.matrixFlops / (p.matrixMs / 1000) / 1e9

/**
 * FLOPs of one matrix product from the profile's shapes: 2 x (output elements) x K. Weight initializers
 * are not listed among the inputs, so K is read from the first input: its last dimension, or the one
 * before when the output's row count shows it was transposed (FusedMatMul transA).
 */
export function matrixFlops(e: KernelEvent): number {
  const a = shapeOf(e.args?.input_type_shape?.[0])
  const out = shapeOf(e.args?.output_type_shape?.[0])
  if (a.length < 2 || out.length < 2) return 0
  const k = a[a.length - 2] === out[out.length - 2] ? a[a.length - 1]! : a[a.length - 2]!
  return 2 * product(out) * k
}

/** The events of the one profile onnxruntime wrote into `dir`. */
export function readProfile(dir: string): KernelEvent[] {
  const file = readdirSync(dir).find((f) => f.endsWith('.json'))
  if (!file) throw new Error(`onnxruntime wrote no profile into ${dir}`)
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as KernelEvent[]
}

/** The per-kernel events (one per node run), without the session and scheduling events. */
export function kernelEvents(events: KernelEvent[]): KernelEvent[] {
  return events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'))
}

/** Profiles the `warm`+1-th forward of `batch` random sequences (the bench's L, P, TF-only plan). */
export async function profileForward(
  modelPath: string,
  threads: number,
  batch: number,
  L: number,
  P: number,
  warm = 3,
): Promise<ForwardProfile> {
  const dir = mkdtempSync(join(tmpdir(), 'losslens-profile-'))
  try {
    const session = await DecoderSession.create(modelPath, {
      provider: 'cpu',
      threads,
      profilePrefix: join(dir, 'forward'),
    })
    const vocab = await session.ensureVocab()
    const plan = planForward(L + P, L, P, new Set(['teacherForcing']))
    if (!plan) throw new Error('no forward planned for teacher forcing')
    const seqs = Array.from({ length: batch }, (_, b) =>
      Array.from({ length: plan.length }, (_, t) => (b * 7919 + t * 104729) % vocab),
    )
    for (let i = 0; i < warm; i++) await session.forward(seqs, plan.keep)
    const t0 = performance.now()
    await session.forward(seqs, plan.keep)
    const forwardMs = performance.now() - t0
    session.endProfiling()
    await session.dispose()
    const events = readProfile(dir)
    // The last model_run is the timed forward; keep only the kernels inside it.
    const runs = events.filter((e) => e.name === 'model_run')
    const last = runs[runs.length - 1]
    if (!last) throw new Error('the profile has no model_run event')
    const kernels = kernelEvents(events).filter((e) => e.ts >= last.ts && e.ts + e.dur <= last.ts + last.dur)
    const byOp = new Map<string, number>()
    let matrixMs = 0
    let flops = 0
    for (const e of kernels) {
      const op = e.args?.op_name ?? '?'
      byOp.set(op, (byOp.get(op) ?? 0) + e.dur / 1000)
      if (MATRIX_OPS.has(op)) {
        matrixMs += e.dur / 1000
        flops += matrixFlops(e)
      }
    }
    const ops = [...byOp].map(([op, ms]) => ({ op, ms })).sort((a, b) => b.ms - a.ms)
    return { batch, length: plan.length, keep: plan.keep, forwardMs, ops, matrixMs, matrixFlops: flops }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

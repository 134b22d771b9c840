/**
 * onnxruntime's own GEMM peak on this machine: the best of a few 2048^3 fp32 MatMuls through a
 * one-node ONNX model (encoded here; no file needed), on the same threads as the bench. Timed by
 * onnxruntime's kernel profile, as the forward's GEMMs are, so that copying the 16 MB result out to
 * JavaScript is not charged to the kernel.
 *
 * The bench takes the best of this, PyTorch's figure and the forward's own GEMM rate as "the GEMM
 * peak", so that no library's weaker BLAS or a momentarily busy CPU makes the percentages look better
 * than they are.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { kernelEvents, readProfile } from './profile-forward'

// A protobuf writer just big enough for ModelProto (field numbers from onnx.proto).
const varint = (n: number): number[] => {
  const out: number[] = []
  while (n > 127) {
    out.push((n & 127) | 128)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return out
}
const int = (field: number, n: number) => [...varint(field << 3), ...varint(n)]
const bytes = (field: number, b: number[]) => [...varint((field << 3) | 2), ...varint(b.length), ...b]
const str = (field: number, s: string) => bytes(field, [...Buffer.from(s, 'utf8')])

/** ValueInfoProto of a 2-D float tensor with symbolic dims. */
function matrix(name: string, rows: string, cols: string): number[] {
  const dim = (p: string) => bytes(1, str(2, p)) // TensorShapeProto.dim { dim_param }
  const tensorType = [...int(1, 1), ...bytes(2, [...dim(rows), ...dim(cols)])] // elem_type FLOAT, shape
  return [...str(1, name), ...bytes(2, bytes(1, tensorType))] // name, type { tensor_type }
}

/** ModelProto bytes of C = MatMul(A, B) with A [m, k], B [k, n]. */
export function matMulModel(): Uint8Array {
  const node = [...str(1, 'A'), ...str(1, 'B'), ...str(2, 'C'), ...str(4, 'MatMul')]
  const graph = [
    ...bytes(1, node),
    ...str(2, 'matmul'),
    ...bytes(11, matrix('A', 'm', 'k')),
    ...bytes(11, matrix('B', 'k', 'n')),
    ...bytes(12, matrix('C', 'm', 'n')),
  ]
  const opset = [...str(1, ''), ...int(2, 17)]
  return Uint8Array.from([...int(1, 8), ...bytes(8, opset), ...bytes(7, graph)])
}

/** Best GFLOP/s of `tries` n x n x n fp32 MatMuls in onnxruntime on `threads` threads. */
export async function onnxruntimeGemmPeak(threads: number, n = 2048, tries = 6): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'losslens-peak-'))
  try {
    const session = await ort.InferenceSession.create(matMulModel(), {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      enableProfiling: true,
      profileFilePrefix: join(dir, 'matmul'),
    })
    const fill = () => Float32Array.from({ length: n * n }, (_, i) => ((i * 2654435761) % 1000) / 1000 - 0.5)
    const feeds = {
      A: new ort.Tensor('float32', fill(), [n, n]),
      B: new ort.Tensor('float32', fill(), [n, n]),
    }
    for (let i = 0; i <= tries; i++) await session.run(feeds) // the first warms the arena and thread pool
    session.endProfiling()
    await session.release()
    const runs = kernelEvents(readProfile(dir)).filter((e) => e.args?.op_name === 'MatMul')
    if (runs.length <= 1) throw new Error('the MatMul profile has no timed runs')
    const bestUs = Math.min(...runs.slice(1).map((e) => e.dur))
    return (2 * n ** 3) / (bestUs / 1e6) / 1e9
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

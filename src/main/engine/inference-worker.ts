/**
 * The inference worker: runs one job (analyze, describe or compare) off the caller's thread, because
 * onnxruntime's session.run is a blocking native call. Posts WorkerMessages; reads the shared cancel
 * flag between batches. Built by electron-vite as out/main/inference-worker.js.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { analyzeCore } from './analysis-core'
import { CancelledError, compareCore } from './compare'
import { describeSession } from './describe'
import { InputError, errorMessage } from './errors'
import { openModel } from './providers'
import type { WorkerData, WorkerMessage } from './worker-protocol'
import { yieldCpuToWindow } from './yield-cpu'

async function main(): Promise<void> {
  const port = parentPort
  if (!port) throw new Error('inference-worker must run as a worker thread')
  const { job, cancel } = workerData as WorkerData
  const flag = new Int32Array(cancel)
  const isCancelled = () => Atomics.load(flag, 0) === 1
  const post = (m: WorkerMessage) => port.postMessage(m)
  // Before any model is opened, so onnxruntime's threads inherit it (yield-cpu.ts).
  yieldCpuToWindow()
  try {
    switch (job.kind) {
      case 'analyze':
        for await (const event of analyzeCore(job.options, isCancelled)) post({ kind: 'event', event })
        break
      case 'describe': {
        const { session, report } = await openModel(job.path, job.provider, 0)
        try {
          await session.ensureVocab()
          post({ kind: 'result', value: { model: await describeSession(session), provider: report } })
        } finally {
          await session.dispose()
        }
        break
      }
      case 'compare':
        post({
          kind: 'result',
          value: await compareCore(job.options, isCancelled, (progress) =>
            post({ kind: 'progress', progress }),
          ),
        })
        break
    }
  } catch (err) {
    if (err instanceof CancelledError) post({ kind: 'cancelled' })
    else post({ kind: 'error', message: errorMessage(err), input: err instanceof InputError })
  }
}

void main()

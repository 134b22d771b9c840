/**
 * Spawns the inference worker for one job and turns its messages into an async iterable.
 * Under tsx/vitest the worker is the .ts source; built, it is inference-worker.js beside the bundle
 * that imports this module (out/main for the app, out/cli for the command line).
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { WorkerData, WorkerJob, WorkerMessage } from './worker-protocol'

/** The worker file beside this module, with this module's extension (.ts in source, .js when built). */
export function workerFile(base: string = import.meta.url): URL {
  const m = /\.(c|m)?(t|j)s$/.exec(new URL(base).pathname)
  const ext = m ? m[0] : '.js'
  const sibling = new URL(`./inference-worker${ext}`, base)
  // A bundler may move this code into a chunks/ folder below the entry points.
  const parent = new URL(`../inference-worker${ext}`, base)
  return existsSync(fileURLToPath(sibling)) || !existsSync(fileURLToPath(parent)) ? sibling : parent
}

/**
 * A worker for the .ts source (vitest, `node --import tsx`). `execArgv: ['--import', 'tsx']` is not
 * enough on Node 20: the worker's entry module is resolved before the flag's hooks apply ("Unknown file
 * extension .ts"). So a tiny eval'd bootstrap registers tsx's hooks through its public API
 * (`tsx/esm/api`) inside the worker first, then imports the entry. Built code never comes here.
 */
function tsWorker(file: URL, workerData: WorkerData): Worker {
  const api = import.meta.resolve('tsx/esm/api')
  const code = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(file.href)}) })`
  return new Worker(code, { eval: true, workerData })
}

/**
 * Runs a job in a fresh worker, yielding its messages until it ends. Aborting sets the shared cancel
 * flag (the worker stops between batches and says so); leaving the loop early terminates the worker.
 */
export async function* runInWorker(job: WorkerJob, signal?: AbortSignal): AsyncGenerator<WorkerMessage> {
  const file = workerFile()
  const cancel = new SharedArrayBuffer(4)
  const flag = new Int32Array(cancel)
  const data: WorkerData = { job, cancel }
  const worker = file.pathname.endsWith('.ts') ? tsWorker(file, data) : new Worker(file, { workerData: data })
  const queue: WorkerMessage[] = []
  let ended = false
  let failure: Error | null = null
  let wake: (() => void) | null = null
  const notify = () => {
    wake?.()
    wake = null
  }
  worker.on('message', (m: WorkerMessage) => {
    queue.push(m)
    notify()
  })
  worker.on('error', (err) => {
    failure = err
    notify()
  })
  worker.on('exit', (code) => {
    if (code !== 0 && !failure) failure = new Error(`the inference worker exited with code ${code}`)
    ended = true
    notify()
  })
  const onAbort = () => Atomics.store(flag, 0, 1)
  if (signal?.aborted) onAbort()
  signal?.addEventListener('abort', onAbort)
  try {
    for (;;) {
      while (queue.length > 0) yield queue.shift()!
      if (failure) throw failure
      if (ended) return
      await new Promise<void>((resolve) => (wake = resolve))
    }
  } finally {
    signal?.removeEventListener('abort', onAbort)
    if (!ended) await worker.terminate()
  }
}

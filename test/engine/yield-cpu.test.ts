/**
 * Inference yields the CPU to the window (engine/yield-cpu.ts): during a real run in the inference
 * worker, the threads doing the work (the worker and onnxruntime's) run at INFERENCE_NICE, and the
 * process's main thread (the app's main process, or the bridge server) keeps its priority. Read from
 * /proc, per thread: nice and the CPU time each used during the run.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runAnalysis } from '../../src/main/engine/analyze'
import { INFERENCE_NICE, yieldCpuToWindow } from '../../src/main/engine/yield-cpu'

const DEMO = join(__dirname, '../../resources/demo')

interface ThreadStat {
  comm: string
  nice: number
  cpuTicks: number
}
function threads(): Map<string, ThreadStat> {
  const out = new Map<string, ThreadStat>()
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      // Fields after "(comm) ": state is field 3, utime 14, stime 15, nice 19 (proc(5)).
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      out.set(tid, { comm, nice: Number(f[16]), cpuTicks: Number(f[11]) + Number(f[12]) })
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out
}

describe.runIf(process.platform === 'linux')('inference yields the CPU to the window', () => {
  it('runs the worker and onnxruntime threads at INFERENCE_NICE, the main thread at its own', async () => {
    const mainNice = threads().get(String(process.pid))!.nice
    const before = threads()
    // Snapshots at the first and the last sample: the scoring between them is the run's work (the
    // worker's start, which under tsx compiles TypeScript in a helper thread, is before the first).
    let first: Map<string, ThreadStat> | null = null
    let last = new Map<string, ThreadStat>()
    let samples = 0
    for await (const e of runAnalysis({
      runId: 'nice',
      label: 'nice',
      modelPath: join(DEMO, 'checkpoints/final/model.onnx'),
      tokenizerPath: join(DEMO, 'tokenizer.json'),
      dataPath: join(DEMO, 'eval_data_from_train.json'),
      settings: {
        inputLength: 64,
        predictLength: 30,
        measures: ['teacherForcing', 'autoregressive'],
        batchSize: 1,
        threads: 2,
        bos: 'no',
        provider: 'cpu',
        limit: 8,
      },
    })) {
      if (e.type === 'failed') throw new Error(e.message)
      if (e.type === 'sample') {
        samples++
        last = threads()
        first ??= last
      }
    }
    expect(samples).toBe(8)
    expect(threads().get(String(process.pid))!.nice).toBe(mainNice)
    // The run's own threads that worked between the first and the last sample: all lowered.
    const busy = [...last.entries()].filter(
      ([tid, t]) => !before.has(tid) && t.cpuTicks - (first?.get(tid)?.cpuTicks ?? 0) > 0,
    )
    expect(busy.length).toBeGreaterThan(0)
    for (const [tid, t] of busy)
      expect({ tid, nice: t.nice }).toEqual({ tid, nice: Math.max(INFERENCE_NICE, mainNice) })
  }, 120_000)

  it('does nothing where the priority is the whole process (macOS, Windows)', () => {
    expect(yieldCpuToWindow('darwin')).toBe(false)
    expect(yieldCpuToWindow('win32')).toBe(false)
  })
})

/**
 * Inference yields the CPU to the window. A run keeps every core busy (onnxruntime's threads), and on
 * a small machine the window's main thread then waits for a core: each of its tasks runs longer, and
 * the window feels slow while samples stream. On Linux a thread's nice value is its own and threads
 * inherit it from the thread that creates them, so lowering the inference worker's thread before it
 * opens a model lowers onnxruntime's threads too, and nothing else: an idle machine still gives the
 * run every core, a busy one gives the window its turn first.
 *
 * Elsewhere (macOS, Windows) the call sets the whole process's priority, which would slow the app's
 * main process too, so it is left alone there.
 */
import os from 'node:os'

/** The nice value of inference threads (0 normal, 19 lowest): below the window, well above idle. */
export const INFERENCE_NICE = 10

/** Lowers the calling thread (and the threads it starts later) to INFERENCE_NICE; true where it did. */
export function yieldCpuToWindow(platform: NodeJS.Platform = process.platform): boolean {
  if (platform !== 'linux') return false
  try {
    // pid 0: on Linux, setpriority(PRIO_PROCESS, 0) is the calling thread, not the process.
    if (os.getPriority(0) < INFERENCE_NICE) os.setPriority(0, INFERENCE_NICE)
    return true
  } catch {
    // A container that forbids it: the run goes on at normal priority.
    return false
  }
}

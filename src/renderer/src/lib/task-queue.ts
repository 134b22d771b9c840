/**
 * The window's heavy work, one piece per task: chart draws (ChartPanel) and the mounting of a view's
 * panels (InTurn). ECharts draws synchronously inside setOption and resize, and Vue mounts a whole tab
 * in one flush, so when several charts change together (a run's throttled version tick) or a tab with
 * five panels opens, doing it all in one task blocks input and paint for the sum. The queue runs each
 * piece in a task of its own, in the order asked, and lets the browser handle input and paint between.
 *
 * An owner asks again before its piece ran: the newer request replaces the waiting one, keeping its
 * place (only the latest option of a chart is worth drawing). Where the page sets
 * `globalThis.__losslensTaskTimings` (`npm run bench:ui` does), each piece is also recorded as a User
 * Timing measure named `task:<name>`, so the bench can name the slowest; off by default, as the
 * timeline keeps every measure for the page's life.
 */

/**
 * What a piece returns: 'frame' when it left work for the next animation frame (ECharts' lazyUpdate:
 * setOption merges the option now and lays out and paints in the frame), so the next piece waits for
 * that frame and the two halves of two charts never share a task. A function instead of 'frame' says
 * the same and is told how long that frame's work took (ms), so the owner can pace itself on the
 * whole cost of its draw.
 */
export type TaskResult = 'frame' | ((frameMs: number) => void) | void

interface Task {
  name: string
  run: () => TaskResult
}

const waiting = new Map<object, Task>()
let scheduled = false

/** Asks for `run` to do the work of `owner` (any object: one per chart or panel) in a task of its own. */
export function queueTask(owner: object, name: string, run: () => TaskResult): void {
  waiting.set(owner, { name, run })
  schedule()
}

/** Forgets an owner's waiting piece (its chart or panel is being unmounted). */
export function cancelTask(owner: object): void {
  waiting.delete(owner)
}

/** Pieces waiting, for tests. */
export function waitingTasks(): number {
  return waiting.size
}

function schedule(): void {
  if (scheduled || waiting.size === 0) return
  scheduled = true
  // A macrotask each: setTimeout yields to input and rendering; its 4 ms clamp after five nested
  // timeouts is no cost beside a chart draw.
  setTimeout(runNext, 0)
}

function runNext(): void {
  scheduled = false
  const next = waiting.entries().next()
  if (next.done) return
  const [owner, task] = next.value
  waiting.delete(owner)
  const t0 = performance.now()
  let result: TaskResult = undefined
  try {
    result = task.run()
  } catch (err) {
    // One chart or panel that fails must not stop the others waiting behind it.
    console.error(`LossLens: ${task.name} failed`, err)
  }
  measure(task.name, t0)
  if (result) afterFrame(task.name, result === 'frame' ? null : result)
  else schedule()
}

/**
 * Goes on after the next animation frame, and measures that frame's work: a rAF callback is given the
 * frame's start time, and ours was asked for after the piece ran, so it runs after the frame callbacks
 * already waiting (zrender's), whose time is now minus that start. A timer where there are no frames.
 */
function afterFrame(name: string, told: ((frameMs: number) => void) | null): void {
  scheduled = true
  const go = (): void => {
    scheduled = false
    schedule()
  }
  if (typeof requestAnimationFrame !== 'function') return void setTimeout(go, 16)
  requestAnimationFrame((frameStart) => {
    const end = performance.now()
    const frameMs = Math.max(0, end - frameStart)
    measure(`${name} (frame)`, frameStart, end)
    told?.(frameMs)
    setTimeout(go, 0)
  })
}

function measure(name: string, start: number, end = performance.now()): void {
  if (!(globalThis as { __losslensTaskTimings?: boolean }).__losslensTaskTimings) return
  try {
    performance.measure(`task:${name}`, { start, end })
  } catch {
    // Engines without the options form of measure(): the timing is only for the bench.
  }
}

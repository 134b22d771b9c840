/**
 * Runs an IsolatedTask in a fresh child process and returns its result. The child is a plain Node
 * process (child_process.fork) under the CLI and the bridge, and Electron's utilityProcess in the app
 * (index.ts installs that launcher). When the child dies (a native abort, a kill, running out of
 * memory) the task fails with an InputError naming the file, and the caller lives on.
 */
import { fork } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { InputError } from '../errors'
import {
  taskFile,
  type ChildMessage,
  type IsolatedResults,
  type IsolatedTask,
  type ParentMessage,
} from './protocol'

/** A started child: what the client needs from node's ChildProcess or Electron's UtilityProcess. */
export interface ChildHandle {
  send(m: ParentMessage): void
  onMessage(cb: (m: ChildMessage) => void): void
  /** Called once when the child ends: exit code, or the signal that ended it. */
  onExit(cb: (code: number | null, signal: string | null) => void): void
  kill(): void
}

export type ChildLauncher = (entry: string) => ChildHandle

/** The child's entry beside this module (.ts in source; out/main/isolated-child.js when built). */
export function childEntry(base: string = import.meta.url): string {
  const m = /\.(c|m)?(t|j)s$/.exec(new URL(base).pathname)
  const ext = m ? m[0] : '.js'
  const candidates = ext.endsWith('ts')
    ? [new URL(`./child-main${ext}`, base)]
    : [new URL(`./isolated-child${ext}`, base), new URL(`../isolated-child${ext}`, base)]
  const found = candidates.find((u) => existsSync(fileURLToPath(u))) ?? candidates[0]!
  return fileURLToPath(found)
}

/** node's fork(): with tsx's loader for the .ts source; as plain Node under Electron's binary. */
export const forkLauncher: ChildLauncher = (entry) => {
  const child = fork(entry, [], {
    execArgv: entry.endsWith('.ts') ? ['--import', 'tsx'] : [],
    env: { ...process.env, ...(process.versions['electron'] ? { ELECTRON_RUN_AS_NODE: '1' } : {}) },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'advanced',
  })
  // Keep the child's stderr (a native abort's report) out of the caller's output, but drain it.
  child.stderr?.resume()
  return {
    send: (m) => void child.send(m),
    onMessage: (cb) => child.on('message', (m) => cb(m as ChildMessage)),
    onExit: (cb) => child.once('exit', (code, signal) => cb(code, signal)),
    kill: () => void child.kill('SIGKILL'),
  }
}

/**
 * Runs tasks in this process, without isolation: for tests that check messages and exit codes of
 * many cheap bad inputs (the spawned tests check that a real child contains a crash).
 */
export const inProcessLauncher: ChildLauncher = () => {
  let onMessage: (m: ChildMessage) => void = () => undefined
  let killed = false
  return {
    send: (m) => {
      void import('./tasks').then(({ runTask }) =>
        runTask(m.task, (x) => onMessage(x)).then(
          (value) => !killed && onMessage({ kind: 'result', value }),
          (err: unknown) =>
            !killed &&
            onMessage({
              kind: 'error',
              message: err instanceof Error ? err.message : String(err),
              input: err instanceof InputError,
            }),
        ),
      )
    },
    onMessage: (cb) => (onMessage = cb),
    onExit: () => undefined,
    kill: () => void (killed = true),
  }
}

let launcher: ChildLauncher = forkLauncher

/** Replaces how children are started (the Electron app uses utilityProcess). */
export function setChildLauncher(l: ChildLauncher): void {
  launcher = l
}

export interface IsolatedOptions {
  onProgress?: (done: number, total: number) => void
  /** Aborting kills the child; the promise rejects with an AbortError. */
  signal?: AbortSignal
}

/** Runs one task in a new child; resolves with its result, rejects with its error (InputError kept). */
export function runIsolated<K extends IsolatedTask['kind']>(
  task: Extract<IsolatedTask, { kind: K }>,
  options: IsolatedOptions = {},
): Promise<IsolatedResults[K]> {
  const { signal } = options
  if (signal?.aborted) return Promise.reject(new DOMException('the task was cancelled', 'AbortError'))
  return new Promise((resolve, reject) => {
    const child = launcher(childEntry())
    let settled = false
    let exited = false
    const finish = (fn: () => void) => {
      if (settled) return
      settled = true
      signal?.removeEventListener('abort', onAbort)
      // One task per child: it is ended as soon as the task is, whatever the outcome.
      if (!exited) child.kill()
      fn()
    }
    const onAbort = () => finish(() => reject(new DOMException('the task was cancelled', 'AbortError')))
    signal?.addEventListener('abort', onAbort)
    child.onMessage((m) => {
      if (m.kind === 'progress') options.onProgress?.(m.done, m.total)
      else if (m.kind === 'result') finish(() => resolve(m.value as IsolatedResults[K]))
      else if (m.kind === 'error')
        finish(() => reject(m.input ? new InputError(m.message) : new Error(m.message)))
    })
    child.onExit((code, sig) => {
      exited = true
      const file = taskFile(task)
      const how = sig ? `was ended by ${sig}` : `exited with code ${code}`
      finish(() =>
        reject(
          new InputError(
            `reading this file stopped LossLens's helper process (it ${how}); the file is probably corrupt or too large`,
            file,
          ),
        ),
      )
    })
    child.send({ kind: 'task', task })
  })
}

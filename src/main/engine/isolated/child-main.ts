/**
 * The file-parsing child process: runs one IsolatedTask sent by the parent and exits. Weight
 * verification, data checks, training logs and dataset reads run here, so that a file that makes
 * Node or a native module abort ends this process, not the app, the bridge or the CLI.
 * Built by electron-vite as out/main/isolated-child.js.
 */
import { InputError, errorMessage } from '../errors'
import type { ChildMessage, ParentMessage } from './protocol'
import { runTask } from './tasks'

interface Port {
  send(m: ChildMessage): void
  onTask(cb: (m: ParentMessage) => void): void
}

/** node's fork() gives process.send; Electron's utilityProcess gives process.parentPort. */
function port(): Port {
  const parentPort = (
    process as unknown as { parentPort?: NodeJS.EventEmitter & { postMessage(m: unknown): void } }
  ).parentPort
  if (parentPort) {
    return {
      send: (m) => parentPort.postMessage(m),
      onTask: (cb) => parentPort.on('message', (e: { data: ParentMessage }) => cb(e.data)),
    }
  }
  if (!process.send) throw new Error('isolated-child must be started by the LossLens parent process')
  return {
    send: (m) => process.send!(m),
    onTask: (cb) => process.on('message', (m: ParentMessage) => cb(m)),
  }
}

const p = port()
p.onTask((m) => {
  if (m?.kind !== 'task') return
  runTask(m.task, p.send).then(
    (value) => p.send({ kind: 'result', value }),
    (err: unknown) => p.send({ kind: 'error', message: errorMessage(err), input: err instanceof InputError }),
  )
})

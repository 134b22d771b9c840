/**
 * The file-parsing child process: runs one IsolatedTask sent by the parent and exits. Weight
 * verification, data checks, training logs and dataset reads run here, so that a file that makes
 * Node or a native module abort ends this process, not the app, the bridge or the CLI.
 * Built by electron-vite as out/main/isolated-child.js.
 */
import { readSamples } from '../dataset'
import { InputError, errorMessage } from '../errors'
import { checkDataConsistency } from '../evidence/data-consistency'
import { readTrainLog } from '../evidence/train-log'
import { verifyWeights } from '../weights/match-weights'
import type { ChildMessage, IsolatedTask, ParentMessage } from './protocol'

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

async function run(task: IsolatedTask, send: (m: ChildMessage) => void): Promise<unknown> {
  switch (task.kind) {
    case 'verifyWeights':
      return verifyWeights(task.checkpointPath, task.modelPath, {
        ...(task.rtol !== undefined ? { rtol: task.rtol } : {}),
      })
    case 'checkData': {
      let percent = -1
      return checkDataConsistency(task.evalPath, task.trainPath, {
        onProgress: (done, total) => {
          const now = Math.floor((100 * done) / Math.max(total, 1))
          if (now === percent) return
          percent = now
          send({ kind: 'progress', done, total })
        },
      })
    }
    case 'parseTrainLog':
      return readTrainLog(task.path, task.tail !== undefined ? { tail: task.tail } : {})
    case 'countSamples':
      return (await readSamples(task.dataPath)).length
    case 'sampleText': {
      const sample = (await readSamples(task.dataPath)).find((s) => s.index === task.index)
      if (!sample) throw new InputError(`no sample ${task.index}`, task.dataPath)
      return sample.text
    }
    case 'selfTest':
      if (task.how === 'abort') process.abort()
      if (task.how === 'hang') await new Promise(() => setInterval(() => undefined, 1000))
      return 'ok'
  }
}

const p = port()
p.onTask((m) => {
  if (m?.kind !== 'task') return
  run(m.task, p.send).then(
    (value) => p.send({ kind: 'result', value }),
    (err: unknown) => p.send({ kind: 'error', message: errorMessage(err), input: err instanceof InputError }),
  )
})

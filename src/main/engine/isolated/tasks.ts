/** What the file-parsing child does for each task (child-main.ts runs it; tests may run it in-process). */
import { readSamples } from '../dataset'
import { InputError } from '../errors'
import { checkDataConsistency } from '../evidence/data-consistency'
import { readTrainLog } from '../evidence/train-log'
import { TextTokenizer } from '../tokenizer'
import { verifyWeights } from '../weights/match-weights'
import type { ChildMessage, IsolatedTask } from './protocol'

export async function runTask(task: IsolatedTask, send: (m: ChildMessage) => void): Promise<unknown> {
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
    case 'tokenizerFit': {
      const tokenizer = await TextTokenizer.load(task.tokenizerPath)
      if (task.vocab !== null) tokenizer.checkFits(task.vocab, task.modelPath)
      return tokenizer.size
    }
    case 'selfTest':
      if (task.how === 'abort') process.abort()
      if (task.how === 'hang') await new Promise(() => setInterval(() => undefined, 1000))
      return 'ok'
  }
}

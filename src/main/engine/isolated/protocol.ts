/** Messages between the main process and the file-parsing child (child-main.ts). */
import type { DataConsistency, TrainLog, WeightReport } from '../../../shared/evidence'

/** A task that parses user files: run in a child process so that even a native abort ends only the task. */
export type IsolatedTask =
  | { kind: 'verifyWeights'; checkpointPath: string; modelPath: string; rtol?: number }
  | { kind: 'checkData'; evalPath: string; trainPath: string }
  | { kind: 'parseTrainLog'; path: string; tail?: number }
  | { kind: 'countSamples'; dataPath: string }
  | { kind: 'sampleText'; dataPath: string; index: number }
  /** Loads tokenizer.json and, when the model's vocabulary is known, refuses it as a run would (checkFits). */
  | { kind: 'tokenizerFit'; tokenizerPath: string; modelPath: string; vocab: number | null }
  /** Tests only: ends the child the way a native fault would. */
  | { kind: 'selfTest'; how: 'abort' | 'hang' | 'ok' }

export interface IsolatedResults {
  verifyWeights: WeightReport
  checkData: DataConsistency
  parseTrainLog: TrainLog
  countSamples: number
  sampleText: string
  tokenizerFit: number
  selfTest: string
}

export type ChildMessage =
  | { kind: 'progress'; done: number; total: number }
  | { kind: 'result'; value: unknown }
  /** `input` marks an InputError (the user's file), `usage` a UsageError. */
  | { kind: 'error'; message: string; input: boolean }

export type ParentMessage = { kind: 'task'; task: IsolatedTask }

/** The file a task is about, to name it when the child dies. */
export function taskFile(task: IsolatedTask): string | undefined {
  switch (task.kind) {
    case 'verifyWeights':
      return task.checkpointPath
    case 'checkData':
      return task.trainPath
    case 'parseTrainLog':
      return task.path
    case 'countSamples':
    case 'sampleText':
      return task.dataPath
    case 'tokenizerFit':
      return task.tokenizerPath
    default:
      return undefined
  }
}

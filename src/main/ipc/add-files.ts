/**
 * Files dropped on the window, sorted into the open experiment by what they are: an .onnx becomes a
 * checkpoint (with the tokenizer.json dropped with it or lying beside it), a .pth its source, a JSON
 * or JSONL a dataset (a training JSONL the training data of a dataset drawn from training), a log the
 * training log. What cannot be placed is listed with the reason.
 */
import fs from 'node:fs'
import { basename, dirname, join } from 'node:path'
import {
  newCheckpointRef,
  type CheckpointRef,
  type DatasetRef,
  type Experiment,
} from '../../shared/experiment'
import { uniqueSlug } from '../../shared/slug'
import { withFoundStep } from '../store/checkpoint-step'

export interface AddFilesResult {
  experiment: Experiment
  added: string[]
  ignored: { path: string; reason: string }[]
}

type Kind = 'onnx' | 'tokenizer' | 'source' | 'dataset' | 'trainData' | 'log' | 'onnxData' | 'metadata'

/** Files that come with models and tokenizers but are neither samples nor logs. */
const METADATA =
  /^(tokenizer_config|special_tokens_map|added_tokens|config|generation_config|genai_config|manifest|vocab|preprocessor_config)\.json$|^merges\.txt$|^(readme|license|notice)/

function kindOf(path: string): Kind | null {
  const name = basename(path).toLowerCase()
  if (name.endsWith('.onnx')) return 'onnx'
  if (name.endsWith('.onnx.data') || name.endsWith('.onnx_data')) return 'onnxData'
  if (METADATA.test(name)) return 'metadata'
  if (name.endsWith('tokenizer.json')) return 'tokenizer'
  if (/\.(pth|pt|safetensors|bin)$/.test(name)) return 'source'
  // "train.jsonl", "pretrain_hq.jsonl"; not "eval_data_from_train.jsonl".
  if (name.endsWith('.jsonl') && /train|sft/.test(name) && !/eval|test|valid|heldout/.test(name))
    return 'trainData'
  if (/\.(json|jsonl)$/.test(name)) return 'dataset'
  if (/\.(log|txt|csv|out)$/.test(name)) return 'log'
  return null
}

/** A label from a model file: its folder's name for "model.onnx", else the file name without extension. */
export function labelOf(modelPath: string): string {
  const stem = basename(modelPath).replace(/\.onnx$/i, '')
  return /^(model|decoder_model(_merged)?)(\.plain)?$/.test(stem)
    ? basename(dirname(modelPath)) || stem
    : stem
}

/** Sorts absolute, already-permitted `paths` into `experiment`; returns the changed experiment. */
export function addFiles(experiment: Experiment, paths: string[]): AddFilesResult {
  const e: Experiment = {
    ...experiment,
    checkpoints: [...experiment.checkpoints],
    datasets: [...experiment.datasets],
  }
  const added: string[] = []
  const ignored: AddFilesResult['ignored'] = []
  const byKind = new Map<Kind, string[]>()
  for (const path of paths) {
    let stat: fs.Stats
    try {
      stat = fs.statSync(path)
    } catch {
      ignored.push({ path, reason: 'file not found' })
      continue
    }
    const kind = stat.isFile() ? kindOf(path) : null
    if (!kind) {
      ignored.push({
        path,
        reason: stat.isFile() ? 'not a kind of file LossLens uses' : 'a folder, not a file',
      })
      continue
    }
    byKind.set(kind, [...(byKind.get(kind) ?? []), path])
  }
  const of = (k: Kind) => byKind.get(k) ?? []
  const droppedTokenizer = of('tokenizer')[0]

  const newCheckpoints: CheckpointRef[] = []
  for (const modelPath of of('onnx')) {
    const beside = join(dirname(modelPath), 'tokenizer.json')
    const tokenizerPath =
      droppedTokenizer ??
      (fs.existsSync(beside) ? beside : e.checkpoints.find((c) => c.tokenizerPath)?.tokenizerPath)
    if (!tokenizerPath) {
      ignored.push({
        path: modelPath,
        reason: 'no tokenizer.json beside it: drop the tokenizer together with the model',
      })
      continue
    }
    const label = labelOf(modelPath)
    const ref = newCheckpointRef(e, { label, modelPath, tokenizerPath })
    e.checkpoints.push(ref)
    newCheckpoints.push(ref)
    added.push(modelPath)
  }
  for (const path of of('onnxData'))
    ignored.push({ path, reason: 'external weights: loaded with their .onnx' })
  for (const path of of('metadata'))
    ignored.push({ path, reason: 'model or tokenizer metadata, not needed: LossLens reads tokenizer.json' })

  if (droppedTokenizer) {
    const targets = newCheckpoints.length > 0 ? [] : e.checkpoints.filter((c) => !c.tokenizerPath)
    if (newCheckpoints.length > 0 || targets.length > 0) {
      e.checkpoints = e.checkpoints.map((c) =>
        targets.includes(c) ? { ...c, tokenizerPath: droppedTokenizer } : c,
      )
      added.push(droppedTokenizer)
    } else
      ignored.push({
        path: droppedTokenizer,
        reason: 'a tokenizer is used with a model: drop it with the .onnx',
      })
  }
  for (const extra of of('tokenizer').slice(1))
    ignored.push({ path: extra, reason: 'only one tokenizer per drop' })

  for (const sourcePath of of('source')) {
    const target = sourceTarget(e.checkpoints, newCheckpoints, sourcePath)
    if (!target) {
      ignored.push({
        path: sourcePath,
        reason: 'cannot tell which checkpoint it belongs to: drop it with its .onnx',
      })
      continue
    }
    e.checkpoints = e.checkpoints.map((c) => (c.id === target.id ? { ...c, sourcePath } : c))
    added.push(sourcePath)
  }

  // The step each new checkpoint was saved at, from its manifest or names (with its source now known).
  const fresh = new Set(newCheckpoints.map((c) => c.id))
  e.checkpoints = e.checkpoints.map((c) => (fresh.has(c.id) ? withFoundStep(c) : c))

  for (const path of of('dataset')) {
    const label = basename(path)
    const ref: DatasetRef = {
      id: uniqueSlug(
        label.replace(/\.jsonl?$/i, ''),
        e.datasets.map((d) => d.id),
        'dataset',
      ),
      label,
      path,
    }
    if (/from_?train/i.test(label)) ref.fromTraining = true
    e.datasets.push(ref)
    added.push(path)
  }
  for (const path of of('trainData')) {
    const candidates = e.datasets.filter((d) => !d.trainPath)
    const target =
      candidates.find((d) => d.fromTraining) ?? (candidates.length === 1 ? candidates[0] : undefined)
    if (target) {
      e.datasets = e.datasets.map((d) => (d === target ? { ...d, trainPath: path } : d))
      added.push(path)
    } else {
      // No dataset waiting for its training data: the file is samples in its own right.
      const label = basename(path)
      e.datasets.push({
        id: uniqueSlug(
          label.replace(/\.jsonl$/i, ''),
          e.datasets.map((d) => d.id),
          'dataset',
        ),
        label,
        path,
      })
      added.push(path)
    }
  }

  const logs = of('log')
  if (logs[0]) {
    e.trainingLog = logs[0]
    added.push(logs[0])
  }
  for (const extra of logs.slice(1))
    ignored.push({ path: extra, reason: 'an experiment has one training log' })

  return { experiment: e, added, ignored }
}

/** The checkpoint a dropped .pth belongs to: the one dropped with it, one in the same folder, or the only one. */
function sourceTarget(
  all: CheckpointRef[],
  fresh: CheckpointRef[],
  sourcePath: string,
): CheckpointRef | undefined {
  if (fresh.length === 1) return fresh[0]
  const sameFolder = all.filter((c) => dirname(c.modelPath) === dirname(sourcePath))
  if (sameFolder.length === 1) return sameFolder[0]
  const without = all.filter((c) => !c.sourcePath)
  return without.length === 1 ? without[0] : all.length === 1 ? all[0] : undefined
}

/**
 * What an ONNX decoder's inputs and outputs say about how to drive it: which form it is, where its
 * KV cache lives and in which layout, and which optional inputs (position_ids, logits_to_keep,
 * use_cache_branch) must be fed. Pure: works on the names, types and shapes onnxruntime reports.
 */
import { InputError } from './errors'

/** A graph input or output as onnxruntime reports it (the shared TensorInfo). */
export interface TensorInfo {
  name: string
  type: string
  shape: (number | string)[]
}

/** An input the engine feeds, with the element type the graph declares. */
export interface FedInput {
  name: string
  type: string
  /** Rank as declared (0 for a scalar); logits_to_keep and use_cache_branch come as [] or [1]. */
  rank: number
}

/** One past/present tensor pair of the cache. */
export interface CacheSlot {
  input: string
  output: string
  type: string
  /** Declared input shape; symbolic dims are strings. */
  shape: (number | string)[]
  batchAxis: number
  seqAxis: number
}

export interface ModelLayout {
  form: 'plain' | 'optimum'
  /** separate: Optimum past_key_values.{i}.key|value; stacked: ORT GPT-2 converter past_{i} = [2, b, h, s, d]. */
  kvLayout: 'separate' | 'stacked' | null
  inputIds: FedInput
  attentionMask: FedInput | null
  positionIds: FedInput | null
  logitsToKeep: FedInput | null
  useCacheBranch: FedInput | null
  /** Past inputs with present outputs to feed back; empty when the model has no usable KV cache. */
  cache: CacheSlot[]
  /** Past inputs without matching present outputs: fed empty, never read back. */
  orphanPast: CacheSlot[]
  logits: string
  numLayers: number | null
  numKvHeads: number | null
  headDim: number | null
  vocabSize: number | null
  /** A batch dimension fixed to a number in the graph (1 for most static exports), else null. */
  fixedBatch: number | null
}

const SEPARATE = /^past_key_values\.(\d+)\.(key|value)$/
const STACKED = /^past_(\d+)$/

function fed(info: TensorInfo): FedInput {
  return { name: info.name, type: info.type, rank: info.shape.length }
}

const numeric = (d: number | string | undefined): number | null => (typeof d === 'number' && d > 0 ? d : null)

/** Reads a decoder's layout from its inputs and outputs; InputError naming what the graph lacks. */
export function detectLayout(inputs: TensorInfo[], outputs: TensorInfo[], file: string): ModelLayout {
  const byName = new Map(inputs.map((i) => [i.name, i]))
  const outNames = new Set(outputs.map((o) => o.name))
  const inputIds = byName.get('input_ids')
  const names = (list: TensorInfo[]) => list.map((t) => t.name).join(', ') || '(none)'
  if (!inputIds) {
    throw new InputError(
      `the model has no "input_ids" input (its inputs: ${names(inputs)}); not a decoder LossLens can drive`,
      file,
    )
  }
  if (inputIds.type !== 'int64' && inputIds.type !== 'int32') {
    throw new InputError(`"input_ids" is ${inputIds.type}; LossLens feeds int64 or int32 token ids`, file)
  }
  const logits = outputs.find((o) => o.name === 'logits')
  if (!logits) {
    throw new InputError(`the model has no "logits" output (its outputs: ${names(outputs)})`, file)
  }
  if (logits.type !== 'float32' && logits.type !== 'float16') {
    throw new InputError(`"logits" is ${logits.type}; LossLens reads float32 or float16 logits`, file)
  }

  const separate: CacheSlot[] = []
  const stacked: CacheSlot[] = []
  for (const info of inputs) {
    const m = SEPARATE.exec(info.name)
    if (m) {
      separate.push({
        input: info.name,
        output: `present.${m[1]}.${m[2]}`,
        type: info.type,
        shape: info.shape,
        batchAxis: 0,
        seqAxis: 2,
      })
      continue
    }
    const s = STACKED.exec(info.name)
    if (s && info.shape.length === 5 && info.shape[0] === 2) {
      stacked.push({
        input: info.name,
        output: `present_${s[1]}`,
        type: info.type,
        shape: info.shape,
        batchAxis: 1,
        seqAxis: 3,
      })
    }
  }
  const slots = separate.length > 0 ? separate : stacked
  const known = new Set([
    'input_ids',
    'attention_mask',
    'position_ids',
    'logits_to_keep',
    'num_logits_to_keep',
    'use_cache_branch',
    ...slots.map((s) => s.input),
  ])
  const unknown = inputs.filter((i) => !known.has(i.name))
  if (unknown.length > 0) {
    throw new InputError(
      `the model needs inputs LossLens does not know how to feed: ${unknown.map((u) => `${u.name} (${u.type} [${u.shape.join(', ')}])`).join(', ')}`,
      file,
    )
  }
  const withPresent = slots.filter((s) => outNames.has(s.output))
  const cache = withPresent.length === slots.length ? slots : []
  const orphanPast = cache.length > 0 ? [] : slots

  const first = slots[0]
  const layers = new Set(slots.map((s) => (SEPARATE.exec(s.input) ?? STACKED.exec(s.input))![1]))
  const keep = byName.get('logits_to_keep') ?? byName.get('num_logits_to_keep') ?? null
  if (keep && keep.type !== 'int64' && keep.type !== 'int32') {
    throw new InputError(`"${keep.name}" is ${keep.type}; expected an integer scalar`, file)
  }
  return {
    form: slots.length > 0 ? 'optimum' : 'plain',
    kvLayout: slots.length === 0 ? null : separate.length > 0 ? 'separate' : 'stacked',
    inputIds: fed(inputIds),
    attentionMask: byName.has('attention_mask') ? fed(byName.get('attention_mask')!) : null,
    positionIds: byName.has('position_ids') ? fed(byName.get('position_ids')!) : null,
    logitsToKeep: keep ? fed(keep) : null,
    useCacheBranch: byName.has('use_cache_branch') ? fed(byName.get('use_cache_branch')!) : null,
    cache,
    orphanPast,
    logits: logits.name,
    numLayers: slots.length > 0 ? layers.size : null,
    numKvHeads: first ? numeric(first.shape[first.batchAxis + 1]) : null,
    headDim: first ? numeric(first.shape[first.shape.length - 1]) : null,
    vocabSize: numeric(logits.shape[2]),
    fixedBatch: numeric(inputIds.shape[0]),
  }
}

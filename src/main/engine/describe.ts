/**
 * The shared ModelDescription of an ONNX decoder: its form and KV layout from the loaded session,
 * producer/opset/parameter count from the file's header, and plain-language notes on what can be
 * measured with it.
 */
import { stat } from 'node:fs/promises'
import type { ModelDescription } from '../../shared/model'
import type { DecoderSession } from './decoder-session'
import type { ModelLayout } from './layout'
import { readOnnxHeader } from './onnx-proto'

/** What LossLens can and cannot measure with a graph of this layout, in words. */
export function layoutNotes(layout: ModelLayout, vocab: number | null): string[] {
  const notes: string[] = []
  const kv = layout.cache.length > 0
  if (layout.form === 'plain') {
    notes.push(
      'Plain graph (input_ids -> logits, no KV cache): autoregressive decoding recomputes the whole prefix at every step ' +
        '(reported with usedKvCache = false), and the kvCache check is not measured.',
    )
  } else if (!kv) {
    notes.push(
      `The graph takes past key/values but returns no present.* outputs to feed back: it is run with an empty past, ` +
        'autoregressive decoding recomputes the prefix at every step and the kvCache check is not measured.',
    )
  } else {
    const shape = `${layout.numLayers ?? '?'} layers, ${layout.numKvHeads ?? '?'} KV heads, head dim ${layout.headDim ?? '?'}`
    notes.push(
      layout.kvLayout === 'stacked'
        ? `KV cache in the onnxruntime GPT-2 converter layout (${shape}; key and value stacked in one past_{i} tensor ` +
            'per layer, not the Optimum past_key_values.{i}.key|value names): all measures run, decoding uses the cache.'
        : `Optimum decoder with a KV cache (${shape}): all six measures run; autoregressive decoding uses the cache ` +
            'and the kvCache check compares it with full forwards.',
    )
  }
  if (layout.logitsToKeep) {
    notes.push(
      `Has ${layout.logitsToKeep.name}: only the logit rows a measure needs are computed and copied.`,
    )
  } else {
    notes.push(
      'No logits_to_keep input: the keepLast measures read the last rows of a full forward, which is exactly what ' +
        'logits_to_keep would have returned; every forward copies all logit rows.',
    )
  }
  if (layout.useCacheBranch) notes.push('Merged decoder (use_cache_branch): the flag is set per call.')
  if (!layout.positionIds && kv) notes.push('No position_ids input: the graph derives positions itself.')
  if (layout.inputIds.type === 'int32') notes.push('Token ids are fed as int32, as the graph declares.')
  if (layout.fixedBatch !== null) {
    notes.push(`Batch dimension fixed at ${layout.fixedBatch}: samples run ${layout.fixedBatch} at a time.`)
  }
  if (vocab === null)
    notes.push('The vocabulary size is symbolic in the graph; it is read from the first forward.')
  return notes
}

/** Builds the description of a loaded session (file header read from disk; absent fields stay null). */
export async function describeSession(session: DecoderSession): Promise<ModelDescription> {
  const { size } = await stat(session.path)
  let header: Awaited<ReturnType<typeof readOnnxHeader>> | null = null
  try {
    header = await readOnnxHeader(session.path)
  } catch {
    // onnxruntime loaded the file, so a header the reader cannot parse only costs the producer fields.
  }
  const L = session.layout
  const vocab = session.vocab
  return {
    path: session.path,
    fileBytes: size,
    form: L.form,
    inputs: session.inputs,
    outputs: session.outputs,
    numLayers: L.numLayers,
    numKvHeads: L.numKvHeads,
    headDim: L.headDim,
    vocabSize: vocab,
    opset: header?.opset ?? null,
    producer: header?.producer ? [header.producer, header.producerVersion].filter(Boolean).join(' ') : null,
    parameterCount: header ? header.parameterCount : null,
    hasKvCache: L.cache.length > 0,
    logitsToKeepInput: L.logitsToKeep?.name ?? null,
    hasPositionIds: L.positionIds !== null,
    hasAttentionMask: L.attentionMask !== null,
    hasUseCacheBranch: L.useCacheBranch !== null,
    inputIdsType: L.inputIds.type === 'int32' ? 'int32' : 'int64',
    notes: layoutNotes(L, vocab),
  }
}

/**
 * Scoring inside onnxruntime: nodes appended to a decoder's graph, in memory, so a forward returns the
 * log-probability of given target ids and each row's argmax instead of [batch, rows, vocab] logits.
 *
 *   target_ids      int64 [batch, rows, K]  input: K target ids per logit row
 *   target_logprobs float [batch, rows, K]  GatherElements(LogSoftmax(logits, vocab axis), target_ids)
 *   argmax          int64 [batch, rows]     ArgMax(logits, vocab axis): lowest id on ties, as math.ts's
 *
 * The model file is not changed. A protobuf parser merges a message field that occurs twice, and
 * concatenates its repeated fields: appending a second ModelProto.graph holding only the new nodes,
 * input and outputs to the file's bytes gives the graph with them added, without decoding or
 * re-encoding the rest (weights included). Where that is not known to be safe (see planGraphTargets)
 * the engine keeps today's path: logits copied out and scored in float64 (scoring.ts).
 */
import { open } from 'node:fs/promises'
import { readOnnxGraphSurface, type OnnxGraphSurface } from './onnx-proto'

export const TARGET_IDS = 'target_ids'
export const TARGET_LOGPROBS = 'target_logprobs'
export const ARGMAX = 'argmax'
/** Prefix of the intermediate values the appended nodes define. */
const PREFIX = 'losslens_graph_targets/'

/** Which path a session scores on: the appended nodes, or logits copied out (today's path). */
export type ScoringPath = 'graph' | 'logits'

export type GraphTargetsPlan =
  | { ok: true; logits: string; castFromFloat16: boolean; builtIn: false }
  /** The file already has the nodes (tools/export_onnx.py --target-logprobs): nothing to append. */
  | { ok: true; builtIn: true }
  | { ok: false; reason: string }

// TensorProto.DataType codes.
const FLOAT = 1
const INT64 = 7
const FLOAT16 = 10

/** Whether the nodes can be appended to this graph, and how; or why not, in words a run can show. */
export function planGraphTargets(surface: OnnxGraphSurface, logitsName = 'logits'): GraphTargetsPlan {
  const no = (reason: string): GraphTargetsPlan => ({ ok: false, reason })
  if (surface.graphFields !== 1) return no(`the file has ${surface.graphFields} graph fields, expected one`)
  if (surface.externalData) {
    // A model read from memory has no folder to resolve its external data files against.
    return no('its weights live in external data files')
  }
  if (surface.opset === null || surface.opset < 11) {
    return no(`its ai.onnx opset is ${surface.opset ?? 'not declared'}; GatherElements needs 11 or later`)
  }
  const input = surface.inputs.find((i) => i.name === TARGET_IDS)
  const lp = surface.outputs.find((o) => o.name === TARGET_LOGPROBS)
  const am = surface.outputs.find((o) => o.name === ARGMAX)
  if (
    input?.elemType === INT64 &&
    input.rank === 3 &&
    lp?.elemType === FLOAT &&
    lp.rank === 3 &&
    am?.elemType === INT64 &&
    am.rank === 2
  ) {
    return { ok: true, builtIn: true }
  }
  const logits = surface.outputs.find((o) => o.name === logitsName)
  if (!logits) return no(`it has no "${logitsName}" output`)
  if (logits.rank !== 3) {
    return no(
      `"${logitsName}" is declared with ${logits.rank === null ? 'no shape' : `rank ${logits.rank}`}, not [batch, rows, vocab]`,
    )
  }
  if (logits.elemType !== FLOAT && logits.elemType !== FLOAT16) {
    return no(`"${logitsName}" has element type ${logits.elemType}, neither float32 nor float16`)
  }
  const taken = [TARGET_IDS, TARGET_LOGPROBS, ARGMAX].filter(
    (n) => surface.names.has(n) || surface.outputs.some((o) => o.name === n),
  )
  const prefixed = [...surface.names].find((n) => n.startsWith(PREFIX))
  if (taken.length > 0 || prefixed) {
    return no(`the graph already defines ${[...taken, ...(prefixed ? [prefixed] : [])].join(', ')}`)
  }
  return { ok: true, logits: logitsName, castFromFloat16: logits.elemType === FLOAT16, builtIn: false }
}

// ---- protobuf encoding (onnx.proto field numbers) ----------------------------------------------

/** Encodes a non-negative integer as a protobuf varint. */
export function varint(value: number): Buffer {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`varint: ${value} is not a non-negative integer`)
  const bytes: number[] = []
  let v = value
  while (v >= 0x80) {
    bytes.push((v % 0x80) | 0x80)
    v = Math.floor(v / 0x80)
  }
  bytes.push(v)
  return Buffer.from(bytes)
}

/** A varint field (wire type 0). */
export function intField(field: number, value: number): Buffer {
  return Buffer.concat([varint(field * 8), varint(value)])
}

/** A length-delimited field (wire type 2): a string, bytes or an embedded message. */
export function bytesField(field: number, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload
  return Buffer.concat([varint(field * 8 + 2), varint(body.length), body])
}

/** AttributeProto of type INT. */
function intAttribute(name: string, value: number): Buffer {
  return Buffer.concat([bytesField(1, name), intField(3, value), intField(20, 2)])
}

/** NodeProto: inputs, outputs, name (default: its first output's), op_type and INT attributes. */
export function node(
  op: string,
  inputs: string[],
  outputs: string[],
  attrs: Record<string, number> = {},
  name = outputs[0]!,
): Buffer {
  return Buffer.concat([
    ...inputs.map((i) => bytesField(1, i)),
    ...outputs.map((o) => bytesField(2, o)),
    bytesField(3, name),
    bytesField(4, op),
    ...Object.entries(attrs).map(([k, v]) => bytesField(5, intAttribute(k, v))),
  ])
}

/** ValueInfoProto of a tensor with symbolic dimensions. */
export function tensorValueInfo(name: string, elemType: number, dims: string[]): Buffer {
  const shape = Buffer.concat(dims.map((d) => bytesField(1, bytesField(2, d))))
  const tensorType = Buffer.concat([intField(1, elemType), bytesField(2, shape)])
  return Buffer.concat([bytesField(1, name), bytesField(2, bytesField(1, tensorType))])
}

/** The bytes to append to a model file: a second ModelProto.graph (field 7) with the new nodes and values. */
export function graphTargetsFragment(plan: Extract<GraphTargetsPlan, { builtIn: false }>): Buffer {
  let logits = plan.logits
  const nodes: Buffer[] = []
  if (plan.castFromFloat16) {
    // LogSoftmax in float32 whatever the logits are: fp16 log-sum-exp would cost ~1e-3 nats.
    nodes.push(node('Cast', [logits], [`${PREFIX}logits_f32`], { to: FLOAT }))
    logits = `${PREFIX}logits_f32`
  }
  // Axis 2 rather than -1: negative attribute values need 10-byte varints, and GatherElements only
  // takes negative axes from opset 13. planGraphTargets made sure the logits have rank 3.
  nodes.push(node('LogSoftmax', [logits], [`${PREFIX}logprobs`], { axis: 2 }))
  nodes.push(node('GatherElements', [`${PREFIX}logprobs`, TARGET_IDS], [TARGET_LOGPROBS], { axis: 2 }))
  nodes.push(node('ArgMax', [logits], [ARGMAX], { axis: 2, keepdims: 0 }))
  const graph = Buffer.concat([
    ...nodes.map((n) => bytesField(1, n)),
    bytesField(11, tensorValueInfo(TARGET_IDS, INT64, ['target_batch', 'target_rows', 'target_k'])),
    bytesField(12, tensorValueInfo(TARGET_LOGPROBS, FLOAT, ['target_batch', 'target_rows', 'target_k'])),
    bytesField(12, tensorValueInfo(ARGMAX, INT64, ['target_batch', 'target_rows'])),
  ])
  return bytesField(7, graph)
}

/**
 * The model file's bytes with the scoring nodes appended (the session is then created from memory),
 * null bytes when the file already has them (created from its path), or why not.
 */
export async function loadWithGraphTargets(
  path: string,
): Promise<{ ok: true; bytes: Uint8Array | null } | { ok: false; reason: string }> {
  let plan: GraphTargetsPlan
  try {
    plan = planGraphTargets(await readOnnxGraphSurface(path))
  } catch (err) {
    return {
      ok: false,
      reason: `its graph could not be read (${err instanceof Error ? err.message : String(err)})`,
    }
  }
  if (!plan.ok) return plan
  if (plan.builtIn) return { ok: true, bytes: null }
  const fragment = graphTargetsFragment(plan)
  // One buffer for file and fragment: a model of hundreds of MB is not held twice.
  const fh = await open(path, 'r')
  try {
    const { size } = await fh.stat()
    const bytes = Buffer.allocUnsafe(size + fragment.length)
    let done = 0
    while (done < size) {
      const { bytesRead } = await fh.read(bytes, done, size - done, done)
      if (bytesRead === 0) return { ok: false, reason: 'the file was cut short while it was read' }
      done += bytesRead
    }
    fragment.copy(bytes, size)
    return { ok: true, bytes }
  } finally {
    await fh.close()
  }
}

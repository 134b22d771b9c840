/**
 * Weight verification: is this ONNX model made from this checkpoint? Tensors are paired by name
 * first (after canonicalising MiniMind's spellings), then by shape and value, because torch.onnx
 * renames MatMul weights (`onnx::MatMul_123`) and stores them transposed. Tied weights
 * (lm_head = embed_tokens) count once.
 *
 * Tolerance: one rounding from the more precise type to the less precise one moves a value by at
 * most the less precise type's unit roundoff u (fp32 2^-24, fp16 2^-11 ~ 4.9e-4, bf16 2^-8 ~ 3.9e-3)
 * relative to it. So |a - b| <= u * max(|a|, |b|) + u * 2^-14 (the last term covers fp16
 * subnormals) accepts an fp16 checkpoint against its fp32 export (observed diff: exactly 0), an fp32
 * export rounded to fp16, and a bf16 copy of the same weights, while any change of a weight by
 * more than that rounding is reported.
 */
import type { WeightReport } from '../../../shared/evidence'
import { readOnnxInitializers, type OnnxInitializer } from '../onnx-proto'
import { openCheckpoint, type CheckpointTensor } from './checkpoint'
import { isFloatType, UNIT_ROUNDOFF, type ElementType } from './float-bits'
import { candidateNames, canonicalTensorName, TIED_PAIR } from './tensor-names'

/** Options of a verification. */
export interface VerifyWeightsOptions {
  /** Relative tolerance overriding the per-type one (see the module comment). */
  rtol?: number
  /** Called after each checkpoint tensor is loaded, then after each initializer is examined. */
  onProgress?: (stage: 'checkpoint' | 'model', done: number, total: number) => void
  signal?: AbortSignal
}

/** One unique checkpoint tensor: the names that share it and its values. */
interface Group {
  names: string[]
  canonical: Set<string>
  shape: number[]
  type: ElementType
  values: Float32Array
  matchedTo: Init[]
  mismatch: { init: Init; diff: number } | null
}

interface Init {
  info: OnnxInitializer
  type: ElementType
  values: Float32Array | null
  /** Groups this initializer was matched to (several when an export merged equal tensors). */
  usedBy: Group[]
  consumed: boolean
}

type Layout = 'same' | 'transposed'

interface Comparison {
  within: boolean
  maxAbsDiff: number
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i])
}

/** How an initializer's shape relates to a checkpoint tensor's: equal, a 2-D transpose, or neither. */
function layoutsFor(group: Group, init: Init): Layout[] {
  const [r, c] = group.shape
  const transposable = group.shape.length === 2 && sameShape(init.info.dims, [c!, r!])
  if (sameShape(group.shape, init.info.dims)) return transposable ? ['same', 'transposed'] : ['same']
  return transposable ? ['transposed'] : []
}

/** Element-wise comparison under the tolerance; with `stopEarly`, returns at the first value outside it. */
function compare(
  group: Group,
  values: Float32Array,
  layout: Layout,
  rtol: number,
  stopEarly: boolean,
): Comparison {
  const a = group.values
  const atol = rtol * 2 ** -14
  const rows = group.shape[0] ?? 1
  const cols = group.shape[1] ?? 1
  let max = 0
  let within = a.length === values.length
  if (!within) return { within, maxAbsDiff: Infinity }
  for (let i = 0; i < a.length; i++) {
    // Checkpoint element (r, c) sits at (c, r) of a transposed initializer.
    const x = a[i]!
    const y = values[layout === 'same' ? i : (i % cols) * rows + Math.floor(i / cols)]!
    // NaN against NaN is equal (a weight that is NaN in both files was copied faithfully).
    const diff = x === y || (Number.isNaN(x) && Number.isNaN(y)) ? 0 : Math.abs(x - y)
    if (!(diff <= rtol * Math.max(Math.abs(x), Math.abs(y)) + atol)) {
      within = false
      if (stopEarly) return { within, maxAbsDiff: Number.isNaN(diff) ? Infinity : diff }
    }
    if (!(diff <= max)) max = Number.isNaN(diff) ? Infinity : diff
  }
  return { within, maxAbsDiff: max }
}

/** Verifies a checkpoint against an ONNX model's initializers. */
export async function verifyWeights(
  checkpointPath: string,
  modelPath: string,
  options: VerifyWeightsOptions = {},
): Promise<WeightReport> {
  const initializers = await readOnnxInitializers(modelPath)
  const checkpoint = await openCheckpoint(checkpointPath)
  // A checkpoint tensor can only pair with an initializer of as many elements (same shape or its
  // transpose): others are never read, so a huge tensor that matches nothing costs no memory.
  const counts = new Set(
    initializers
      .filter((i) => i.elementType !== null && isFloatType(i.elementType))
      .map((i) => i.dims.reduce((a, b) => a * b, 1)),
  )
  let groups: Group[]
  try {
    groups = await loadGroups(checkpoint.tensors, options, counts)
  } finally {
    await checkpoint.close()
  }
  const inits: Init[] = initializers
    .filter((i) => i.elementType !== null && isFloatType(i.elementType))
    .map((info) => ({ info, type: info.elementType!, values: null, usedBy: [], consumed: false }))

  const toleranceOf = (g: Group, i: Init): number =>
    options.rtol ?? Math.max(UNIT_ROUNDOFF[g.type], UNIT_ROUNDOFF[i.type])
  let tolerance = 0
  const valuesOf = async (init: Init): Promise<Float32Array> =>
    (init.values ??= await init.info.readFloat32())
  /** Best comparison over the allowed layouts; null when the shapes are incompatible. */
  const best = async (g: Group, init: Init, stopEarly: boolean) => {
    let result: (Comparison & { layout: Layout }) | null = null
    for (const layout of layoutsFor(g, init)) {
      const rtol = toleranceOf(g, init)
      const c = compare(g, await valuesOf(init), layout, rtol, stopEarly)
      if (
        !result ||
        (c.within && !result.within) ||
        (c.within === result.within && c.maxAbsDiff < result.maxAbsDiff)
      ) {
        result = { ...c, layout }
      }
    }
    return result
  }
  const accept = (g: Group, init: Init, rtol: number) => {
    g.matchedTo.push(init)
    init.usedBy.push(g)
    init.consumed = true
    tolerance = Math.max(tolerance, rtol)
  }
  const layoutOf = new Map<string, { layout: Layout; diff: number }>()
  const key = (g: Group, i: Init) => `${g.names[0]}\u0000${i.info.name}`

  // 1. By name.
  const byCanonical = new Map<string, Group>()
  for (const g of groups) for (const n of g.canonical) byCanonical.set(n, g)
  for (const init of inits) {
    const g = candidateNames(init.info.name)
      .map((n) => byCanonical.get(n))
      .find((x) => x !== undefined)
    if (!g || g.matchedTo.length > 0 || g.mismatch) continue
    const c = await best(g, init, false)
    if (!c) continue // same name, other shape: left to the value passes
    if (c.within) {
      accept(g, init, toleranceOf(g, init))
      layoutOf.set(key(g, init), { layout: c.layout, diff: c.maxAbsDiff })
    } else {
      g.mismatch = { init, diff: c.maxAbsDiff }
      init.consumed = true
    }
    init.values = null
  }

  // 2. By value, one initializer to one checkpoint tensor; tensors still unmatched first, then a
  //    tensor already matched (a tied weight exported twice, e.g. lm_head as a transposed MatMul).
  let examined = 0
  for (const init of inits) {
    options.signal?.throwIfAborted()
    options.onProgress?.('model', ++examined, inits.length)
    if (init.consumed) continue
    const open = groups.filter((g) => g.matchedTo.length === 0 && !g.mismatch)
    const matched = groups.filter((g) => g.matchedTo.length > 0)
    for (const g of [...open, ...matched]) {
      if ((await best(g, init, true))?.within) {
        const full = (await best(g, init, false))!
        accept(g, init, toleranceOf(g, init))
        layoutOf.set(key(g, init), { layout: full.layout, diff: full.maxAbsDiff })
        break
      }
    }
    init.values = null
  }

  // 3. A tensor whose values an export merged into an initializer already matched to another one.
  for (const g of groups.filter((x) => x.matchedTo.length === 0 && !x.mismatch)) {
    for (const init of inits.filter((i) => i.consumed && i.usedBy.length > 0)) {
      const within = (await best(g, init, true))?.within
      const full = within ? (await best(g, init, false))! : null
      init.values = null
      if (full) {
        accept(g, init, toleranceOf(g, init))
        layoutOf.set(key(g, init), { layout: full.layout, diff: full.maxAbsDiff })
        break
      }
    }
  }

  // 4. Whatever is left pairs with a same-shaped leftover initializer, in file order: a mismatch.
  for (const g of groups.filter((x) => x.matchedTo.length === 0 && !x.mismatch)) {
    for (const init of inits.filter((i) => !i.consumed)) {
      const c = await best(g, init, false)
      init.values = null
      if (c) {
        g.mismatch = { init, diff: c.maxAbsDiff }
        init.consumed = true
        break
      }
    }
  }

  // Same name, other shape: say so, since "only in the checkpoint" alone would hide why.
  const shapeMismatched: NonNullable<WeightReport['shapeMismatched']> = []
  for (const init of inits.filter((i) => !i.consumed)) {
    const g = candidateNames(init.info.name)
      .map((n) => byCanonical.get(n))
      .find((x) => x !== undefined)
    if (g && g.matchedTo.length === 0 && !g.mismatch) {
      shapeMismatched.push({
        checkpointName: g.names[0]!,
        modelName: init.info.name,
        checkpointShape: g.shape,
        modelShape: init.info.dims,
      })
    }
  }

  const matches: WeightReport['matches'] = []
  for (const g of groups) {
    for (const init of g.matchedTo) {
      const m = layoutOf.get(key(g, init))!
      matches.push({
        checkpointName: g.names[0]!,
        modelName: init.info.name,
        transposed: m.layout === 'transposed',
        tied: g.names.length > 1 || g.matchedTo.length > 1 || init.usedBy.length > 1,
        maxAbsDiff: m.diff,
      })
    }
  }
  return {
    checkpointPath,
    modelPath,
    matched: groups.filter((g) => g.matchedTo.length > 0).length,
    total: groups.length,
    maxAbsDiff: matches.reduce((m, x) => Math.max(m, x.maxAbsDiff), 0),
    unmatchedCheckpoint: groups
      .filter((g) => g.matchedTo.length === 0 && !g.mismatch)
      .map((g) => g.names[0]!),
    unmatchedModel: inits.filter((i) => !i.consumed).map((i) => i.info.name),
    mismatched: groups
      .filter((g) => g.mismatch)
      .map((g) => ({
        checkpointName: g.names[0]!,
        modelName: g.mismatch!.init.info.name,
        maxAbsDiff: g.mismatch!.diff,
      })),
    matches,
    tolerance: options.rtol ?? (tolerance || maxTolerance(groups, inits)),
    shapeMismatched,
  }
}

/** The tolerance that would apply when nothing matched (for the report's figure). */
function maxTolerance(groups: Group[], inits: Init[]): number {
  const types = [...groups.map((g) => g.type), ...inits.map((i) => i.type)]
  return types.reduce((m, t) => Math.max(m, UNIT_ROUNDOFF[t]), 0)
}

/**
 * Reads the checkpoint's float tensors once each, merging names that share bytes in the file
 * (torch's tied weights) and the embed/lm_head pair when saved as two equal copies.
 */
async function loadGroups(
  tensors: CheckpointTensor[],
  options: VerifyWeightsOptions,
  counts: Set<number>,
): Promise<Group[]> {
  const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1)
  const readers = new Map<Group, CheckpointTensor>()
  /** A group's values, read now when they were skipped above (only for the tied-weights check). */
  const valuesOf = async (g: Group) =>
    g.values.length === count(g.shape) ? g.values : await readers.get(g)!.read()
  const byShare = new Map<string, Group>()
  const groups: Group[] = []
  let done = 0
  for (const t of tensors) {
    options.signal?.throwIfAborted()
    options.onProgress?.('checkpoint', ++done, tensors.length)
    const share = t.shareKey !== null ? byShare.get(t.shareKey) : undefined
    if (share) {
      share.names.push(t.name)
      share.canonical.add(canonicalTensorName(t.name))
      continue
    }
    if (!isFloatType(t.elementType)) continue // integer buffers (step counters) are not weights
    const group: Group = {
      names: [t.name],
      canonical: new Set([canonicalTensorName(t.name)]),
      shape: t.shape,
      type: t.elementType,
      values: counts.has(count(t.shape)) ? await t.read() : new Float32Array(0),
      matchedTo: [],
      mismatch: null,
    }
    if (t.shareKey !== null) byShare.set(t.shareKey, group)
    readers.set(group, t)
    groups.push(group)
  }
  const [embed, head] = TIED_PAIR.map((n) => groups.find((g) => g.canonical.has(n)))
  if (
    embed &&
    head &&
    embed !== head &&
    sameShape(embed.shape, head.shape) &&
    equalValues(await valuesOf(embed), await valuesOf(head))
  ) {
    embed.names.push(...head.names)
    for (const n of head.canonical) embed.canonical.add(n)
    groups.splice(groups.indexOf(head), 1)
  }
  return groups
}

function equalValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

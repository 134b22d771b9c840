/** `losslens verify-weights --checkpoint X.pth|X.safetensors --model Y.onnx [--json]` */
import type { WeightReport } from '../../shared/evidence'
import { runIsolated } from '../engine/isolated/client'
import { UsageError } from '../engine/errors'
import { EXIT } from './exit-codes'
import { parseCommandArgs, printJson, required } from './args'

const USAGE = `usage: losslens verify-weights --checkpoint X.pth|X.safetensors --model Y.onnx [--rtol R] [--json]

Matches the checkpoint's tensors against the ONNX model's initializers by name, then by shape and
value (transposes and tied embeddings allowed). Exit code 1 when any checkpoint tensor does not match,
3 when a file is missing or unreadable.`

/** Runs the command; 0 when every unique checkpoint tensor matched. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    checkpoint: { type: 'string' },
    model: { type: 'string' },
    rtol: { type: 'string' },
    json: { type: 'boolean' },
  })
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  const rtol = values.rtol === undefined ? undefined : Number(values.rtol)
  if (rtol !== undefined && !(rtol >= 0))
    throw new UsageError(`--rtol must be a number >= 0, got "${values.rtol}"`)
  // In a child process: a checkpoint that makes Node abort ends the check with an error, not the CLI.
  const report = await runIsolated({
    kind: 'verifyWeights',
    checkpointPath: required(values.checkpoint, 'checkpoint'),
    modelPath: required(values.model, 'model'),
    ...(rtol !== undefined ? { rtol } : {}),
  })
  if (values.json) printJson(report)
  else console.log(summary(report))
  return report.matched === report.total ? EXIT.ok : EXIT.problem
}

function summary(r: WeightReport): string {
  const exact = r.matches.filter((m) => m.maxAbsDiff === 0)
  const how =
    r.matched === 0
      ? ''
      : r.maxAbsDiff === 0
        ? ' exactly (max |diff| 0)'
        : `, max |diff| ${fmt(r.maxAbsDiff)}: within ${precisionOf(r.tolerance)} rounding, not exactly ` +
          `(${new Set(exact.map((m) => m.checkpointName)).size} exact)`
  const lines = [`${r.matched}/${r.total} unique tensors matched${how}`]
  const transposed = r.matches.filter((m) => m.transposed).length
  const tied = [...new Set(r.matches.filter((m) => m.tied).map((m) => m.checkpointName))]
  if (transposed > 0) lines.push(`  ${transposed} initializer(s) stored transposed (MatMul weights)`)
  if (tied.length > 0) lines.push(`  tied weights, counted once: ${tied.join(', ')}`)
  if (r.mismatched.length > 0) {
    lines.push(
      `mismatched (values differ beyond ${precisionOf(r.tolerance)} rounding, ${fmt(r.tolerance)} relative):`,
    )
    for (const m of r.mismatched)
      lines.push(`  ${m.checkpointName}  vs  ${m.modelName}  max |diff| ${fmt(m.maxAbsDiff)}`)
  }
  const shapes = r.shapeMismatched ?? []
  if (shapes.length > 0) {
    lines.push('same name, other shape (another model configuration?):')
    for (const s of shapes) {
      lines.push(
        `  ${s.checkpointName} [${s.checkpointShape.join(', ')}]  vs  ${s.modelName} [${s.modelShape.join(', ')}]`,
      )
    }
  }
  const onlyCheckpoint = r.unmatchedCheckpoint.filter((n) => !shapes.some((s) => s.checkpointName === n))
  const onlyModel = r.unmatchedModel.filter((n) => !shapes.some((s) => s.modelName === n))
  if (onlyCheckpoint.length > 0) lines.push(`only in the checkpoint: ${onlyCheckpoint.join(', ')}`)
  if (onlyModel.length > 0) lines.push(`only in the model: ${onlyModel.join(', ')}`)
  return lines.join('\n')
}

/** The float format whose rounding a relative tolerance stands for. */
function precisionOf(tolerance: number): string {
  if (tolerance >= 2 ** -8) return 'bf16'
  if (tolerance >= 2 ** -11) return 'fp16'
  return 'fp32'
}

function fmt(n: number): string {
  return n === 0 ? '0' : Math.abs(n) >= 1e-3 && Math.abs(n) < 1e4 ? n.toPrecision(4) : n.toExponential(2)
}

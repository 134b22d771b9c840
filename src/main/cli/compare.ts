/**
 * `losslens compare`: two checkpoints on the same samples. Prints the per-sample teacher-forcing
 * losses side by side and the token statistics (KL(base || other) over the target rows, the first
 * model as base), or with --json one object: TokenComparison plus `perSample`.
 */
import { basename, dirname, resolve } from 'node:path'
import { compareTokens } from '../engine/index'
import { UsageError } from '../engine/errors'
import { formatSettings, intOption, parseCommandArgs, printJson, required } from './args'

const HELP = `usage: losslens compare --model A.onnx --model B.onnx --tokenizer tokenizer.json --data eval.json
                        --input-length L --predict-length P [--json] [--limit N] [--label A --label B]
                        [--batch-size B] [--threads T] [--bos auto|yes|no] [--provider NAME]

  --bos auto|yes|no   tokenize the samples with a BOS first (yes), without (no), or as the tokenizer's
                      add_bos_token says (auto, default); --add-bos is --bos yes`

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    model: { type: 'string', multiple: true },
    label: { type: 'string', multiple: true },
    tokenizer: { type: 'string' },
    data: { type: 'string' },
    'input-length': { type: 'string' },
    'predict-length': { type: 'string' },
    json: { type: 'boolean' },
    limit: { type: 'string' },
    'batch-size': { type: 'string' },
    threads: { type: 'string' },
    bos: { type: 'string' },
    'add-bos': { type: 'boolean' },
    provider: { type: 'string' },
  })
  if (values.help) {
    console.log(HELP)
    return 0
  }
  const models = (values.model ?? []).map((m) => resolve(m))
  if (models.length !== 2)
    throw new UsageError(`give exactly two --model options (base first), got ${models.length}`)
  const labels = values.label ?? []
  const label = (i: number) => labels[i] ?? basename(dirname(models[i]!))
  const { comparison, perSample } = await compareTokens({
    base: { modelPath: models[0]!, label: label(0) },
    other: { modelPath: models[1]!, label: label(1) },
    tokenizerPath: resolve(required(values.tokenizer, 'tokenizer')),
    dataPath: resolve(required(values.data, 'data')),
    inputLength: intOption(required(values['input-length'], 'input-length'), 'input-length', 0, 1),
    predictLength: intOption(required(values['predict-length'], 'predict-length'), 'predict-length', 0, 1),
    ...(values.limit !== undefined ? { limit: intOption(values.limit, 'limit', 0, 1) } : {}),
    batchSize: intOption(values['batch-size'], 'batch-size', 8, 1, 4096),
    threads: intOption(values.threads, 'threads', 0, 0, 1024),
    bos: formatSettings({ bos: values.bos, 'add-bos': values['add-bos'] }).bos ?? 'auto',
    provider: values.provider ?? 'auto',
  })
  if (values.json) {
    printJson({ ...comparison, perSample })
    return 0
  }
  const a = comparison.baseLabel
  const b = comparison.otherLabel
  const w = Math.max(10, a.length, b.length)
  console.log(
    `${'index'.padStart(5)}  ${'id'.padEnd(16)}  ${a.padStart(w)}  ${b.padStart(w)}  ${'delta'.padStart(8)}`,
  )
  for (const s of perSample) {
    const d = `${s.delta >= 0 ? '+' : ''}${s.delta.toFixed(4)}`
    console.log(
      `${String(s.index).padStart(5)}  ${s.id}  ${s.baseLoss.toFixed(4).padStart(w)}  ${s.otherLoss.toFixed(4).padStart(w)}  ${d.padStart(8)}`,
    )
  }
  console.log(`\n${comparison.samples} samples, ${comparison.tokens} target tokens; base ${a}, other ${b}`)
  const rows: [string, string][] = [
    ['KL(base || other) mean', comparison.meanKld.toFixed(6)],
    ['median', comparison.medianKld.toFixed(6)],
    ['p99', comparison.p99Kld.toFixed(6)],
    ['max', comparison.maxKld.toFixed(6)],
    ['same top-1', `${(comparison.sameTop1 * 100).toFixed(2)}%`],
    ['RMS Δp(true token)', comparison.rmsDeltaP.toFixed(6)],
  ]
  for (const [k, v] of rows) console.log(`  ${k.padEnd(24)} ${v}`)
  return 0
}

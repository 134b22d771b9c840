/**
 * `losslens demo`: analyses the bundled demo (resources/demo: final checkpoint, evaluation samples
 * drawn from training, L = 64, P = 30, every measure) and tells the seed's story in four lines.
 */
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { RunSummary } from '../../shared/results'
import { InputError } from '../engine/errors'
import { readTrainLog } from '../engine/evidence/train-log'
import { ANALYZE_OPTIONS, analyzeToDir, formatMeans, settingsFromFlags } from './analyze'
import { parseCommandArgs } from './args'

const HELP = `usage: losslens demo [--out DIR] [--demo-dir DIR] [--limit N] [--batch-size B] [--threads T] [--provider NAME]

Analyses resources/demo (checkpoints/final/model.onnx, eval_data_from_train.json, L = 64, P = 30, all
measures) into DIR (default out/demo-run) and prints the summary next to the logged training loss.`

/** resources/demo of the source tree this file belongs to. */
function defaultDemoDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../../resources/demo')
}

const pct = (a: number, b: number) => `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(1)}%`

/** The seed's story in four lines, from a summary and the training reference. */
export function demoStory(summary: RunSummary, trainLoss: number | null): string[] {
  const m = summary.means
  const tf = m.teacherForcing
  const lines: string[] = []
  if (tf !== undefined) {
    lines.push(
      trainLoss === null
        ? `Teacher forcing ${tf.toFixed(3)}: no training log to compare with.`
        : `Teacher forcing ${tf.toFixed(3)} vs logged training loss ${trainLoss.toFixed(3)} (${pct(tf, trainLoss)}): ` +
            'on training data, evaluation agrees with training.',
    )
  }
  if (tf !== undefined && m.keepLastMisaligned !== undefined) {
    lines.push(
      `Misaligned logits_to_keep = P: ${m.keepLastMisaligned.toFixed(3)}, ${(m.keepLastMisaligned / tf).toFixed(2)}x ` +
        `teacher forcing: the seed's off-by-one slice; keepLastAligned ${f3(m.keepLastAligned)} is correct.`,
    )
  }
  if (m.offsetSweep) {
    const entries = Object.entries(m.offsetSweep) as [string, number][]
    const [best, value] = entries.reduce((a, b) => (b[1] < a[1] ? b : a))
    lines.push(
      `Offset sweep minimum at s = ${best} (${value.toFixed(3)})${best === '0' ? ', as it must be for a healthy model' : ': NOT at 0, check the slicing'}; ` +
        `s = +1 gives ${f3(m.offsetSweep['1'])}.`,
    )
  }
  if (tf !== undefined && m.autoregressive !== undefined) {
    lines.push(
      `Autoregressive ${m.autoregressive.toFixed(3)} vs teacher forcing ${tf.toFixed(3)} (${pct(m.autoregressive, tf)}): ` +
        'free-running error accumulation, a different question, not a bug.',
    )
  }
  return lines
}

const f3 = (x: number | undefined) => (x === undefined ? '—' : x.toFixed(3))

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { ...ANALYZE_OPTIONS, 'demo-dir': { type: 'string' } })
  if (values.help) {
    console.log(HELP)
    return 0
  }
  const demo = resolve(values['demo-dir'] ?? defaultDemoDir())
  const modelPath = join(demo, 'checkpoints', 'final', 'model.onnx')
  if (!existsSync(modelPath)) {
    throw new InputError(
      'the demo is not there (expected checkpoints/final/model.onnx; see tools/ to build it)',
      demo,
    )
  }
  const settings = settingsFromFlags(values, { inputLength: 64, predictLength: 30, batchSize: 8 })
  const outDir = resolve(values.out ?? join(demo, '..', '..', 'out', 'demo-run'))
  const summary = await analyzeToDir(
    {
      runId: `demo-${Date.now()}`,
      label: 'demo final',
      modelPath,
      tokenizerPath: join(demo, 'tokenizer.json'),
      dataPath: join(demo, 'eval_data_from_train.json'),
      settings,
    },
    outDir,
    undefined,
    // The demo's folder is its own: each demo starts over.
    { fresh: true },
  )
  const logPath = join(demo, 'train.log')
  const log = existsSync(logPath) ? await readTrainLog(logPath) : null
  const trainLoss = log?.trailingMean ?? null

  console.log(`\nLossLens demo: ${summary.model.path}`)
  console.log(
    `${summary.counts.scored} samples scored (${summary.counts.skipped} skipped), L = ${settings.inputLength}, ` +
      `P = ${settings.predictLength}, ${summary.provider.used}, ${summary.wallSeconds.toFixed(1)} s, ` +
      `${summary.tokensPerSecond.toFixed(0)} tok/s\n`,
  )
  console.log('Mean over samples (nats):')
  for (const line of formatMeans(summary)) console.log(line)
  console.log(
    `  ${'training loss'.padEnd(18)}  ${trainLoss === null ? '— (no train.log)' : `${trainLoss.toFixed(4)}  (mean of the last ${Math.min(log!.tail, log!.steps)} logged micro-batch losses)`}`,
  )
  console.log('\nThe story:')
  for (const line of demoStory(summary, trainLoss)) console.log(`  ${line}`)
  console.log(`\nresults: ${join(outDir, 'results.jsonl')}`)
  return 0
}

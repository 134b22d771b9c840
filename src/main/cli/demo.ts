/**
 * `losslens demo`: analyses the bundled demo (resources/demo: final checkpoint, evaluation samples
 * drawn from training, L = 64, P = 30, every measure) and tells the seed's story in four lines.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  diagnose,
  fmtLoss,
  fmtRatio,
  trainingLossAt,
  verdictText,
  type Verdict,
} from '../../shared/diagnosis'
import type { TrainLog } from '../../shared/evidence'
import type { RunSummary, SampleResult } from '../../shared/results'
import { readResults } from '../store/results-file'
import { InputError } from '../engine/errors'
import { readTrainLog } from '../engine/evidence/train-log'
import { ANALYZE_OPTIONS, analyzeToDir, formatMeans, settingsFromFlags } from './analyze'
import { parseCommandArgs } from './args'

const HELP = `usage: losslens demo [--out DIR] [--demo-dir DIR] [--limit N] [--batch-size B] [--threads T] [--provider NAME]

Analyses resources/demo (checkpoints/final/model.onnx, eval_data_from_train.json, L = 64, P = 30, all
measures) into DIR (default out/demo-run) and prints the summary next to the logged training loss.`

/** resources/demo in the nearest folder above this module that has one (source tree or out/cli build). */
function defaultDemoDir(): string {
  const from = dirname(fileURLToPath(import.meta.url))
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'resources', 'demo'))) return join(dir, 'resources', 'demo')
    if (dirname(dir) === dir) return resolve(from, '../../../resources/demo')
  }
}

/**
 * The seed's story from the diagnosis the report uses, on this one run: train vs eval at the final
 * checkpoint's step, what the misaligned slice costs, alignment, and the train/infer mode.
 */
export function demoStory(
  summary: RunSummary,
  results: SampleResult[],
  log: TrainLog | null,
  step: number | null,
): string[] {
  const d = diagnose({
    runs: [{ checkpointId: 'final', datasetId: 'train', results }],
    checkpoints: [{ id: 'final', step }],
    datasets: [{ id: 'train', datasetKind: 'fromTraining' }],
    trainLog: log,
  })
  const run = d.runs[0]!
  const en = verdictText('en')
  const line = (v: Verdict): string => `${en.badge(v.status)}: ${en.verdict(v)}`
  const m = summary.means
  const lines = run.trainEval.map(line)
  if (m.teacherForcing !== undefined && m.keepLastMisaligned !== undefined) {
    lines.push(
      `Misaligned logits_to_keep = P: ${m.keepLastMisaligned.toFixed(3)}, ${fmtRatio(m.keepLastMisaligned, m.teacherForcing)} ` +
        `teacher forcing: the seed's off-by-one slice; keepLastAligned ${fmtLoss(m.keepLastAligned)} is correct.`,
    )
  }
  lines.push(line(run.alignment), line(run.mode))
  return lines
}

/** The final checkpoint's training step, from the demo's manifest (null when it does not say). */
function finalStep(demo: string): number | null {
  try {
    const m = JSON.parse(readFileSync(join(demo, 'manifest.json'), 'utf8')) as {
      checkpoints?: { id?: string; step?: number }[]
    }
    return m.checkpoints?.find((c) => c.id === 'final')?.step ?? null
  } catch {
    return null
  }
}

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
  const step = finalStep(demo)
  const results = (await readResults(join(outDir, 'results.jsonl'))).results
  const training = log && step !== null ? trainingLossAt(log, step) : null

  console.log(`\nLossLens demo: ${summary.model.path}`)
  console.log(
    `${summary.counts.scored} samples scored (${summary.counts.skipped} skipped), L = ${settings.inputLength}, ` +
      `P = ${settings.predictLength}, ${summary.provider.used}, ${summary.wallSeconds.toFixed(1)} s, ` +
      `${summary.tokensPerSecond.toFixed(0)} tok/s\n`,
  )
  console.log('Mean over samples (nats):')
  for (const line of formatMeans(summary)) console.log(line)
  console.log(
    `  ${'training loss'.padEnd(18)}  ${training === null ? '— (no train.log)' : `${training.mean.toFixed(4)}  (mean of the ${training.lines} logged micro-batch losses up to step ${step})`}`,
  )
  console.log('\nThe story:')
  for (const line of demoStory(summary, results, log, step)) console.log(`  ${line}`)
  console.log(`\nresults: ${join(outDir, 'results.jsonl')}`)
  return 0
}

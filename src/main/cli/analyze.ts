/**
 * `losslens analyze`: the gap measurements on a model and dataset, written as DIR/results.jsonl
 * (one line per sample, as it finishes) and DIR/summary.json, with progress on stderr.
 */
import { closeSync, mkdirSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { MEASURES, parseMeasures, type Measure } from '../../shared/measures'
import type { RunSettings, RunSummary } from '../../shared/results'
import { runAnalysis, validateSettings, type AnalysisOptions } from '../engine/index'
import { InputError } from '../engine/errors'
import { intOption, parseCommandArgs, required } from './args'
import { reportAfterAnalysis, checkReportFlags } from './analyze-report'

const HELP = `usage: losslens analyze --model M.onnx --tokenizer tokenizer.json --data eval.json
                        --input-length L --predict-length P --out DIR [options]

  --label NAME        name of the run (default: the model's folder name)
  --limit N           only the first N samples
  --measures a,b,...  subset of ${MEASURES.join(', ')} (default: all)
  --batch-size B      samples per forward (default 8)
  --threads T         onnxruntime intra-op threads (default 0 = onnxruntime's choice)
  --add-bos           prepend the tokenizer's BOS token (MiniMind's April-2025 data code)
  --provider NAME     auto (default), cpu, cuda, webgpu, dml or coreml

Evidence and the report in the same step:
  --train-log FILE    the training log (MiniMind lines, CSV or JSONL): the training loss to compare with
  --train-data FILE   the training JSONL: checks that the samples come from it (the data hypothesis)
  --checkpoint FILE   the .pth/.safetensors the ONNX was exported from: verifies the weights
  --from-training     say the samples were drawn from the training data (without --train-data)
  --reported-loss X   a loss your own evaluation script printed, to be explained
  --step N            the training step the checkpoint was saved at (the log's global step):
                      the report compares with the log just before it
  --last-checkpoint   the checkpoint is the last one: its step is --train-log's last step
  --report FILE       write the gap-analysis report (markdown) to FILE, charts in charts/ beside it
  --lang en|zh-CN     the report's language (default en)`

/** Options shared by analyze and demo. */
export const ANALYZE_OPTIONS = {
  model: { type: 'string' },
  tokenizer: { type: 'string' },
  data: { type: 'string' },
  'input-length': { type: 'string' },
  'predict-length': { type: 'string' },
  out: { type: 'string' },
  label: { type: 'string' },
  limit: { type: 'string' },
  measures: { type: 'string' },
  'batch-size': { type: 'string' },
  threads: { type: 'string' },
  'add-bos': { type: 'boolean' },
  provider: { type: 'string' },
} as const

/** Flags only analyze has: evidence and the report in one step. */
const REPORT_OPTIONS = {
  'train-log': { type: 'string' },
  'train-data': { type: 'string' },
  checkpoint: { type: 'string' },
  'from-training': { type: 'boolean' },
  'reported-loss': { type: 'string' },
  step: { type: 'string' },
  'last-checkpoint': { type: 'boolean' },
  report: { type: 'string' },
  lang: { type: 'string' },
} as const

/** Reads the run settings from parsed flags; InputError naming the flag. */
export function settingsFromFlags(
  v: Record<string, string | boolean | undefined>,
  defaults?: Partial<RunSettings>,
): RunSettings {
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined)
  const measures: Measure[] = str('measures')
    ? parseMeasuresOrThrow(str('measures')!)
    : (defaults?.measures ?? [...MEASURES])
  const limit = str('limit') === undefined ? defaults?.limit : intOption(str('limit'), 'limit', 0, 1)
  const need = (k: string, fallback?: number) =>
    str(k) === undefined && fallback !== undefined
      ? fallback
      : intOption(required(str(k), k), k, 0, 1, 1_000_000)
  const settings: RunSettings = {
    inputLength: need('input-length', defaults?.inputLength),
    predictLength: need('predict-length', defaults?.predictLength),
    measures,
    batchSize: intOption(str('batch-size'), 'batch-size', defaults?.batchSize ?? 8, 1, 4096),
    threads: intOption(str('threads'), 'threads', defaults?.threads ?? 0, 0, 1024),
    addBos: v['add-bos'] === true || (defaults?.addBos ?? false),
    provider: str('provider') ?? defaults?.provider ?? 'auto',
    ...(limit !== undefined ? { limit } : {}),
  }
  return validateSettings(settings)
}

function parseMeasuresOrThrow(list: string): Measure[] {
  try {
    const m = parseMeasures(list)
    if (m.length === 0) throw new RangeError('no measure named')
    return m
  } catch (err) {
    throw new InputError(`--measures: ${(err as Error).message}`)
  }
}

function fmtSeconds(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '--:--'
  const m = Math.floor(s / 60)
  return `${m}:${String(Math.round(s % 60)).padStart(2, '0')}`
}

/** Progress on stderr: one updating line on a TTY, else a line every few seconds. */
export class ProgressLine {
  #last = 0
  #shown = false
  update(done: number, total: number, tps: number, eta: number | null, force = false): void {
    const text = `${done}/${total} samples  ${tps.toFixed(0)} tok/s  ETA ${fmtSeconds(eta)}`
    if (process.stderr.isTTY) {
      process.stderr.write(`\r\x1b[K${text}`)
      this.#shown = true
    } else if (force || performance.now() - this.#last > 5000) {
      process.stderr.write(`${text}\n`)
      this.#last = performance.now()
    }
  }
  end(): void {
    if (this.#shown) process.stderr.write('\n')
    this.#shown = false
  }
}

/**
 * Runs one analysis and writes its files. Returns the summary, or throws (failed: InputError or Error
 * with the worker's message; cancelled: an Error saying how many samples were written).
 */
export async function analyzeToDir(
  options: AnalysisOptions,
  outDir: string,
  signal?: AbortSignal,
): Promise<RunSummary> {
  mkdirSync(outDir, { recursive: true })
  const resultsPath = join(outDir, 'results.jsonl')
  const fd = openSync(resultsPath, 'w')
  const progress = new ProgressLine()
  try {
    for await (const event of runAnalysis(options, signal)) {
      switch (event.type) {
        case 'started':
          process.stderr.write(
            `${options.label}: ${event.total} samples, ${event.model.form} model on ${event.provider.used}` +
              ` (${event.provider.attempts.map((a) => `${a.name} ${a.ok ? 'ok' : `no: ${a.reason}`}`).join('; ')})\n`,
          )
          break
        case 'sample':
          // One line per sample, written as it arrives (writeSync hands it to the OS immediately).
          writeSync(fd, JSON.stringify(event.result) + '\n')
          break
        case 'progress':
          progress.update(event.done, event.total, event.tokensPerSecond, event.etaSeconds)
          break
        case 'finished': {
          progress.end()
          const file = join(outDir, 'summary.json')
          writeFileSync(`${file}.tmp`, JSON.stringify(event.summary, null, 2) + '\n')
          renameSync(`${file}.tmp`, file)
          return event.summary
        }
        case 'failed':
          progress.end()
          throw new InputError(event.message)
        case 'cancelled':
          progress.end()
          throw new Error(`cancelled after ${event.done} samples (kept in ${resultsPath})`)
      }
    }
    throw new Error('the run ended without a summary')
  } finally {
    closeSync(fd)
  }
}

const f = (x: number | undefined, d = 4) => (x === undefined ? '—' : x.toFixed(d))

/** The means of a summary as aligned text lines. */
export function formatMeans(summary: RunSummary): string[] {
  const m = summary.means
  const sweep = m.offsetSweep
    ? (['-2', '-1', '0', '1', '2'] as const).map((k) => `${k}: ${f(m.offsetSweep?.[k])}`).join('  ')
    : '—'
  const rows: [string, string][] = [
    ['teacherForcing', `${f(m.teacherForcing)}  (top-1 ${f(m.teacherForcingTop1, 3)})`],
    ['keepLastMisaligned', f(m.keepLastMisaligned)],
    ['keepLastAligned', f(m.keepLastAligned)],
    ['offsetSweep', sweep],
    ['autoregressive', f(m.autoregressive)],
    [
      'kvCache',
      m.kvCacheMaxAbsDiff === undefined
        ? '—'
        : `max |diff| ${m.kvCacheMaxAbsDiff === 0 ? '0 (bit-identical)' : m.kvCacheMaxAbsDiff.toExponential(2)}, top-1 agreement ${f(m.kvCacheTop1Agreement, 3)}`,
    ],
  ]
  const width = Math.max(...rows.map((r) => r[0].length))
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { ...ANALYZE_OPTIONS, ...REPORT_OPTIONS })
  if (values.help) {
    console.log(HELP)
    return 0
  }
  const settings = settingsFromFlags(values)
  // Report flags are checked before the run, so a typo does not cost a whole analysis.
  checkReportFlags(values)
  const modelPath = resolve(required(values.model, 'model'))
  const options: AnalysisOptions = {
    runId: `cli-${Date.now()}`,
    label: values.label ?? basename(dirname(modelPath)),
    modelPath,
    tokenizerPath: resolve(required(values.tokenizer, 'tokenizer')),
    dataPath: resolve(required(values.data, 'data')),
    settings,
  }
  const outDir = resolve(required(values.out, 'out'))
  const controller = new AbortController()
  const onSigint = () => controller.abort()
  process.once('SIGINT', onSigint)
  try {
    const summary = await analyzeToDir(options, outDir, controller.signal)
    console.log(
      `${summary.counts.scored} scored, ${summary.counts.skipped} skipped, ${summary.wallSeconds.toFixed(1)} s, ` +
        `${summary.tokensPerSecond.toFixed(0)} tok/s on ${summary.provider.used}`,
    )
    for (const line of formatMeans(summary)) console.log(line)
    console.log(`wrote ${join(outDir, 'results.jsonl')} and ${join(outDir, 'summary.json')}`)
    if (values.report !== undefined) await reportAfterAnalysis(values, summary, outDir)
    return 0
  } finally {
    process.off('SIGINT', onSigint)
  }
}

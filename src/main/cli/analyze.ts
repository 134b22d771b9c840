/**
 * `losslens analyze`: the gap measurements on a model and dataset, written as DIR/results.jsonl
 * (one line per sample, as it finishes) and DIR/summary.json, with progress on stderr.
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { kvZero } from '../../shared/glossary'
import { DEFAULT_MAX_SEQ_LEN, SETTING_LIMITS } from '../../shared/limits'
import { DEFAULT_MEASURES, MEASURES, parseMeasures, type Measure } from '../../shared/measures'
import { z } from 'zod'
import { RunSettingsSchema, type RunSettings, type RunSummary } from '../../shared/results'
import { runAnalysis, validateSettings, type AnalysisOptions } from '../engine/index'
import { isSftDataset, readSamples } from '../engine/dataset'
import { InputError, UsageError } from '../engine/errors'
import { runIsolated } from '../engine/isolated/client'
import { readResults, ResultsAppender, type ResultsRead } from '../store/results-file'
import { EXIT } from './exit-codes'
import { checkOutDir, makeOutDir } from './out-dir'
import {
  FORMAT_FLAGS,
  FORMAT_FLAGS_HELP,
  formatSettings,
  intOption,
  parseCommandArgs,
  required,
} from './args'
import { reportAfterAnalysis, checkReportFlags } from './analyze-report'

const HELP = `usage: losslens analyze --model M.onnx --tokenizer tokenizer.json --data eval.json
                        --input-length L --predict-length P --out DIR [options]

  --label NAME        name of the run (default: the model's folder name)
  --limit N           only the first N samples
  --measures a,b,...  subset of ${MEASURES.join(', ')}
                      (default: ${DEFAULT_MEASURES.join(', ')})
  --batch-size B      samples per forward (default 8)
  --threads T         onnxruntime intra-op threads (default 0 = onnxruntime's choice)
${FORMAT_FLAGS_HELP}
  --provider NAME     auto (default), cpu, cuda, webgpu, dml or coreml
  --fresh             start over: replace the results already in DIR (by default a run stopped or
                      killed before is resumed when its inputs and settings are the same)

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
  fresh: { type: 'boolean' },
  measures: { type: 'string' },
  'batch-size': { type: 'string' },
  threads: { type: 'string' },
  ...FORMAT_FLAGS,
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

/**
 * Whether this analyze run is on SFT conversations, before the settings are parsed, by the engine's own
 * rule (isSftDataset over the rows it reads): this only spares the user flags an SFT run does not use,
 * and the engine decides again when it runs. A file the rule cannot read (missing, malformed, mixed) is
 * left to the run, which reports it with its name.
 */
export async function isSftData(v: Record<string, string | boolean | undefined>): Promise<boolean> {
  const format = v.format ?? 'auto'
  if (format === 'sft') return true
  // --format pretrain, or a value the flags' parser refuses next with its own message.
  if (format !== 'auto' || typeof v.data !== 'string') return false
  try {
    // Only a regular file is read: opening a FIFO or a device would block before the engine's
    // guarded reader could refuse it with its one-line message.
    if (!(await fs.promises.stat(v.data)).isFile()) return false
    return isSftDataset(await readSamples(v.data), 'auto', v.data)
  } catch {
    return false
  }
}

/** Reads the run settings from parsed flags; InputError naming the flag. */
export function settingsFromFlags(
  v: Record<string, string | boolean | undefined>,
  defaults?: Partial<RunSettings>,
): RunSettings {
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined)
  const measures: Measure[] = str('measures')
    ? parseMeasuresOrThrow(str('measures')!)
    : (defaults?.measures ?? [...DEFAULT_MEASURES])
  const L = SETTING_LIMITS
  const fmt = formatSettings(v)
  const maxSeqLen = fmt.maxSeqLen ?? defaults?.maxSeqLen
  const format = fmt.format ?? defaults?.format
  const limit =
    str('limit') === undefined
      ? defaults?.limit
      : intOption(str('limit'), 'limit', 0, L.limit.min, L.limit.max)
  const need = (k: string, bounds: { min: number; max: number }, fallback?: number) =>
    str(k) === undefined && fallback !== undefined
      ? fallback
      : intOption(required(str(k), k), k, 0, bounds.min, bounds.max)
  const settings: RunSettings = {
    inputLength: need('input-length', L.inputLength, defaults?.inputLength),
    predictLength: need('predict-length', L.predictLength, defaults?.predictLength),
    measures,
    batchSize: intOption(
      str('batch-size'),
      'batch-size',
      defaults?.batchSize ?? 8,
      L.batchSize.min,
      L.batchSize.max,
    ),
    threads: intOption(str('threads'), 'threads', defaults?.threads ?? 0, L.threads.min, L.threads.max),
    bos: fmt.bos ?? defaults?.bos ?? 'auto',
    provider: str('provider') ?? defaults?.provider ?? 'auto',
    ...(limit !== undefined ? { limit } : {}),
    ...(maxSeqLen !== undefined ? { maxSeqLen } : {}),
    ...(format !== undefined ? { format } : {}),
    ...(defaults?.sftRoles !== undefined ? { sftRoles: defaults.sftRoles } : {}),
  }
  return validateSettings(settings)
}

function parseMeasuresOrThrow(list: string): Measure[] {
  try {
    const m = parseMeasures(list)
    if (m.length === 0) throw new RangeError('no measure named')
    return m
  } catch (err) {
    throw new UsageError(`--measures: ${(err as Error).message}`)
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

/** DIR/analyze-run.json: what a run in DIR was asked to do, so a later call knows whether it may resume. */
const RUN_FILE = 'analyze-run.json'

const RunRecordSchema = z.object({
  modelPath: z.string(),
  tokenizerPath: z.string(),
  dataPath: z.string(),
  settings: RunSettingsSchema,
  inputs: z.record(z.string(), z.string()),
})
type RunRecord = z.infer<typeof RunRecordSchema>

/** Settings whose change would change the numbers (batch size and threads do not; the tests hold that). */
const RESULT_SETTINGS = [
  'inputLength',
  'predictLength',
  'measures',
  'bos',
  'maxSeqLen',
  'format',
  'sftRoles',
  'provider',
  'limit',
] as const

/**
 * A fingerprint of an input file: its size and the SHA-256 of its contents (of its first and last
 * 16 MiB past 64 MiB, so a multi-GB model costs two reads, not one of the whole file).
 */
function fingerprint(path: string): string {
  let fd: number
  try {
    // Stat first: opening a FIFO would block until a writer comes.
    const st = statSync(path)
    if (st.isDirectory()) throw new InputError('is a folder, not a file', path)
    if (!st.isFile()) throw new InputError('is not a regular file (a device, socket or pipe)', path)
    fd = openSync(path, 'r')
  } catch (err) {
    if (err instanceof InputError) throw err
    const code = (err as NodeJS.ErrnoException).code
    throw new InputError(code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? String(err)})`, path)
  }
  try {
    const stat = fstatSync(fd)
    const hash = createHash('sha256')
    const PART = 16 << 20
    const ranges: [number, number][] =
      stat.size <= 4 * PART
        ? [[0, stat.size]]
        : [
            [0, PART],
            [stat.size - PART, PART],
          ]
    const buf = Buffer.alloc(Math.min(PART, Math.max(stat.size, 1)))
    for (const [from, length] of ranges) {
      for (let done = 0; done < length;) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, length - done), from + done)
        if (n === 0) break
        hash.update(buf.subarray(0, n))
        done += n
      }
    }
    return `${stat.size}:${hash.digest('hex').slice(0, 32)}`
  } finally {
    closeSync(fd)
  }
}

function readRecord(outDir: string): RunRecord | null {
  const file = join(outDir, RUN_FILE)
  if (!existsSync(file)) return null
  try {
    return RunRecordSchema.parse(JSON.parse(readFileSync(file, 'utf8')))
  } catch {
    throw new UsageError(
      `${file} is not a run record LossLens wrote; use --fresh to start over in ${outDir}, or another --out`,
    )
  }
}

/** Why a stored run cannot be resumed with these inputs and settings, or null when it can. */
function resumeConflict(stored: RunRecord, wanted: RunRecord): string | null {
  for (const key of ['modelPath', 'tokenizerPath', 'dataPath'] as const) {
    if (stored[key] !== wanted[key]) return `it used ${stored[key]}, not ${wanted[key]}`
  }
  for (const [file, print] of Object.entries(wanted.inputs)) {
    if (stored.inputs[file] !== print) return `${file} changed since`
  }
  for (const key of RESULT_SETTINGS) {
    const a = JSON.stringify(stored.settings[key] ?? null)
    const b = JSON.stringify(wanted.settings[key] ?? null)
    if (a !== b) return `it ran with ${key} ${a}, not ${b}`
  }
  return null
}

export interface AnalyzeToDirOptions {
  /** Start over: the results already in DIR are replaced (once the inputs are known to be good). */
  fresh?: boolean
}

/**
 * Runs one analysis and writes its files. Inputs are checked before DIR is touched, and
 * DIR/results.jsonl is never truncated: results already there for the same inputs and settings
 * (a run that was stopped, or killed) are kept and their samples not computed again; other results
 * there are an error unless `fresh`. Returns the summary, or throws (failed: InputError or Error
 * with the worker's message; cancelled: an Error saying how many samples were written).
 */
export async function analyzeToDir(
  options: AnalysisOptions,
  outDir: string,
  signal?: AbortSignal,
  o: AnalyzeToDirOptions = {},
): Promise<RunSummary> {
  checkOutDir(outDir)
  const wanted: RunRecord = {
    modelPath: options.modelPath,
    tokenizerPath: options.tokenizerPath,
    dataPath: options.dataPath,
    settings: options.settings,
    inputs: Object.fromEntries(
      [options.modelPath, options.tokenizerPath, options.dataPath].map((p) => [p, fingerprint(p)]),
    ),
  }
  const resultsPath = join(outDir, 'results.jsonl')
  const summaryPath = join(outDir, 'summary.json')
  let previous: ResultsRead = { results: [], warnings: [], validBytes: 0 }
  if (!o.fresh) {
    const stored = readRecord(outDir)
    const hasResults = existsSync(resultsPath) && statSync(resultsPath).size > 0
    if (stored) {
      const conflict = resumeConflict(stored, wanted)
      if (conflict) {
        throw new UsageError(
          `${outDir} holds the results of another run (${conflict}); use --fresh to replace them, or another --out`,
        )
      }
      previous = await readResults(resultsPath)
      for (const warning of previous.warnings) process.stderr.write(`${warning}\n`)
    } else if (hasResults) {
      throw new UsageError(
        `${resultsPath} exists and LossLens cannot tell which run wrote it; use --fresh to replace it, or another --out`,
      )
    }
  }
  const resumed = previous.results.length
  const runOptions: AnalysisOptions =
    resumed > 0
      ? {
          ...options,
          skipIndices: previous.results.map((r) => r.index),
          previousResults: previous.results,
        }
      : options
  let appender: ResultsAppender | null = null
  const progress = new ProgressLine()
  try {
    for await (const event of runAnalysis(runOptions, signal)) {
      switch (event.type) {
        case 'started':
          // The inputs are read and the model is loaded: only now is DIR touched.
          makeOutDir(outDir)
          if (o.fresh) for (const f of [resultsPath, summaryPath]) rmSync(f, { force: true })
          writeFileAtomicSync(join(outDir, RUN_FILE), JSON.stringify(wanted, null, 2) + '\n')
          appender = ResultsAppender.open(resultsPath, o.fresh ? 0 : previous.validBytes)
          process.stderr.write(
            `${options.label}: ${event.total} samples${resumed > 0 ? ` (${event.alreadyDone} already in ${resultsPath}, resumed)` : ''}, ` +
              `${event.model.form} model on ${event.provider.used}` +
              ` (${event.provider.attempts.map((a) => `${a.name} ${a.ok ? 'ok' : `no: ${a.reason}`}`).join('; ')})\n`,
          )
          break
        case 'sample':
          // One line per sample, flushed to disk before the next: a kill loses at most the one in flight.
          appender!.append(event.result)
          break
        case 'progress':
          progress.update(event.done, event.total, event.tokensPerSecond, event.etaSeconds)
          break
        case 'finished': {
          progress.end()
          writeFileAtomicSync(summaryPath, JSON.stringify(event.summary, null, 2) + '\n')
          return event.summary
        }
        case 'failed':
          progress.end()
          throw new InputError(event.message)
        case 'cancelled':
          progress.end()
          throw new Error(
            `cancelled after ${event.done} samples (kept in ${resultsPath}; run again to resume)`,
          )
      }
    }
    throw new Error('the run ended without a summary')
  } finally {
    ;(appender as ResultsAppender | null)?.close()
  }
}

/** Writes a file through a temporary beside it and a rename, so a kill never leaves half of it. */
function writeFileAtomicSync(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, text)
  const fd = openSync(tmp, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, file)
}

const f = (x: number | undefined, d = 4) => (x === undefined ? '—' : x.toFixed(d))

/** The means of a summary as aligned text lines. */
export function formatMeans(summary: RunSummary): string[] {
  const m = summary.means
  const sweep = m.offsetSweep
    ? (['-2', '-1', '0', '1', '2'] as const).map((k) => `${k}: ${f(m.offsetSweep?.[k])}`).join('  ')
    : '—'
  // An SFT run: MiniMind's SFT loss, the one-late mask and generation; no continuation lines.
  if (m.sft !== undefined && m.teacherForcing === undefined) {
    const sftRows: [string, string][] = [
      ['sft', `${f(m.sft)}  (token-weighted ${f(m.sftTokenWeighted)}; MiniMind's SFT mask)`],
      ['sft, mask one late', f(m.sftShiftedMask)],
      ['sftAutoregressive', f(m.sftAutoregressive)],
    ]
    const w = Math.max(...sftRows.map((r) => r[0].length))
    return sftRows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`)
  }
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
        : `max |diff| ${m.kvCacheMaxAbsDiff === 0 ? kvZero() : m.kvCacheMaxAbsDiff.toExponential(2)}, top-1 agreement ${f(m.kvCacheTop1Agreement, 3)}`,
    ],
  ]
  // The whole-sample and BOS measures, when the run has them.
  const whole = (mean: number | undefined, weighted: number | undefined, bpb: number | undefined) =>
    `${f(mean)}  (token-weighted ${f(weighted)}, ${f(bpb)} bits/byte)`
  if (m.teacherForcingBitsPerByte !== undefined)
    rows.push(['teacherForcing bits/byte', f(m.teacherForcingBitsPerByte)])
  if (m.trainFormat !== undefined) {
    const at = summary.settings.maxSeqLen ?? DEFAULT_MAX_SEQ_LEN
    rows.push([
      'trainFormat',
      `${whole(m.trainFormat, m.trainFormatTokenWeighted, m.trainFormatBitsPerByte)}  max_seq_len ${at}, BOS ${summary.bosUsed ?? '—'}`,
    ])
  }
  if (m.rolling !== undefined)
    rows.push(['rolling', whole(m.rolling, m.rollingTokenWeighted, m.rollingBitsPerByte)])
  if (m.bosBothWithBos !== undefined)
    rows.push(['bosBoth', `with BOS ${f(m.bosBothWithBos)}, without ${f(m.bosBothWithoutBos)}`])
  const width = Math.max(...rows.map((r) => r[0].length))
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)
}

/**
 * Without --max-seq-len, the trainer's max_seq_len stated in --train-log's header (a printed
 * arguments line), said on stderr; else the settings as they are (the engine's default, 512).
 */
async function maxSeqLenFromTrainLog(
  settings: RunSettings,
  v: Record<string, string | boolean | undefined>,
): Promise<RunSettings> {
  const logPath = v['train-log']
  if (typeof logPath !== 'string' || v['max-seq-len'] !== undefined) return settings
  const log = await runIsolated({ kind: 'parseTrainLog', path: resolve(logPath) })
  if (log.maxSeqLen === undefined) return settings
  process.stderr.write(`max_seq_len ${log.maxSeqLen}, from ${logPath}\n`)
  return validateSettings({ ...settings, maxSeqLen: log.maxSeqLen })
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { ...ANALYZE_OPTIONS, ...REPORT_OPTIONS })
  if (values.help) {
    console.log(HELP)
    return 0
  }
  // An SFT run has no context split: --input-length is not asked for (--predict-length caps the reply).
  let settings = settingsFromFlags(
    values,
    (await isSftData(values)) ? { inputLength: 1, predictLength: 64 } : undefined,
  )
  // Report flags are checked before the run, so a typo does not cost a whole analysis.
  checkReportFlags(values)
  settings = await maxSeqLenFromTrainLog(settings, values)
  const modelPath = resolve(required(values.model, 'model'))
  const options: AnalysisOptions = {
    runId: `cli-${Date.now()}`,
    label: values.label ?? basename(dirname(modelPath)),
    modelPath,
    tokenizerPath: resolve(required(values.tokenizer, 'tokenizer')),
    dataPath: resolve(required(values.data, 'data')),
    settings,
  }
  const outDir = checkOutDir(required(values.out, 'out'))
  const controller = new AbortController()
  const onSigint = () => controller.abort()
  process.once('SIGINT', onSigint)
  try {
    const summary = await analyzeToDir(options, outDir, controller.signal, { fresh: values.fresh === true })
    console.log(
      `${summary.counts.scored} scored, ${summary.counts.skipped} skipped, ${summary.wallSeconds.toFixed(1)} s, ` +
        `${summary.tokensPerSecond.toFixed(0)} tok/s on ${summary.provider.used}`,
    )
    for (const line of formatMeans(summary)) console.log(line)
    if (summary.invalidUtf8Samples) {
      console.error(
        `warning: ${options.dataPath}: ${summary.invalidUtf8Samples} sample(s) hold bytes that are not UTF-8 (read as U+FFFD)`,
      )
    }
    console.log(`wrote ${join(outDir, 'results.jsonl')} and ${join(outDir, 'summary.json')}`)
    if (summary.counts.total > 0 && summary.counts.scored === 0) {
      const first = readResultsReason(join(outDir, 'results.jsonl'))
      console.error(
        `losslens analyze: ${options.dataPath}: every sample was skipped, nothing was measured${first ? ` (${first})` : ''}`,
      )
      return EXIT.input
    }
    if (values.report !== undefined) await reportAfterAnalysis(values, summary, outDir)
    return 0
  } finally {
    process.off('SIGINT', onSigint)
  }
}

/** The reason the first sample of a results file was skipped. */
function readResultsReason(file: string): string | null {
  try {
    const first = readFileSync(file, 'utf8').split('\n', 1)[0]
    const r = first ? (JSON.parse(first) as { skipped?: unknown }) : null
    return typeof r?.skipped === 'string' ? r.skipped : null
  } catch {
    return null
  }
}

/**
 * `losslens experiment <create|add-checkpoint|add-dataset|set|run> DIR ...`: an experiment built and
 * run from a terminal. DIR is the experiment's folder, WORKSPACE/experiments/<id> (the one `report
 * --experiment` takes); experiment.json is written through the same store as the window's, and runs
 * go through the window's run manager, so the window sees them where it would have put them.
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import {
  claimedKind,
  ExperimentIdSchema,
  newCheckpointRef,
  type CheckpointRef,
  type DatasetKind,
  type DatasetRef,
  type Experiment,
  type RunInfo,
  type RunInputs,
} from '../../shared/experiment'
import { lastLoggedStep } from '../../shared/diagnosis/training-reference'
import { foundInTraining, kindFromConsistency } from '../../shared/diagnosis/verdicts'
import type { RunSettings } from '../../shared/results'
import { uniqueSlug } from '../../shared/slug'
import { describeModel, runAnalysis } from '../engine/index'
import { readSamples } from '../engine/dataset'
import { TextTokenizer } from '../engine/tokenizer'
import { errorMessage, InputError, UsageError } from '../engine/errors'
import { checkDataConsistency } from '../engine/evidence/data-consistency'
import { readTrainLog } from '../engine/evidence/train-log'
import { verifyWeights } from '../engine/weights/match-weights'
import { labelOf } from '../ipc/add-files'
import { RunManager, type RunEventMessage } from '../runs/run-manager'
import { StoreError } from '../store/atomic'
import { findCheckpointStep } from '../store/checkpoint-step'
import { listRuns, readRunResults, writeRun } from '../store/runs'
import { Workspace } from '../store/workspace'
import { MEASURES, parseMeasures } from '../../shared/measures'
import { validateSettings } from '../engine/settings'
import { EXIT } from './exit-codes'
import { FORMAT_FLAGS, formatSettings } from './args'

const USAGE = `usage: losslens experiment <command> DIR [options]

DIR is the experiment's folder, WORKSPACE/experiments/<id> (the folder 'report --experiment' takes).
Paths are stored relative to DIR when inside it, absolute otherwise.

commands:
  create DIR [--title T]
      a new experiment; its id is the folder's name
  add-checkpoint DIR --model M.onnx --tokenizer tokenizer.json [--label L] [--source X.pth]
                     [--step N | --last]
      a checkpoint (the model is loaded and described: a bad ONNX is refused); --label becomes its
      id as the window makes it; the step comes from --step, from --last (the training log's last
      step: this is the last checkpoint), else from manifest.json beside the model or a name that
      carries it (step_1200, ckpt_1200.pth, checkpoint-1200/)
  add-dataset DIR --data eval.json [--label L] [--train train.jsonl] [--from-training | --held-out]
      an evaluation set (its samples are read and counted: a bad file is refused); what it is with
      respect to training: drawn from it, held out, or unknown (default, settled by the data check)
  set DIR [--train-log F] [--input-length L] [--predict-length P] [--reported-loss X] [--limit N]
          [--measures a,b] [--batch-size B] [--threads T] [--provider NAME]
          [--bos auto|yes|no] [--add-bos] [--max-seq-len N] [--format auto|pretrain|sft]
          [--checkpoint ID (--step N | --last)]
      the training log and the run settings (any subset); with --checkpoint, that checkpoint's
      training step (--last: the training log's last step). --bos: the BOS convention (yes =
      [bos] + text + [eos] for trainFormat and a BOS before the continuation; no = the text's
      tokens; auto = the tokenizer's add_bos_token, scoring the continuation both ways when it has
      a BOS); --add-bos is --bos yes; --max-seq-len: the trainer's max_seq_len (default 512);
      --format: auto (rows with "text" are pretraining, "conversations" SFT), pretrain or sft
  run DIR [--checkpoint ID] [--dataset ID]
      every checkpoint x dataset pair without a finished run on the same model, tokenizer, data
      and settings (SHA-256), and every evidence check not done yet: the data check where a dataset
      has training data, weight verification where a checkpoint has a source; progress on stderr.
      A run stopped (Ctrl-C, killed) is resumed by the next 'experiment run', not started over.

Then: losslens report --experiment DIR [--lang en|zh-CN].
Exit codes: 0 done, 1 a check found a problem (weights differ, a set said to be drawn from training
is not all found) or a run failed, 2 usage, 3 a file is bad, 130 stopped with Ctrl-C.`

type Options = NonNullable<ParseArgsConfig['options']>

/** Parses argv strictly: DIR is the one positional; an unknown flag is a usage error. */
function parse<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    })
  } catch (err) {
    throw new UsageError(errorMessage(err))
  }
}

function need(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing --${flag}`)
  return value
}

/** An existing file named by a flag, as an absolute path; InputError naming it when missing. */
function existingFile(value: string, flag: string): string {
  const path = resolve(value)
  let stat: fs.Stats
  try {
    stat = fs.statSync(path)
  } catch {
    throw new InputError(`--${flag}: file not found`, path)
  }
  if (!stat.isFile()) throw new InputError(`--${flag}: not a file`, path)
  return path
}

/** The one positional argument, DIR; a usage error without it or with more. */
function folderArg(positionals: string[]): string {
  if (positionals.length === 0) throw new UsageError('missing DIR, the experiment folder')
  if (positionals.length > 1) throw new UsageError(`one DIR expected, got ${positionals.join(' ')}`)
  return resolve(positionals[0]!)
}

/**
 * The store opened on DIR's parent: a workspace whose experiments folder is the one holding DIR (the
 * usual WORKSPACE/experiments, or any folder the user keeps experiments in).
 */
class FolderWorkspace extends Workspace {
  readonly #parent: string
  constructor(dir: string) {
    super(dirname(dirname(dir)))
    this.#parent = dirname(dir)
  }
  override get experimentsDir(): string {
    return this.#parent
  }
}

interface Opened {
  ws: Workspace
  id: string
  dir: string
  experiment: Experiment
}

/** DIR's experiment; InputError naming the folder when it holds none or experiment.json is bad. */
async function openExperiment(dir: string): Promise<Opened> {
  const id = basename(dir)
  if (!ExperimentIdSchema.safeParse(id).success)
    throw new InputError('not an experiment folder (its name is not an experiment id)', dir)
  if (!fs.existsSync(join(dir, 'experiment.json')))
    throw new InputError(`no experiment.json here: create it with 'losslens experiment create ${dir}'`, dir)
  const ws = new FolderWorkspace(dir)
  return { ws, id, dir, experiment: await ws.getExperiment(id) }
}

// ---------------------------------------------------------------------------------------- create

async function create(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { title: { type: 'string' } })
  if (values.help) return help()
  const dir = folderArg(positionals)
  const id = basename(dir)
  const valid = ExperimentIdSchema.safeParse(id)
  if (!valid.success)
    throw new UsageError(
      `the folder name "${id}" is the experiment's id: ${valid.error.issues[0]?.message ?? 'not valid'}`,
    )
  if (fs.existsSync(join(dir, 'experiment.json'))) throw new InputError('already an experiment', dir)
  // An empty folder made beforehand is fine: the store publishes a complete one in its place.
  if (fs.existsSync(dir)) {
    if (!fs.statSync(dir).isDirectory() || fs.readdirSync(dir).length > 0)
      throw new InputError('exists and is not an empty folder', dir)
    fs.rmdirSync(dir)
  }
  fs.mkdirSync(dirname(dir), { recursive: true })
  await new FolderWorkspace(dir).createExperiment({ id, title: values.title ?? id })
  console.log(`created experiment ${id} in ${dir}`)
  return EXIT.ok
}

// -------------------------------------------------------------------------------- add-checkpoint

async function addCheckpoint(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    model: { type: 'string' },
    tokenizer: { type: 'string' },
    label: { type: 'string' },
    step: { type: 'string' },
    source: { type: 'string' },
    last: { type: 'boolean' },
  })
  if (values.help) return help()
  const dir = folderArg(positionals)
  const modelPath = existingFile(need(values.model, 'model'), 'model')
  const tokenizerPath = existingFile(need(values.tokenizer, 'tokenizer'), 'tokenizer')
  const sourcePath = values.source === undefined ? undefined : existingFile(values.source, 'source')
  if (values.step !== undefined && values.last) throw new UsageError('give --step N or --last, not both')
  const given = values.step === undefined ? undefined : Number(values.step)
  if (given !== undefined && !(Number.isSafeInteger(given) && given >= 0))
    throw new UsageError(`--step must be an integer >= 0, got "${values.step}"`)
  const { ws, id, experiment } = await openExperiment(dir)

  let step: { step: number; from: string } | null =
    given === undefined ? null : { step: given, from: '--step' }
  if (values.last) {
    if (!experiment.trainingLog)
      throw new UsageError(`--last needs the training log: 'losslens experiment set ${dir} --train-log F'`)
    const logPath = ws.resolvePath(id, experiment.trainingLog)
    const last = lastLoggedStep(await readTrainLog(logPath))
    if (last === null) throw new InputError('no loss lines in the training log, so no last step', logPath)
    step = { step: last, from: `the last step of ${basename(logPath)}` }
  }
  step ??= findCheckpointStep({ modelPath, ...(sourcePath ? { sourcePath } : {}) })

  // Loaded and described as the window does on add: a file that is not a decoder LossLens drives is refused here.
  await TextTokenizer.load(tokenizerPath)
  const { model: description } = await describeModel(modelPath)
  const label = values.label ?? labelOf(modelPath)
  let ref: CheckpointRef | undefined
  await ws.updateExperiment(id, (e) => {
    ref = newCheckpointRef(e, {
      label,
      modelPath,
      tokenizerPath,
      ...(sourcePath ? { sourcePath } : {}),
      ...(step ? { step: step.step } : {}),
      description,
    })
    return { ...e, checkpoints: [...e.checkpoints, ref] }
  })
  console.log(
    `added checkpoint ${ref!.id} (${description.form} model, ${step ? `step ${step.step} from ${step.from}` : 'no step: give --step N or --last'})`,
  )
  return EXIT.ok
}

// ----------------------------------------------------------------------------------- add-dataset

async function addDataset(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    data: { type: 'string' },
    label: { type: 'string' },
    train: { type: 'string' },
    'from-training': { type: 'boolean' },
    'held-out': { type: 'boolean' },
  })
  if (values.help) return help()
  const dir = folderArg(positionals)
  if (values['from-training'] && values['held-out'])
    throw new UsageError('give --from-training or --held-out, not both')
  const path = existingFile(need(values.data, 'data'), 'data')
  const trainPath = values.train === undefined ? undefined : existingFile(values.train, 'train')
  const { ws, id } = await openExperiment(dir)
  // Read as a run reads it: a file a run would refuse is refused now, with the same message.
  const sampleCount = (await readSamples(path)).length
  const datasetKind: DatasetKind = values['from-training']
    ? 'fromTraining'
    : values['held-out']
      ? 'heldOut'
      : 'unknown'
  const label = values.label ?? basename(path)
  let ref: DatasetRef | undefined
  await ws.updateExperiment(id, (e) => {
    ref = {
      id: uniqueSlug(
        label.replace(/\.jsonl?$/i, ''),
        e.datasets.map((d) => d.id),
        'dataset',
      ),
      label,
      path,
      ...(trainPath ? { trainPath } : {}),
      datasetKind,
      sampleCount,
    }
    return { ...e, datasets: [...e.datasets, ref] }
  })
  console.log(`added dataset ${ref!.id} (${sampleCount} samples, ${datasetKind})`)
  return EXIT.ok
}

// ------------------------------------------------------------------------------------------- set

const SETTING_FLAGS = {
  'input-length': { type: 'string' },
  'predict-length': { type: 'string' },
  limit: { type: 'string' },
  measures: { type: 'string' },
  'batch-size': { type: 'string' },
  threads: { type: 'string' },
  provider: { type: 'string' },
  ...FORMAT_FLAGS,
} as const

/** The experiment's settings with the flags given changed; UsageError naming a flag with a bad value. */
function changedSettings(v: Record<string, string | boolean | undefined>, current: RunSettings): RunSettings {
  const int = (flag: string, min: number, max: number): number | undefined => {
    const text = v[flag]
    if (typeof text !== 'string') return undefined
    const n = Number(text)
    if (!Number.isInteger(n) || n < min || n > max)
      throw new UsageError(`--${flag} must be an integer from ${min} to ${max}, got "${text}"`)
    return n
  }
  let measures = current.measures
  if (typeof v.measures === 'string') {
    try {
      measures = parseMeasures(v.measures)
    } catch (err) {
      throw new UsageError(`--measures: ${errorMessage(err)} (known: ${MEASURES.join(', ')})`)
    }
    if (measures.length === 0) throw new UsageError('--measures: no measure named')
  }
  const limit = int('limit', 1, 1e9)
  const next: RunSettings = {
    ...current,
    inputLength: int('input-length', 1, 1_000_000) ?? current.inputLength,
    predictLength: int('predict-length', 1, 1_000_000) ?? current.predictLength,
    measures,
    batchSize: int('batch-size', 1, 4096) ?? current.batchSize,
    threads: int('threads', 0, 1024) ?? current.threads,
    ...formatSettings(v),
    provider: typeof v.provider === 'string' ? v.provider : current.provider,
    ...(limit !== undefined ? { limit } : {}),
  }
  try {
    return validateSettings(next)
  } catch (err) {
    throw new UsageError(errorMessage(err))
  }
}

async function set(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...SETTING_FLAGS,
    'train-log': { type: 'string' },
    'reported-loss': { type: 'string' },
    checkpoint: { type: 'string' },
    step: { type: 'string' },
    last: { type: 'boolean' },
  })
  if (values.checkpoint !== undefined || values.step !== undefined || values.last !== undefined) {
    return setStep(folderArg(positionals), values.checkpoint, values.step, values.last === true)
  }
  if (values.help) return help()
  const dir = folderArg(positionals)
  const given = Object.keys(values).filter(
    (k) => k !== 'help' && values[k as keyof typeof values] !== undefined,
  )
  if (given.length === 0)
    throw new UsageError('nothing to set: give --train-log, --input-length, ... (see --help)')
  let reportedLoss: number | undefined
  if (values['reported-loss'] !== undefined) {
    reportedLoss = Number(values['reported-loss'])
    if (!Number.isFinite(reportedLoss) || reportedLoss <= 0)
      throw new UsageError(`--reported-loss must be a positive number, got "${values['reported-loss']}"`)
  }
  const trainingLog =
    values['train-log'] === undefined ? undefined : existingFile(values['train-log'], 'train-log')
  const { ws, id, experiment } = await openExperiment(dir)
  let settings = changedSettings(values, experiment.settings)
  if (trainingLog) {
    const log = await readTrainLog(trainingLog)
    if (log.points.length === 0)
      throw new InputError('no loss lines found: not a training log LossLens reads', trainingLog)
    console.log(`training log: ${log.points.length} points (${log.format}), last step ${lastLoggedStep(log)}`)
    // The trainer's max_seq_len, when the log's header states it and --max-seq-len does not.
    if (log.maxSeqLen !== undefined && values['max-seq-len'] === undefined) {
      settings = validateSettings({ ...settings, maxSeqLen: log.maxSeqLen })
      console.log(`max_seq_len ${log.maxSeqLen}, from the training log`)
    }
  }
  await ws.updateExperiment(id, (e) => ({
    ...e,
    settings,
    ...(trainingLog ? { trainingLog } : {}),
    ...(reportedLoss !== undefined ? { reportedLoss } : {}),
  }))
  console.log(
    `settings: input length ${settings.inputLength}, predict length ${settings.predictLength}` +
      (settings.limit !== undefined ? `, first ${settings.limit} samples` : '') +
      `, measures ${settings.measures.join(',')}, bos ${settings.bos ?? 'auto'}` +
      (settings.maxSeqLen !== undefined ? `, max_seq_len ${settings.maxSeqLen}` : '') +
      (settings.format !== undefined ? `, format ${settings.format}` : ''),
  )
  return EXIT.ok
}

/** `set DIR --checkpoint ID --step N | --last`: the training step of a checkpoint already added. */
async function setStep(
  dir: string,
  checkpointId: string | undefined,
  stepFlag: string | undefined,
  last: boolean,
): Promise<number> {
  if (checkpointId === undefined) throw new UsageError('--step and --last need --checkpoint ID')
  if ((stepFlag === undefined) === !last) throw new UsageError('give one of --step N or --last')
  const { ws, id, experiment } = await openExperiment(dir)
  if (!experiment.checkpoints.some((c) => c.id === checkpointId)) {
    const known = experiment.checkpoints.map((c) => c.id).join(', ') || 'none'
    throw new UsageError(`no checkpoint "${checkpointId}" in ${id} (known: ${known})`)
  }
  let step: number
  if (last) {
    if (!experiment.trainingLog) throw new UsageError('--last needs a training log: set --train-log first')
    const logPath = resolve(dir, experiment.trainingLog)
    const found = lastLoggedStep(await readTrainLog(logPath))
    if (found === null) throw new InputError('no loss lines, so no last step', logPath)
    step = found
  } else {
    step = Number(stepFlag)
    if (!Number.isSafeInteger(step) || step < 0)
      throw new UsageError(`--step must be an integer >= 0, got "${stepFlag}"`)
  }
  await ws.updateExperiment(id, (e) => ({
    ...e,
    checkpoints: e.checkpoints.map((c) => (c.id === checkpointId ? { ...c, step } : c)),
  }))
  console.log(`checkpoint ${checkpointId}: step ${step}`)
  return EXIT.ok
}

// ------------------------------------------------------------------------------------------- run

/**
 * SHA-256 of files, remembered in DIR/.hashes.json by path, size and modification time, so a model of
 * hundreds of MB is hashed once, not at every `experiment run`.
 */
type HashEntries = Record<string, { size: number; mtimeMs: number; sha256: string }>

class HashCache {
  readonly #file: string
  #entries: HashEntries
  #changed = false
  constructor(dir: string) {
    this.#file = join(dir, '.hashes.json')
    try {
      this.#entries = JSON.parse(fs.readFileSync(this.#file, 'utf8')) as HashEntries
    } catch {
      this.#entries = {}
    }
  }
  async of(path: string): Promise<string> {
    let stat: fs.Stats
    try {
      stat = fs.statSync(path)
    } catch {
      throw new InputError('file not found', path)
    }
    const known = this.#entries[path]
    if (known && known.size === stat.size && known.mtimeMs === stat.mtimeMs) return known.sha256
    const hash = createHash('sha256')
    for await (const chunk of fs.createReadStream(path, { highWaterMark: 1 << 20 }))
      hash.update(chunk as Buffer)
    const sha256 = hash.digest('hex')
    this.#entries[path] = { size: stat.size, mtimeMs: stat.mtimeMs, sha256 }
    this.#changed = true
    return sha256
  }
  save(): void {
    if (!this.#changed) return
    fs.writeFileSync(`${this.#file}.tmp`, JSON.stringify(this.#entries, null, 1))
    fs.renameSync(`${this.#file}.tmp`, this.#file)
    this.#changed = false
  }
}

/**
 * The settings that change a run's numbers (not batch size, threads or provider, which only change
 * its speed), as a canonical string: two runs with the same key measured the same thing.
 */
function settingsKey(s: RunSettings): string {
  return JSON.stringify({
    inputLength: s.inputLength,
    predictLength: s.predictLength,
    measures: [...s.measures].sort(),
    bos: s.bos ?? null,
    maxSeqLen: s.maxSeqLen ?? null,
    format: s.format ?? null,
    sftRoles: s.sftRoles ?? null,
    limit: s.limit ?? null,
  })
}

const sha256Text = (text: string) => createHash('sha256').update(text).digest('hex')

/**
 * True when a finished run measured these inputs: its stored hashes equal them, or, for a run from
 * before hashes were kept (the window's), its settings are the same and its files have not been
 * modified since it started.
 */
function sameInputs(run: RunInfo, inputs: RunInputs, files: string[]): boolean {
  if (run.inputs)
    return (
      run.inputs.model === inputs.model &&
      run.inputs.tokenizer === inputs.tokenizer &&
      run.inputs.data === inputs.data &&
      run.inputs.settings === inputs.settings
    )
  if (sha256Text(settingsKey(run.settings)) !== inputs.settings) return false
  const started = Date.parse(run.createdAt)
  return files.every((f) => fs.statSync(f).mtimeMs <= started)
}

/** One `experiment run` per experiment at a time: DIR/.run.lock holds the pid; a dead pid's lock is taken over. */
function lock(dir: string): () => void {
  const file = join(dir, '.run.lock')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' })
      return () => fs.rmSync(file, { force: true })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const pid = Number(fs.readFileSync(file, 'utf8'))
      if (Number.isInteger(pid) && pid > 0 && alive(pid))
        throw new InputError(`'experiment run' is already running on this experiment (pid ${pid})`, dir)
      fs.rmSync(file, { force: true })
    }
  }
  throw new InputError('cannot take the run lock', file)
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The exit code of a run stopped with Ctrl-C (128 + SIGINT, as shells report it). */
const INTERRUPTED = 130

async function runExperiment(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    checkpoint: { type: 'string' },
    dataset: { type: 'string' },
  })
  if (values.help) return help()
  const dir = folderArg(positionals)
  const { ws, id, experiment } = await openExperiment(dir)
  const checkpoints = values.checkpoint
    ? experiment.checkpoints.filter((c) => c.id === values.checkpoint)
    : experiment.checkpoints
  const datasets = values.dataset
    ? experiment.datasets.filter((d) => d.id === values.dataset)
    : experiment.datasets
  if (values.checkpoint && checkpoints.length === 0)
    throw new UsageError(
      `no checkpoint "${values.checkpoint}" (it has: ${experiment.checkpoints.map((c) => c.id).join(', ') || 'none'})`,
    )
  if (values.dataset && datasets.length === 0)
    throw new UsageError(
      `no dataset "${values.dataset}" (it has: ${experiment.datasets.map((d) => d.id).join(', ') || 'none'})`,
    )

  const unlock = lock(dir)
  const manager = new RunManager({ workspace: ws, runAnalysis, emit: progressPrinter() })
  const stop = new AbortController()
  const onSigint = () => {
    process.stderr.write('\nstopping: a run is kept and resumes at the next `experiment run`\n')
    stop.abort()
    void manager.shutdown()
  }
  process.once('SIGINT', onSigint)
  const interrupted = () => {
    console.error(`interrupted: 'losslens experiment run ${dir}' goes on from here`)
    return INTERRUPTED
  }
  try {
    await markStaleRuns(ws, id)
    let problems = 0
    try {
      problems += await dataChecks(ws, id, datasets, stop.signal)
      problems += await weightChecks(ws, id, checkpoints, stop.signal)
    } catch (err) {
      if (stop.signal.aborted) return interrupted()
      throw err
    }
    if (checkpoints.length === 0 || datasets.length === 0)
      console.log('no runs to make: the experiment needs a checkpoint and a dataset')
    const hashes = new HashCache(dir)
    const settings = (await ws.getExperiment(id)).settings
    const settingsHash = sha256Text(settingsKey(settings))
    for (const c of checkpoints) {
      for (const d of datasets) {
        if (stop.signal.aborted) return interrupted()
        const files = {
          model: ws.resolvePath(id, c.modelPath),
          tokenizer: ws.resolvePath(id, c.tokenizerPath),
          data: ws.resolvePath(id, d.path),
        }
        const inputs: RunInputs = {
          model: await hashes.of(files.model),
          tokenizer: await hashes.of(files.tokenizer),
          data: await hashes.of(files.data),
          settings: settingsHash,
        }
        hashes.save()
        const pair = `${c.id} x ${d.id}`
        const runs = (await listRuns(ws, id)).runs.filter(
          (r) => r.checkpointId === c.id && r.datasetId === d.id,
        )
        const finished = runs.filter(
          (r) => r.status === 'finished' && sameInputs(r, inputs, Object.values(files)),
        )
        if (finished.length > 0) {
          console.log(`${pair}: done (run ${finished[finished.length - 1]!.runId})`)
          continue
        }
        // A running run without hashes was started by the window, which may be running it now.
        const windowRun = runs.find((r) => (r.status === 'running' || r.status === 'queued') && !r.inputs)
        if (windowRun) {
          console.error(
            `${pair}: skipped: run ${windowRun.runId} is marked ${windowRun.status} (in the window?)`,
          )
          continue
        }
        const stopped = runs.filter(
          (r) => r.status !== 'finished' && sameInputs(r, inputs, Object.values(files)),
        )
        const resumed = stopped[stopped.length - 1]
        let runId: string
        if (resumed) {
          process.stderr.write(`${pair}: resuming run ${resumed.runId} (${resumed.done} samples kept)\n`)
          runId = await manager.resume(id, resumed.runId)
        } else {
          ;[runId] = await manager.start({
            experimentId: id,
            checkpointIds: [c.id],
            datasetId: d.id,
            settings,
            inputs,
          })
          process.stderr.write(`${pair}: run ${runId}\n`)
        }
        await manager.idle()
        const run = (await listRuns(ws, id)).runs.find((r) => r.runId === runId)
        if (run?.status === 'finished') {
          const tf = run.summary?.means.teacherForcing
          console.log(
            `${pair}: finished run ${runId}` +
              (tf !== undefined ? `, teacher forcing ${tf.toFixed(4)} nats` : ''),
          )
        } else if (run?.status === 'failed') {
          console.error(`${pair}: run ${runId} failed: ${run.error ?? 'no message'}`)
          problems++
        } else {
          console.error(`${pair}: run ${runId} ${run?.status ?? 'lost'}`)
          return interrupted()
        }
      }
    }
    return problems > 0 ? EXIT.problem : EXIT.ok
  } finally {
    process.off('SIGINT', onSigint)
    unlock()
  }
}

/**
 * Runs an earlier `experiment run` left marked running or queued (it was killed; the lock says none is
 * alive): interrupted, so they resume. Runs without hashes are the window's and are left alone.
 */
async function markStaleRuns(ws: Workspace, id: string): Promise<void> {
  for (const run of (await listRuns(ws, id)).runs) {
    if ((run.status !== 'running' && run.status !== 'queued') || !run.inputs) continue
    const { results } = await readRunResults(ws, id, run.runId)
    await writeRun(ws, {
      ...run,
      status: 'interrupted',
      done: results.length,
      updatedAt: new Date().toISOString(),
    })
  }
}

/** The data check of each dataset with training data and no result yet; settles datasetKind when unknown. */
async function dataChecks(
  ws: Workspace,
  id: string,
  datasets: DatasetRef[],
  signal: AbortSignal,
): Promise<number> {
  let problems = 0
  for (const d of datasets) {
    if (!d.trainPath) continue
    const trainPath = ws.resolvePath(id, d.trainPath)
    const evalPath = ws.resolvePath(id, d.path)
    const done = d.consistency
    if (done && resolve(done.trainPath) === trainPath && resolve(done.evalPath) === evalPath) continue
    let shown = -1
    const consistency = await checkDataConsistency(evalPath, trainPath, {
      signal,
      onProgress: (read, total) => {
        const percent = Math.floor((100 * read) / Math.max(total, 1))
        if (percent >= shown + 10 || percent === 100) {
          shown = percent
          process.stderr.write(`data check ${d.id}: ${percent}% of ${basename(trainPath)}\n`)
        }
      },
    })
    const claimed = claimedKind(d)
    const settled = kindFromConsistency(consistency)
    await ws.updateExperiment(id, (e) => ({
      ...e,
      datasets: e.datasets.map((x) =>
        x.id === d.id ? { ...x, consistency, ...(claimed === 'unknown' ? { datasetKind: settled } : {}) } : x,
      ),
    }))
    console.log(
      `data check ${d.id}: ${foundInTraining(consistency)}/${consistency.total} samples found in the training data` +
        (claimed === 'unknown' ? `: ${settled}` : ` (said to be ${claimed})`),
    )
    if (claimed === 'fromTraining' && foundInTraining(consistency) < consistency.total) problems++
  }
  return problems
}

/** Weight verification of each checkpoint with a source and no report yet. */
async function weightChecks(
  ws: Workspace,
  id: string,
  checkpoints: CheckpointRef[],
  signal: AbortSignal,
): Promise<number> {
  let problems = 0
  for (const c of checkpoints) {
    if (!c.sourcePath || signal.aborted) continue
    const sourcePath = ws.resolvePath(id, c.sourcePath)
    const modelPath = ws.resolvePath(id, c.modelPath)
    const done = c.weights
    if (done && resolve(done.checkpointPath) === sourcePath && resolve(done.modelPath) === modelPath) continue
    process.stderr.write(`weights ${c.id}: matching ${basename(c.sourcePath)} against the model\n`)
    const weights = await verifyWeights(sourcePath, modelPath)
    await ws.updateExperiment(id, (e) => ({
      ...e,
      checkpoints: e.checkpoints.map((x) => (x.id === c.id ? { ...x, weights } : x)),
    }))
    console.log(`weights ${c.id}: ${weights.matched}/${weights.total} unique tensors matched`)
    if (weights.matched !== weights.total) problems++
  }
  return problems
}

/** The run manager's events as progress on stderr: one updating line on a terminal, else a line every 5 s. */
function progressPrinter(): (event: RunEventMessage) => void {
  let last = 0
  let open = false
  return (event) => {
    if (event.type === 'started') {
      process.stderr.write(`  ${event.total} samples on ${event.provider.used}\n`)
    } else if (event.type === 'progress') {
      const eta = event.etaSeconds === null ? '' : `, ${Math.ceil(event.etaSeconds)} s left`
      const text = `  ${event.done}/${event.total} samples, ${event.tokensPerSecond.toFixed(0)} tok/s${eta}`
      if (process.stderr.isTTY) {
        process.stderr.write(`\r\x1b[K${text}`)
        open = true
      } else if (performance.now() - last > 5000) {
        process.stderr.write(`${text}\n`)
        last = performance.now()
      }
    } else if (open && (event.type === 'finished' || event.type === 'failed' || event.type === 'cancelled')) {
      process.stderr.write('\n')
      open = false
    }
  }
}

// ------------------------------------------------------------------------------------------ main

function help(): number {
  console.log(USAGE)
  return EXIT.ok
}

const SUBCOMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  create,
  'add-checkpoint': addCheckpoint,
  'add-dataset': addDataset,
  set,
  run: runExperiment,
}

/** Runs the command; a usage error exits 2, a bad file 3, each with one line naming the flag or file. */
export async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined) {
    console.error(USAGE)
    return EXIT.usage
  }
  if (name === '--help' || name === '-h') return help()
  const sub = SUBCOMMANDS[name]
  if (!sub) {
    console.error(
      `losslens experiment: unknown command "${name}" (create, add-checkpoint, add-dataset, set, run; see --help)`,
    )
    return EXIT.usage
  }
  try {
    return await sub(rest)
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`losslens experiment ${name}: ${err.message} (see --help)`)
      return EXIT.usage
    }
    if (err instanceof InputError || err instanceof StoreError) {
      console.error(`losslens experiment ${name}: ${err.message}`)
      return EXIT.input
    }
    throw err
  }
}

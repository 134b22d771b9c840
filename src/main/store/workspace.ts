/**
 * The workspace on disk: experiments/<id>/experiment.json, experiments/<id>/runs/<runId>/{run.json,
 * results.jsonl}, experiments/<id>/reports/. Every JSON file is written atomically; a corrupt
 * experiment.json is reported with its path and never written over.
 */
import fs from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join, resolve } from 'node:path'
import { ExperimentIdSchema, ExperimentSchema, type Experiment } from '../../shared/experiment'
import { cleanStaleTemps, readJsonFile, StoreError, writeJsonAtomic } from './atomic'
import { DEFAULT_RUN_SETTINGS } from './defaults'
import { mapExperimentPaths, resolveStoredPath, toStoredPath } from './paths'

/** Moves a file or folder out of the way (the OS trash in Electron, <workspace>/.trash otherwise). */
export type TrashFn = (path: string) => Promise<void>

/** One entry of the experiments list: the experiment, or why it could not be read. */
export type ExperimentEntry = { id: string; experiment: Experiment } | { id: string; error: string }

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

export class Workspace {
  readonly root: string
  readonly #locks = new Map<string, Promise<unknown>>()

  constructor(root: string) {
    this.root = resolve(root)
  }

  /** Opens (creating when needed) the workspace at `root`; `created` says it was new. */
  static async open(root: string): Promise<{ workspace: Workspace; created: boolean }> {
    const workspace = new Workspace(root)
    const created = !fs.existsSync(workspace.experimentsDir)
    await fs.promises.mkdir(workspace.experimentsDir, { recursive: true })
    if (!created) await workspace.cleanStaleTemps()
    return { workspace, created }
  }

  /** Removes temp files that saves killed mid-write left beside experiment.json and run.json. */
  async cleanStaleTemps(): Promise<number> {
    let removed = 0
    const ids = await fs.promises.readdir(this.experimentsDir).catch(() => [] as string[])
    for (const id of ids) {
      const dir = join(this.experimentsDir, id)
      removed += await cleanStaleTemps(dir)
      const runs = await fs.promises.readdir(join(dir, 'runs')).catch(() => [] as string[])
      for (const run of runs) removed += await cleanStaleTemps(join(dir, 'runs', run))
    }
    return removed
  }

  get experimentsDir(): string {
    return join(this.root, 'experiments')
  }
  get trashDir(): string {
    return join(this.root, '.trash')
  }
  /** The experiment's folder; throws a RangeError for an id that is not folder-safe. */
  experimentDir(id: string): string {
    if (!ExperimentIdSchema.safeParse(id).success) throw new RangeError(`invalid experiment id "${id}"`)
    return join(this.experimentsDir, id)
  }
  experimentFile(id: string): string {
    return join(this.experimentDir(id), 'experiment.json')
  }
  runsDir(id: string): string {
    return join(this.experimentDir(id), 'runs')
  }
  /** A run's folder; throws a RangeError for a run id that is not folder-safe. */
  runDir(id: string, runId: string): string {
    if (!RUN_ID.test(runId)) throw new RangeError(`invalid run id "${runId}"`)
    return join(this.runsDir(id), runId)
  }
  reportsDir(id: string): string {
    return join(this.experimentDir(id), 'reports')
  }
  /** The absolute path of a path stored in the experiment's experiment.json. */
  resolvePath(id: string, stored: string): string {
    return resolveStoredPath(this.experimentDir(id), stored)
  }

  /** Ids of experiment folders (dot-folders, such as unfinished copies, are skipped), sorted. */
  async experimentIds(): Promise<string[]> {
    const entries = await fs.promises.readdir(this.experimentsDir, { withFileTypes: true }).catch(() => [])
    return entries
      .filter((e) => e.isDirectory() && ExperimentIdSchema.safeParse(e.name).success)
      .map((e) => e.name)
      .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
  }

  /** Every experiment, each read or with the error that kept it from being read. */
  async listExperiments(): Promise<ExperimentEntry[]> {
    const ids = await this.experimentIds()
    return Promise.all(
      ids.map(async (id): Promise<ExperimentEntry> => {
        try {
          return { id, experiment: await this.getExperiment(id) }
        } catch (err) {
          return { id, error: (err as Error).message }
        }
      }),
    )
  }

  /** Reads experiment.json; StoreError naming the file when it is missing, not JSON or not an experiment. */
  async getExperiment(id: string): Promise<Experiment> {
    const file = this.experimentFile(id)
    const raw = await readJsonFile(file)
    const parsed = ExperimentSchema.safeParse(raw)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const where = issue?.path.join('.') || '(root)'
      throw new StoreError(
        `${file}: not a valid experiment (${where}: ${issue?.message}); the file was left as it is`,
        file,
      )
    }
    // The folder name is the experiment's identity, even if someone renamed the folder by hand.
    return { ...parsed.data, id }
  }

  /** Creates experiments/<id>/ with experiment.json, runs/ and reports/; fails when the id is taken. */
  async createExperiment(init: Partial<Experiment> & { id: string; title: string }): Promise<Experiment> {
    const now = new Date().toISOString()
    const experiment: Experiment = ExperimentSchema.parse({
      notes: '',
      checkpoints: [],
      datasets: [],
      settings: DEFAULT_RUN_SETTINGS,
      ...init,
      createdAt: now,
      updatedAt: now,
    })
    const dir = this.experimentDir(experiment.id)
    const normalised = normalisePaths(dir, experiment)
    await this.#publishFolder(experiment.id, async (tmp) => {
      await fs.promises.mkdir(join(tmp, 'runs'), { recursive: true })
      await fs.promises.mkdir(join(tmp, 'reports'), { recursive: true })
      await writeJsonAtomic(join(tmp, 'experiment.json'), normalised)
    })
    return normalised
  }

  /**
   * Replaces experiment.json with `experiment` (paths stored relative when inside the folder). The
   * current file must read cleanly: a corrupt one is reported, not overwritten. What main measured
   * (model description, weight report, data consistency) is kept while its files stay the same, and
   * dropped when they change.
   */
  saveExperiment(experiment: Experiment): Promise<Experiment> {
    return this.updateExperiment(experiment.id, (current) => ({
      ...carryEvidence(this.experimentDir(experiment.id), current, experiment),
      createdAt: current.createdAt,
    }))
  }

  /** Read-modify-write of experiment.json, one at a time per experiment. */
  updateExperiment(
    id: string,
    change: (current: Experiment) => Experiment | Promise<Experiment>,
  ): Promise<Experiment> {
    return this.#serial(id, async () => {
      const current = await this.getExperiment(id)
      const next = ExperimentSchema.parse({
        ...(await change(current)),
        id,
        updatedAt: new Date().toISOString(),
      })
      const normalised = normalisePaths(this.experimentDir(id), next)
      await writeJsonAtomic(this.experimentFile(id), normalised)
      return normalised
    })
  }

  /** Renames the experiment's folder and its id (in experiment.json and each run.json). */
  async renameExperiment(id: string, newId: string): Promise<Experiment> {
    if (id === newId) return this.getExperiment(id)
    const experiment = await this.getExperiment(id)
    const target = this.experimentDir(newId)
    if (fs.existsSync(target) && newId.toLowerCase() !== id.toLowerCase())
      throw new StoreError(`an experiment "${newId}" already exists`, target)
    this.#refuseCaseTwin(newId, id)
    return this.#serial(id, async () => {
      await fs.promises.rename(this.experimentDir(id), target)
      const renamed = { ...experiment, id: newId, updatedAt: new Date().toISOString() }
      await writeJsonAtomic(this.experimentFile(newId), renamed)
      for (const runId of await this.runIds(newId)) {
        const file = join(this.runDir(newId, runId), 'run.json')
        const run = await readJsonFile(file).catch(() => null)
        if (run && typeof run === 'object') await writeJsonAtomic(file, { ...run, experimentId: newId })
      }
      return renamed
    })
  }

  /**
   * Copies an experiment's inputs (experiment.json and any files kept in its folder) to `newId`;
   * runs and reports stay with the original. The copy appears only once complete.
   */
  async duplicateExperiment(id: string, newId: string): Promise<Experiment> {
    const experiment = await this.getExperiment(id)
    const source = this.experimentDir(id)
    const now = new Date().toISOString()
    const copy: Experiment = {
      ...experiment,
      id: newId,
      title: `${experiment.title} (copy)`,
      createdAt: now,
      updatedAt: now,
    }
    await this.#publishFolder(newId, async (tmp) => {
      await fs.promises.cp(source, tmp, {
        recursive: true,
        errorOnExist: true,
        force: false,
        mode: fs.constants.COPYFILE_FICLONE,
        filter: (src) => {
          const rel = src.slice(source.length + 1).split(/[\\/]/)[0]
          return rel !== 'runs' && rel !== 'reports' && !(rel ?? '').startsWith('.')
        },
      })
      await fs.promises.mkdir(join(tmp, 'runs'), { recursive: true })
      await fs.promises.mkdir(join(tmp, 'reports'), { recursive: true })
      await writeJsonAtomic(join(tmp, 'experiment.json'), copy)
    })
    return copy
  }

  /** Moves the experiment's folder to the trash (default: <workspace>/.trash/). */
  async deleteExperiment(id: string, trash: TrashFn = (p) => this.moveToTrash(p)): Promise<void> {
    const dir = this.experimentDir(id)
    if (!fs.existsSync(dir)) throw new StoreError(`no experiment "${id}"`, dir)
    await this.#serial(id, () => trash(dir))
  }

  /** The bridge's trash: <workspace>/.trash/<name>-<time>, so a deletion can be undone by hand. */
  async moveToTrash(path: string): Promise<void> {
    await fs.promises.mkdir(this.trashDir, { recursive: true })
    const stamp = new Date().toISOString().replace(/[:.]/g, '-')
    const name = path.split(/[\\/]/).filter(Boolean).pop() ?? 'item'
    await fs.promises.rename(path, join(this.trashDir, `${name}-${stamp}-${randomBytes(2).toString('hex')}`))
  }

  /** Run folder names of an experiment, oldest first (run ids sort by time). */
  async runIds(id: string): Promise<string[]> {
    const entries = await fs.promises.readdir(this.runsDir(id), { withFileTypes: true }).catch(() => [])
    return entries
      .filter((e) => e.isDirectory() && RUN_ID.test(e.name))
      .map((e) => e.name)
      .sort()
  }

  /**
   * Refuses an id that differs from an existing experiment's only in case (1.4.0-DEMO beside
   * 1.4.0-demo): on macOS and Windows both name the same folder, so one would overwrite the other
   * when the workspace is copied there. `self` is the experiment being renamed (a case-only rename of
   * itself is fine).
   */
  #refuseCaseTwin(id: string, self?: string): void {
    const names = fs.existsSync(this.experimentsDir) ? fs.readdirSync(this.experimentsDir) : []
    const twin = names.find(
      (n) => !n.startsWith('.') && n !== self && n !== id && n.toLowerCase() === id.toLowerCase(),
    )
    if (twin)
      throw new StoreError(
        `an experiment "${twin}" already exists; "${id}" differs from it only in case, which is the same folder on macOS and Windows`,
        this.experimentDir(twin),
      )
  }

  /** Builds a new folder under a dot-name, then renames it into place, so no half-made experiment shows. */
  async #publishFolder(id: string, build: (tmp: string) => Promise<void>): Promise<void> {
    const target = this.experimentDir(id)
    if (fs.existsSync(target)) throw new StoreError(`an experiment "${id}" already exists`, target)
    this.#refuseCaseTwin(id)
    const tmp = join(this.experimentsDir, `.new-${id}-${randomBytes(4).toString('hex')}`)
    try {
      await build(tmp)
      if (fs.existsSync(target)) throw new StoreError(`an experiment "${id}" already exists`, target)
      await fs.promises.rename(tmp, target)
    } catch (err) {
      await fs.promises.rm(tmp, { recursive: true, force: true }).catch(() => undefined)
      throw err
    }
  }

  #serial<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(key) ?? Promise.resolve()
    const next = previous.then(task, task)
    const settled = next.catch(() => undefined)
    this.#locks.set(key, settled)
    void settled.then(() => {
      if (this.#locks.get(key) === settled) this.#locks.delete(key)
    })
    return next
  }
}

/**
 * Evidence fields of `next` reconciled with `current`: a window that saved an older copy does not erase
 * a description or check stored since, and a changed file drops what was measured on the old one.
 */
function carryEvidence(dir: string, current: Experiment, next: Experiment): Experiment {
  const same = (a?: string, b?: string) =>
    a === undefined || b === undefined ? a === b : resolve(dir, a) === resolve(dir, b)
  return {
    ...next,
    checkpoints: next.checkpoints.map((c) => {
      const old = current.checkpoints.find((o) => o.id === c.id)
      if (!old) return c
      const { description, weights, ...rest } = c
      const sameModel = same(old.modelPath, c.modelPath)
      const sameWeights = sameModel && same(old.sourcePath, c.sourcePath)
      const keptDescription = sameModel ? (description ?? old.description) : undefined
      const keptWeights = sameWeights ? (weights ?? old.weights) : undefined
      return {
        ...rest,
        ...(keptDescription ? { description: keptDescription } : {}),
        ...(keptWeights ? { weights: keptWeights } : {}),
      }
    }),
    datasets: next.datasets.map((d) => {
      const old = current.datasets.find((o) => o.id === d.id)
      if (!old) return d
      const { consistency, sampleCount, ...rest } = d
      const sameData = same(old.path, d.path)
      const keptConsistency =
        sameData && same(old.trainPath, d.trainPath) ? (consistency ?? old.consistency) : undefined
      const keptCount = sameData ? (sampleCount ?? old.sampleCount) : undefined
      return {
        ...rest,
        ...(keptConsistency ? { consistency: keptConsistency } : {}),
        ...(keptCount !== undefined ? { sampleCount: keptCount } : {}),
      }
    }),
  }
}

/** Stores paths inside the experiment folder relative to it, others absolute. */
function normalisePaths(dir: string, e: Experiment): Experiment {
  return mapExperimentPaths(e, (path) => toStoredPath(dir, path))
}

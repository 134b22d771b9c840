/**
 * The bundled demo (resources/demo) copied into a new workspace as an experiment, so a first start
 * shows something real: both checkpoints, both datasets, the training log and the seed's settings.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import type { CheckpointRef, DatasetRef, Experiment } from '../../shared/experiment'
import { RunSettingsSchema } from '../../shared/results'
import { DEFAULT_RUN_SETTINGS, uniqueSlug } from './defaults'
import type { Workspace } from './workspace'

export const DEMO_EXPERIMENT_ID = '1.4.0-demo'

interface DemoManifest {
  id?: string
  title?: string
  notes?: string
  settings?: Record<string, unknown>
  checkpoints?: Record<string, unknown>[]
}

/**
 * Copies `demoDir` into experiments/<id>/ and writes its experiment.json; returns null when the
 * demo folder is missing (a development checkout before the demo is built) or the id is taken.
 */
export async function seedDemo(workspace: Workspace, demoDir: string): Promise<Experiment | null> {
  if (!fs.existsSync(join(demoDir, 'checkpoints'))) return null
  const manifest = (await readJson(join(demoDir, 'manifest.json'))) as DemoManifest | null
  const id = typeof manifest?.id === 'string' ? manifest.id : DEMO_EXPERIMENT_ID
  if (fs.existsSync(workspace.experimentDir(id))) return null

  // Files go in first (under a dot-name the list skips), experiment.json last.
  const staging = join(workspace.experimentsDir, `.demo-${id}`)
  await fs.promises.rm(staging, { recursive: true, force: true })
  await fs.promises.cp(demoDir, join(staging, 'demo'), {
    recursive: true,
    mode: fs.constants.COPYFILE_FICLONE,
  })
  const checkpoints = await demoCheckpoints(join(staging, 'demo'), manifest)
  const datasets = demoDatasets(join(staging, 'demo'))
  const settings = RunSettingsSchema.safeParse({ ...DEFAULT_RUN_SETTINGS, ...(manifest?.settings ?? {}) })
  const experiment = await workspace.createExperiment({
    id,
    title: manifest?.title ?? 'Demo: why evaluation loss differs from training loss',
    notes: manifest?.notes ?? DEMO_NOTES,
    checkpoints: checkpoints.map((c) => ({
      ...c,
      modelPath: rel(c.modelPath),
      tokenizerPath: rel(c.tokenizerPath),
      ...(c.sourcePath ? { sourcePath: rel(c.sourcePath) } : {}),
    })),
    datasets: datasets.map((d) => ({
      ...d,
      path: rel(d.path),
      ...(d.trainPath ? { trainPath: rel(d.trainPath) } : {}),
    })),
    ...(fs.existsSync(join(staging, 'demo', 'train.log')) ? { trainingLog: 'demo/train.log' } : {}),
    settings: settings.success ? settings.data : DEFAULT_RUN_SETTINGS,
  })
  await fs.promises.rename(join(staging, 'demo'), join(workspace.experimentDir(id), 'demo'))
  await fs.promises.rm(staging, { recursive: true, force: true })
  return experiment

  function rel(absolute: string): string {
    return (
      'demo/' +
      absolute
        .slice(join(staging, 'demo').length + 1)
        .split(/[\\/]/)
        .join('/')
    )
  }
}

/** One checkpoint per checkpoints/<name>/ with a model.onnx; label from its manifest when it has one. */
async function demoCheckpoints(dir: string, manifest: DemoManifest | null): Promise<CheckpointRef[]> {
  const root = join(dir, 'checkpoints')
  const names = (await fs.promises.readdir(root, { withFileTypes: true }))
    .filter((e) => e.isDirectory() && fs.existsSync(join(root, e.name, 'model.onnx')))
    .map((e) => e.name)
    .sort((a, b) => order(a) - order(b) || a.localeCompare(b))
  const refs: CheckpointRef[] = []
  for (const name of names) {
    const folder = join(root, name)
    const own = ((await readJson(join(folder, 'manifest.json'))) ?? {}) as Record<string, unknown>
    const listed = manifest?.checkpoints?.find((c) => c.id === name || c.name === name) ?? {}
    const label = [listed.label, own.label].find((v): v is string => typeof v === 'string') ?? name
    const source = (await fs.promises.readdir(folder)).find((f) => /\.(pth|pt|safetensors)$/.test(f))
    const tokenizer = fs.existsSync(join(folder, 'tokenizer.json'))
      ? join(folder, 'tokenizer.json')
      : join(dir, 'tokenizer.json')
    refs.push({
      id: uniqueSlug(
        name,
        refs.map((r) => r.id),
        'checkpoint',
      ),
      label,
      modelPath: join(folder, 'model.onnx'),
      tokenizerPath: tokenizer,
      ...(source ? { sourcePath: join(folder, source) } : {}),
    })
  }
  return refs
}

/** early before final; anything else after, by name. */
function order(name: string): number {
  return name === 'early' ? 0 : name === 'final' ? 1 : 2
}

function demoDatasets(dir: string): DatasetRef[] {
  const sets: DatasetRef[] = []
  const train = join(dir, 'train.jsonl')
  if (fs.existsSync(join(dir, 'eval_data_from_train.json'))) {
    sets.push({
      id: 'from-train',
      label: 'eval_data_from_train.json',
      path: join(dir, 'eval_data_from_train.json'),
      fromTraining: true,
      ...(fs.existsSync(train) ? { trainPath: train } : {}),
    })
  }
  if (fs.existsSync(join(dir, 'eval_heldout.json'))) {
    sets.push({ id: 'heldout', label: 'eval_heldout.json', path: join(dir, 'eval_heldout.json') })
  }
  return sets
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await fs.promises.readFile(file, 'utf8'))
  } catch {
    return null
  }
}

const DEMO_NOTES = `A small MiniMind-style model trained for this demo, at two checkpoints.

Run it on **eval_data_from_train.json** (samples drawn from the training data): teacher forcing should
agree with the training loss, while the misaligned "keep last P" slice reports a much higher number,
the bug the seed report found.
`

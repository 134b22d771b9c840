/**
 * The bundled demo (resources/demo, written by tools/make_demo.py) copied into a new workspace as an
 * experiment, so a first start shows something real: both checkpoints, both datasets (the one drawn
 * from training marked so, with its training JSONL), the training log and the seed's settings.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import type { CheckpointRef, DatasetRef, Experiment } from '../../shared/experiment'
import { RunSettingsSchema } from '../../shared/results'
import { uniqueSlug } from '../../shared/slug'
import { DEFAULT_RUN_SETTINGS } from './defaults'
import type { Workspace } from './workspace'

export const DEMO_EXPERIMENT_ID = '1.4.0-demo'
/** The demo's files live in this folder of the experiment. */
const FOLDER = 'demo'

/** resources/demo/manifest.json ("losslens-demo/1"), the parts the experiment is built from. */
interface DemoManifest {
  id?: string
  title?: string
  settings?: Record<string, unknown>
  checkpoints?: { id?: string; label?: string; onnx?: string; checkpoint?: string; dir?: string }[]
  tokenizer?: string
  trainingData?: string
  trainingLog?: string
  evalSets?: string[]
  evalSetsDrawnFromTraining?: Record<string, boolean>
}

/**
 * Copies `demoDir` into experiments/<id>/demo/ and writes its experiment.json; returns null when the
 * demo folder is missing (a checkout before the demo is built) or the experiment already exists.
 */
export async function seedDemo(workspace: Workspace, demoDir: string): Promise<Experiment | null> {
  if (!fs.existsSync(join(demoDir, 'checkpoints'))) return null
  const manifest = ((await readJson(join(demoDir, 'manifest.json'))) ?? {}) as DemoManifest
  const id = manifest.id ?? DEMO_EXPERIMENT_ID
  if (fs.existsSync(workspace.experimentDir(id))) return null
  const has = (rel: string | undefined): rel is string => !!rel && fs.existsSync(join(demoDir, rel))
  const inside = (rel: string) => `${FOLDER}/${rel.split(/[\\/]/).join('/')}`

  const tokenizer = manifest.tokenizer ?? 'tokenizer.json'
  const checkpoints: CheckpointRef[] = []
  for (const c of manifest.checkpoints ?? (await scanCheckpoints(demoDir))) {
    const onnx = c.onnx ?? (c.dir ? `${c.dir}/model.onnx` : undefined)
    if (!has(onnx)) continue
    const label = c.label ?? c.id ?? onnx
    checkpoints.push({
      id: uniqueSlug(
        c.id ?? label,
        checkpoints.map((x) => x.id),
        'checkpoint',
      ),
      label,
      modelPath: inside(onnx),
      tokenizerPath: inside(tokenizer),
      ...(has(c.checkpoint) ? { sourcePath: inside(c.checkpoint) } : {}),
    })
  }

  const train = manifest.trainingData ?? 'train.jsonl'
  const fromTraining = manifest.evalSetsDrawnFromTraining ?? { 'eval_data_from_train.json': true }
  const datasets: DatasetRef[] = []
  for (const file of manifest.evalSets ?? ['eval_data_from_train.json', 'eval_heldout.json']) {
    if (!has(file)) continue
    const drawn = fromTraining[file] === true
    datasets.push({
      id: uniqueSlug(
        file.replace(/\.jsonl?$/, ''),
        datasets.map((d) => d.id),
        'dataset',
      ),
      label: file,
      path: inside(file),
      ...(drawn ? { fromTraining: true } : {}),
      ...(drawn && has(train) ? { trainPath: inside(train) } : {}),
    })
  }
  const log = manifest.trainingLog ?? 'train.log'
  const settings = RunSettingsSchema.safeParse({ ...DEFAULT_RUN_SETTINGS, ...manifest.settings })

  // The files go in under a dot-name the experiment list skips; they move into place once the
  // experiment exists, so neither shows half-made.
  const staging = join(workspace.experimentsDir, `.demo-${id}`)
  await fs.promises.rm(staging, { recursive: true, force: true })
  await fs.promises.cp(demoDir, staging, { recursive: true, mode: fs.constants.COPYFILE_FICLONE })
  const experiment = await workspace.createExperiment({
    id,
    title: manifest.title ?? 'Demo: why evaluation loss differs from training loss',
    notes: DEMO_NOTES,
    checkpoints,
    datasets,
    ...(has(log) ? { trainingLog: inside(log) } : {}),
    settings: settings.success ? settings.data : DEFAULT_RUN_SETTINGS,
  })
  await fs.promises.rename(staging, join(workspace.experimentDir(id), FOLDER))
  return experiment
}

/** Without a manifest: one checkpoint per checkpoints/<name>/ holding a model.onnx, early before final. */
async function scanCheckpoints(demoDir: string): Promise<NonNullable<DemoManifest['checkpoints']>> {
  const root = join(demoDir, 'checkpoints')
  const order = (n: string) => ['early', 'final'].indexOf(n) + 1 || 3
  const names = (await fs.promises.readdir(root, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => order(a) - order(b) || a.localeCompare(b))
  return Promise.all(
    names.map(async (name) => {
      const own = ((await readJson(join(root, name, 'manifest.json'))) ?? {}) as { label?: string }
      const source = (await fs.promises.readdir(join(root, name))).find((f) =>
        /\.(pth|pt|safetensors)$/.test(f),
      )
      return {
        id: name,
        label: own.label ?? name,
        onnx: `checkpoints/${name}/model.onnx`,
        ...(source ? { checkpoint: `checkpoints/${name}/${source}` } : {}),
      }
    }),
  )
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await fs.promises.readFile(file, 'utf8'))
  } catch {
    return null
  }
}

const DEMO_NOTES = `A small MiniMind-architecture model trained for this demo, at two checkpoints (its files
are in \`demo/\`; \`demo/README.md\` says how they were made).

Run it on **eval_data_from_train.json** (samples drawn from the training data): teacher forcing
should agree with the training loss in \`train.log\`, while the misaligned "keep last P" slice
reports a much higher number, the off-by-one the seed report found. **eval_heldout.json** holds
text the model never saw, for contrast.
`

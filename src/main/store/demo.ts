/**
 * The bundled demo (resources/demo, written by tools/make_demo.py) copied into a new workspace as an
 * experiment, so a first start shows something real: its pretrain checkpoints along training (each
 * with the step it was saved at), its pretrain datasets (each with its kind; the one drawn from
 * training marked so, with its training JSONL), the training log and the seed's settings. The
 * deliberately shifted export and the SFT checkpoint stay in the demo folder, out of the experiment.
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
  /** How the demo model was trained; max_length is its trainer's max_seq_len. */
  training?: { max_length?: unknown }
  checkpoints?: DemoCheckpoint[]
  tokenizer?: string
  trainingData?: string
  trainingLog?: string
  evalSets?: string[]
  evalSetsDrawnFromTraining?: Record<string, boolean>
  /** Newer demos: every dataset with its kind and format (pretrain rows or SFT conversations). */
  datasets?: { file?: string; kind?: string; format?: string; trainingData?: string }[]
}

interface DemoCheckpoint {
  id?: string
  /** pretrain (default), shifted (a deliberately broken export) or sft: only pretrain ones join the experiment. */
  kind?: string
  label?: string
  step?: number
  onnx?: string
  checkpoint?: string
  dir?: string
}

const DATASET_KINDS = ['fromTraining', 'heldOut', 'mixed', 'unknown'] as const
type DatasetKind = (typeof DATASET_KINDS)[number]
const isDatasetKind = (k: unknown): k is DatasetKind => DATASET_KINDS.includes(k as DatasetKind)

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
    if ((c.kind ?? 'pretrain') !== 'pretrain') continue
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
      ...(Number.isInteger(c.step) && c.step! >= 0 ? { step: c.step } : {}),
    })
  }

  const train = manifest.trainingData ?? 'train.jsonl'
  const datasets: DatasetRef[] = []
  for (const { file, kind, trainingData } of demoDatasets(manifest)) {
    if (!has(file)) continue
    const drawn = kind === 'fromTraining'
    const from = trainingData ?? train
    datasets.push({
      id: uniqueSlug(
        file.replace(/\.jsonl?$/, ''),
        datasets.map((d) => d.id),
        'dataset',
      ),
      label: file,
      path: inside(file),
      ...(drawn ? { fromTraining: true } : {}),
      ...(kind ? { datasetKind: kind } : {}),
      ...(drawn && has(from) ? { trainPath: inside(from) } : {}),
    })
  }
  const log = manifest.trainingLog ?? 'train.log'
  // The training-format loss cuts samples where the demo's trainer did (its max_length, 256), not at
  // MiniMind's default 512.
  const maxLength = manifest.training?.max_length
  const settings = RunSettingsSchema.safeParse({
    ...DEFAULT_RUN_SETTINGS,
    ...(typeof maxLength === 'number' ? { maxSeqLen: maxLength } : {}),
    ...manifest.settings,
  })

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

/**
 * The pretrain datasets of the manifest with their kinds: its `datasets` list when it has one (SFT
 * conversations left out, the pretrain analysis does not read them), else `evalSets` with
 * `evalSetsDrawnFromTraining` (older demos: drawn means fromTraining, the others are held out).
 */
function demoDatasets(manifest: DemoManifest): { file: string; kind?: DatasetKind; trainingData?: string }[] {
  if (manifest.datasets) {
    return manifest.datasets
      .filter((d) => !!d.file && (d.format ?? 'pretrain') === 'pretrain')
      .map((d) => ({
        file: d.file!,
        ...(isDatasetKind(d.kind) ? { kind: d.kind } : {}),
        ...(d.trainingData ? { trainingData: d.trainingData } : {}),
      }))
  }
  const fromTraining = manifest.evalSetsDrawnFromTraining ?? { 'eval_data_from_train.json': true }
  return (manifest.evalSets ?? ['eval_data_from_train.json', 'eval_heldout.json']).map((file) => ({
    file,
    kind: fromTraining[file] === true ? 'fromTraining' : 'heldOut',
  }))
}

/**
 * Without a manifest: one checkpoint per checkpoints/<name>/ holding a model.onnx, in training order
 * (very-early, early, mid, final, then the rest by name), with the step its export manifest records;
 * an export marked deliberately broken and an SFT checkpoint (full_sft_*.pth) are left out.
 */
async function scanCheckpoints(demoDir: string): Promise<NonNullable<DemoManifest['checkpoints']>> {
  const root = join(demoDir, 'checkpoints')
  const order = (n: string) => ['very-early', 'early', 'mid', 'final'].indexOf(n) + 1 || 5
  const names = (await fs.promises.readdir(root, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => order(a) - order(b) || a.localeCompare(b))
  return Promise.all(
    names.map(async (name) => {
      const own = ((await readJson(join(root, name, 'manifest.json'))) ?? {}) as {
        label?: string
        step?: number
        deliberatelyBroken?: boolean
      }
      const source = (await fs.promises.readdir(join(root, name))).find((f) =>
        /\.(pth|pt|safetensors)$/.test(f),
      )
      const kind = own.deliberatelyBroken ? 'shifted' : source?.startsWith('full_sft') ? 'sft' : 'pretrain'
      return {
        id: name,
        kind,
        label: own.label ?? name,
        onnx: `checkpoints/${name}/model.onnx`,
        ...(source ? { checkpoint: `checkpoints/${name}/${source}` } : {}),
        ...(typeof own.step === 'number' ? { step: own.step } : {}),
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

const DEMO_NOTES = `A small MiniMind-architecture model trained for this demo, at checkpoints along its
training, each labelled with its step (its files are in \`demo/\`; \`demo/README.md\` says how they
were made).

Run it on **eval_data_from_train.json** (samples drawn from the training data): teacher forcing
should agree with the training loss in \`train.log\` at the checkpoint's step, while the misaligned
"keep last P" slice reports a much higher number, the off-by-one the seed report found.
**eval_heldout.json** (the same kind of text from modules never trained on) and **eval_ood.json**
(Python source code, out of domain) are held out: their gap to training is generalisation, not a bug.
\`demo/checkpoints/shifted/model.onnx\` is a deliberately broken export (logits one row late) and
\`demo/checkpoints/sft/\` an SFT checkpoint with \`demo/eval_sft.json\`, for trying them by hand.
`

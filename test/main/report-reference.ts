/**
 * resources/demo/reference.json (tools/reference_measures.py: PyTorch reference numbers per checkpoint x
 * dataset, same field names as SampleResult) as a ReportInput, so the report can be built and checked on
 * the demo's real numbers without running a model.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TokenComparison } from '../../src/shared/compare'
import type { Experiment, RunInfo } from '../../src/shared/experiment'
import type { RunSettings, SampleResult } from '../../src/shared/results'
import { checkDataConsistency } from '../../src/main/engine/evidence/data-consistency'
import { readTrainLog } from '../../src/main/engine/evidence/train-log'
import { verifyWeights } from '../../src/main/engine/weights/match-weights'
import { sha256File, type ReportInput, type ReportRun } from '../../src/main/report'

export const DEMO_DIR = fileURLToPath(new URL('../../resources/demo', import.meta.url))
export const REFERENCE = join(DEMO_DIR, 'reference.json')

type RefSample = Omit<SampleResult, 'id' | 'inputLength' | 'predictLength' | 'autoregressive'> & {
  ids?: number[]
  autoregressive?: Omit<NonNullable<SampleResult['autoregressive']>, 'usedKvCache'>
}

interface Reference {
  settings: { inputLength: number; predictLength: number; prependBos?: boolean }
  training: { log: string; trailingWindow: number; trailingMean: number }
  checkpoints: Record<string, { label: string; checkpoint: string; step?: number }>
  results: Record<
    string,
    Record<string, { samples: RefSample[]; skipped: { index: number; tokens: number; reason: string }[] }>
  >
  compare?: TokenComparison & { base: string; other: string; dataset: string }
}

/**
 * The demo's reference numbers as a report input; `reportedLoss` plays the user's own script's number.
 * With `evidence`, the data-consistency check and the weight verification run on the demo's files too.
 */
export async function inputFromReference(
  opts: { reportedLoss?: number; now?: Date; evidence?: boolean } = {},
): Promise<ReportInput> {
  const ref = JSON.parse(fs.readFileSync(REFERENCE, 'utf8')) as Reference
  const L = ref.settings.inputLength
  const P = ref.settings.predictLength
  const settings: RunSettings = {
    inputLength: L,
    predictLength: P,
    measures: [
      'teacherForcing',
      'keepLastMisaligned',
      'keepLastAligned',
      'offsetSweep',
      'autoregressive',
      'kvCache',
    ],
    batchSize: 1,
    threads: 0,
    bos: ref.settings.prependBos ? 'yes' : 'no',
    provider: 'pytorch',
  }
  const checkpointKeys = Object.keys(ref.checkpoints)
  const datasetFiles = [...new Set(Object.values(ref.results).flatMap((r) => Object.keys(r)))]
  const now = (opts.now ?? new Date()).toISOString()
  const experiment: Experiment = {
    id: '1.4.0-demo',
    title: 'Demo: why evaluation loss differs from training loss',
    notes: '',
    createdAt: now,
    updatedAt: now,
    checkpoints: checkpointKeys.map((k) => ({
      id: k,
      label: ref.checkpoints[k]!.label,
      modelPath: `checkpoints/${k}/model.onnx`,
      tokenizerPath: 'tokenizer.json',
      sourcePath: ref.checkpoints[k]!.checkpoint,
      // The step: the reference's own, else the one its label carries ("early (step 250)").
      ...stepOf(ref.checkpoints[k]!),
    })),
    datasets: datasetFiles.map((f) => ({ id: f, label: f, path: f, fromTraining: /from_train/.test(f) })),
    trainingLog: ref.training.log,
    ...(opts.reportedLoss !== undefined ? { reportedLoss: opts.reportedLoss } : {}),
    settings,
  }
  const runs: ReportRun[] = []
  for (const k of checkpointKeys) {
    for (const f of datasetFiles) {
      const r = ref.results[k]?.[f]
      if (!r) continue
      const results: SampleResult[] = [
        ...r.samples.map(({ ids: _ids, autoregressive, ...s }) => ({
          ...s,
          id: `${f}#${s.index}`,
          inputLength: L,
          predictLength: P,
          ...(autoregressive ? { autoregressive: { ...autoregressive, usedKvCache: true } } : {}),
        })),
        ...r.skipped.map((s) => ({
          index: s.index,
          id: `${f}#${s.index}`,
          tokens: s.tokens,
          inputLength: L,
          predictLength: P,
          skipped: s.reason,
        })),
      ].sort((a, b) => a.index - b.index)
      const run: RunInfo = {
        runId: `reference-${k}-${f}`,
        experimentId: experiment.id,
        checkpointId: k,
        datasetId: f,
        label: k,
        settings,
        status: 'finished',
        createdAt: now,
        updatedAt: now,
        done: results.length,
        total: results.length,
        provider: 'PyTorch (tools/reference_measures.py)',
      }
      runs.push({ checkpointId: k, datasetId: f, run, results, summary: null })
    }
  }
  const hash = (rel: string) => sha256File(join(DEMO_DIR, rel), rel)
  const evidence = opts.evidence
    ? {
        consistency: Object.fromEntries(
          await Promise.all(
            datasetFiles.map(async (f) => [
              f,
              await checkDataConsistency(join(DEMO_DIR, f), join(DEMO_DIR, 'train.jsonl')),
            ]),
          ),
        ),
        weights: Object.fromEntries(
          await Promise.all(
            checkpointKeys.map(async (k) => [
              k,
              await verifyWeights(
                join(DEMO_DIR, ref.checkpoints[k]!.checkpoint),
                join(DEMO_DIR, `checkpoints/${k}/model.onnx`),
              ),
            ]),
          ),
        ),
      }
    : {}
  return {
    experiment,
    ...evidence,
    runs,
    trainLog: await readTrainLog(join(DEMO_DIR, ref.training.log)),
    tokenComparisons: ref.compare
      ? [{ ...ref.compare, baseLabel: ref.compare.base, otherLabel: ref.compare.other }]
      : [],
    provenance: {
      checkpoints: Object.fromEntries(
        await Promise.all(
          checkpointKeys.map(async (k) => [
            k,
            {
              model: await hash(`checkpoints/${k}/model.onnx`),
              tokenizer: await hash('tokenizer.json'),
              source: await hash(ref.checkpoints[k]!.checkpoint),
            },
          ]),
        ),
      ),
      datasets: Object.fromEntries(await Promise.all(datasetFiles.map(async (f) => [f, await hash(f)]))),
      trainLog: await hash(ref.training.log),
      losslensVersion: '0.1.0',
      generatedAt: now,
    },
  }
}

function stepOf(c: { label: string; step?: number }): { step?: number } {
  if (c.step !== undefined) return { step: c.step }
  const m = /\bstep (\d+)\b/.exec(c.label)
  return m ? { step: Number(m[1]) } : {}
}

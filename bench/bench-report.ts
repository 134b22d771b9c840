/**
 * `npm run bench:report`: how long a 2,000-sample report takes once its input is loaded. Synthesises a
 * two-checkpoint experiment with 2,000 results each on one training-drawn dataset (every measure, a
 * 400-line training log), then times the analysis and rendering (diagnosis, charts, markdown, CSV) and
 * the write to a temporary folder, in both languages. The figure to beat: under 1 s per report.
 *
 *   npm run bench:report [-- --samples 2000 --repeat 5]
 */
import fs from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { Experiment, RunInfo } from '../src/shared/experiment'
import { MEASURES } from '../src/shared/measures'
import type { TrainLog } from '../src/shared/evidence'
import type { Lang } from '../src/shared/ipc'
import type { RunSettings, SampleResult } from '../src/shared/results'
import { buildReport, writeReport, type ReportInput, type ReportRun } from '../src/main/report'

const { values: opts } = parseArgs({
  options: { samples: { type: 'string', default: '2000' }, repeat: { type: 'string', default: '5' } },
})
const SAMPLES = Number(opts.samples)
const REPEAT = Number(opts.repeat)

const SETTINGS: RunSettings = {
  inputLength: 100,
  predictLength: 30,
  measures: [...MEASURES],
  batchSize: 1,
  threads: 0,
  bos: 'no',
  provider: 'auto',
}

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function results(seed: number, tf: number, mis: number, ar: number): SampleResult[] {
  const r = rng(seed)
  const P = SETTINGS.predictLength
  return Array.from({ length: SAMPLES }, (_, index) => {
    const tokenLosses = Array.from({ length: P }, () => Math.max(0.01, tf + (r() - 0.5) * 3))
    const loss = tokenLosses.reduce((a, b) => a + b, 0) / P
    const stepLosses = tokenLosses.map((x, j) => x + (ar - tf) * Math.min(1, j / 6))
    const late = mis + (r() - 0.5) * 4
    return {
      index,
      id: index.toString(16).padStart(16, '0'),
      tokens: 200,
      inputLength: SETTINGS.inputLength,
      predictLength: P,
      teacherForcing: { loss, tokenLosses, top1: 0.4 },
      keepLastMisaligned: { loss: late },
      keepLastAligned: { loss: loss + 1e-6 },
      offsetSweep: {
        '-2': mis * 0.8 + r(),
        '-1': mis * 0.7 + r(),
        '0': loss,
        '1': late,
        '2': mis * 0.9 + r(),
      },
      autoregressive: {
        loss: stepLosses.reduce((a, b) => a + b, 0) / P,
        stepLosses,
        generatedIds: [],
        generatedText: '',
        usedKvCache: true,
      },
      kvCache: { maxAbsDiff: 2e-5, top1Agreement: 1 },
    }
  })
}

function input(): ReportInput {
  const at = '2026-12-01T00:00:00.000Z'
  const experiment: Experiment = {
    id: 'bench',
    title: 'bench',
    notes: '',
    createdAt: at,
    updatedAt: at,
    checkpoints: [
      { id: 'mid', label: 'mid', modelPath: 'mid.onnx', tokenizerPath: 'tokenizer.json', step: 20000 },
      { id: 'final', label: 'final', modelPath: 'final.onnx', tokenizerPath: 'tokenizer.json', step: 40000 },
    ],
    datasets: [{ id: 'train', label: 'eval.jsonl', path: 'eval.jsonl', datasetKind: 'fromTraining' }],
    trainingLog: 'train.log',
    reportedLoss: 12.3,
    settings: SETTINGS,
  }
  const run = (checkpointId: string, res: SampleResult[]): ReportRun => {
    const info: RunInfo = {
      runId: `bench-${checkpointId}`,
      experimentId: 'bench',
      checkpointId,
      datasetId: 'train',
      label: checkpointId,
      settings: SETTINGS,
      status: 'finished',
      createdAt: at,
      updatedAt: at,
      done: res.length,
      total: res.length,
    }
    return { checkpointId, datasetId: 'train', run: info, results: res, summary: null }
  }
  const r = rng(7)
  const points = Array.from({ length: 400 }, (_, i) => ({
    step: (i + 1) * 100,
    epoch: 1,
    loss: 2.4 + 6.4 * Math.exp(-i / 40) + (r() - 0.5) * 0.3,
    lr: 5e-4,
  }))
  const trainLog: TrainLog = {
    path: 'train.log',
    format: 'minimind-2025',
    steps: points.length,
    trailingMean: null,
    tail: 10,
    unparsedLines: [],
    points,
    caveat: '',
  }
  return {
    experiment,
    runs: [run('mid', results(1, 3.0, 10, 8)), run('final', results(2, 2.3, 12.3, 10.2))],
    trainLog,
    provenance: { checkpoints: {}, datasets: {}, trainLog: null, losslensVersion: 'bench', generatedAt: at },
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const data = input()
const folder = fs.mkdtempSync(join(os.tmpdir(), 'losslens-bench-report-'))
try {
  // The first report of a process also pays for compiling ECharts and the report code: shown apart.
  const cold = performance.now()
  buildReport(data, 'en')
  console.log(`first report of the process (cold): ${(performance.now() - cold).toFixed(0)} ms`)
  buildReport(data, 'zh-CN')
  console.log(`report of ${data.runs.length} runs x ${SAMPLES} samples, median of ${REPEAT}:`)
  for (const lang of ['en', 'zh-CN'] as Lang[]) {
    const build: number[] = []
    const write: number[] = []
    let bytes = 0
    for (let i = 0; i < REPEAT; i++) {
      const t0 = performance.now()
      const rendered = buildReport(data, lang)
      const t1 = performance.now()
      await writeReport(rendered, folder)
      const t2 = performance.now()
      build.push(t1 - t0)
      write.push(t2 - t1)
      bytes = rendered.markdown.length
    }
    const total = median(build) + median(write)
    console.log(
      `${lang.padEnd(5)}  analyse + render ${median(build).toFixed(0)} ms, write ${median(write).toFixed(0)} ms, ` +
        `total ${total.toFixed(0)} ms (${total < 1000 ? 'under' : 'OVER'} 1 s); markdown ${(bytes / 1024).toFixed(0)} KiB`,
    )
  }
} finally {
  fs.rmSync(folder, { recursive: true, force: true })
}

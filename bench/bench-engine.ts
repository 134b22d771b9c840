/**
 * `npm run bench`: LossLens' engine against PyTorch eager on the same MiniMind2-size model
 * (25.8M parameters), the same 20 samples (L = 64, P = 30) and the same thread count.
 *
 *   npm run bench [-- --threads 2 --batch-size 20 --model-dir DIR --skip-torch]
 *
 * The model is made once by `/usr/bin/python3 tools/bench_torch.py --make-model DIR` and cached in
 * node_modules/.cache/losslens-bench/minimind2. LossLens is timed through runAnalysis (the product
 * path: worker, batching, scoring), using the summary's tokensPerSecond (scoring time, model load
 * excluded). Where /usr/bin/python3 has no torch, LossLens figures are printed alone.
 *
 * Then one forward of the same shape is profiled kernel by kernel (bench/profile-forward.ts), and the
 * GEMM peak is the best rate seen: PyTorch's and onnxruntime's 2048^3 matmul (bench/gemm-peak.ts) and
 * that forward's own matrix products.
 *
 * The graph path (scoring inside onnxruntime, src/main/engine/graph-targets.ts) is timed on
 * DecoderSession directly (bench/bench-graph.ts), against the logits path on the same session kind:
 * training-format loss over 8 sequences of T = 512 tokens (the bench texts packed end to end), one
 * at a time and as one batch, against PyTorch doing MiniMind's pretraining loss the same two ways; and
 * continuation teacher forcing in runAnalysis' batches.
 *
 * PyTorch's BLAS is named; on Debian's reference BLAS (python3-torch without libopenblas0-pthread) its
 * matrix products run several times slower, so the bench prints no ratios and says what to install.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { MEASURES, type Measure } from '../src/shared/measures'
import type { RunSummary } from '../src/shared/results'
import { runAnalysis } from '../src/main/engine/index'
import { TextTokenizer } from '../src/main/engine/tokenizer'
import { packSequences, timeContinuation, timeTrainFormat } from './bench-graph'
import { onnxruntimeGemmPeak } from './gemm-peak'
import { MATRIX_OPS, matrixGflops, profileForward, type ForwardProfile } from './profile-forward'

const ROOT = resolve(import.meta.dirname, '..')
const PYTHON = '/usr/bin/python3'
const L = 64
const P = 30
const N = L + P
/** Training-format sequences: MiniMind2's max_seq_len, and how many of them. */
const TRAIN_T = 512
const TRAIN_SEQS = 8

interface TorchFigures {
  gemmGflops: number
  tfTokensPerSecond: number
  tfBatchTokensPerSecond: number
  batteryMsPerSample: number
  arMsPerStep: number
  arTokensPerSecond: number
  arPrefillMs: number
  torchVersion: string
  blas: string
  blasLibraries?: string[]
  referenceBlas?: boolean
  parameters: number
  trainTokensPerSecond?: number
  trainBatchTokensPerSecond?: number
  trainLoss?: number
}

function python(args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(PYTHON, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` }
}

function hasTorch(): boolean {
  return existsSync(PYTHON) && python(['-c', 'import torch']).ok
}

/** One timed run: the first pass over the samples (cold: a fresh worker and session) and a second pass (warm). */
interface Timing {
  summary: RunSummary
  /** Tokens per second (L + P per sample) over the first pass, first-run costs included. */
  cold: number
  /** ... over the second pass over the same samples, as PyTorch's figures are taken after a warm-up. */
  warm: number
}

async function analyse(
  modelPath: string,
  dir: string,
  dataPath: string,
  samples: number,
  measures: Measure[],
  threads: number,
  batchSize: number,
): Promise<Timing> {
  let firstPass: { done: number; tps: number } | null = null
  for await (const e of runAnalysis({
    runId: 'bench',
    label: 'bench',
    modelPath,
    tokenizerPath: join(dir, 'tokenizer.json'),
    dataPath,
    settings: {
      inputLength: L,
      predictLength: P,
      measures,
      batchSize,
      threads,
      bos: 'no',
      provider: 'cpu',
    },
  })) {
    if (e.type === 'progress' && !firstPass && e.done >= samples)
      firstPass = { done: e.done, tps: e.tokensPerSecond }
    if (e.type === 'failed') throw new Error(e.message)
    if (e.type === 'finished') {
      const total = e.summary.counts.scored
      const first = firstPass ?? { done: total, tps: e.summary.tokensPerSecond }
      // Progress reports cumulative tokens/s over scoring time; split it into the two passes.
      const s1 = (first.done * N) / first.tps
      const sAll = (total * N) / e.summary.tokensPerSecond
      const warm = total > first.done ? ((total - first.done) * N) / (sAll - s1) : first.tps
      return { summary: e.summary, cold: first.tps, warm }
    }
  }
  throw new Error('the run ended without a summary')
}

/** Best of `repeat` runs, by warm throughput. */
async function best(repeat: number, f: () => Promise<Timing>): Promise<Timing> {
  let top: Timing | null = null
  for (let i = 0; i < repeat; i++) {
    const t = await f()
    if (!top || t.warm > top.warm) top = t
  }
  return top!
}

const fmt = (x: number | undefined, d = 1) => (x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(d))

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      threads: { type: 'string', default: '2' },
      'batch-size': { type: 'string', default: '20' },
      'model-dir': { type: 'string' },
      'skip-torch': { type: 'boolean' },
      repeat: { type: 'string', default: '2' },
    },
  })
  const threads = Number(values.threads)
  const batchSize = Number(values['batch-size'])
  const repeat = Number(values.repeat)
  const torch = !values['skip-torch'] && hasTorch()
  if (!torch && !values['skip-torch']) console.log(`${PYTHON} has no torch: PyTorch figures are left out.`)

  const cacheRoot = existsSync(join(ROOT, 'node_modules'))
    ? join(ROOT, 'node_modules/.cache/losslens-bench')
    : join(tmpdir(), 'losslens-bench')
  let dir = values['model-dir'] ? resolve(values['model-dir']) : join(cacheRoot, 'minimind2')
  if (!existsSync(join(dir, 'model.onnx'))) {
    if (torch) {
      console.log(`making the MiniMind2-size bench model in ${dir} ...`)
      mkdirSync(dir, { recursive: true })
      const r = python(['tools/bench_torch.py', '--make-model', dir])
      if (!r.ok) throw new Error(`tools/bench_torch.py --make-model failed:\n${r.out}`)
    } else {
      dir = join(ROOT, 'resources/demo')
      console.log(
        'no bench model and no torch to make one: timing the demo model instead (1M parameters, not MiniMind2 size)',
      )
    }
  }
  const model = existsSync(join(dir, 'model.onnx'))
    ? join(dir, 'model.onnx')
    : join(dir, 'checkpoints/final/model.onnx')
  const dataDir = existsSync(join(dir, 'bench_eval.json')) ? dir : null
  if (!dataDir) throw new Error(`${dir} has no bench_eval.json`)

  const load0 = loadavg()[0]!
  console.log(
    `LossLens engine bench: ${model}\n${threads} threads, batch ${batchSize}, L = ${L}, P = ${P}, best of ${repeat}; LossLens figures warm (cold first pass in brackets)\n`,
  )
  // The samples twice over: the first pass is the cold run a user sees, the second is timed warm.
  const once = JSON.parse(readFileSync(join(dir, 'bench_eval.json'), 'utf8')) as unknown[]
  const dataPath = join(tmpdir(), `losslens-bench-eval-${process.pid}.json`)
  writeFileSync(dataPath, JSON.stringify([...once, ...once]))
  const run = (measures: Measure[]) =>
    best(repeat, () => analyse(model, dir, dataPath, once.length, measures, threads, batchSize))
  let tf: Timing, battery: Timing, ar: Timing
  try {
    tf = await run(['teacherForcing'])
    battery = await run([...MEASURES])
    ar = await run(['autoregressive'])
  } finally {
    rmSync(dataPath, { force: true })
  }
  const tokenizer = await TextTokenizer.load(join(dir, 'tokenizer.json'))
  const encoded = (once as { text: string }[]).map((row) => tokenizer.encode(row.text))
  const trainSeqs = packSequences(encoded, TRAIN_T, TRAIN_SEQS)
  const trainSeqsPath = join(tmpdir(), `losslens-bench-train-${process.pid}.json`)
  writeFileSync(trainSeqsPath, JSON.stringify(trainSeqs))
  const train = await timeTrainFormat(model, trainSeqs, threads, repeat)
  const cont = await timeContinuation(
    model,
    encoded.map((ids) => ids.slice(0, N + 2)),
    threads,
    batchSize,
    L,
    P,
    repeat,
  )
  const params = tf.summary.model.parameterCount ?? 0
  const samples = once.length
  // runAnalysis's tokens/s counts L + P per sample; the AR run decodes P tokens per sample.
  const arTps = (tps: number) => (tps / N) * P
  const ll = {
    tfTokensPerSecond: tf.warm,
    tfCold: tf.cold,
    batteryMsPerSample: (N / battery.warm) * 1000,
    batteryCold: (N / battery.cold) * 1000,
    arTokensPerSecond: arTps(ar.warm),
    arCold: arTps(ar.cold),
    arMsPerToken: 1000 / arTps(ar.warm),
  }

  let t: TorchFigures | null = null
  if (torch) {
    const out = join(tmpdir(), `losslens-bench-torch-${process.pid}.json`)
    const r = python([
      'tools/bench_torch.py',
      '--measure',
      '--model-dir',
      dir,
      '--threads',
      String(threads),
      '--json',
      out,
      '--train-seqs',
      trainSeqsPath,
    ])
    if (r.ok) t = JSON.parse(readFileSync(out, 'utf8')) as TorchFigures
    else console.log(`tools/bench_torch.py --measure failed; LossLens figures alone:\n${r.out.slice(-2000)}`)
  }
  rmSync(trainSeqsPath, { force: true })
  // On the reference BLAS every PyTorch figure is several times too slow: no ratio is printed.
  const refused = t?.referenceBlas === true
  const ratio = (ours: number, theirs: number | undefined, target: string) =>
    theirs === undefined
      ? ''
      : refused
        ? 'n/a (reference BLAS)'
        : `${fmt(ours / theirs, 2)}x (target ${target})`

  // Model FLOPs per token: 2 x parameters (lm_head tied to the embedding, counted once; attention's
  // score FLOPs, under 4% at S = 94, are left out). LossLens' teacher forcing computes the lm_head on
  // only P + 1 of the N rows (logits_to_keep), so the work it really does is somewhat less than counted.
  const gflops = (tps: number) => (2 * params * tps) / 1e9
  // One forward of the same shape profiled kernel by kernel: how fast the GEMMs themselves run, and the
  // ceiling that sets for the figure above.
  const profile = await profileForward(model, threads, batchSize, L, P)
  const inForward = matrixGflops(profile)
  // The GEMM peak: the best GEMM rate seen on this machine today: PyTorch's (OpenBLAS) and
  // onnxruntime's (MLAS) 2048^3 matmul, and the forward's own matrix products.
  const ortPeak = await onnxruntimeGemmPeak(threads)
  const peak = Math.max(ortPeak, t?.gemmGflops ?? 0, inForward)
  const peakSource = `peak ${fmt(peak)} GFLOP/s (target >= 85%)`
  const rows: [string, string, string, string][] = [
    [
      'teacher forcing, tokens/s',
      `${fmt(ll.tfTokensPerSecond, 0)} (${fmt(ll.tfCold, 0)})`,
      t ? `${fmt(t.tfTokensPerSecond, 0)} (batched ${fmt(t.tfBatchTokensPerSecond, 0)})` : 'n/a',
      ratio(ll.tfTokensPerSecond, t?.tfTokensPerSecond, '>= 1.3x'),
    ],
    [
      '  model GFLOP/s, % of GEMM peak',
      `${fmt(gflops(ll.tfTokensPerSecond))}, ${fmt((100 * gflops(ll.tfTokensPerSecond)) / peak, 0)}%`,
      t
        ? `${fmt(gflops(t.tfTokensPerSecond))}, ${fmt((100 * gflops(t.tfTokensPerSecond)) / peak, 0)}%`
        : 'n/a',
      peakSource,
    ],
    [
      'whole battery, ms/sample',
      `${fmt(ll.batteryMsPerSample)} (${fmt(ll.batteryCold)})`,
      t ? fmt(t.batteryMsPerSample) : 'n/a',
      ratio(1 / ll.batteryMsPerSample, t ? 1 / t.batteryMsPerSample : undefined, '>= 3x'),
    ],
    [
      'autoregressive, tokens/s',
      `${fmt(ll.arTokensPerSecond, 0)} (${fmt(ll.arCold, 0)})`,
      t ? fmt(t.arTokensPerSecond, 0) : 'n/a',
      ratio(ll.arTokensPerSecond, t?.arTokensPerSecond, '>= 5x'),
    ],
    [
      `training format T=${TRAIN_T}, targets/s, 1 seq`,
      `${fmt(train.graphOne, 0)} (${fmt(train.logitsOne, 0)})`,
      t?.trainTokensPerSecond ? fmt(t.trainTokensPerSecond, 0) : 'n/a',
      ratio(train.graphOne, t?.trainTokensPerSecond, '>= 1.3x'),
    ],
    [
      `  batched, ${TRAIN_SEQS} x ${TRAIN_T}`,
      `${fmt(train.graphBatch, 0)} (${fmt(train.logitsBatch, 0)})`,
      t?.trainBatchTokensPerSecond ? fmt(t.trainBatchTokensPerSecond, 0) : 'n/a',
      ratio(train.graphBatch, t?.trainBatchTokensPerSecond, '>= 1.0x'),
    ],
    [
      '  model GFLOP/s, % of GEMM peak',
      `${fmt(gflops(train.graphBatch))}, ${fmt((100 * gflops(train.graphBatch)) / peak, 0)}%`,
      t?.trainBatchTokensPerSecond
        ? `${fmt(gflops(t.trainBatchTokensPerSecond))}, ${fmt((100 * gflops(t.trainBatchTokensPerSecond)) / peak, 0)}%`
        : 'n/a',
      '',
    ],
    [
      'TF on the graph path, tokens/s',
      `${fmt(cont.graph, 0)} (${fmt(cont.logits, 0)})`,
      '',
      `${fmt(gflops(cont.graph))} GFLOP/s = ${fmt((100 * gflops(cont.graph)) / peak, 0)}% of peak (target >= 90%)`,
    ],
    [
      '  ms per generated token',
      fmt(ll.arMsPerToken, 2),
      t ? `${fmt(t.arMsPerStep, 2)} per step (1 sample)` : 'n/a',
      '',
    ],
  ]
  const w = [34, 20, 28]
  console.log(`${'measure'.padEnd(w[0]!)}${'LossLens'.padEnd(w[1]!)}${'PyTorch eager'.padEnd(w[2]!)}ratio`)
  for (const [a, b, c, d] of rows) console.log(`${a.padEnd(w[0]!)}${b.padEnd(w[1]!)}${c.padEnd(w[2]!)}${d}`)
  console.log(
    `\nGEMM peak ${fmt(peak)} GFLOP/s on ${threads} threads, the best of: 2048^3 fp32 matmul in onnxruntime ` +
      `(MLAS) ${fmt(ortPeak)}` +
      (t ? `, in PyTorch (${t.blas.split('/').pop()}) ${fmt(t.gemmGflops)}` : '') +
      `; the forward's own matrix products ${fmt(inForward)} (below).`,
  )
  printProfile(profile, params, peak)
  console.log(
    `\nGraph path (scoring inside onnxruntime; in brackets the logits path: logits copied out, float64 scoring),\n` +
      `on DecoderSession directly, best of ${repeat}. Training format: ${TRAIN_SEQS} sequences of ${TRAIN_T} tokens ` +
      `(the bench texts packed end to end), mean loss over every target: graph ${fmt(train.graphLoss, 6)}, ` +
      `logits ${fmt(train.logitsLoss, 6)}` +
      (t?.trainLoss !== undefined ? `, PyTorch ${fmt(t.trainLoss, 6)}` : '') +
      `.\nPyTorch does MiniMind's pretraining step (forward over ids[:-1], CE against ids[1:]); LossLens ` +
      `forwards all ${TRAIN_T} tokens.\nTeacher forcing on the graph path: batches of ${batchSize}, ` +
      `max |loss difference| to the logits path ${cont.maxLossDiff.toExponential(1)}; GFLOP/s count 2 x parameters per token.`,
  )
  if (t) {
    console.log(
      `PyTorch's BLAS: ${t.blas}; loaded: ${(t.blasLibraries ?? []).join(', ') || 'unknown'}` +
        (refused
          ? '\nThis is the reference BLAS (Debian libblas3 without an optimised BLAS): PyTorch runs several times\n' +
            'slower than it should, so the bench prints no ratios. Install OpenBLAS and run it again:\n' +
            '  apt-get install libopenblas0-pthread'
          : ''),
    )
  }
  console.log(
    `\n${samples} samples x ${N} tokens, ${params.toLocaleString('en')} parameters; LossLens on ${tf.summary.provider.used}` +
      (t ? `; PyTorch ${t.torchVersion}, BLAS ${t.blas}` : ''),
  )
  console.log(
    `1-minute load average ${load0.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after (2 cores; above ~0.5 ` +
      "another process shares the CPU and the figures are low, PyTorch's OpenMP threads more so)",
  )
  console.log(
    'LossLens times are runAnalysis scoring time (worker, batched forwards, float64 scoring; model load excluded),\n' +
      'over a second pass of the samples (warm, as PyTorch is timed after a warm-up); in brackets the first pass,\n' +
      "which carries onnxruntime's first-run costs (arena growth, page faults) on a fresh session.\n" +
      'Teacher forcing: PyTorch runs one sample at a time (batched figure in brackets); LossLens batches.\n' +
      'Battery: PyTorch computes each measure separately (9 forwards + greedy decoding per sample); LossLens\n' +
      'derives TF, both keepLast variants and the sweep from one forward, decodes the batch together and\n' +
      'checks the KV cache with one full forward. Autoregressive: PyTorch decodes one sample at a time.',
  )
}

function printProfile(p: ForwardProfile, params: number, peak: number): void {
  const kernelMs = p.ops.reduce((a, o) => a + o.ms, 0)
  const gemmGflops = matrixGflops(p)
  const ofPeak = (g: number) => ` (${fmt((100 * g) / peak, 0)}% of peak)`
  const tokens = p.batch * p.length
  // The figure the table reports (2 x parameters per token) if every non-GEMM kernel took no time.
  const ceiling = (2 * params * tokens) / (p.matrixMs / 1000) / 1e9
  const forwardGflops = (2 * params * tokens) / (p.forwardMs / 1000) / 1e9
  const others = p.ops
    .filter((o) => !MATRIX_OPS.has(o.op))
    .slice(0, 7)
    .map((o) => `${o.op} ${fmt((100 * o.ms) / kernelMs, 1)}%`)
    .join(', ')
  console.log(
    `\nOne teacher-forcing forward (${p.batch} x ${p.length} tokens, logits for the last ${p.keep} rows), ` +
      `onnxruntime's kernel profile: ${fmt(p.forwardMs, 0)} ms\n` +
      `  matrix products  ${fmt((100 * p.matrixMs) / kernelMs, 0)}% of kernel time: ` +
      `${fmt(p.matrixFlops / 1e9, 2)} GFLOP in ${fmt(p.matrixMs, 0)} ms = ${fmt(gemmGflops)} GFLOP/s${ofPeak(gemmGflops)}\n` +
      `  everything else  ${fmt((100 * (kernelMs - p.matrixMs)) / kernelMs, 0)}%: ${others}\n` +
      `  FLOPs computed per token ${fmt(p.matrixFlops / tokens / 1e6, 1)}M (2 x parameters counts ${fmt((2 * params) / 1e6, 1)}M)\n` +
      `  ceiling: with every other kernel free, the table's model GFLOP/s would be ${fmt(ceiling)}${ofPeak(ceiling)}\n` +
      `  the forward alone runs ${fmt(tokens / (p.forwardMs / 1000), 0)} tokens/s = ${fmt(forwardGflops)} model GFLOP/s` +
      `${ofPeak(forwardGflops)};\n  the table's figure also carries the scoring (float64 log-softmax of every scored row, ` +
      'in the worker, between forwards)\n  and moving the logits out of onnxruntime.',
  )
}

main().catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`)
  process.exitCode = 1
})

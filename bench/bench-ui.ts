/**
 * `npm run bench:ui`: streams 10,000 synthetic sample events into the run view in Chromium and reports
 * the longest main-thread task (PerformanceObserver 'longtask'), their total, and the time from the last
 * event to a settled view (table, progress and charts showing every sample). Then times a sort of the
 * full table and a jump through samples.
 *
 * The host is a stand-in for the bridge defined here (same wire format, same static files from
 * out/renderer): one experiment, and a run:start that streams synthetic results at a steady rate.
 *
 *   npm run bench:ui [-- --samples 10000 --rate 2000]
 */
import fs from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { WebSocketServer, type WebSocket } from 'ws'
import { chromium } from 'playwright-core'
import type { BridgeClientMessage, BridgeServerMessage, RequestChannel } from '../src/shared/ipc'
import type { Experiment, RunInfo } from '../src/shared/experiment'
import type { RunSettings, SampleResult } from '../src/shared/results'
import type { ModelDescription } from '../src/shared/model'

const REPO = resolve(fileURLToPath(new URL('..', import.meta.url)))
const STATIC = join(REPO, 'out', 'renderer')
const TOKEN = 'bench'
const EXP = 'bench'

const { values: opts } = parseArgs({
  options: {
    samples: { type: 'string', default: '10000' },
    rate: { type: 'string', default: '2000' },
    headed: { type: 'boolean', default: false },
  },
})
const SAMPLES = Number(opts.samples)
/** Samples per second the stand-in engine sends. */
const RATE = Number(opts.rate)
const P = 30

const settings: RunSettings = {
  inputLength: 64,
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
  bos: 'no',
  provider: 'auto',
}
const now = new Date().toISOString()
const experiment: Experiment = {
  id: EXP,
  title: `bench: ${SAMPLES} streamed samples`,
  notes: '',
  createdAt: now,
  updatedAt: now,
  checkpoints: [
    { id: 'final', label: 'final', modelPath: '/bench/model.onnx', tokenizerPath: '/bench/tokenizer.json' },
  ],
  datasets: [{ id: 'eval', label: 'eval.jsonl', path: '/bench/eval.jsonl', sampleCount: SAMPLES }],
  settings,
}
const model: ModelDescription = {
  path: '/bench/model.onnx',
  fileBytes: 4_000_000,
  form: 'optimum',
  inputs: [],
  outputs: [],
  numLayers: 4,
  numKvHeads: 2,
  headDim: 24,
  vocabSize: 6400,
  opset: 17,
  producer: 'bench',
  parameterCount: 1_000_000,
  hasKvCache: true,
  logitsToKeepInput: null,
  hasPositionIds: true,
  hasAttentionMask: true,
  hasUseCacheBranch: false,
  inputIdsType: 'int64',
  notes: [],
}

/** A plausible result: loss around 2.7 with per-sample spread; misaligned around 4x. */
function synthetic(index: number): SampleResult {
  const rnd = (k: number) => {
    const x = Math.sin(index * 12.9898 + k * 78.233) * 43758.5453
    return x - Math.floor(x)
  }
  const tf = 1.8 + 1.8 * rnd(1)
  const tokenLosses = Array.from({ length: P }, (_, j) => Math.max(0.01, tf + (rnd(j + 10) - 0.5) * 3))
  return {
    index,
    id: (index * 2654435761).toString(16).padStart(16, '0').slice(-16),
    tokens: 120 + Math.floor(rnd(2) * 130),
    inputLength: 64,
    predictLength: P,
    contextText: 'Process a HEAD command. Argument: message_spec: article number or message id',
    targetText: ' Returns: resp: server response if successful',
    targetTokens: Array.from({ length: P }, (_, j) => ` t${j}`),
    teacherForcing: { loss: tf, tokenLosses, top1: 0.4 + 0.3 * rnd(3) },
    keepLastMisaligned: { loss: tf * (2.5 + rnd(4)) },
    keepLastAligned: { loss: tf + 1e-6 },
    offsetSweep: { '-2': tf * 2.4, '-1': tf * 1.9, '0': tf, '1': tf * 3.1, '2': tf * 3.4 },
    autoregressive: {
      loss: tf * 3,
      stepLosses: tokenLosses.map((x, j) => x + j * 0.2),
      generatedIds: Array.from({ length: P }, (_, j) => j),
      generatedText: ' the the the the the',
      usedKvCache: true,
    },
    kvCache: { maxAbsDiff: 1e-5 * rnd(5), top1Agreement: 1 },
  }
}

let run: RunInfo | null = null
const results: SampleResult[] = []
const clients = new Set<WebSocket>()
const broadcast = (m: BridgeServerMessage) => {
  const text = JSON.stringify(m)
  for (const ws of clients) ws.send(text)
}
let lastEventAt = 0
let streamStart = 0

/** Streams the run: every 25 ms a batch sized to RATE, each sample followed by a progress event. */
function stream(runId: string): void {
  const emit = (payload: object) =>
    broadcast({ kind: 'event', channel: 'run:event', payload: { experimentId: EXP, runId, ...payload } })
  emit({ type: 'started', label: 'final', total: SAMPLES, alreadyDone: 0, model, provider: providerReport })
  streamStart = Date.now()
  let next = 0
  const perTick = Math.max(1, Math.round((RATE * 25) / 1000))
  const timer = setInterval(() => {
    for (let k = 0; k < perTick && next < SAMPLES; k++, next++) {
      const r = synthetic(next)
      results.push(r)
      emit({ type: 'sample', result: r })
      const elapsed = (Date.now() - streamStart) / 1000
      emit({
        type: 'progress',
        done: next + 1,
        total: SAMPLES,
        tokensPerSecond: ((next + 1) * (64 + P)) / Math.max(elapsed, 1e-3),
        etaSeconds: ((SAMPLES - next - 1) * elapsed) / (next + 1),
      })
    }
    if (next >= SAMPLES) {
      clearInterval(timer)
      run = { ...run!, status: 'finished', done: SAMPLES, total: SAMPLES }
      emit({ type: 'finished', summary: summary() })
      lastEventAt = Date.now()
    }
  }, 25)
}

const providerReport = { used: 'cpu', attempts: [{ name: 'cpu', ok: true, loadMs: 40 }], loadMs: 40 }
function summary() {
  const tf = results.map((r) => r.teacherForcing!.loss)
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
  return {
    label: 'final',
    modelPath: model.path,
    tokenizerPath: '/bench/tokenizer.json',
    dataPath: '/bench/eval.jsonl',
    settings,
    model,
    provider: providerReport,
    counts: { total: SAMPLES, scored: SAMPLES, skipped: 0 },
    means: {
      teacherForcing: mean(tf),
      keepLastMisaligned: mean(results.map((r) => r.keepLastMisaligned!.loss)),
      autoregressive: mean(results.map((r) => r.autoregressive!.loss)),
    },
    wallSeconds: (Date.now() - streamStart) / 1000,
    tokensPerSecond: 0,
    startedAt: now,
    finishedAt: new Date().toISOString(),
    losslensVersion: 'bench',
  }
}

const handlers: Partial<Record<RequestChannel, (args: never) => unknown>> = {
  'workspace:info': () => ({ path: '/bench', version: 'bench', host: 'bridge', platform: process.platform }),
  'experiment:list': () => [
    {
      id: EXP,
      title: experiment.title,
      updatedAt: now,
      lastRun: null,
      bestLoss: null,
      runningRuns: run ? 1 : 0,
    },
  ],
  'experiment:get': () => experiment,
  'experiment:save': (e: Experiment) => e,
  'settings:get': () => ({}),
  'trainlog:parse': () => null,
  'checkpoint:describe': () => model,
  'run:list': () => (run ? [run] : []),
  'run:results': () => ({ run, results }),
  'run:start': () => {
    const runId = 'bench-run'
    run = {
      runId,
      experimentId: EXP,
      checkpointId: 'final',
      datasetId: 'eval',
      label: 'final',
      settings,
      status: 'running',
      createdAt: now,
      updatedAt: now,
      done: 0,
      total: SAMPLES,
    }
    setTimeout(() => stream(runId), 50)
    return { runIds: [runId] }
  },
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
}

async function main(): Promise<void> {
  if (!fs.existsSync(join(STATIC, 'index.html'))) {
    console.error('out/renderer is missing: run `npm run build` first')
    process.exitCode = 1
    return
  }
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const file = normalize(join(STATIC, path === '/' ? 'index.html' : path))
    if (!file.startsWith(STATIC) || !fs.existsSync(file)) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' })
    res.end(fs.readFileSync(file))
  })
  const wss = new WebSocketServer({ server, path: '/ws' })
  wss.on('connection', (ws) => {
    clients.add(ws)
    ws.on('close', () => clients.delete(ws))
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as BridgeClientMessage
      const handler = handlers[m.channel]
      const reply: BridgeServerMessage = handler
        ? { kind: 'response', id: m.id, ok: true, result: handler(m.args as never) ?? null }
        : { kind: 'response', id: m.id, ok: false, error: `bench host: ${m.channel} is not served` }
      ws.send(JSON.stringify(reply))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port

  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: !opts.headed,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  })
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
  // Installed before the app's scripts: every long task (> 50 ms) from page load on.
  await page.addInitScript(`
    window.__long = []
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__long.push({ start: e.startTime, duration: e.duration })
    }).observe({ type: 'longtask', buffered: true })
  `)
  await page.goto(`http://127.0.0.1:${port}/?token=${TOKEN}#/${EXP}/overview`)
  await page.waitForSelector('[data-experiment]')
  await page.click('[data-test="start-run"]')
  const startedAt = (await page.evaluate('performance.now()')) as number

  // Settled: finished, the table holds every sample, progress says so, the per-sample chart has them all.
  const settled = `(() => {
    const head = document.querySelector('[data-test="run-header"]')
    const table = document.querySelector('[data-test="sample-table"]')
    const bars = document.querySelector('[data-chart="per-sample"]')
    return head?.dataset.status === 'finished' && table?.getAttribute('aria-rowcount') === '${SAMPLES}'
     
  })()`
  for (;;) {
    if (lastEventAt && (await page.evaluate(settled))) break
    await new Promise((r) => setTimeout(r, 10))
  }
  const settleMs = Date.now() - lastEventAt
  const streamMs = lastEventAt - streamStart
  const endedAt = (await page.evaluate('performance.now()')) as number
  const long = ((await page.evaluate('window.__long')) as { start: number; duration: number }[]).filter(
    (t) => t.start >= startedAt && t.start <= endedAt,
  )

  // Interactions on the full table, timed in the page from the event to the second frame after it:
  // sort 10,000 rows by teacher forcing, then open a sample and walk 20 samples with j.
  const sortMs = (await page.evaluate(`new Promise((resolve) => {
    const t = performance.now()
    document.querySelector('[data-test="sample-table"] .th[data-col="teacherForcing"]').click()
    requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t)))
  })`)) as number
  await page.click('[data-test="sample-table"] .tr >> nth=0')
  await page.waitForSelector('[data-test="sample-detail"]')
  const steps = (await page.evaluate(`(async () => {
    const out = []
    for (let i = 0; i < 20; i++) {
      const t = performance.now()
      window.dispatchEvent(new KeyboardEvent('keydown', { key: 'j', bubbles: true }))
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))
      out.push(performance.now() - t)
    }
    return out
  })()`)) as number[]
  const after = ((await page.evaluate('window.__long')) as { start: number; duration: number }[]).filter(
    (t) => t.start > endedAt,
  )

  const max = (xs: { duration: number }[]) => Math.max(0, ...xs.map((t) => t.duration))
  const sum = (xs: { duration: number }[]) => xs.reduce((s, t) => s + t.duration, 0)
  const report = {
    samples: SAMPLES,
    eventsSent: SAMPLES * 2 + 2,
    streamSeconds: +(streamMs / 1000).toFixed(2),
    samplesPerSecond: Math.round(SAMPLES / (streamMs / 1000)),
    longTasksWhileStreaming: long.length,
    longestTaskMs: Math.round(max(long)),
    longTaskTotalMs: Math.round(sum(long)),
    settleAfterLastEventMs: settleMs,
    sortFullTableMs: Math.round(sortMs),
    nextSampleMsMean: Math.round(steps.reduce((a, b) => a + b, 0) / steps.length),
    nextSampleMsMax: Math.round(Math.max(...steps)),
    longestTaskAfterMs: Math.round(max(after)),
  }
  console.log(JSON.stringify(report, null, 2))
  await browser.close()
  for (const ws of clients) ws.terminate()
  wss.close()
  server.close()
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})

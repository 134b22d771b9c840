/**
 * A window run through the bridge, the server killed with SIGKILL at random points and started
 * again, then resumed from the window's side (run:resume): every sample present exactly once, values
 * identical to an uninterrupted `analyze` of the same checkpoint and samples. Ten times, under
 * `npm run test:hostile` only (each kill restarts a server: too slow for npm test).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import { isAbsolute, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { BridgeServerMessage } from '../../src/shared/ipc'
import { REPO, tmpDir } from '../engine/fixtures'
import { FULL, quietConsole, runInProcess } from './harness'
import { prng } from './inputs'

const KILLS = 10
/** Samples in the demo's evaluation set. */
const TOTAL = 20

let dir: string
beforeAll(() => {
  quietConsole()
  dir = tmpDir('losslens-bridge-kill-')
  fs.mkdirSync(join(dir, 'static'))
  fs.writeFileSync(join(dir, 'static', 'index.html'), '<!doctype html><title>LossLens</title>')
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

interface Server {
  child: ChildProcess
  port: number
  token: string
}

function startServer(workspace: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(REPO, 'src/main/serve.ts'),
        '--workspace',
        workspace,
        '--static',
        join(dir, 'static'),
      ],
      {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'ignore'],
        env: { ...process.env, XDG_CONFIG_HOME: join(dir, 'config') },
      },
    )
    let out = ''
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString()
      const m = /http:\/\/127\.0\.0\.1:(\d+)\/\?token=(\S+)/.exec(out)
      if (m) resolve({ child, port: Number(m[1]), token: m[2]! })
    })
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)))
  })
}

async function connect(s: Server) {
  const ws = new WebSocket(`ws://127.0.0.1:${s.port}/ws?token=${s.token}`)
  await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)))
  let id = 0
  const pending = new Map<number, (m: { ok: boolean; result?: unknown; error?: string }) => void>()
  const events: { channel: string; payload: unknown }[] = []
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as BridgeServerMessage
    if (m.kind === 'response') pending.get(m.id)?.(m)
    else events.push({ channel: m.channel, payload: m.payload })
  })
  ws.on('error', () => undefined)
  return {
    events,
    call: <T>(channel: string, args?: unknown) =>
      new Promise<T>((resolve, reject) => {
        const n = ++id
        pending.set(n, (m) => (m.ok ? resolve(m.result as T) : reject(new Error(m.error))))
        ws.send(JSON.stringify({ kind: 'request', id: n, channel, args }))
      }),
    close: () => ws.terminate(),
  }
}

const kill = (s: Server) =>
  new Promise<void>((resolve) => {
    s.child.once('exit', () => resolve())
    s.child.kill('SIGKILL')
  })

const resultLines = (file: string) =>
  fs.existsSync(file)
    ? fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.trim()).length
    : 0

describe.runIf(FULL)(
  'a window run through the bridge, the server killed with SIGKILL (npm run test:hostile)',
  () => {
    it(`${KILLS} kill(s) at random points, resumed: every sample once, values identical`, async () => {
      const workspace = join(dir, 'ws')
      let server = await startServer(workspace)
      let client = await connect(server)
      const experiments = await client.call<{ id: string }[]>('experiment:list')
      const experimentId = experiments[0]!.id
      const experiment = await client.call<{
        checkpoints: { id: string; modelPath: string; tokenizerPath: string }[]
        datasets: { id: string; path: string }[]
      }>('experiment:get', { experimentId })
      const checkpoint = experiment.checkpoints.find((c) => c.id === 'final') ?? experiment.checkpoints[0]!
      const dataset = experiment.datasets[0]!
      const settings = {
        inputLength: 64,
        predictLength: 30,
        measures: ['teacherForcing', 'offsetSweep', 'autoregressive'],
        batchSize: 1,
        threads: 0,
        bos: 'no',
        provider: 'cpu',
      }
      const {
        runIds: [runId],
      } = await client.call<{ runIds: string[] }>('run:start', {
        experimentId,
        checkpointIds: [checkpoint.id],
        datasetId: dataset.id,
        settings,
      })
      const results = join(workspace, 'experiments', experimentId, 'runs', runId!, 'results.jsonl')
      const r = prng(42)
      let kills = 0
      for (let i = 0; i < KILLS; i++) {
        const start = resultLines(results)
        const target = start + 1
        const deadline = Date.now() + 120_000
        while (resultLines(results) < target && resultLines(results) < TOTAL && Date.now() < deadline)
          await new Promise((res) => setTimeout(res, 5))
        // A random point after that line: between samples, or in the middle of the next one.
        await new Promise((res) => setTimeout(res, Math.floor(r() * 60)))
        if (resultLines(results) >= TOTAL) break
        const runs = await client.call<{ runId: string; status: string }[]>('run:list', { experimentId })
        if (runs.find((x) => x.runId === runId)?.status === 'finished') break
        client.close()
        await kill(server)
        kills++
        server = await startServer(workspace)
        client = await connect(server)
        const after = await client.call<{ runId: string; status: string }[]>('run:list', { experimentId })
        expect(after.find((x) => x.runId === runId)?.status).toBe('interrupted')
        await client.call('run:resume', { experimentId, runId })
      }
      expect(kills).toBe(KILLS)
      // Let the resumed run finish.
      const deadline = Date.now() + 300_000
      for (;;) {
        const runs = await client.call<{ runId: string; status: string }[]>('run:list', { experimentId })
        const status = runs.find((x) => x.runId === runId)?.status
        if (status === 'finished') break
        if (status === 'failed' || Date.now() > deadline) throw new Error(`run ended ${status}`)
        await new Promise((res) => setTimeout(res, 200))
      }
      client.close()
      await kill(server)

      // The same samples through analyze, uninterrupted.
      const base = join(dir, 'base')
      const abs = (p: string) => (isAbsolute(p) ? p : join(workspace, 'experiments', experimentId, p))
      const o = await runInProcess('analyze', [
        '--model',
        abs(checkpoint.modelPath),
        '--tokenizer',
        abs(checkpoint.tokenizerPath),
        '--data',
        abs(dataset.path),
        '--input-length',
        '64',
        '--predict-length',
        '30',
        '--measures',
        'teacherForcing,offsetSweep,autoregressive',
        '--batch-size',
        '1',
        // The window run's BOS setting (no); analyze's default, auto, would also score bosBoth.
        '--bos',
        'no',
        '--provider',
        'cpu',
        '--out',
        base,
      ])
      expect(o.code, o.message).toBe(0)
      const parse = (file: string) =>
        fs
          .readFileSync(file, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { index: number })
      const expected = parse(join(base, 'results.jsonl'))
      const got = parse(results)
      expect(got.map((x) => x.index).sort((a, b) => a - b)).toEqual(
        expected.map((x) => x.index).sort((a, b) => a - b),
      )
      const byIndex = new Map(got.map((x) => [x.index, x]))
      for (const e of expected) expect(byIndex.get(e.index)).toEqual(e)
    })
  },
)

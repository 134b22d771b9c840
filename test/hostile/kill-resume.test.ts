/**
 * No run loses work: `analyze` killed with SIGKILL at random points, then run again, ends with every
 * sample present exactly once and values identical to an uninterrupted run. Once in `npm test`; ten
 * times under `npm run test:hostile`.
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO, tmpDir } from '../engine/fixtures'
import { FULL, quietConsole, runInProcess } from './harness'
import { DEMO_DATA, demoAnalyzeFlags, prng } from './inputs'

const KILLS = FULL ? 10 : 1

let dir: string
beforeAll(() => {
  quietConsole()
  dir = tmpDir('losslens-kill-')
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const args = (out: string) => [
  'analyze',
  ...demoAnalyzeFlags(DEMO_DATA),
  '--measures',
  'teacherForcing,offsetSweep,autoregressive',
  '--batch-size',
  '2',
  '--out',
  out,
]

const lines = (file: string) =>
  fs.existsSync(file)
    ? fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.trim()).length
    : 0

/** Starts analyze and kills it with SIGKILL once results.jsonl holds `after` lines (or it ends). */
function runAndKill(out: string, after: number): Promise<{ killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src/main/cli.ts'), ...args(out)], {
      cwd: REPO,
      stdio: 'ignore',
    })
    const results = join(out, 'results.jsonl')
    const start = lines(results)
    const poll = setInterval(() => {
      if (lines(results) >= start + after) {
        clearInterval(poll)
        child.kill('SIGKILL')
      }
    }, 5)
    child.on('exit', (_code, signal) => {
      clearInterval(poll)
      resolve({ killed: signal === 'SIGKILL' })
    })
  })
}

describe('analyze killed with SIGKILL, then resumed', () => {
  it(`${KILLS} kill(s) at random points: every sample once, values identical to an uninterrupted run`, async () => {
    const base = join(dir, 'base')
    expect((await runInProcess('analyze', args(base).slice(1))).code).toBe(0)
    const expected = fs
      .readFileSync(join(base, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { index: number })
    const total = expected.length
    const out = join(dir, 'killed')
    const r = prng(20261206)
    let kills = 0
    for (let i = 0; i < KILLS; i++) {
      const done = lines(join(out, 'results.jsonl'))
      if (done >= total - 1) break
      // Kill after 0 .. 3 more lines, so some kills land before the first result, some mid-batch.
      const { killed } = await runAndKill(out, Math.floor(r() * 4))
      if (killed) kills++
    }
    expect(kills).toBe(KILLS)
    const before = lines(join(out, 'results.jsonl'))
    expect(before).toBeLessThan(total)
    const final = await runInProcess('analyze', args(out).slice(1))
    expect(final.code, final.message).toBe(0)
    const got = fs
      .readFileSync(join(out, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { index: number })
    expect(got.map((x) => x.index).sort((a, b) => a - b)).toEqual(
      expected.map((x) => x.index).sort((a, b) => a - b),
    )
    const byIndex = new Map(got.map((x) => [x.index, x]))
    for (const e of expected) expect(byIndex.get(e.index)).toEqual(e)
    const summary = JSON.parse(fs.readFileSync(join(out, 'summary.json'), 'utf8')) as {
      counts: unknown
      means: unknown
    }
    const baseSummary = JSON.parse(fs.readFileSync(join(base, 'summary.json'), 'utf8')) as {
      counts: unknown
      means: unknown
    }
    expect(summary.counts).toEqual(baseSummary.counts)
    expect(summary.means).toEqual(baseSummary.means)
  })
})

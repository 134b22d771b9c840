/**
 * Runs a CLI command on a bad input and checks what the user sees. In-process (`run(argv)` of the
 * command's module, errors mapped to exit codes as src/main/cli.ts does) where nothing can crash the
 * test process: every parser of user files runs in a child process or the inference worker anyway.
 * Spawned, with a wall-clock limit and the peak RSS of the whole process tree sampled, where a crash,
 * a hang or a blow-up is the point.
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import { join } from 'node:path'
import { expect, vi } from 'vitest'
import { errorMessage } from '../../src/main/engine/errors'
import { exitCodeOf } from '../../src/main/cli/exit-codes'
import { REPO } from '../engine/fixtures'
import { SECRET } from './inputs'

export const FULL = process.env['LOSSLENS_HOSTILE'] === 'full'

type Command = { run: (argv: string[]) => Promise<number> }
const modules: Record<string, () => Promise<Command>> = {
  analyze: () => import('../../src/main/cli/analyze'),
  compare: () => import('../../src/main/cli/compare'),
  report: () => import('../../src/main/cli/report'),
  'verify-weights': () => import('../../src/main/cli/verify-weights'),
  'check-data': () => import('../../src/main/cli/check-data'),
  'make-eval': () => import('../../src/main/cli/make-eval'),
  'parse-log': () => import('../../src/main/cli/parse-log'),
}

export interface Outcome {
  code: number
  /** What the user reads on stderr for a failed command: "losslens <cmd>: message". */
  message: string
  ms: number
}

/** Silences the commands' own stdout/stderr lines during in-process runs. */
export function quietConsole(): void {
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')))
  vi.spyOn(console, 'log').mockImplementation(() => undefined)
  vi.spyOn(console, 'warn').mockImplementation(() => undefined)
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
}

const errors: string[] = []
/** console.error lines written by the last in-process runs (a command may report and return a code). */
export function takeErrors(): string[] {
  return errors.splice(0)
}

/**
 * Runs a command's `run(argv)` here. A thrown error becomes the code and line cli.ts would print;
 * a returned code comes with the lines the command printed with console.error (read them only from
 * tests that run one command at a time: concurrent runs share the capture).
 */
export async function runInProcess(command: string, argv: string[]): Promise<Outcome> {
  const t0 = performance.now()
  try {
    const code = await (await modules[command]!()).run(argv)
    return { code, message: takeErrors().join('\n'), ms: performance.now() - t0 }
  } catch (err) {
    return {
      code: exitCodeOf(err),
      message: `losslens ${command}: ${errorMessage(err)}`,
      ms: performance.now() - t0,
    }
  }
}

export interface Expectation {
  code: number
  /** The problem, as the message must state it. */
  problem: RegExp
  /** A path (or its tail) the message must name; null when the message is about a flag. */
  names?: string | null
}

/** The shared checks: the exit code, one line, the file and the problem named, no stack, no secret. */
export function expectClear(o: Outcome, e: Expectation): void {
  const context = `message was: ${o.message}`
  expect(o.code, context).toBe(e.code)
  expect(o.message.trim().split('\n'), context).toHaveLength(1)
  expect(o.message, context).toMatch(e.problem)
  if (e.names) expect(o.message, context).toContain(e.names)
  expect(o.message, context).not.toMatch(/\n\s+at |\bat .+\.(ts|js):\d+:\d+/)
  expect(o.message, context).not.toContain(SECRET)
  expect(o.message, context).not.toMatch(/\[object |undefined|Error: .*Error:/)
}

export interface Guarded extends Outcome {
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  peakRssMb: number
  timedOut: boolean
}

/** The RSS of a process and its descendants, in MB (Linux /proc; 0 elsewhere). */
function treeRssMb(pid: number): number {
  let kb = 0
  const visit = (p: number) => {
    try {
      const status = fs.readFileSync(`/proc/${p}/status`, 'utf8')
      kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
      for (const task of fs.readdirSync(`/proc/${p}/task`)) {
        const children = fs.readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').trim()
        for (const c of children ? children.split(/\s+/) : []) visit(Number(c))
      }
    } catch {
      /* gone */
    }
  }
  visit(pid)
  return kb / 1024
}

/** Spawns `losslens <args>` as a user would, killing it past `timeoutMs`; samples the tree's RSS. */
export function runGuarded(
  args: string[],
  o: { timeoutMs: number; env?: Record<string, string> },
): Promise<Guarded> {
  const t0 = performance.now()
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src/main/cli.ts'), ...args], {
      cwd: REPO,
      env: { ...process.env, ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    let peak = 0
    const sampler = setInterval(() => (peak = Math.max(peak, treeRssMb(child.pid!))), 50)
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, o.timeoutMs)
    child.on('exit', (code, signal) => {
      clearInterval(sampler)
      clearTimeout(timer)
      const lines = stderr
        .trim()
        .split('\n')
        .filter((l) => !/^\d+\/\d+ samples/.test(l))
      resolve({
        code: code ?? -1,
        signal,
        stdout,
        stderr,
        message: lines[lines.length - 1] ?? '',
        ms: performance.now() - t0,
        peakRssMb: peak,
        timedOut,
      })
    })
  })
}

/**
 * The command line as a user runs it: `node bin/losslens.js ...` (the built out/cli bundle; the test
 * global setup builds it before the suites run).
 */
import { execFile, spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'

export const REPO = resolve(__dirname, '../..')
export const BIN = join(REPO, 'bin', 'losslens.js')

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs the CLI to the end, synchronously. */
export function cliSync(args: string[], timeout = 120_000): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: REPO, encoding: 'utf8', timeout })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** Runs the CLI to the end without blocking the test's thread. */
export function cli(...args: string[]): Promise<CliResult> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd: REPO }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? null) : 0
      done({ code, stdout, stderr })
    })
  })
}

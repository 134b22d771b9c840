/**
 * Vitest global setup: builds what the tests run, once, before any suite, so that no suite passes
 * vacuously for want of a build: the app (out/main, out/preload, out/renderer: electron-vite) when a
 * bundle is missing or older than the sources, and the command line (out/cli: scripts/build-cli.mjs)
 * likewise. A failed build fails the run with the builder's output.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import { join, resolve } from 'node:path'

const REPO = resolve(__dirname, '../..')

function newestMtime(path: string): number {
  const stat = fs.statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = 0
  for (const entry of fs.readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)))
  return newest
}

function stale(outputs: string[], sources: string[]): boolean {
  const built = Math.min(
    ...outputs.map((f) => (fs.existsSync(join(REPO, f)) ? fs.statSync(join(REPO, f)).mtimeMs : 0)),
  )
  return Math.max(...sources.map((s) => newestMtime(join(REPO, s)))) > built
}

function run(what: string, args: string[]): void {
  try {
    execFileSync(process.execPath, args, { cwd: REPO, stdio: 'pipe' })
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer; message: string }
    throw new Error(`building ${what} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`)
  }
}

export const APP_OUTPUTS = ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html']
export const CLI_OUTPUTS = ['out/cli/losslens.js', 'out/cli/inference-worker.js']

export default function setup(): void {
  const config = ['electron.vite.config.ts', 'package.json']
  if (stale(APP_OUTPUTS, ['src/main', 'src/preload', 'src/renderer', 'src/shared', ...config])) {
    run('the app (electron-vite build)', [
      join(REPO, 'node_modules/electron-vite/bin/electron-vite.js'),
      'build',
    ])
  }
  if (stale(CLI_OUTPUTS, ['src/main', 'src/shared', 'scripts/build-cli.mjs', 'package.json'])) {
    run('the command line (scripts/build-cli.mjs)', [join(REPO, 'scripts/build-cli.mjs')])
  }
}

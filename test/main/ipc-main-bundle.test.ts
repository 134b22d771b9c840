/**
 * The built main process (out/main/index.js from `npm run build`) started in plain Node with a fake
 * 'electron' module: it must open the workspace, copy the demo in, find the preload, register the
 * handlers and run the engine's worker from out/main. Built by test/helpers/global-setup.ts.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const built = join(process.cwd(), 'out/main/index.js')
const home = fs.mkdtempSync(join(os.tmpdir(), 'losslens-main-'))
afterAll(() => fs.rmSync(home, { recursive: true, force: true }))

describe('the built main process', () => {
  it('starts, seeds the demo, serves the window and runs the engine worker', () => {
    const out = join(home, 'record.json')
    const child = spawnSync(
      process.execPath,
      ['--import', './test/main/helpers/fake-electron/register.mjs', built],
      {
        cwd: process.cwd(),
        env: { ...process.env, FAKE_APP_PATH: process.cwd(), FAKE_HOME: home, FAKE_ELECTRON_OUT: out },
        encoding: 'utf8',
        timeout: 120_000,
      },
    )
    expect(child.status, child.stderr).toBe(0)
    const record = JSON.parse(fs.readFileSync(out, 'utf8'))
    expect(record.error).toBeUndefined()
    // The training log was parsed by the built isolated-child in a utility process.
    expect(record.results.log.ok, JSON.stringify(record.results.log)).toBe(true)
    expect(record.results.log.result.steps).toBeGreaterThan(0)
    expect(record.windows[0].webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    })
    expect(record.windows[0].webPreferences.preload).toMatch(/out[\\/]preload[\\/]index\.cjs$/)
    expect(fs.existsSync(record.windows[0].webPreferences.preload)).toBe(true)
    expect(record.page).toMatch(/out[\\/]renderer[\\/]index\.html$/)
    expect(record.results.info.result).toMatchObject({
      host: 'electron',
      path: join(home, 'documents', 'LossLens'),
    })
    expect(record.results.list.result.map((e: { id: string }) => e.id)).toEqual(['1.4.0-demo'])
    expect(
      record.results.runs.map((r: { status: string; done: number; error?: string }) => [
        r.status,
        r.done,
        r.error,
      ]),
    ).toEqual([['finished', 2, undefined]])
  })
})

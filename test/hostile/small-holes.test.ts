/** The smaller holes, one test each: page token spellings, stale temp files, non-UTF-8 counts. */
import fs from 'node:fs'
import http from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBridge, type Bridge } from '../../src/main/bridge/server'
import { Workspace } from '../../src/main/store/workspace'
import { fakeServices } from '../main/helpers/context'
import { tmpDir } from '../engine/fixtures'
import { quietConsole, runInProcess } from './harness'
import { demoAnalyzeFlags } from './inputs'

let dir: string
beforeAll(() => {
  quietConsole()
  dir = tmpDir('losslens-small-')
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

describe('the bridge page needs the token however its path is spelled', () => {
  let bridge: Bridge
  beforeAll(async () => {
    const staticDir = join(dir, 'static')
    fs.mkdirSync(join(staticDir, 'assets'), { recursive: true })
    fs.writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>LossLens page</title>')
    fs.writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log(1)')
    bridge = await startBridge({
      workspace: join(dir, 'ws'),
      staticDir,
      services: fakeServices(),
      settingsFile: join(dir, 'settings.json'),
    })
  })
  afterAll(() => bridge.close())

  const get = (path: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: bridge.port, path }, (res) => {
        let body = ''
        res.on('data', (c) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      })
      req.on('error', reject)
      req.end()
    })

  it.each([
    '/',
    '/index.html',
    '/index.htm%6c',
    '/index.html/',
    '//index.html',
    '/%69ndex.html',
    '/./index.html',
    '/assets/../index.html',
    '/INDEX.HTML',
  ])('%s without the token: no page', async (path) => {
    const r = await get(path)
    expect(r.body).not.toContain('LossLens page')
  })

  it('assets are served without the token, the page with it', async () => {
    expect((await get('/assets/app.js')).status).toBe(200)
    expect((await get(`/?token=${bridge.token}`)).body).toContain('LossLens page')
  })
})

describe('stale temp files of killed saves', () => {
  it('are removed when the workspace opens; a live process’s fresh one is kept', async () => {
    const root = join(dir, 'temps')
    const { workspace } = await Workspace.open(root)
    await workspace.createExperiment({ id: 'e', title: 'e' })
    const expDir = workspace.experimentDir('e')
    const dead = join(expDir, '.experiment.json.999999.0badf00d.tmp')
    const mine = join(expDir, `.experiment.json.${process.pid}.0badf00d.tmp`)
    const other = join(expDir, 'notes.tmp')
    for (const f of [dead, mine, other]) fs.writeFileSync(f, '{')
    await Workspace.open(root)
    expect(fs.existsSync(dead)).toBe(false)
    expect(fs.existsSync(mine)).toBe(true)
    expect(fs.existsSync(other)).toBe(true)
  })
})

describe('non-UTF-8 bytes are counted, not silently replaced', () => {
  it('analyze reports how many samples had them', async () => {
    const words = 'def add(a, b):\n    return a + b\n'.repeat(40)
    const lines = [
      Buffer.from(JSON.stringify({ text: words }) + '\n'),
      Buffer.concat([
        Buffer.from('{"text": "'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from(words.replace(/\n/g, '\\n') + '"}\n'),
      ]),
    ]
    const data = join(dir, 'latin1.jsonl')
    fs.writeFileSync(data, Buffer.concat(lines))
    const out = join(dir, 'utf8-out')
    const o = await runInProcess('analyze', [
      ...demoAnalyzeFlags(data),
      '--measures',
      'teacherForcing',
      '--out',
      out,
    ])
    expect(o.code, o.message).toBe(0)
    expect(o.message).toMatch(/1 sample\(s\) hold bytes that are not UTF-8/)
    expect(JSON.parse(fs.readFileSync(join(out, 'summary.json'), 'utf8')).invalidUtf8Samples).toBe(1)
  })
})

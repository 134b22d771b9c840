import { spawn } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { BridgeServerMessage } from '../../src/shared/ipc'
import { startBridge, type Bridge } from '../../src/main/bridge/server'
import { fakeServices } from './helpers/context'

let root: string
let staticDir: string
let bridge: Bridge

beforeAll(async () => {
  root = fs.mkdtempSync(join(os.tmpdir(), 'losslens-bridge-'))
  staticDir = join(root, 'renderer')
  fs.mkdirSync(join(staticDir, 'assets'), { recursive: true })
  fs.writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>LossLens</title>')
  fs.writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log(1)')
  fs.writeFileSync(join(staticDir, '.env'), 'hidden')
  fs.writeFileSync(join(root, 'secret.txt'), 'TOP SECRET')
  fs.symlinkSync(join(root, 'secret.txt'), join(staticDir, 'assets', 'link.txt'))
  bridge = await startBridge({
    workspace: join(root, 'ws'),
    staticDir,
    services: fakeServices(),
    settingsFile: join(root, 'settings.json'),
    version: 'test',
  })
})
afterAll(async () => {
  await bridge.close()
  fs.rmSync(root, { recursive: true, force: true })
})

/** A raw GET (the path is sent as written, no client-side normalisation). */
function get(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: bridge.port, path, headers }, (res) => {
      let body = ''
      res.on('data', (c) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }))
    })
    req.on('error', reject)
    req.end()
  })
}

function connect(query: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${bridge.port}/ws${query}`, { headers })
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

function request(ws: WebSocket, id: number, channel: string, args?: unknown): Promise<BridgeServerMessage> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const m = JSON.parse(data.toString()) as BridgeServerMessage
      if (m.kind === 'response' && m.id === id) {
        ws.off('message', onMessage)
        resolve(m)
      }
    }
    ws.on('message', onMessage)
    ws.send(JSON.stringify({ kind: 'request', id, channel, args }))
  })
}

describe('bridge HTTP', () => {
  it('prints a loopback URL with the token and binds to 127.0.0.1', () => {
    expect(bridge.url).toBe(`http://127.0.0.1:${bridge.port}/?token=${bridge.token}`)
    expect(bridge.token.length).toBeGreaterThanOrEqual(32)
  })

  it('refuses the page without the right token (403) and serves it with it, CSP included', async () => {
    expect((await get('/')).status).toBe(403)
    expect((await get('/?token=wrong')).status).toBe(403)
    expect((await get(`/?token=${bridge.token.slice(0, -1)}`)).status).toBe(403)
    const ok = await get(`/?token=${bridge.token}`)
    expect(ok.status).toBe(200)
    expect(ok.body).toContain('<title>LossLens</title>')
    expect(ok.headers['content-security-policy']).toMatch(/^default-src 'none'; script-src 'self'/)
    expect(ok.headers['x-content-type-options']).toBe('nosniff')
  })

  it('serves static assets without the token; anything else needs it', async () => {
    const js = await get('/assets/app.js')
    expect(js.status).toBe(200)
    expect(js.headers['content-type']).toMatch(/javascript/)
    expect(js.headers['content-security-policy']).toBeDefined()
    expect((await get('/api/anything')).status).toBe(403)
    expect((await get('/favicon.ico')).status).toBe(204)
    expect((await get(`/missing.js?token=${bridge.token}`)).status).toBe(404)
  })

  it('refuses path traversal, dot-files and symlinks out of the renderer folder', async () => {
    for (const path of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/..%5c..%5csecret.txt',
      '/assets/link.txt',
      '/.env',
      `/${encodeURIComponent(join(root, 'secret.txt'))}`,
      '/assets/%00app.js',
    ]) {
      for (const suffix of ['', `?token=${bridge.token}`]) {
        const res = await get(path + suffix)
        expect(res.body, path).not.toContain('TOP SECRET')
        expect(res.body, path).not.toContain('hidden')
      }
    }
  })

  it('refuses a foreign Host header (DNS rebinding) and methods other than GET/HEAD', async () => {
    expect((await get(`/?token=${bridge.token}`, { Host: 'evil.example:80' })).status).toBe(403)
    const post = await new Promise<number>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: bridge.port, path: '/', method: 'POST' }, (res) =>
        resolve(res.statusCode ?? 0),
      )
      req.end()
    })
    expect(post).toBe(405)
  })

  it('refuses to listen beyond the loopback interface', async () => {
    await expect(
      startBridge({
        workspace: join(root, 'ws2'),
        host: '0.0.0.0',
        services: fakeServices(),
        settingsFile: join(root, 's.json'),
      }),
    ).rejects.toThrow(/loopback/)
  })
})

describe('bridge WebSocket', () => {
  it('refuses upgrades without the token, with a wrong one, or from another origin', async () => {
    await expect(connect('')).rejects.toThrow(/403/)
    await expect(connect('?token=nope')).rejects.toThrow(/403/)
    await expect(connect(`?token=${bridge.token}`, { Origin: 'https://evil.example' })).rejects.toThrow(/403/)
  })

  it('serves the contract with the token: results, validation errors and run events', async () => {
    const ws = await connect(`?token=${bridge.token}`, { Origin: `http://127.0.0.1:${bridge.port}` })
    try {
      expect(await request(ws, 1, 'workspace:info')).toMatchObject({
        ok: true,
        result: { host: 'bridge', version: 'test' },
      })
      expect(await request(ws, 2, 'experiment:get', { experimentId: '../x' })).toMatchObject({
        ok: false,
        error: expect.stringMatching(/invalid payload for experiment:get/),
      })
      expect(await request(ws, 3, 'no:such')).toMatchObject({
        ok: false,
        error: expect.stringMatching(/unknown channel/),
      })
      const listing = (await request(ws, 4, 'fs:list', { path: root })) as {
        ok: true
        result: { entries: { name: string }[] }
      }
      expect(listing.result.entries.map((e) => e.name)).toContain('secret.txt')

      await request(ws, 5, 'experiment:create', { id: 'e', title: 'e' })
      const exp = (await request(ws, 6, 'experiment:get', { experimentId: 'e' })) as {
        ok: true
        result: Record<string, unknown>
      }
      // Bridge mode: any absolute path is allowed (the token is the authority).
      const saved = await request(ws, 7, 'experiment:save', {
        ...exp.result,
        checkpoints: [
          { id: 'c', label: 'C', modelPath: join(root, 'm.onnx'), tokenizerPath: join(root, 't.json') },
        ],
        datasets: [{ id: 'd', label: 'd', path: join(root, 'd.json') }],
      })
      expect(saved).toMatchObject({ ok: true })
      const events: string[] = []
      ws.on('message', (data) => {
        const m = JSON.parse(data.toString()) as BridgeServerMessage
        if (m.kind === 'event' && m.channel === 'run:event') events.push((m.payload as { type: string }).type)
      })
      const started = await request(ws, 8, 'run:start', {
        experimentId: 'e',
        checkpointIds: ['c'],
        datasetId: 'd',
        settings: exp.result.settings,
      })
      expect(started).toMatchObject({ ok: true })
      for (let i = 0; i < 100 && !events.includes('finished'); i++)
        await new Promise((r) => setTimeout(r, 20))
      expect(events[0]).toBe('started')
      expect(events.at(-1)).toBe('finished')
      expect(events.filter((e) => e === 'sample')).toHaveLength(3)
    } finally {
      ws.close()
    }
  })

  it('closes a socket that sends something other than a request frame', async () => {
    const ws = await connect(`?token=${bridge.token}`)
    const code = await new Promise<number>((resolve) => {
      ws.once('close', (c) => resolve(c))
      ws.send('not json')
    })
    expect(code).toBe(1003)
  })
})

describe('npm run serve', () => {
  const run = (args: string[]) =>
    spawn(process.execPath, ['--import', 'tsx', 'src/main/serve.ts', ...args], {
      cwd: process.cwd(),
      env: { ...process.env, XDG_CONFIG_HOME: join(root, 'config') },
    })

  it('prints the bridge URL line and stops on SIGTERM', async () => {
    const child = run(['--workspace', join(root, 'served'), '--static', staticDir])
    const url = await new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (c) => {
        out += c
        const m = /^LossLens bridge: (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)$/m.exec(out)
        if (m) resolve(m[1]!)
      })
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)))
    })
    const res = await fetch(url)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/)
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    expect(await exit).toBe(0)
  })

  it('says how to build the renderer when it is missing, and exits non-zero', async () => {
    const child = run(['--workspace', join(root, 'served2'), '--static', join(root, 'nope')])
    let err = ''
    child.stderr.on('data', (c) => (err += c))
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    expect(code).toBe(1)
    expect(err).toMatch(/npm run build/)
  })
})

/**
 * The browser bridge: the built renderer over HTTP and the same request contract as the desktop app
 * over a WebSocket, on the loopback interface only. A random token (in the printed URL) is the
 * authority: the page needs it, the WebSocket needs it, and whoever holds it may use any path the
 * server's user can read (there are no native dialogs; the window lists folders with fs:list).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import fs from 'node:fs'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import { join } from 'node:path'
import { WebSocketServer, type WebSocket } from 'ws'
import {
  BRIDGE_TOKEN_PARAM,
  BRIDGE_WS_PATH,
  type BridgeClientMessage,
  type BridgeServerMessage,
} from '../../shared/ipc'
import type { EngineServices } from '../ipc/context'
import { createHandlers, settle } from '../ipc/handlers'
import { createEmitter, openContext } from '../ipc/open-context'
import { OpenPaths } from '../ipc/path-access'
import { SettingsStore } from '../store/app-settings'
import { resolveStatic, sendFile, sendStatus } from './static'

export interface BridgeOptions {
  workspace: string
  /** 0 (default) picks a free port. */
  port?: number
  /** A loopback address (default 127.0.0.1); anything else is refused. */
  host?: string
  /** The built renderer (out/renderer); without it only the WebSocket is served. */
  staticDir?: string
  services: EngineServices
  /** resources/demo, copied into a new workspace. */
  demoDir?: string
  /** Default: $XDG_CONFIG_HOME/losslens/settings.json (machine-specific, so not in the workspace). */
  settingsFile?: string
  version?: string
  /** Fixed token (tests); default 32 random bytes. */
  token?: string
  /**
   * The one Python interpreter the exporter may run (`serve --python`, LOSSLENS_PYTHON); default
   * "python3" on this machine's PATH. A token holder cannot choose another program.
   */
  python?: string
}

export interface Bridge {
  url: string
  token: string
  port: number
  close(): Promise<void>
}

const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|localhost)$/

/** Starts the bridge; resolves once it listens. */
export async function startBridge(o: BridgeOptions): Promise<Bridge> {
  const host = o.host ?? '127.0.0.1'
  if (!LOOPBACK.test(host)) {
    throw new RangeError(
      `--host ${host}: the bridge listens on the loopback interface only; use SSH port forwarding to reach it`,
    )
  }
  const token = o.token ?? randomBytes(32).toString('base64url')
  const events = createEmitter()
  let ctx: Awaited<ReturnType<typeof openContext>> | null = null
  ctx = await openContext({
    workspace: o.workspace,
    host: {
      kind: 'bridge',
      trash: (path) => ctx!.current().workspace.moveToTrash(path),
      python: o.python || 'python3',
    },
    services: o.services,
    access: new OpenPaths(),
    settings: new SettingsStore(o.settingsFile ?? defaultSettingsFile()),
    emit: events.emit,
    version: o.version ?? '0.0.0',
    ...(o.demoDir ? { demoDir: o.demoDir } : {}),
  })
  const handlers = createHandlers(ctx)
  const staticDir = o.staticDir && fs.existsSync(o.staticDir) ? o.staticDir : undefined
  let port = 0

  const hasToken = (url: URL) => sameSecret(url.searchParams.get(BRIDGE_TOKEN_PARAM), token)
  /** Requests must name us by a loopback host and our port: a DNS-rebinding page names its own host. */
  const rightHost = (req: IncomingMessage) => {
    const h = req.headers.host ?? ''
    return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${host}:${port}`].includes(h)
  }
  const requestUrl = (req: IncomingMessage) => new URL(req.url ?? '/', `http://${host}:${port}`)

  const server = createServer((req, res) => {
    if (!rightHost(req)) return sendStatus(res, 403, 'forbidden: unexpected Host header')
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendStatus(res, 405, 'method not allowed')
    const url = requestUrl(req)
    // The page (however its path is spelled: /index.htm%6c, /index.html/, //index.html) and anything
    // that is not a static file need the token; assets (/assets/x.js) do not. The decision is made on
    // the file the path resolves to, not on the path's spelling.
    const file = staticDir ? resolveStatic(staticDir, url.pathname) : null
    const isPage = url.pathname === '/' || (file !== null && /\.html?$/i.test(file))
    if (file && !isPage) return sendFile(res, file, req.method === 'HEAD')
    // Browsers ask for it on their own; an empty answer keeps a 403 out of the page's console.
    if (url.pathname === '/favicon.ico') return sendStatus(res, 204, '')
    if (!hasToken(url)) return sendStatus(res, 403, 'forbidden: open the URL that `npm run serve` printed')
    if (!staticDir) return sendStatus(res, 404, 'the renderer is not built: run `npm run build`')
    const page =
      isPage || !/\.[a-z0-9]+$/i.test(url.pathname) ? resolveStatic(staticDir, '/index.html') : null
    if (page) return sendFile(res, page, req.method === 'HEAD')
    sendStatus(res, 404, 'not found')
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 })
  server.on('upgrade', (req, socket, head) => {
    const url = requestUrl(req)
    const origin = req.headers.origin
    const sameOrigin =
      !origin ||
      [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`].includes(origin)
    if (url.pathname !== BRIDGE_WS_PATH || !rightHost(req) || !sameOrigin || !hasToken(url)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws))
  })

  const send = (ws: WebSocket, message: BridgeServerMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message))
  }
  const serve = (ws: WebSocket) => {
    const off = events.on((channel, payload) =>
      send(ws, { kind: 'event', channel: channel as never, payload }),
    )
    ws.on('close', off)
    ws.on('error', () => off())
    ws.on('message', (data, isBinary) => {
      const message = isBinary ? null : parseClientMessage(data.toString())
      if (!message) {
        ws.close(1003, 'expected a JSON request frame')
        return
      }
      void settle(handlers, message.channel, message.args).then((outcome) =>
        send(
          ws,
          outcome.ok
            ? { kind: 'response', id: message.id, ok: true, result: outcome.result }
            : { kind: 'response', id: message.id, ok: false, error: outcome.error },
        ),
      )
    })
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(o.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  port = (server.address() as AddressInfo).port
  const shownHost = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${shownHost}:${port}/?${BRIDGE_TOKEN_PARAM}=${token}`,
    token,
    port,
    async close() {
      for (const client of wss.clients) client.terminate()
      wss.close()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await ctx!.shutdown()
    },
  }
}

function parseClientMessage(text: string): BridgeClientMessage | null {
  try {
    const m = JSON.parse(text) as Partial<BridgeClientMessage>
    if (m && m.kind === 'request' && Number.isSafeInteger(m.id) && typeof m.channel === 'string') {
      return m as BridgeClientMessage
    }
  } catch {
    /* not JSON */
  }
  return null
}

/** Constant-time comparison of a presented token with ours. */
function sameSecret(presented: string | null, token: string): boolean {
  if (!presented) return false
  const a = Buffer.from(presented)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

function defaultSettingsFile(): string {
  const base = process.env['XDG_CONFIG_HOME'] || join(os.homedir(), '.config')
  return join(base, 'losslens', 'settings.json')
}

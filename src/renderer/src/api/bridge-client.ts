/**
 * The browser's host: LossLensApi over the bridge's WebSocket (wire format in src/shared/ipc.ts).
 * Requests carry ids; events fan out to listeners; a dropped socket reconnects with backoff, and the
 * status callbacks drive the window's "reconnecting" banner.
 */
import {
  BRIDGE_TOKEN_PARAM,
  BRIDGE_WS_PATH,
  type BridgeClientMessage,
  type BridgeServerMessage,
  type EventChannel,
  type EventPayloads,
  type LossLensApi,
  type RequestArgs,
  type RequestChannel,
  type RequestResults,
} from '../../../shared/ipc'

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'unauthorized'

export interface ConnectionStatus {
  state: ConnectionState
  /** Reconnect attempts since the socket was last open. */
  attempt: number
  /** When the next attempt starts (ms since epoch), while reconnecting. */
  nextAttemptAt: number | null
}

/** The minimal WebSocket surface the client uses, so tests can hand in a fake. */
export interface SocketLike {
  readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((ev: unknown) => void) | null
  onclose: ((ev: { code: number; reason: string }) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  onerror: ((ev: unknown) => void) | null
}

export interface BridgeClientOptions {
  url: string
  createSocket?: (url: string) => SocketLike
  /** Backoff delays in ms; the last one repeats. */
  backoffMs?: number[]
}

interface Pending {
  channel: RequestChannel
  resolve: (value: unknown) => void
  reject: (error: Error) => void
}

const OPEN = 1
/** Close codes the bridge uses for a wrong or missing token (policy violation, or 4401 by convention). */
const UNAUTHORIZED_CODES = new Set([1008, 4401, 4403])

export class BridgeClient implements LossLensApi {
  readonly #url: string
  readonly #createSocket: (url: string) => SocketLike
  readonly #backoff: number[]
  #socket: SocketLike | null = null
  #nextId = 1
  readonly #pending = new Map<number, Pending>()
  /** Requests made while the socket was down: sent once it opens (they never reached the host). */
  #queue: BridgeClientMessage[] = []
  readonly #listeners = new Map<EventChannel, Set<(payload: never) => void>>()
  readonly #statusListeners = new Set<(status: ConnectionStatus) => void>()
  readonly #reconnectListeners = new Set<() => void>()
  #status: ConnectionStatus = { state: 'connecting', attempt: 0, nextAttemptAt: null }
  #timer: ReturnType<typeof setTimeout> | null = null
  #everOpened = false
  #closed = false

  constructor(options: BridgeClientOptions) {
    this.#url = options.url
    this.#createSocket = options.createSocket ?? ((url) => new WebSocket(url) as unknown as SocketLike)
    this.#backoff = options.backoffMs ?? [500, 1000, 2000, 4000, 5000]
    this.#connect()
  }

  get status(): ConnectionStatus {
    return this.#status
  }

  invoke<C extends RequestChannel>(channel: C, args: RequestArgs<C>): Promise<RequestResults[C]> {
    const id = this.#nextId++
    const message: BridgeClientMessage = { kind: 'request', id, channel, args }
    return new Promise<RequestResults[C]>((resolve, reject) => {
      this.#pending.set(id, { channel, resolve: resolve as (value: unknown) => void, reject })
      if (this.#socket && this.#socket.readyState === OPEN) this.#socket.send(JSON.stringify(message))
      else this.#queue.push(message)
    })
  }

  on<E extends EventChannel>(channel: E, listener: (payload: EventPayloads[E]) => void): () => void {
    let set = this.#listeners.get(channel)
    if (!set) this.#listeners.set(channel, (set = new Set()))
    const entry = listener as (payload: never) => void
    set.add(entry)
    return () => set.delete(entry)
  }

  /** Connection state changes (for the banner); returns the unsubscribe function. */
  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    this.#statusListeners.add(listener)
    return () => this.#statusListeners.delete(listener)
  }

  /** Called after the socket comes back: events may have been missed, so stores reload. */
  onReconnect(listener: () => void): () => void {
    this.#reconnectListeners.add(listener)
    return () => this.#reconnectListeners.delete(listener)
  }

  /** Tries again now instead of waiting for the backoff (the banner's "Retry now"). */
  retryNow(): void {
    if (this.#status.state !== 'reconnecting' && this.#status.state !== 'unauthorized') return
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    this.#connect()
  }

  close(): void {
    this.#closed = true
    if (this.#timer) clearTimeout(this.#timer)
    this.#socket?.close()
    this.#failPending('the window closed the connection')
  }

  #setStatus(status: ConnectionStatus): void {
    this.#status = status
    for (const listener of this.#statusListeners) listener(status)
  }

  #connect(): void {
    let socket: SocketLike
    try {
      socket = this.#createSocket(this.#url)
    } catch {
      this.#scheduleReconnect()
      return
    }
    this.#socket = socket
    socket.onopen = () => {
      const wasReconnect = this.#everOpened
      this.#everOpened = true
      this.#setStatus({ state: 'open', attempt: 0, nextAttemptAt: null })
      const queued = this.#queue
      this.#queue = []
      for (const message of queued) socket.send(JSON.stringify(message))
      if (wasReconnect) for (const listener of this.#reconnectListeners) listener()
    }
    socket.onmessage = (ev) => this.#receive(ev.data)
    socket.onerror = () => {
      /* onclose follows and decides what to do */
    }
    socket.onclose = (ev) => {
      if (this.#socket !== socket) return
      this.#socket = null
      // Sent requests may or may not have run on the host: fail them rather than risk running twice.
      this.#failPending('the connection to the LossLens engine was lost before it answered; try again')
      if (this.#closed) return
      if (UNAUTHORIZED_CODES.has(ev.code)) {
        this.#setStatus({ state: 'unauthorized', attempt: this.#status.attempt, nextAttemptAt: null })
        return
      }
      this.#scheduleReconnect()
    }
  }

  #scheduleReconnect(): void {
    const attempt = this.#status.attempt + 1
    const delay = this.#backoff[Math.min(attempt - 1, this.#backoff.length - 1)] ?? 5000
    this.#setStatus({ state: 'reconnecting', attempt, nextAttemptAt: Date.now() + delay })
    this.#timer = setTimeout(() => {
      this.#timer = null
      this.#connect()
    }, delay)
  }

  #failPending(reason: string): void {
    for (const [id, pending] of this.#pending) {
      if (this.#queue.some((m) => m.id === id)) continue
      this.#pending.delete(id)
      pending.reject(new Error(`${pending.channel}: ${reason}`))
    }
  }

  #receive(data: unknown): void {
    if (typeof data !== 'string') return
    let message: BridgeServerMessage
    try {
      message = JSON.parse(data) as BridgeServerMessage
    } catch {
      return
    }
    if (message.kind === 'response') {
      const pending = this.#pending.get(message.id)
      if (!pending) return
      this.#pending.delete(message.id)
      if (message.ok) pending.resolve(message.result)
      else pending.reject(new Error(message.error))
    } else if (message.kind === 'event') {
      const set = this.#listeners.get(message.channel)
      if (!set) return
      for (const listener of [...set]) listener(message.payload as never)
    }
  }
}

/** The bridge URL for this page: ws://same-host/ws?token=... from the page's ?token=, or null without one. */
export function bridgeUrlFromLocation(location: {
  protocol: string
  host: string
  search: string
}): string | null {
  const token = new URLSearchParams(location.search).get(BRIDGE_TOKEN_PARAM)
  if (!token) return null
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  return `${scheme}://${location.host}${BRIDGE_WS_PATH}?${BRIDGE_TOKEN_PARAM}=${encodeURIComponent(token)}`
}

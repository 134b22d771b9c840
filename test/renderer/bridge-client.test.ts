// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  BridgeClient,
  bridgeUrlFromLocation,
  type ConnectionStatus,
  type SocketLike,
} from '../../src/renderer/src/api/bridge-client'
import { detectHost } from '../../src/renderer/src/api'
import type { BridgeClientMessage } from '../../src/shared/ipc'

class FakeSocket implements SocketLike {
  readyState = 0
  sent: BridgeClientMessage[] = []
  onopen: ((ev: unknown) => void) | null = null
  onclose: ((ev: { code: number; reason: string }) => void) | null = null
  onmessage: ((ev: { data: unknown }) => void) | null = null
  onerror: ((ev: unknown) => void) | null = null
  constructor(readonly url: string) {}
  send(data: string): void {
    this.sent.push(JSON.parse(data) as BridgeClientMessage)
  }
  close(code = 1000): void {
    this.drop(code)
  }
  open(): void {
    this.readyState = 1
    this.onopen?.({})
  }
  drop(code = 1006): void {
    this.readyState = 3
    this.onclose?.({ code, reason: '' })
  }
  reply(id: number, result: unknown): void {
    this.onmessage?.({ data: JSON.stringify({ kind: 'response', id, ok: true, result }) })
  }
  fail(id: number, error: string): void {
    this.onmessage?.({ data: JSON.stringify({ kind: 'response', id, ok: false, error }) })
  }
  event(channel: string, payload: unknown): void {
    this.onmessage?.({ data: JSON.stringify({ kind: 'event', channel, payload }) })
  }
}

describe('bridge client', () => {
  let sockets: FakeSocket[]
  let client: BridgeClient
  let statuses: ConnectionStatus['state'][]
  beforeEach(() => {
    vi.useFakeTimers()
    sockets = []
    statuses = []
    client = new BridgeClient({
      url: 'ws://127.0.0.1:5/ws?token=abc',
      createSocket: (url) => {
        const s = new FakeSocket(url)
        sockets.push(s)
        return s
      },
      backoffMs: [100, 200],
    })
    client.onStatus((s) => statuses.push(s.state))
  })
  afterEach(() => {
    client.close()
    vi.useRealTimers()
  })

  it('queues requests until the socket opens, then matches responses by id', async () => {
    const a = client.invoke('experiment:list', undefined)
    const b = client.invoke('experiment:get', { experimentId: '1.4.0' })
    expect(sockets[0]!.sent).toHaveLength(0)
    sockets[0]!.open()
    const [m1, m2] = sockets[0]!.sent
    expect(m1).toMatchObject({ kind: 'request', channel: 'experiment:list' })
    expect(m2).toMatchObject({ kind: 'request', channel: 'experiment:get', args: { experimentId: '1.4.0' } })
    expect(m1!.id).not.toBe(m2!.id)
    sockets[0]!.fail(m2!.id, 'experiments/1.4.0/experiment.json: not found')
    sockets[0]!.reply(m1!.id, [])
    await expect(a).resolves.toEqual([])
    await expect(b).rejects.toThrow('experiments/1.4.0/experiment.json: not found')
  })

  it('delivers events to subscribers until they unsubscribe', () => {
    sockets[0]!.open()
    const got: unknown[] = []
    const off = client.on('import:log', (p) => got.push(p.line))
    sockets[0]!.event('import:log', { experimentId: 'x', line: 'exporting layer 1' })
    off()
    sockets[0]!.event('import:log', { experimentId: 'x', line: 'exporting layer 2' })
    expect(got).toEqual(['exporting layer 1'])
  })

  it('fails requests in flight when the socket drops, reconnects with backoff and says so', async () => {
    const reconnected = vi.fn()
    client.onReconnect(reconnected)
    sockets[0]!.open()
    const pending = client.invoke('run:list', { experimentId: '1.4.0' })
    sockets[0]!.drop()
    await expect(pending).rejects.toThrow(/run:list: the connection .* was lost/)
    expect(client.status.state).toBe('reconnecting')
    expect(client.status.attempt).toBe(1)
    vi.advanceTimersByTime(100)
    expect(sockets).toHaveLength(2)
    sockets[1]!.drop()
    expect(client.status.attempt).toBe(2)
    vi.advanceTimersByTime(200)
    sockets[2]!.open()
    expect(client.status.state).toBe('open')
    expect(reconnected).toHaveBeenCalledTimes(1)
    expect(statuses).toEqual(['open', 'reconnecting', 'reconnecting', 'open'])
  })

  it('stops retrying when the bridge refuses the token', () => {
    sockets[0]!.drop(4401)
    expect(client.status.state).toBe('unauthorized')
    vi.advanceTimersByTime(10_000)
    expect(sockets).toHaveLength(1)
  })
})

describe('host detection', () => {
  it('builds the socket URL from the page URL token', () => {
    expect(bridgeUrlFromLocation({ protocol: 'http:', host: '127.0.0.1:5199', search: '?token=a+b/c' })).toBe(
      'ws://127.0.0.1:5199/ws?token=a%20b%2Fc',
    )
    expect(bridgeUrlFromLocation({ protocol: 'http:', host: 'x', search: '' })).toBeNull()
  })
  it('prefers the preload API, and has no host without either', () => {
    const preload = { invoke: vi.fn(), on: vi.fn() }
    const win = { losslens: preload, location: { protocol: 'http:', host: 'h', search: '?token=t' } }
    expect(detectHost(win as never)).toMatchObject({ kind: 'electron', api: preload })
    expect(detectHost({ location: { protocol: 'http:', host: 'h', search: '' } } as never)).toMatchObject({
      kind: 'none',
      api: null,
    })
  })
})

/**
 * One LossLensApi for the whole window, whichever host serves it: Electron's preload (window.losslens)
 * or the browser bridge (a WebSocket client, token from the page's ?token=).
 */
import type { LossLensApi } from '../../../shared/ipc'
import { BridgeClient, bridgeUrlFromLocation, type ConnectionStatus } from './bridge-client'

export type HostKind = 'electron' | 'bridge' | 'none'

export interface ApiHost {
  kind: HostKind
  api: LossLensApi | null
  /** Bridge only: connection state for the banner, and a hook to reload after a reconnect. */
  onStatus?: (listener: (status: ConnectionStatus) => void) => () => void
  onReconnect?: (listener: () => void) => () => void
  retryNow?: () => void
}

let current: ApiHost = { kind: 'none', api: null }

/** Picks the host: the preload's API when present, else the bridge named by the URL's token, else none. */
export function detectHost(win: Window & { losslens?: LossLensApi } = window): ApiHost {
  if (win.losslens) return { kind: 'electron', api: win.losslens }
  const url = bridgeUrlFromLocation(win.location)
  if (!url) return { kind: 'none', api: null }
  const client = new BridgeClient({ url })
  return {
    kind: 'bridge',
    api: client,
    onStatus: (listener) => client.onStatus(listener),
    onReconnect: (listener) => client.onReconnect(listener),
    retryNow: () => client.retryNow(),
  }
}

/** Installs the host the stores talk to (the app at start-up; tests with a fake). */
export function installHost(host: ApiHost): void {
  current = host
}

export function useHost(): ApiHost {
  return current
}

/** The API; throws when the window was opened without a host (the app shows how to open it instead). */
export function useApi(): LossLensApi {
  if (!current.api)
    throw new Error(
      'LossLens has no engine host: open it from the desktop app or the URL `npm run serve` prints',
    )
  return current.api
}

export type { ConnectionStatus }

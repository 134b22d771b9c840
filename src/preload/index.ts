/**
 * The window's only door to main: window.losslens implements LossLensApi over ipcRenderer, by name.
 * ipcRenderer itself is never exposed. Bundled into one CommonJS file so the window stays sandboxed.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron'
import {
  DROP_GRANT_CHANNEL,
  isRequestChannel,
  type EventChannel,
  type EventPayloads,
  type LossLensApi,
  type RequestArgs,
  type RequestChannel,
  type RequestResults,
} from '../shared/ipc'

const EVENT_CHANNELS: ReadonlySet<string> = new Set<EventChannel>([
  'run:event',
  'import:log',
  'dataset:checkProgress',
  'compare:progress',
])

type Outcome = { ok: true; result: unknown } | { ok: false; error: string }

const api: LossLensApi = {
  async invoke<C extends RequestChannel>(channel: C, args: RequestArgs<C>): Promise<RequestResults[C]> {
    if (!isRequestChannel(channel)) throw new TypeError(`unknown channel "${String(channel)}"`)
    const outcome = (await ipcRenderer.invoke(channel, args)) as Outcome
    if (!outcome.ok) throw new Error(outcome.error)
    return outcome.result as RequestResults[C]
  },
  on<E extends EventChannel>(channel: E, listener: (payload: EventPayloads[E]) => void): () => void {
    if (!EVENT_CHANNELS.has(channel)) throw new TypeError(`unknown event channel "${String(channel)}"`)
    const wrapped = (_event: IpcRendererEvent, payload: EventPayloads[E]) => listener(payload)
    ipcRenderer.on(channel, wrapped)
    return () => {
      ipcRenderer.removeListener(channel, wrapped)
    }
  },
  // A File from a drop (or a file input) has a real path; one built by page script has none, so
  // the grant below cannot be forged for a path the user never handed over.
  pathForFile(file: File): string | undefined {
    const path = webUtils.getPathForFile(file)
    if (!path) return undefined
    ipcRenderer.send(DROP_GRANT_CHANNEL, path)
    return path
  },
}

contextBridge.exposeInMainWorld('losslens', api)

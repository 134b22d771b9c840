/**
 * Registers every request channel on Electron's ipcMain. A request is served only when it comes from
 * the main frame of a window this app created, showing one of the app's own pages; its payload is
 * validated before any handler runs; the reply is an Outcome the preload turns back into a result.
 */
import { existsSync } from 'node:fs'
import { isAbsolute } from 'node:path'
import type { IpcMain, IpcMainEvent, IpcMainInvokeEvent } from 'electron'
import { DROP_GRANT_CHANNEL, requestSchemas, type RequestChannel } from '../../shared/ipc'
import { settle, type Outcome } from './handlers'
import type { PathAccess } from './path-access'
import type { Handlers } from './types'

/** The parts of an IPC event the sender check reads. */
export type SenderEvent = Pick<IpcMainInvokeEvent | IpcMainEvent, 'sender' | 'senderFrame'>

export interface SenderPolicy {
  /** webContents ids of the windows this app created. */
  isOurWebContents(id: number): boolean
  /** True for a URL of the app's own renderer (file://.../out/renderer/ or the dev server). */
  isAppUrl(url: string): boolean
}

/** True when the event comes from our window's main frame on one of our pages. */
export function isTrustedSender(event: SenderEvent, policy: SenderPolicy): boolean {
  const frame = event.senderFrame
  if (!frame || !policy.isOurWebContents(event.sender.id)) return false
  // A subframe (an iframe some page content created) never speaks for the window.
  if (frame.parent) return false
  return policy.isAppUrl(frame.url)
}

/** Registers the handlers; returns a function that removes them again. */
export function registerIpc(
  ipcMain: IpcMain,
  handlers: Handlers,
  policy: SenderPolicy,
  access: PathAccess,
): () => void {
  const channels = Object.keys(requestSchemas) as RequestChannel[]
  for (const channel of channels) {
    ipcMain.handle(channel, async (event, args: unknown): Promise<Outcome> => {
      if (!isTrustedSender(event, policy)) {
        console.warn(`refused ${channel} from ${event.senderFrame?.url ?? 'an unknown frame'}`)
        return { ok: false, error: `${channel}: refused, the request did not come from a LossLens window` }
      }
      return settle(handlers, channel, args)
    })
  }
  // The preload reports the path of a File the user dropped; only our windows may grant, only real files.
  const onGrant = (event: IpcMainEvent, path: unknown) => {
    if (!isTrustedSender(event, policy)) return
    if (typeof path !== 'string' || !isAbsolute(path) || !existsSync(path)) return
    access.grant(path)
  }
  ipcMain.on(DROP_GRANT_CHANNEL, onGrant)
  return () => {
    for (const channel of channels) ipcMain.removeHandler(channel)
    ipcMain.removeListener(DROP_GRANT_CHANNEL, onGrant)
  }
}

/**
 * Electron main entry: opens the workspace, registers the IPC handlers and creates the window.
 * Kept thin; everything that can be tested without Electron lives in ipc/, runs/, store/ and security.ts.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { app, BrowserWindow, ipcMain, session, shell, utilityProcess } from 'electron'
import { electronHost } from './electron-host'
import { setChildLauncher } from './engine/isolated/client'
import { createHandlers } from './ipc/handlers'
import { registerIpc } from './ipc/electron-registry'
import { openContext } from './ipc/open-context'
import { GrantedPaths } from './ipc/path-access'
import { appUrlMatcher, hardenEveryWebContents, hardenSession, isSafeExternalUrl } from './security'
import { demoDir, exporterScript } from './packaged-paths'
import { createEngineServices } from './services'
import { SettingsStore } from './store/app-settings'
import { createMainWindow } from './window'

const here = fileURLToPath(new URL('.', import.meta.url))
const rendererDir = join(here, '../renderer')
const preloadCandidates = ['index.cjs', 'index.js', 'index.mjs'].map((f) => join(here, '../preload', f))
const devServerUrl = !app.isPackaged ? process.env['ELECTRON_RENDERER_URL'] : undefined
const isAppUrl = appUrlMatcher({ rendererDir, devServerUrl })

async function start(): Promise<void> {
  await app.whenReady()
  // The user's files are parsed in a utility process: one that aborts Node ends a task, not the app.
  setChildLauncher((entry) => {
    const child = utilityProcess.fork(entry, [], { serviceName: 'LossLens file reader', stdio: 'ignore' })
    return {
      send: (m) => child.postMessage(m),
      onMessage: (cb) => child.on('message', cb),
      onExit: (cb) => child.once('exit', (code) => cb(code, null)),
      kill: () => void child.kill(),
    }
  })
  hardenSession(session.defaultSession, isAppUrl)
  hardenEveryWebContents(app, {
    isAppUrl,
    openExternal: (url) => {
      if (isSafeExternalUrl(url)) void shell.openExternal(url)
    },
  })

  const windows = new Set<BrowserWindow>()
  const settings = new SettingsStore(join(app.getPath('userData'), 'settings.json'))
  const workspace = (await settings.read()).workspace ?? join(app.getPath('documents'), 'LossLens')
  let ctx: Awaited<ReturnType<typeof openContext>> | null = null
  const access = new GrantedPaths(() => ctx?.current().workspace.root ?? workspace)
  ctx = await openContext({
    workspace,
    host: electronHost(() => BrowserWindow.getFocusedWindow() ?? [...windows][0] ?? null),
    services: createEngineServices({ exporterScript: exporterScript(app.getAppPath()) }),
    access,
    settings,
    emit: (channel, payload) => {
      for (const win of windows) if (!win.isDestroyed()) win.webContents.send(channel, payload)
    },
    version: app.getVersion(),
    demoDir: demoDir(app.getAppPath()),
    onSwitch: async (path) => void (await settings.update({ workspace: path })),
  })
  registerIpc(
    ipcMain,
    createHandlers(ctx),
    {
      isOurWebContents: (id) => [...windows].some((w) => !w.isDestroyed() && w.webContents.id === id),
      isAppUrl,
    },
    access,
  )

  const open = () => {
    const win = createMainWindow({
      preload: preloadCandidates.find((p) => existsSync(p)) ?? preloadCandidates[0]!,
      page: devServerUrl ? { url: devServerUrl } : { file: join(rendererDir, 'index.html') },
    })
    windows.add(win)
    win.on('closed', () => windows.delete(win))
  }
  open()
  app.on('activate', () => {
    if (windows.size === 0) open()
  })

  let quitting = false
  app.on('before-quit', (event) => {
    if (quitting || !ctx) return
    // Let a running run write its last state ('interrupted') before the process goes.
    event.preventDefault()
    quitting = true
    void ctx.shutdown().finally(() => app.quit())
  })
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})

start().catch((err: unknown) => {
  console.error(err)
  app.exit(1)
})

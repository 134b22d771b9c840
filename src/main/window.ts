/**
 * The main window: sandboxed, context-isolated, no Node, loading the built renderer (or the dev server).
 * Its navigation and new-window rules come from hardenEveryWebContents (security.ts), registered once
 * in index.ts for every web contents the app creates.
 */
import { BrowserWindow } from 'electron'

export interface WindowOptions {
  preload: string
  /** out/renderer/index.html, or the dev server URL under `electron-vite dev`. */
  page: { file: string } | { url: string }
}

export function createMainWindow(o: WindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 920,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'LossLens',
    webPreferences: {
      preload: o.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      webviewTag: false,
      spellcheck: false,
      // Middle-click must not open a link in a new window (new windows are denied anyway).
      disableBlinkFeatures: 'Auxclick',
    },
  })
  win.once('ready-to-show', () => win.show())
  if ('url' in o.page) void win.loadURL(o.page.url)
  else void win.loadFile(o.page.file)
  return win
}

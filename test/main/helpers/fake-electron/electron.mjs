// A stand-in for Electron's main-process API, enough to start out/main/index.js in plain Node.
// When the window loads its page, it drives a few requests through the registered IPC handlers
// as our window would, writes what happened to $FAKE_ELECTRON_OUT and exits.
import { fork } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const env = process.env
const handlers = new Map()
const record = { windows: [], cspHeader: null, results: {} }

export const app = {
  isPackaged: false,
  getAppPath: () => env.FAKE_APP_PATH,
  getPath: (name) => join(env.FAKE_HOME, name),
  getVersion: () => '0.0.0-smoke',
  whenReady: () => Promise.resolve(),
  on() {},
  quit() {},
  exit(code) {
    process.exit(code)
  },
}

export const session = {
  defaultSession: {
    webRequest: {
      onHeadersReceived(fn) {
        fn({ url: 'file:///elsewhere/x.html', responseHeaders: {} }, () => {})
        record.cspListener = true
      },
    },
    setPermissionRequestHandler() {},
    setPermissionCheckHandler() {},
  },
}

export const ipcMain = {
  handle: (channel, fn) => handlers.set(channel, fn),
  removeHandler: (channel) => handlers.delete(channel),
  on() {},
  removeListener() {},
}

export const shell = { openExternal: async () => {}, trashItem: async () => {} }
/** Electron's utilityProcess, played by a plain fork (the child reads process.send's channel instead of parentPort). */
export const utilityProcess = {
  fork(modulePath, args = []) {
    const child = fork(modulePath, args, {
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      serialization: 'advanced',
    })
    return {
      postMessage: (m) => child.send(m),
      on: (event, cb) => child.on(event, cb),
      once: (event, cb) => child.once(event, (code) => cb(code)),
      kill: () => child.kill('SIGKILL'),
    }
  },
}
export const dialog = { showOpenDialog: async () => ({ canceled: true, filePaths: [] }) }

let nextId = 1
export class BrowserWindow {
  constructor(options) {
    this.options = options
    this.webContents = { id: nextId++, send() {}, setWindowOpenHandler() {}, on() {} }
    record.windows.push({ webPreferences: options.webPreferences })
  }
  static getFocusedWindow() {
    return null
  }
  once() {}
  on() {}
  isDestroyed() {
    return false
  }
  loadURL() {
    return Promise.resolve()
  }
  loadFile(file) {
    record.page = file
    setTimeout(() => void drive(this, file), 10)
    return Promise.resolve()
  }
}

async function drive(win, page) {
  const event = {
    sender: { id: win.webContents.id },
    senderFrame: { url: pathToFileURL(page).href, parent: null },
  }
  const call = (channel, args) => handlers.get(channel)(event, args)
  try {
    record.results.info = await call('workspace:info')
    record.results.list = await call('experiment:list')
    const experimentId = record.results.list.result?.[0]?.id
    const experiment = (await call('experiment:get', { experimentId })).result
    // Parsed in the utility process (here a fork of out/main/isolated-child.js).
    record.results.log = await call('trainlog:parse', { experimentId })
    record.results.start = await call('run:start', {
      experimentId,
      checkpointIds: [experiment.checkpoints[1].id],
      datasetId: experiment.datasets[0].id,
      settings: { ...experiment.settings, limit: 2, provider: 'cpu', threads: 1 },
    })
    for (let i = 0; i < 600; i++) {
      const runs = (await call('run:list', { experimentId })).result
      record.results.runs = runs
      if (runs.every((r) => r.status !== 'queued' && r.status !== 'running')) break
      await new Promise((r) => setTimeout(r, 100))
    }
  } catch (err) {
    record.error = String(err?.stack ?? err)
  }
  writeFileSync(env.FAKE_ELECTRON_OUT, JSON.stringify(record, null, 2))
  process.exit(0)
}

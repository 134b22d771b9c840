import fs from 'node:fs'
import { join } from 'node:path'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { DROP_GRANT_CHANNEL, type LossLensApi } from '../../src/shared/ipc'

const electron = vi.hoisted(() => ({
  exposed: new Map<string, unknown>(),
  invoke: vi.fn(),
  send: vi.fn(),
  on: vi.fn(),
  removeListener: vi.fn(),
  getPathForFile: vi.fn(),
  windows: [] as {
    options: Record<string, unknown>
    handlers: Map<string, unknown>
    openHandler?: unknown
  }[],
}))

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => electron.exposed.set(key, value) },
  ipcRenderer: {
    invoke: electron.invoke,
    send: electron.send,
    on: electron.on,
    removeListener: electron.removeListener,
  },
  webUtils: { getPathForFile: electron.getPathForFile },
  shell: { openExternal: vi.fn() },
  BrowserWindow: class {
    webContents: { setWindowOpenHandler: (fn: unknown) => void; on: (name: string, fn: unknown) => void }
    constructor(options: Record<string, unknown>) {
      const record = { options, handlers: new Map<string, unknown>(), openHandler: undefined as unknown }
      electron.windows.push(record)
      this.webContents = {
        setWindowOpenHandler: (fn) => (record.openHandler = fn),
        on: (name, fn) => record.handlers.set(name, fn),
      }
    }
    once() {}
    loadFile() {
      return Promise.resolve()
    }
    loadURL() {
      return Promise.resolve()
    }
  },
}))

let api: LossLensApi
beforeEach(async () => {
  vi.clearAllMocks()
  electron.exposed.clear()
  vi.resetModules()
  await import('../../src/preload/index')
  api = electron.exposed.get('losslens') as LossLensApi
})

describe('preload', () => {
  it('exposes only window.losslens, with invoke, on and pathForFile', () => {
    expect([...electron.exposed.keys()]).toEqual(['losslens'])
    expect(Object.keys(api).sort()).toEqual(['invoke', 'on', 'pathForFile'])
  })

  it('invoke forwards request channels and unwraps the outcome', async () => {
    electron.invoke.mockResolvedValueOnce({ ok: true, result: { path: '/ws' } })
    await expect(api.invoke('workspace:info', undefined)).resolves.toEqual({ path: '/ws' })
    expect(electron.invoke).toHaveBeenCalledWith('workspace:info', undefined)
    electron.invoke.mockResolvedValueOnce({ ok: false, error: 'experiment:get: no such experiment' })
    await expect(api.invoke('experiment:get', { experimentId: 'x' })).rejects.toThrow(
      'experiment:get: no such experiment',
    )
  })

  it('invoke refuses anything but request channels (the grant channel included)', async () => {
    await expect(api.invoke(DROP_GRANT_CHANNEL as never, '/etc/passwd' as never)).rejects.toThrow(TypeError)
    await expect(api.invoke('__proto__' as never, undefined as never)).rejects.toThrow(/unknown channel/)
    expect(electron.invoke).not.toHaveBeenCalled()
  })

  it('on subscribes to event channels only and returns the unsubscribe function', () => {
    const listener = vi.fn()
    const off = api.on('run:event', listener)
    const [channel, wrapped] = electron.on.mock.calls[0]!
    expect(channel).toBe('run:event')
    ;(wrapped as (e: unknown, p: unknown) => void)({ sender: 'hidden' }, { type: 'progress' })
    expect(listener).toHaveBeenCalledWith({ type: 'progress' })
    off()
    expect(electron.removeListener).toHaveBeenCalledWith('run:event', wrapped)
    expect(() => api.on('ipc:anything' as never, listener)).toThrow(TypeError)
  })

  it('pathForFile grants only real file paths (a File built by script has none)', () => {
    electron.getPathForFile.mockReturnValueOnce('')
    expect(api.pathForFile!({} as File)).toBeUndefined()
    expect(electron.send).not.toHaveBeenCalled()
    electron.getPathForFile.mockReturnValueOnce('/home/u/model.onnx')
    expect(api.pathForFile!({} as File)).toBe('/home/u/model.onnx')
    expect(electron.send).toHaveBeenCalledWith(DROP_GRANT_CHANNEL, '/home/u/model.onnx')
  })

  it('the built preload requires nothing but electron, so the sandbox can stay on', () => {
    // Built by test/helpers/global-setup.ts before the suites run.
    const built = join(process.cwd(), 'out/preload/index.cjs')
    expect(fs.existsSync(built), `${built} is missing: npm run build`).toBe(true)
    const requires = [...fs.readFileSync(built, 'utf8').matchAll(/require\(["']([^"']+)["']\)/g)].map(
      (m) => m[1],
    )
    expect(new Set(requires)).toEqual(new Set(['electron']))
  })
})

describe('main window', () => {
  it('is sandboxed and context-isolated without Node', async () => {
    const { createMainWindow } = await import('../../src/main/window')
    createMainWindow({ preload: '/p.cjs', page: { file: '/r/index.html' } })
    const win = electron.windows.at(-1)!
    expect(win.options.webPreferences).toMatchObject({
      preload: '/p.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
    })
  })

  it('every web contents the app creates denies new windows and navigation away from the app', async () => {
    const { hardenEveryWebContents } = await import('../../src/main/security')
    const hooks = new Map<string, (...a: unknown[]) => void>()
    const openExternal = vi.fn()
    hardenEveryWebContents(
      { on: (name: string, cb: (...a: unknown[]) => void) => hooks.set(name, cb) } as never,
      { isAppUrl: (u) => u.startsWith('file:///r/'), openExternal },
    )
    const handlers = new Map<string, unknown>()
    let openHandler: ((d: { url: string }) => { action: string }) | undefined
    const contents = {
      setWindowOpenHandler: (h: typeof openHandler) => (openHandler = h),
      on: (name: string, cb: unknown) => handlers.set(name, cb),
    }
    hooks.get('web-contents-created')!({}, contents)
    expect(openHandler!({ url: 'https://example.org/' })).toEqual({ action: 'deny' })
    expect(openExternal).toHaveBeenCalledWith('https://example.org/')
    expect(openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' })
    expect(openExternal).toHaveBeenCalledTimes(1)
    const navigate = handlers.get('will-navigate') as (e: { preventDefault: () => void }, url: string) => void
    const prevent = vi.fn()
    navigate({ preventDefault: prevent }, 'javascript:alert(1)')
    navigate({ preventDefault: prevent }, 'https://evil.example/')
    expect(prevent).toHaveBeenCalledTimes(2)
    navigate({ preventDefault: prevent }, 'file:///r/index.html')
    expect(prevent).toHaveBeenCalledTimes(2)
    expect(handlers.has('will-attach-webview')).toBe(true)
  })
})

/** A handler context over a temp workspace with fake engine services, for IPC and bridge tests. */
import fs from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import type { EventChannel } from '../../../src/shared/ipc'
import type { EngineServices, HostServices } from '../../../src/main/ipc/context'
import { createHandlers } from '../../../src/main/ipc/handlers'
import { openContext } from '../../../src/main/ipc/open-context'
import { GrantedPaths, OpenPaths } from '../../../src/main/ipc/path-access'
import { SettingsStore } from '../../../src/main/store/app-settings'
import { fakeEngine, fakeModel } from './fake-engine'

export function fakeServices(overrides: Partial<EngineServices> = {}): EngineServices {
  const fail = async () => {
    throw new Error('not in this test')
  }
  return {
    runAnalysis: fakeEngine({ total: 3 }),
    describeModel: async (path) => ({ ...fakeModel, path }),
    compareTokens: fail,
    verifyWeights: fail,
    checkDataConsistency: fail,
    parseTrainLog: fail,
    importCheckpoint: fail,
    countSamples: async () => 3,
    tokenizerFit: async () => 100,
    sampleText: async (_path, index) => `sample ${index}`,
    renderReport: fail,
    writeReport: fail,
    ...overrides,
  }
}

export async function makeContext(
  o: {
    kind?: 'electron' | 'bridge'
    host?: Partial<HostServices>
    services?: Partial<EngineServices>
    demoDir?: string
  } = {},
) {
  const root = fs.mkdtempSync(join(os.tmpdir(), 'losslens-ipc-'))
  const workspace = join(root, 'ws')
  const outside = join(root, 'outside')
  fs.mkdirSync(outside)
  const events: { channel: EventChannel; payload: unknown }[] = []
  const kind = o.kind ?? 'electron'
  let wsRoot = workspace
  const access = kind === 'electron' ? new GrantedPaths(() => wsRoot) : new OpenPaths()
  const trashed: string[] = []
  const ctx = await openContext({
    workspace,
    host: {
      kind,
      trash: async (path) => {
        trashed.push(path)
        fs.rmSync(path, { recursive: true, force: true })
      },
      ...o.host,
    },
    services: fakeServices(o.services),
    access,
    settings: new SettingsStore(join(root, 'settings.json')),
    emit: (channel, payload) => events.push({ channel, payload }),
    version: '0.0.0-test',
    ...(o.demoDir ? { demoDir: o.demoDir } : {}),
  })
  wsRoot = ctx.current().workspace.root
  const handlers = createHandlers(ctx)
  return {
    ctx,
    handlers,
    access,
    events,
    trashed,
    root,
    workspace,
    outside,
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  }
}

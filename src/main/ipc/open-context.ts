/**
 * Builds the handlers' context for a host: opens the workspace (copying the demo into a new one),
 * marks runs a crash left 'running' as interrupted, and can switch to another workspace later.
 */
import { EventEmitter } from 'node:events'
import { RunManager } from '../runs/run-manager'
import type { SettingsStore } from '../store/app-settings'
import { seedDemo } from '../store/demo'
import { Workspace } from '../store/workspace'
import type { Emit, EngineServices, HandlerContext, HostServices, WorkspaceState } from './context'
import type { PathAccess } from './path-access'

export interface OpenContextOptions {
  workspace: string
  host: HostServices
  services: EngineServices
  access: PathAccess
  settings: SettingsStore
  emit: Emit
  version: string
  /** resources/demo: copied into a workspace that is new. */
  demoDir?: string
  /** Called after a switch, e.g. to remember the workspace. */
  onSwitch?: (path: string) => void | Promise<void>
}

/** Opens a workspace and its run manager. */
export async function openWorkspaceState(
  path: string,
  o: Pick<OpenContextOptions, 'services' | 'emit' | 'demoDir'>,
): Promise<WorkspaceState> {
  const { workspace, created } = await Workspace.open(path)
  if (created && o.demoDir) {
    await seedDemo(workspace, o.demoDir).catch((err: unknown) =>
      console.warn(`the demo experiment could not be copied in: ${(err as Error).message}`),
    )
  }
  const runs = new RunManager({
    workspace,
    runAnalysis: o.services.runAnalysis,
    emit: (event) => o.emit('run:event', event),
  })
  const interrupted = await runs.recover()
  if (interrupted.length > 0) console.warn(`${interrupted.length} run(s) were interrupted and can be resumed`)
  return { workspace, runs }
}

export async function openContext(
  o: OpenContextOptions,
): Promise<HandlerContext & { shutdown(): Promise<void> }> {
  let state = await openWorkspaceState(o.workspace, o)
  return {
    host: o.host,
    services: o.services,
    access: o.access,
    settings: o.settings,
    emit: o.emit,
    version: o.version,
    current: () => state,
    async switchWorkspace(path: string) {
      if (state.runs.liveRuns().length > 0)
        throw new Error('runs are queued or running; cancel them before switching')
      state = await openWorkspaceState(path, o)
      await o.onSwitch?.(state.workspace.root)
    },
    shutdown: () => state.runs.shutdown(),
  }
}

/** An Emit that fans events out to subscribers (the bridge's sockets, the window). */
export function createEmitter(): {
  emit: Emit
  on(listener: (channel: string, payload: unknown) => void): () => void
} {
  const events = new EventEmitter()
  events.setMaxListeners(0)
  return {
    emit: (channel, payload) => events.emit('event', channel, payload),
    on(listener) {
      events.on('event', listener)
      return () => events.off('event', listener)
    },
  }
}

/**
 * createHandlers(context): every request channel's implementation, shared by the Electron window and
 * the browser bridge; dispatch() validates a raw request and runs its handler.
 */
import { isRequestChannel, parseRequest, type RequestChannel, type RequestResults } from '../../shared/ipc'
import type { HandlerContext } from './context'
import { evidenceHandlers } from './handlers/evidence'
import { experimentHandlers } from './handlers/experiments'
import { fileHandlers } from './handlers/files'
import { runHandlers } from './handlers/runs'
import { runTagHandlers } from './handlers/run-tags'
import { validateHandlers } from './handlers/validate'
import { downloadHandlers } from './handlers/downloads'
import type { Handler, Handlers } from './types'

export function createHandlers(ctx: HandlerContext): Handlers {
  return {
    ...experimentHandlers(ctx),
    ...fileHandlers(ctx),
    ...runHandlers(ctx),
    ...evidenceHandlers(ctx),
    ...runTagHandlers(ctx),
    ...validateHandlers(ctx),
    ...downloadHandlers(ctx),
  }
}

/** Validates `args` for `channel` (TypeError naming the channel and the problem) and runs its handler. */
export async function dispatch(handlers: Handlers, channel: unknown, args: unknown): Promise<unknown> {
  if (!isRequestChannel(channel)) throw new TypeError(`unknown channel "${String(channel)}"`)
  const parsed = parseRequest(channel, args)
  const handler = handlers[channel] as Handler<RequestChannel>
  return handler(parsed as never) as Promise<RequestResults[RequestChannel]>
}

/** A request's outcome as it crosses to the window: the result, or an error message (never a stack). */
export type Outcome = { ok: true; result: unknown } | { ok: false; error: string }

/** dispatch() with errors turned into messages, for the IPC and WebSocket replies. */
export async function settle(handlers: Handlers, channel: unknown, args: unknown): Promise<Outcome> {
  try {
    return { ok: true, result: await dispatch(handlers, channel, args) }
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) }
  }
}

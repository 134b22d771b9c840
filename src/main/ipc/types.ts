/** Handler types: one async function per request channel, taking the validated argument. */
import type { z } from 'zod'
import type { RequestChannel, RequestResults, requestSchemas } from '../../shared/ipc'

export type HandlerArgs<C extends RequestChannel> = z.output<(typeof requestSchemas)[C]>
export type Handler<C extends RequestChannel> = (args: HandlerArgs<C>) => Promise<RequestResults[C]>
export type HandlerGroup<K extends RequestChannel> = { [C in K]: Handler<C> }
export type Handlers = HandlerGroup<RequestChannel>

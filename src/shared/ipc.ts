/**
 * The one IPC contract between the window and the engine host (Electron main, or the browser bridge).
 * Every request has a zod schema for its argument, validated on arrival in main/bridge;
 * results are typed here so main, preload, bridge and renderer fail to compile together on a rename.
 */
import { z } from 'zod'
import { TokenComparisonSchema, type TokenComparison } from './compare'
import type { DataConsistency, TrainLog, WeightReport } from './evidence'
import {
  ExperimentIdSchema,
  ExperimentSchema,
  type Experiment,
  type ExperimentSummary,
  type RunInfo,
} from './experiment'
import type { ModelDescription } from './model'
import { RunSettingsSchema, type SampleResult } from './results'
import type { RunEvent } from './run-events'

export { TokenComparisonSchema }

const Id = z.object({ experimentId: ExperimentIdSchema })
const RunRef = z.object({ experimentId: ExperimentIdSchema, runId: z.string().min(1).max(128) })
export const LangSchema = z.enum(['en', 'zh-CN'])
/** The runs a report is made from, one per checkpoint × dataset at most (bounded: 64 × 64 pairs). */
const ReportRunIds = z.array(z.string().min(1).max(128)).max(4096).optional()
export type Lang = z.infer<typeof LangSchema>

/** What a file picker is for; decides the dialog's filters. */
export const FileKindSchema = z.enum([
  'onnx',
  'tokenizer',
  'dataset',
  'trainData',
  'log',
  'checkpoint',
  'config',
  'folder',
  'python',
])
export type FileKind = z.infer<typeof FileKindSchema>

/** Argument schemas, one per request channel. */
export const requestSchemas = {
  'workspace:info': z.void(),
  'workspace:choose': z.void(),
  'experiment:list': z.void(),
  'experiment:get': Id,
  'experiment:create': z.object({ id: ExperimentIdSchema, title: z.string().max(200) }),
  'experiment:save': ExperimentSchema,
  'experiment:rename': z.object({ experimentId: ExperimentIdSchema, newId: ExperimentIdSchema }),
  'experiment:duplicate': z.object({ experimentId: ExperimentIdSchema, newId: ExperimentIdSchema }),
  'experiment:delete': Id,
  'file:choose': z.object({ kind: FileKindSchema, title: z.string().max(200).optional() }),
  /** Adds files dropped on the window; main sorts them by kind (.onnx, .pth, tokenizer.json, ...). */
  'experiment:addFiles': z.object({ experimentId: ExperimentIdSchema, paths: z.array(z.string()).max(50) }),
  'checkpoint:describe': z.object({ experimentId: ExperimentIdSchema, checkpointId: z.string() }),
  'checkpoint:verifyWeights': z.object({ experimentId: ExperimentIdSchema, checkpointId: z.string() }),
  'checkpoint:import': z.object({
    experimentId: ExperimentIdSchema,
    checkpointPath: z.string(),
    minimindDir: z.string(),
    python: z.string(),
    label: z.string().max(200),
    /** The training config (config.json, MiniMind2 or LMConfig names), chosen in a dialog. */
    configPath: z.string().optional(),
    /** Attention heads, which a state_dict cannot tell; otherwise from the config or probed by the exporter. */
    numHeads: z.number().int().min(1).max(256).optional(),
  }),
  /** Stops the exporter of this experiment's running import (nothing is added). */
  'checkpoint:importCancel': Id,
  'dataset:checkConsistency': z.object({ experimentId: ExperimentIdSchema, datasetId: z.string() }),
  /** Stops a running consistency check of this dataset (the training file can be tens of GB). */
  'dataset:cancelCheck': z.object({ experimentId: ExperimentIdSchema, datasetId: z.string() }),
  'dataset:sample': z.object({
    experimentId: ExperimentIdSchema,
    datasetId: z.string(),
    index: z.number().int(),
  }),
  'trainlog:parse': Id,
  /**
   * Reads a file the user is about to add as a run would (a model with its tokenizer; a dataset) and
   * says whether a run could use it, before it is added. Paths bounded like any path on this machine.
   */
  'files:validate': z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('checkpoint'),
      /** Relative paths are read from this experiment's folder, as its experiment.json stores them. */
      experimentId: ExperimentIdSchema.optional(),
      modelPath: z.string().min(1).max(4096),
      tokenizerPath: z.string().min(1).max(4096),
    }),
    z.object({
      kind: z.literal('dataset'),
      experimentId: ExperimentIdSchema.optional(),
      path: z.string().min(1).max(4096),
    }),
  ]),
  'run:start': z.object({
    experimentId: ExperimentIdSchema,
    checkpointIds: z.array(z.string()).min(1).max(16),
    datasetId: z.string(),
    settings: RunSettingsSchema,
  }),
  'run:cancel': RunRef,
  'run:resume': RunRef,
  'run:list': Id,
  'run:results': RunRef,
  'run:delete': RunRef,
  'compare:tokens': z.object({
    experimentId: ExperimentIdSchema,
    baseRunId: z.string(),
    otherRunId: z.string(),
  }),
  /** Stops a running compare:tokens of these two runs; it then fails with "cancelled". */
  'compare:cancel': z.object({
    experimentId: ExperimentIdSchema,
    baseRunId: z.string(),
    otherRunId: z.string(),
  }),
  /** runIds: the runs to report (the Report tab's picker); default, per checkpoint × dataset, the newest finished. */
  'report:render': z.object({ experimentId: ExperimentIdSchema, lang: LangSchema, runIds: ReportRunIds }),
  'report:export': z.object({
    experimentId: ExperimentIdSchema,
    lang: LangSchema,
    chooseFolder: z.boolean(),
    runIds: ReportRunIds,
  }),
  /**
   * The report with its charts as one store-only zip, sent to the window (a browser downloads it; the
   * export above writes on the engine's machine, which a browser user may not be sitting at).
   */
  'report:download': z.object({ experimentId: ExperimentIdSchema, lang: LangSchema, runIds: ReportRunIds }),
  /** One run's stored results as CSV (one row per sample, the report's columns) or JSONL (as stored). */
  'run:download': z.object({
    experimentId: ExperimentIdSchema,
    runId: z.string().min(1).max(128),
    format: z.enum(['csv', 'jsonl']),
  }),
  /** Browser bridge only: list a folder on the engine's machine (the bridge's stand-in for a file dialog). */
  'fs:list': z.object({ path: z.string().max(4096).optional(), kind: FileKindSchema.optional() }),
  'settings:get': z.void(),
  'settings:set': z.object({ python: z.string().optional(), minimindDir: z.string().optional() }),
  ...runTagRequestSchemas(),
} as const

export type RequestChannel = keyof typeof requestSchemas
export type RequestArgs<C extends RequestChannel> = z.input<(typeof requestSchemas)[C]>

export interface WorkspaceInfo {
  path: string
  version: string
  /** 'electron' in the desktop app, 'bridge' in a browser. */
  host: 'electron' | 'bridge'
  platform: string
  /** Execution providers this platform's onnxruntime-node can have, cpu first ('auto' is offered besides). */
  providers: string[]
  /** The id of the demo experiment seeded into a new workspace (the first start opens it with a guide). */
  demoExperimentId: string
}

export interface ReportChart {
  file: string
  title: string
  svg: string
}
export interface RenderedReport {
  markdown: string
  charts: ReportChart[]
  lang: Lang
  /** Other files the markdown links, beside it (a long report's samples CSV). */
  files?: { file: string; text: string }[]
}

/** A file for the window to save: text, or binary as base64 (JSON frames carry no bytes). */
export interface Download {
  fileName: string
  mime: string
  text?: string
  base64?: string
}

export interface FolderListing {
  path: string
  parent: string | null
  entries: { name: string; path: string; isDirectory: boolean; bytes: number }[]
}

/**
 * What reading a file found: ok with what was counted, or the one-line message a run would have failed
 * with (naming the file and the problem).
 */
export type FileCheck =
  | { ok: true; samples?: number; vocabSize?: number | null; tokenizerSize?: number }
  | { ok: false; message: string }

export interface AppSettings {
  python?: string
  minimindDir?: string
}

/** Result types, one per request channel. */
export interface RequestResults {
  'workspace:info': WorkspaceInfo
  'workspace:choose': WorkspaceInfo | null
  'experiment:list': ExperimentSummary[]
  'experiment:get': Experiment
  'experiment:create': Experiment
  'experiment:save': Experiment
  'experiment:rename': Experiment
  'experiment:duplicate': Experiment
  'experiment:delete': void
  /** The chosen path (now allowed for later requests) or null when the dialog was cancelled. */
  'file:choose': string | null
  'experiment:addFiles': {
    experiment: Experiment
    added: string[]
    ignored: { path: string; reason: string }[]
  }
  'checkpoint:describe': ModelDescription
  'checkpoint:verifyWeights': WeightReport
  'checkpoint:import': Experiment
  'checkpoint:importCancel': void
  'dataset:checkConsistency': DataConsistency
  'dataset:cancelCheck': void
  'dataset:sample': { text: string }
  'trainlog:parse': TrainLog | null
  'files:validate': FileCheck
  'run:start': { runIds: string[] }
  'run:cancel': void
  'run:resume': { runId: string }
  'run:list': RunInfo[]
  /** warnings: e.g. a corrupt last line of results.jsonl (a partial write) that was ignored. */
  'run:results': { run: RunInfo; results: SampleResult[]; warnings?: string[] }
  'run:delete': void
  'compare:tokens': TokenComparison
  'compare:cancel': void
  'report:render': RenderedReport
  'report:export': { folder: string; files: string[] } | null
  'report:download': Download
  'run:download': Download
  'fs:list': FolderListing
  'settings:get': AppSettings
  'settings:set': AppSettings
}

/** Events pushed from the host to the window. */
export interface EventPayloads {
  'run:event': RunEvent & { experimentId: string }
  /** Lines printed by the exporter during "Import checkpoint". */
  'import:log': { experimentId: string; line: string }
  /** How far the consistency check has read the training file (sent at most once per percent). */
  'dataset:checkProgress': { experimentId: string; datasetId: string; bytesRead: number; totalBytes: number }
}
export type EventChannel = keyof EventPayloads

/** The API the renderer sees, identical over Electron IPC and the WebSocket bridge. */
export interface LossLensApi {
  invoke<C extends RequestChannel>(channel: C, args: RequestArgs<C>): Promise<RequestResults[C]>
  /** Subscribes to an event channel; returns the unsubscribe function. */
  on<E extends EventChannel>(channel: E, listener: (payload: EventPayloads[E]) => void): () => void
  /** Electron only: the real filesystem path of a dropped File; undefined in the browser. */
  pathForFile?(file: File): string | undefined
}

/** Validates a request's argument; throws a TypeError naming the channel and the problem. */
export function parseRequest<C extends RequestChannel>(channel: C, args: unknown): RequestArgs<C> {
  const schema = requestSchemas[channel]
  if (!schema) throw new TypeError(`unknown channel "${String(channel)}"`)
  const parsed = schema.safeParse(args)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new TypeError(
      `invalid payload for ${channel}: ${issue?.path.join('.') || '(root)'} ${issue?.message}`,
    )
  }
  return parsed.data as RequestArgs<C>
}

export function isRequestChannel(channel: unknown): channel is RequestChannel {
  return typeof channel === 'string' && Object.prototype.hasOwnProperty.call(requestSchemas, channel)
}

/**
 * Electron only, not part of LossLens' request map: the preload reports the real path of a File the
 * user dropped (webUtils.getPathForFile) on this channel so main allows it. Page script cannot reach
 * it: the preload's invoke forwards request channels only, and a File built by script has no path.
 */
export const DROP_GRANT_CHANNEL = 'file:grantDropped'

/** Browser bridge: the page at http://127.0.0.1:PORT/?token=T connects to ws://127.0.0.1:PORT/ws?token=T. */
export const BRIDGE_WS_PATH = '/ws'
export const BRIDGE_TOKEN_PARAM = 'token'

/** Bridge wire format (WebSocket JSON frames). */
export type BridgeClientMessage = { kind: 'request'; id: number; channel: RequestChannel; args: unknown }
export type BridgeServerMessage =
  | { kind: 'response'; id: number; ok: true; result: unknown }
  | { kind: 'response'; id: number; ok: false; error: string }
  | { kind: 'event'; channel: EventChannel; payload: unknown }

/*
 * Run tags and token-comparison progress (the runs table and the KLD report). A function declaration,
 * hoisted, so requestSchemas above can spread it; the result and event types merge into the
 * interfaces above.
 */

/** At most `tags` tags per run, each 1..`chars` characters of printable text. */
function runTagLimits() {
  return { tags: 16, chars: 40 } as const
}
function runTagsSchema() {
  const { tags, chars } = runTagLimits()
  const tag = z
    .string()
    .trim()
    .min(1)
    .max(chars)
    .regex(/^[^\p{Cc}]+$/u, 'a tag holds no control characters')
  return z.array(tag).max(tags)
}
export const RUN_TAG_LIMITS = runTagLimits()
export const RunTagsSchema = runTagsSchema()

function runTagRequestSchemas() {
  return {
    /** Every run's tags in the experiment (runs without tags are left out). */
    'run:tags': z.object({ experimentId: ExperimentIdSchema }),
    /** Replaces one run's tags (duplicates dropped); returns them as stored. */
    'run:setTags': z.object({
      experimentId: ExperimentIdSchema,
      runId: z.string().min(1).max(128),
      tags: runTagsSchema(),
    }),
  } as const
}

export interface RequestResults {
  'run:tags': Record<string, string[]>
  'run:setTags': string[]
}

export interface EventPayloads {
  /** Samples done of a running compare:tokens, after each batch. */
  'compare:progress': {
    experimentId: string
    baseRunId: string
    otherRunId: string
    done: number
    total: number
  }
}

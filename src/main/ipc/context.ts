/**
 * What the request handlers need from their host. One implementation of the handlers serves the
 * Electron window and the browser bridge; dialogs, the trash and the path rule differ and are injected.
 */
import type { FileKind, EventChannel, EventPayloads, RenderedReport, Lang } from '../../shared/ipc'
import type { CompareProgress, TokenComparison } from '../../shared/compare'
import type { DataConsistency, TrainLog, WeightReport } from '../../shared/evidence'
import type { ModelDescription } from '../../shared/model'
import type { RunSettings } from '../../shared/results'
import type { RunAnalysisFn, RunManager } from '../runs/run-manager'
import type { SettingsStore } from '../store/app-settings'
import type { Workspace } from '../store/workspace'
import type { PathAccess } from './path-access'

/** Host-specific pieces: Electron has native dialogs and the OS trash; the bridge has neither. */
export interface HostServices {
  kind: 'electron' | 'bridge'
  /** A native open-file dialog; null when cancelled. Absent in the bridge (the window lists folders with fs:list). */
  chooseFile?(kind: FileKind, title?: string): Promise<string | null>
  /** A native folder dialog; null when cancelled. */
  chooseFolder?(title?: string): Promise<string | null>
  /** Moves a file or folder to the trash (the OS trash in Electron, <workspace>/.trash in the bridge). */
  trash(path: string): Promise<void>
  /** The bridge's one interpreter, fixed when it starts (--python, LOSSLENS_PYTHON); default python3. */
  python?: string
}

/** One checkpoint as the engine's compareTokens takes it. */
export interface CheckpointFiles {
  label: string
  modelPath: string
  tokenizerPath: string
}

export interface ImportResult {
  /** The exported ONNX model (Optimum decoder form). */
  modelPath: string
  /** The tokenizer.json the exporter found or wrote, when it did. */
  tokenizerPath?: string
}

/** The engine, evidence and report modules, as the handlers call them (wired in services.ts). */
export interface EngineServices {
  runAnalysis: RunAnalysisFn
  describeModel(modelPath: string): Promise<ModelDescription>
  compareTokens(
    input: { base: CheckpointFiles; other: CheckpointFiles; dataPath: string; settings: RunSettings },
    signal?: AbortSignal,
    onProgress?: (progress: CompareProgress) => void,
  ): Promise<TokenComparison>
  verifyWeights(input: { checkpointPath: string; modelPath: string }): Promise<WeightReport>
  checkDataConsistency(
    input: { evalPath: string; trainPath: string },
    onProgress?: (bytesRead: number, totalBytes: number) => void,
    signal?: AbortSignal,
  ): Promise<DataConsistency>
  parseTrainLog(path: string): Promise<TrainLog>
  importCheckpoint(
    input: {
      checkpointPath: string
      minimindDir: string
      python: string
      outDir: string
      configPath?: string
      numHeads?: number
      /** Samples like the training data, for the exporter's head-count check. */
      probeDataPath?: string
    },
    onLine: (line: string) => void,
    signal?: AbortSignal,
  ): Promise<ImportResult>
  /** How many samples a dataset file holds, as the engine reads it (throws on a malformed file). */
  countSamples(dataPath: string): Promise<number>
  /**
   * Loads a tokenizer.json as a run does and, with the model's vocabulary, refuses it with the run's
   * message when it can produce ids the model has no logits for; returns the tokenizer's size.
   */
  tokenizerFit(tokenizerPath: string, modelPath: string, vocab: number | null): Promise<number>
  /** The text of sample `index` of a dataset file, as the engine reads it. */
  sampleText(dataPath: string, index: number): Promise<string>
  /** Builds the report from the experiment folder's stored results (and stored token comparisons). */
  renderReport(
    experimentDir: string,
    lang: Lang,
    tokenComparisons: TokenComparison[],
    /** runIds: report these runs (the window's picker) instead of the newest per checkpoint × dataset. */
    options?: { runIds?: string[] },
  ): Promise<RenderedReport>
  /** Writes the report as `fileName` with its charts beside it into `folder`; returns the files written. */
  writeReport(rendered: RenderedReport, folder: string, fileName: string): Promise<string[]>
}

export type Emit = <E extends EventChannel>(channel: E, payload: EventPayloads[E]) => void

/** The workspace in use and its run manager; replaced together when the user picks another workspace. */
export interface WorkspaceState {
  workspace: Workspace
  runs: RunManager
}

export interface HandlerContext {
  host: HostServices
  services: EngineServices
  access: PathAccess
  settings: SettingsStore
  emit: Emit
  version: string
  current(): WorkspaceState
  /** Opens another workspace (seeding the demo when new); refused while runs are live. */
  switchWorkspace(path: string): Promise<void>
}

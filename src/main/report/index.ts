/** The gap-analysis report: input, build (markdown, SVG charts, samples CSV), load from a workspace, write to disk. */
export type {
  ReportInput,
  ReportRun,
  RunChoice,
  ReportProvenance,
  RuntimeVersions,
  FileHash,
  BuildOptions,
} from './input'
export { buildReport, defaultFileBase } from './build'
export { buildReportModel, type ReportModel, type RunView, type DatasetView } from './report-model'
export { loadReportInput, chooseRuns, pickRun, type LoadOptions, type LoadedReportInput } from './load'
export { writeReport, fileBaseOf } from './write'
export { singleRunReport, singleRunInput, type SingleRunReportArgs } from './single-run-report'
export { runtimeVersions } from './runtime-versions'
export { sha256File } from './hash'

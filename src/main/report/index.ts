/** The gap-analysis report: input, build (markdown + SVG charts), load from a workspace, write to disk. */
export type { ReportInput, ReportRun, ReportProvenance, FileHash, BuildOptions } from './input'
export { buildReport } from './build'
export { analyzeReport, type ReportModel } from './analysis'
export { loadReportInput, pickRun, type LoadOptions, type LoadedReportInput } from './load'
export { writeReport } from './write'
export { reportFromAnalysis, inputFromAnalysis, type FromAnalysisArgs } from './from-analysis'
export { sha256File } from './hash'

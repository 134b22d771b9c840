/** Verdicts on the seed's hypotheses: pure TypeScript, shared by the window, the report and the CLI. */
export * from './types'
export * from './thresholds'
export * from './means'
export * from './format'
export * from './verdicts'
export * from './explain'
export * from './diagnose'
export * from './text'

/**
 * One colour per measure, everywhere: charts, tables, the report's SVGs.
 * Chosen to stay distinguishable for common colour-vision deficiencies (Okabe-Ito based).
 */
export const MEASURE_COLORS = {
  teacherForcing: '#0072B2',
  keepLastMisaligned: '#D55E00',
  keepLastAligned: '#56B4E9',
  offsetSweep: '#CC79A7',
  autoregressive: '#E69F00',
  kvCache: '#009E73',
  trainFormat: '#000000',
  rolling: '#7F7F7F',
  bosBoth: '#F0E442',
  sft: '#882255',
  sftAutoregressive: '#DDCC77',
  trainingLoss: '#555555',
} as const

export type ColoredSeries = keyof typeof MEASURE_COLORS

/** Verdict badge colours. */
export const VERDICT_COLORS = {
  pass: '#1a7f37',
  fail: '#cf222e',
  expected: '#0969da',
  inconclusive: '#9a6700',
  notMeasured: '#6e7781',
} as const

/**
 * Colours for checkpoints side by side, a palette of their own (Paul Tol's muted scheme, none of the
 * measure colours above): a checkpoint keeps its colour whichever run is the base, because the colour
 * is taken from its position in the experiment's checkpoint list (see src/shared/charts/style.ts).
 */
export const CHECKPOINT_COLORS = [
  '#332288',
  '#117733',
  '#CC6677',
  '#44AA99',
  '#AA4499',
  '#999933',
  '#661100',
  '#6699CC',
] as const

/**
 * The one colour rule of every chart. Where runs or checkpoints are compared, colour means the
 * checkpoint (its own palette, by the checkpoint's position in the experiment's checkpoint list, so a
 * checkpoint keeps its colour whichever run is the base) and line style and marker mean the measure.
 * Where one run is shown, colour means the measure (MEASURE_COLORS, one colour per measure).
 */
import { TRAJECTORY_COLOR, type TrajectoryMeasure } from '../diagnosis/trajectory'
import { CHECKPOINT_COLORS, MEASURE_COLORS, type ColoredSeries } from '../palette'
import type { ChartTheme } from './frame'

export type LineType = 'solid' | 'dashed' | 'dotted'

export interface SeriesStyle {
  color: string
  lineType: LineType
  symbol: string
}

/** Marker per measure where colour stands for a checkpoint. */
const MEASURE_SYMBOL: Partial<Record<ColoredSeries, string>> = {
  teacherForcing: 'circle',
  keepLastMisaligned: 'triangle',
  autoregressive: 'diamond',
  offsetSweep: 'rect',
  trainFormat: 'roundRect',
  rolling: 'pin',
}
/** Line style per measure where colour stands for a checkpoint. */
const MEASURE_LINE: Partial<Record<ColoredSeries, LineType>> = {
  teacherForcing: 'solid',
  keepLastMisaligned: 'dashed',
  autoregressive: 'dotted',
  offsetSweep: 'solid',
}

export const measureSymbol = (m: ColoredSeries): string => MEASURE_SYMBOL[m] ?? 'circle'
export const measureLine = (m: ColoredSeries): LineType => MEASURE_LINE[m] ?? 'solid'

/** A checkpoint's colour: by its position in the experiment's checkpoint list (-1: not listed). */
export function checkpointColor(position: number): string {
  const i = position < 0 ? CHECKPOINT_COLORS.length - 1 : position % CHECKPOINT_COLORS.length
  return CHECKPOINT_COLORS[i]!
}

/** Position of a checkpoint in the experiment's list (the key of its colour); -1 when not listed. */
export function checkpointPosition(
  checkpoints: readonly { id: string }[] | undefined,
  id: string | null | undefined,
): number {
  return checkpoints && id ? checkpoints.findIndex((c) => c.id === id) : -1
}

/**
 * A measure's colour on a theme: the palette's, except that a black one (the training format's) is
 * drawn in the theme's text colour, so it stays visible on the dark theme (as the theme lifts the
 * training-loss grey).
 */
export function measureColor(measure: ColoredSeries, theme?: Pick<ChartTheme, 'mode' | 'text'>): string {
  const color = MEASURE_COLORS[measure]
  return theme?.mode === 'dark' && color === '#000000' ? theme.text : color
}

/**
 * The style of a series of `measure`: `checkpoint` is the position of its run's checkpoint when runs
 * are compared in this chart, null when one run is shown (its colour on `theme`, measureColor).
 */
export function seriesStyle(
  measure: ColoredSeries,
  checkpoint: number | null,
  theme?: Pick<ChartTheme, 'mode' | 'text'>,
): SeriesStyle {
  if (checkpoint === null)
    return { color: measureColor(measure, theme), lineType: 'solid', symbol: measureSymbol(measure) }
  return {
    color: checkpointColor(checkpoint),
    lineType: measureLine(measure),
    symbol: measureSymbol(measure),
  }
}

const DATASET_SYMBOLS = ['circle', 'triangle', 'diamond', 'rect', 'pin', 'arrow'] as const
const DATASET_LINES: readonly LineType[] = ['solid', 'dashed', 'dotted']

/**
 * Charts over checkpoints (the trajectory, evaluations on the training curve) put the checkpoint on
 * the x axis, so colour keeps meaning the measure; several datasets there are told apart by marker
 * and line style (the dataset's position among those drawn).
 */
export function datasetStyle(
  measure: ColoredSeries | TrajectoryMeasure,
  dataset: number,
  theme?: Pick<ChartTheme, 'mode' | 'text'>,
): SeriesStyle {
  return {
    // A bits-per-byte series takes its loss's colour (TRAJECTORY_COLOR).
    color: measureColor(
      measure in TRAJECTORY_COLOR
        ? TRAJECTORY_COLOR[measure as TrajectoryMeasure]
        : (measure as ColoredSeries),
      theme,
    ),
    symbol: DATASET_SYMBOLS[dataset % DATASET_SYMBOLS.length]!,
    lineType: DATASET_LINES[dataset % DATASET_LINES.length]!,
  }
}

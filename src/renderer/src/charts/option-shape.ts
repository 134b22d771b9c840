/**
 * What decides whether an option can be merged into the one on screen or must replace its series:
 * the list of series (type, id, name, axes), of data zooms and of y axes (type, and whether log). Two
 * options of the same shape differ only in values and styles, which a merge by position updates in
 * place; any other change needs replaceMerge, or series and axes of the old option would stay.
 */
import type { EChartsOption } from 'echarts'

const list = (x: unknown): Record<string, unknown>[] =>
  (Array.isArray(x) ? x : x ? [x] : []) as Record<string, unknown>[]

export function optionShape(option: EChartsOption): string {
  const series = list(option.series).map((s) =>
    [s.type, s.id, s.name, s.xAxisIndex ?? 0, s.yAxisIndex ?? 0, s.stack, s.large ? 'large' : ''].join('|'),
  )
  const zooms = list(option.dataZoom).map((z) => [z.type, z.id, z.xAxisIndex, z.yAxisIndex].join('|'))
  const yAxes = list(option.yAxis).map((y) => [y.type, y.id, y.name].join('|'))
  return JSON.stringify([series, zooms, yAxes])
}

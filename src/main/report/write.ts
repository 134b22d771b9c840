/** Writes a rendered report to a folder: charts/*.svg first, then the markdown that links them, each atomically. */
import { mkdir } from 'node:fs/promises'
import { isAbsolute, join, normalize, resolve } from 'node:path'
import type { RenderedReport } from '../../shared/ipc'
import { writeFileAtomic } from '../store/atomic'

/**
 * Writes `rendered` into `folder` as `fileName` (default report.md) with its charts beside it
 * (paths as the markdown links them, e.g. charts/per-sample.en.svg). Each file goes to a temp file
 * and is renamed into place, so a reader never sees half a report; the markdown is written last,
 * so it never links a chart that is not there yet. Returns the folder and the files written.
 */
export async function writeReport(
  rendered: RenderedReport,
  folder: string,
  fileName = 'report.md',
): Promise<{ folder: string; files: string[] }> {
  const root = resolve(folder)
  const files: string[] = []
  for (const chart of rendered.charts) {
    const rel = normalize(chart.file)
    if (isAbsolute(rel) || rel.startsWith('..'))
      throw new RangeError(`chart file "${chart.file}" is outside the report folder`)
    const target = join(root, rel)
    await mkdir(resolve(target, '..'), { recursive: true })
    await writeFileAtomic(target, chart.svg)
    files.push(target)
  }
  await mkdir(root, { recursive: true })
  const report = join(root, fileName)
  await writeFileAtomic(report, rendered.markdown)
  files.push(report)
  return { folder: root, files }
}

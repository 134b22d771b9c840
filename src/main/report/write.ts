/** Writes a rendered report to a folder: its charts and files first, then the markdown that links them, each atomically. */
import { mkdir } from 'node:fs/promises'
import { isAbsolute, join, normalize, resolve } from 'node:path'
import type { RenderedReport } from '../../shared/ipc'
import { writeFileAtomic } from '../store/atomic'

/**
 * Writes `rendered` into `folder` as `fileName` (default report-<lang>.md) with its charts and files
 * beside it (paths as the markdown links them, e.g. report-en.charts/per-sample.train.svg). Each file
 * goes to a temp file and is renamed into place, so a reader never sees half a report; the markdown is
 * written last, so it never links a file that is not there yet. Returns the folder and the files written.
 */
export async function writeReport(
  rendered: RenderedReport,
  folder: string,
  fileName = `report-${rendered.lang}.md`,
): Promise<{ folder: string; files: string[] }> {
  const root = resolve(folder)
  const files: string[] = []
  const put = async (file: string, text: string): Promise<void> => {
    const rel = normalize(file)
    if (isAbsolute(rel) || rel.startsWith('..'))
      throw new RangeError(`report file "${file}" is outside the report folder`)
    const target = join(root, rel)
    await mkdir(resolve(target, '..'), { recursive: true })
    await writeFileAtomic(target, text)
    files.push(target)
  }
  for (const chart of rendered.charts) await put(chart.file, chart.svg)
  for (const f of rendered.files ?? []) await put(f.file, f.text)
  await mkdir(root, { recursive: true })
  const report = join(root, fileName)
  await writeFileAtomic(report, rendered.markdown)
  files.push(report)
  return { folder: root, files }
}

/** The file base (name without .md) of a report file, which names its charts folder and CSV. */
export function fileBaseOf(fileName: string): string {
  return fileName.replace(/\.(md|markdown)$/i, '')
}

/**
 * Saving a file the engine sent (report:download, run:download) on the machine running the window:
 * the browser's download, so a bridge user far from the engine's disk gets the report and results.
 */
import type { Download, Lang } from '../../../shared/ipc'
import { useApi } from '.'

/** Hands `d` to the browser as a download of its file name. */
export function saveDownload(d: Download, doc: Document = document): void {
  const body: BlobPart =
    d.base64 !== undefined ? Uint8Array.from(atob(d.base64), (c) => c.charCodeAt(0)) : (d.text ?? '')
  const url = URL.createObjectURL(new Blob([body], { type: d.mime }))
  const a = doc.createElement('a')
  a.href = url
  a.download = d.fileName
  a.rel = 'noopener'
  doc.body.appendChild(a)
  a.click()
  a.remove()
  // The click has started the download; the object URL is not needed after this turn.
  setTimeout(() => URL.revokeObjectURL(url), 0)
}

/** The report with its charts as one zip, downloaded. */
export async function downloadReport(experimentId: string, lang: Lang, runIds?: string[]): Promise<string> {
  const d = await useApi().invoke('report:download', {
    experimentId,
    lang,
    ...(runIds ? { runIds } : {}),
  })
  saveDownload(d)
  return d.fileName
}

/** One run's results as CSV or JSONL, downloaded. */
export async function downloadRun(
  experimentId: string,
  runId: string,
  format: 'csv' | 'jsonl',
): Promise<string> {
  const d = await useApi().invoke('run:download', { experimentId, runId, format })
  saveDownload(d)
  return d.fileName
}

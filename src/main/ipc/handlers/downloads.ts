/**
 * report:download and run:download: files sent to the window instead of written on the engine's
 * machine, for a browser whose user sits elsewhere. The report is the same rendered report the export
 * writes (markdown, charts, long-report CSV), packed with the store-only zip writer.
 */
import { readFile } from 'node:fs/promises'
import { zipStore } from '../../../shared/zip'
import { samplesCsv } from '../../report/samples-csv'
import { readComparisons } from '../../store/comparisons'
import { readRun, readRunResults, resultsFile } from '../../store/runs'
import type { HandlerContext } from '../context'
import type { HandlerGroup } from '../types'

export function downloadHandlers(ctx: HandlerContext): HandlerGroup<'report:download' | 'run:download'> {
  const ws = () => ctx.current().workspace
  return {
    'report:download': async ({ experimentId, lang, runIds }) => {
      const rendered = await ctx.services.renderReport(
        ws().experimentDir(experimentId),
        lang,
        await readComparisons(ws(), experimentId),
        runIds ? { runIds } : {},
      )
      const encoder = new TextEncoder()
      // Paths as the markdown links them, so the unpacked folder reads like an exported one.
      const zip = zipStore([
        { name: `report-${lang}.md`, data: encoder.encode(rendered.markdown) },
        ...rendered.charts.map((c) => ({ name: c.file, data: encoder.encode(c.svg) })),
        ...(rendered.files ?? []).map((f) => ({ name: f.file, data: encoder.encode(f.text) })),
      ])
      return {
        fileName: `${experimentId}-report-${lang}.zip`,
        mime: 'application/zip',
        base64: Buffer.from(zip).toString('base64'),
      }
    },
    'run:download': async ({ experimentId, runId, format }) => {
      const run = await readRun(ws(), experimentId, runId)
      const base = `${experimentId}-${run.checkpointId}-${run.datasetId}-${runId}`
      if (format === 'jsonl') {
        // As stored: the file the engine appended, byte for byte.
        const text = await readFile(resultsFile(ws(), experimentId, runId), 'utf8').catch(
          (err: NodeJS.ErrnoException) => {
            if (err.code === 'ENOENT') return ''
            throw err
          },
        )
        return { fileName: `${base}.jsonl`, mime: 'application/x-ndjson', text }
      }
      const { results } = await readRunResults(ws(), experimentId, runId)
      const experiment = await ws().getExperiment(experimentId)
      const step = experiment.checkpoints.find((c) => c.id === run.checkpointId)?.step ?? null
      const text = samplesCsv({
        runs: [
          { checkpoint: { id: run.checkpointId }, step, dataset: { id: run.datasetId }, stored: { results } },
        ],
      })
      return { fileName: `${base}.csv`, mime: 'text/csv', text }
    },
  }
}

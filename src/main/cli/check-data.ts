/** `losslens check-data --data eval.json --train train.jsonl [--json]` */
import type { DataConsistency } from '../../shared/evidence'
import { runIsolated } from '../engine/isolated/client'
import { parseCommandArgs, printJson, required } from './args'

const USAGE = `usage: losslens check-data --data eval.json --train train.jsonl [--json]

Streams the training JSONL once and reports how many evaluation samples occur in it: exactly,
after whitespace normalisation, and as a substring of a training row.`

/** Runs the command; finding samples missing is a result, not a failure (exit 0). */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    data: { type: 'string' },
    train: { type: 'string' },
    json: { type: 'boolean' },
  })
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  const showProgress = !values.json && process.stderr.isTTY
  const report = await runIsolated(
    {
      kind: 'checkData',
      evalPath: required(values.data, 'data'),
      trainPath: required(values.train, 'train'),
    },
    {
      ...(showProgress
        ? {
            onProgress: (read: number, total: number) =>
              process.stderr.write(`\rscanning ${((100 * read) / Math.max(total, 1)).toFixed(0)}%`),
          }
        : {}),
    },
  )
  if (showProgress) process.stderr.write('\r\x1b[K')
  if (values.json) printJson(report)
  else console.log(summary(report))
  return 0
}

function summary(r: DataConsistency): string {
  const lines = [
    `${r.foundSubstring}/${r.total} evaluation samples occur in the training data ` +
      `(exact ${r.found}, after whitespace normalisation ${r.foundNormalized}, as a substring ${r.foundSubstring})`,
    `scanned ${r.trainRows.toLocaleString('en')} rows, ${(r.bytesScanned / 1e6).toFixed(1)} MB`,
  ]
  if (r.malformedCount) {
    lines.push(
      `${r.malformedCount} malformed training line(s), e.g. line ${(r.malformedLines ?? []).slice(0, 5).join(', ')}`,
    )
  }
  if (r.notFound.length > 0) {
    lines.push('not found:')
    for (const n of r.notFound) lines.push(`  #${n.index}  ${n.preview}`)
  }
  return lines.join('\n')
}

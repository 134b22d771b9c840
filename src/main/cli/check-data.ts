/** `losslens check-data --data eval.json --train train.jsonl [--json]` */
import type { DataConsistency } from '../../shared/evidence'
import { checkDataConsistency } from '../engine/evidence/data-consistency'
import { EXIT } from './exit-codes'
import { parseCommandArgs, printJson, required } from './args'

const USAGE = `usage: losslens check-data --data eval.json --train train.jsonl [--json]

Streams the training JSONL once and reports how many evaluation samples occur in it: exactly,
after whitespace normalisation, and as a substring of a training row. Exit code 0 when every sample
was found, 1 when some were not (expected for a held-out set), 3 when a file is missing or bad.`

/** Runs the command; 1 when some evaluation sample is not in the training data (a finding, like grep's). */
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
  const report = await checkDataConsistency(required(values.data, 'data'), required(values.train, 'train'), {
    onProgress: showProgress
      ? (read, total) => process.stderr.write(`\rscanning ${((100 * read) / Math.max(total, 1)).toFixed(0)}%`)
      : undefined,
  })
  if (showProgress) process.stderr.write('\r\x1b[K')
  if (values.json) printJson(report)
  else console.log(summary(report))
  return report.foundSubstring === report.total ? EXIT.ok : EXIT.problem
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

/** `losslens check-data --data eval.json --train train.jsonl [--json]` */
import type { DataConsistency } from '../../shared/evidence'
import { runIsolated } from '../engine/isolated/client'
import { diagnoseData, kindFromConsistency, verdictText } from '../../shared/diagnosis'
import type { DatasetKind } from '../../shared/experiment'
import { UsageError } from '../engine/errors'
import { EXIT } from './exit-codes'
import { parseCommandArgs, printJson, required } from './args'

const USAGE = `usage: losslens check-data --data eval.json --train train.jsonl [--expect from-training|held-out] [--json]

Streams the training JSONL once and reports how many evaluation samples occur in it: exactly,
after whitespace normalisation, and as a substring of a training row, and so what the set is (drawn
from training, held out, or mixed). With --expect, exit code 1 when the set is not what you expect
(a set meant to come from training has samples missing; a held-out set has samples in training);
without it, 0 whatever was found: none found is the right answer for a held-out set.
Exit code 3 when a file is missing or bad.`

/** Runs the command; 1 when the set is not what --expect says (the data verdict fails), else 0. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    data: { type: 'string' },
    train: { type: 'string' },
    json: { type: 'boolean' },
    expect: { type: 'string' },
  })
  const expected = values.expect === undefined ? undefined : EXPECT[values.expect]
  if (values.expect !== undefined && !expected) {
    throw new UsageError(`--expect must be from-training or held-out, got "${values.expect}"`)
  }
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
  const verdict = diagnoseData(report, expected ? { datasetKind: expected } : {})
  return verdict.status === 'fail' ? EXIT.problem : EXIT.ok
}

const EXPECT: Record<string, DatasetKind> = { 'from-training': 'fromTraining', 'held-out': 'heldOut' }

function summary(r: DataConsistency): string {
  const lines = [
    `${r.foundSubstring}/${r.total} evaluation samples occur in the training data ` +
      `(exact ${r.found}, after whitespace normalisation ${r.foundNormalized}, as a substring ${r.foundSubstring})`,
    `the set is ${verdictText('en').kind(kindFromConsistency(r))}`,
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

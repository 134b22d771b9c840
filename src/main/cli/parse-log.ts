/** `losslens parse-log --log train.log [--tail 50] [--json]` */
import type { TrainLog } from '../../shared/evidence'
import { DEFAULT_WINDOW_LINES } from '../../shared/diagnosis/training-reference'
import { runIsolated } from '../engine/isolated/client'
import { intOption, parseCommandArgs, printJson, required } from './args'

const USAGE = `usage: losslens parse-log --log train.log|log.csv|log.jsonl [--tail N] [--json]

Parses MiniMind's log lines (2025, late-2025 and 2026 formats) or a CSV/JSONL export with a loss
column into a loss curve, and reports the mean of the last N logged losses (default ${DEFAULT_WINDOW_LINES}, the window the report compares a checkpoint with).`

/** Runs the command. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    log: { type: 'string' },
    tail: { type: 'string' },
    json: { type: 'boolean' },
  })
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  const tail = intOption(values.tail, 'tail', DEFAULT_WINDOW_LINES, 1)
  const log = await runIsolated({ kind: 'parseTrainLog', path: required(values.log, 'log'), tail })
  if (values.json) printJson(log)
  else console.log(summary(log))
  return 0
}

function summary(log: TrainLog): string {
  const first = log.points[0]!
  const last = log.points[log.points.length - 1]!
  const lines = [
    `${log.format}: ${log.steps} logged steps, step ${first.step} .. ${last.step}`,
    `loss ${first.loss.toFixed(4)} -> ${last.loss.toFixed(4)}; mean of the last ${Math.min(log.tail, log.steps)}: ${log.trailingMean!.toFixed(4)}`,
  ]
  const unparsed = log.unparsedCount ?? log.unparsedLines.length
  if (unparsed > 0) {
    const shown = log.unparsedLines.slice(0, 5).map((u) => `  line ${u.line}: ${u.text.slice(0, 100)}`)
    lines.push(`${unparsed} non-blank line(s) did not parse:`, ...shown)
    if (unparsed > shown.length) lines.push(`  ... and ${unparsed - shown.length} more`)
  }
  lines.push(`note: ${log.caveat}`)
  return lines.join('\n')
}

/** `losslens make-eval --train train.jsonl --count 20 --seed 42 --out eval.json` */
import { writeEvalSet } from '../engine/evidence/make-eval'
import { dirname } from 'node:path'
import { intOption, parseCommandArgs, printJson, required } from './args'
import { checkOutDir, makeOutDir } from './out-dir'

const USAGE = `usage: losslens make-eval --train train.jsonl --count N --seed S --out eval.json [--json]

Draws N rows uniformly at random (seeded, reproducible) from a training JSONL into a JSON array
of {"text": ...} (or {"conversations": [...]}) rows, in training-file order.`

/** Runs the command. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    train: { type: 'string' },
    count: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
  })
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  const count = intOption(values.count, 'count', 20, 1, 1e7)
  const seed = intOption(values.seed, 'seed', 42, 0, 2 ** 32 - 1)
  const out = required(values.out, 'out')
  makeOutDir(checkOutDir(dirname(out)))
  const result = await writeEvalSet(required(values.train, 'train'), out, {
    count,
    seed,
  })
  const summary = {
    out: result.outPath,
    written: result.rows.length,
    population: result.population,
    seed,
    lines: result.rows.map((r) => r.line),
    malformedCount: result.malformedCount,
  }
  if (values.json) printJson(summary)
  else {
    const short = result.rows.length < count ? ` (only ${result.population} rows available)` : ''
    console.log(
      `wrote ${result.rows.length} samples${short} drawn from ${result.population.toLocaleString('en')} training rows ` +
        `(seed ${seed}) to ${result.outPath}`,
    )
  }
  return 0
}

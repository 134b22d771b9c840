/** `losslens report --experiment DIR [--lang zh-CN|en] [--out FILE]`: the gap-analysis report of an experiment. */
import { basename, dirname, join, resolve } from 'node:path'
import { LangSchema, type Lang } from '../../shared/ipc'
import { UsageError } from '../engine/errors'
import { buildReport, loadReportInput, writeReport } from '../report'
import { intOption, parseCommandArgs, required } from './args'

const USAGE = `usage: losslens report --experiment DIR [--lang en|zh-CN] [--out FILE] [options]

Writes the train-vs-inference loss gap report of an experiment from its stored runs (for each
checkpoint x dataset the latest finished run with results), with its charts as SVG files in
charts/ beside the markdown.

  --experiment DIR     the experiment folder (the one holding experiment.json)
  --lang en|zh-CN      language of the report (default en)
  --out FILE           the markdown file (default DIR/reports/report-<lang>.md)
  --reported-loss X    a loss your own evaluation script printed, to be explained
                       (default: experiment.json's reportedLoss)
  --checkpoint ID      the checkpoint the analysis is about (default: the last one with a run)
  --dataset ID         the dataset it is about (default: the first drawn from training)
  --tail N             logged training losses the training loss averages (default 10)

Exit code 0 whatever the verdicts say (a report is content, not a check).`

/** Runs the command. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    experiment: { type: 'string' },
    lang: { type: 'string' },
    out: { type: 'string' },
    'reported-loss': { type: 'string' },
    checkpoint: { type: 'string' },
    dataset: { type: 'string' },
    tail: { type: 'string' },
  })
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  const dir = resolve(required(values.experiment, 'experiment'))
  const lang = parseLang(values.lang)
  const tail = values.tail === undefined ? undefined : intOption(values.tail, 'tail', 10, 1, 1_000_000)
  const input = await loadReportInput(dir, { tail })
  if (values['reported-loss'] !== undefined) {
    const x = Number(values['reported-loss'])
    if (!Number.isFinite(x) || x <= 0) {
      throw new UsageError(`--reported-loss must be a positive number, got "${values['reported-loss']}"`)
    }
    input.experiment = { ...input.experiment, reportedLoss: x }
  }
  for (const w of input.warnings) console.error(`warning: ${w}`)
  const rendered = buildReport(input, lang, { checkpointId: values.checkpoint, datasetId: values.dataset })
  const out = resolve(values.out ?? join(dir, 'reports', `report-${lang}.md`))
  const { files } = await writeReport(rendered, dirname(out), basename(out))
  for (const f of files) console.log(f)
  return 0
}

function parseLang(value: string | undefined): Lang {
  if (value === undefined) return 'en'
  const parsed = LangSchema.safeParse(value)
  if (!parsed.success) throw new UsageError(`--lang must be en or zh-CN, got "${value}"`)
  return parsed.data
}

/**
 * `losslens report --experiment DIR [--lang zh-CN|en] [--json] [--tail N] [--out FILE]`: the gap-analysis
 * report of an experiment, or with --json its machine-readable diagnosis on stdout. A report is content,
 * not an error: the command exits 0 whatever the verdicts.
 */
import { basename, dirname, join, resolve } from 'node:path'
import { DEFAULT_WINDOW_LINES, diagnosisJson, verdictText } from '../../shared/diagnosis'
import { LangSchema, type Lang } from '../../shared/ipc'
import { InputError, UsageError } from '../engine/errors'
import { buildReport, buildReportModel, fileBaseOf, loadReportInput, writeReport } from '../report'
import { intOption, parseCommandArgs, printJson, required } from './args'

const USAGE = `usage: losslens report --experiment DIR [--lang en|zh-CN] [--json] [--tail N] [--out FILE] [options]

Writes the train-vs-inference loss gap report of an experiment from its stored runs: for each
checkpoint x dataset the newest finished run with the experiment's current input and predict
lengths (else the newest with results, with a warning). Charts go to <name>.charts/ beside the
markdown; with more than 30 samples in a run, every sample goes to <name>.samples.csv.

  --experiment DIR     the experiment folder (the one holding experiment.json)
  --lang en|zh-CN      language of the report (default en)
  --json               print the diagnosis as JSON (version 1, English conclusions) on stdout
                       and write no markdown
  --tail N             logged training losses averaged before each checkpoint's step (default ${DEFAULT_WINDOW_LINES})
  --out FILE           the markdown file (default DIR/reports/report-<lang>.md)
  --run ID             report this run (repeat for several; at most one per checkpoint x dataset)
  --reported-loss X    a loss your own evaluation script printed, to be explained
                       (default: experiment.json's reportedLoss)
  --checkpoint ID      the checkpoint "explain your number" looks at first (default: the latest)
  --dataset ID         the dataset it looks at first (default: the first drawn from training)

Exit code 0 whatever the verdicts say (a report is content, not a check).`

/** Runs the command. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    experiment: { type: 'string' },
    lang: { type: 'string' },
    json: { type: 'boolean' },
    out: { type: 'string' },
    run: { type: 'string', multiple: true },
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
  if (values.json && values.out !== undefined) {
    throw new InputError('--json prints the diagnosis and writes no report: drop --out')
  }
  const windowLines = intOption(values.tail, 'tail', DEFAULT_WINDOW_LINES, 1, 1_000_000)
  const input = await loadReportInput(dir, { windowLines, ...(values.run ? { runIds: values.run } : {}) })
  if (values['reported-loss'] !== undefined) {
    const x = Number(values['reported-loss'])
    if (!Number.isFinite(x) || x <= 0) {
      throw new UsageError(`--reported-loss must be a positive number, got "${values['reported-loss']}"`)
    }
    input.experiment = { ...input.experiment, reportedLoss: x }
  }
  for (const w of input.warnings) console.error(`warning: ${w}`)
  const focus = { checkpointId: values.checkpoint, datasetId: values.dataset }
  if (values.json) {
    const model = buildReportModel(input, { ...focus, fileBase: 'report' })
    const en = verdictText('en')
    printJson(diagnosisJson(model.diagnosis, (c) => en.conclusion(c, model.names)))
    return 0
  }
  const out = resolve(values.out ?? join(dir, 'reports', `report-${lang}.md`))
  const rendered = buildReport(input, lang, { ...focus, fileBase: fileBaseOf(basename(out)) })
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

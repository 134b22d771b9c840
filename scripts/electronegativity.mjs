#!/usr/bin/env node
/**
 * Runs Electronegativity (Doyensec's Electron security linter) over src/ with the checks and reasons
 * in electronegativity.config.json (all checks run; a switched-off one's findings are listed, not failed). Fails on any HIGH finding, and on any MEDIUM or LOW finding of a
 * check the config does not switch off with a reason. Offline: the Electron version is given, so
 * nothing is fetched. Where the package is not installed (a shared node_modules without it) it says
 * so and passes, unless ELECTRONEGATIVITY_REQUIRED=1 (set by .ci/run): then it is fetched with npm exec.
 * (It is not a devDependency: adding it rewrote much of package-lock.json with older transitive
 * versions.)
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const config = JSON.parse(fs.readFileSync(join(root, 'electronegativity.config.json'), 'utf8'))
const require = createRequire(import.meta.url)

/** The installed package's CLI; else, where required (CI), the same version through npm exec. */
const VERSION = '1.10.3'
let command
try {
  const pkg = require.resolve('@doyensec/electronegativity/package.json')
  const bin = JSON.parse(fs.readFileSync(pkg, 'utf8')).bin
  command = [process.execPath, join(dirname(pkg), typeof bin === 'string' ? bin : bin.electronegativity)]
} catch {
  if (process.env.ELECTRONEGATIVITY_REQUIRED !== '1') {
    console.warn(
      `electronegativity: @doyensec/electronegativity is not installed here; skipped (CI runs it with ELECTRONEGATIVITY_REQUIRED=1)`,
    )
    process.exit(0)
  }
  command = [
    'npm',
    'exec',
    '--yes',
    `--package=@doyensec/electronegativity@${VERSION}`,
    '--',
    'electronegativity',
  ]
}

const out = join(fs.mkdtempSync(join(os.tmpdir(), 'electronegativity-')), 'findings.csv')
const excluded = Object.keys(config.excluded)
const run = spawnSync(
  command[0],
  [
    ...command.slice(1),
    '-i',
    join(root, 'src'),
    '-r',
    '-e',
    config.electronVersion,
    '-o',
    out,
    '-v',
    'false',
  ],
  { encoding: 'utf8' },
)
if (!fs.existsSync(out)) {
  console.error(`electronegativity did not run:\n${run.stderr || run.stdout}`)
  process.exit(1)
}
/**
 * Electronegativity's CSV quotes fields that hold commas or line breaks (a flagged sample can span
 * lines: CI once saw the CSP check's sample broken over two), so rows are read with a real CSV
 * reader, not split on newlines and commas.
 */
function parseCsv(text) {
  const records = []
  let record = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      record.push(field)
      field = ''
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      record.push(field)
      records.push(record)
      record = []
      field = ''
    } else field += c
  }
  if (field !== '' || record.length > 0) {
    record.push(field)
    records.push(record)
  }
  return records.filter((r) => r.some((f) => f.trim() !== ''))
}
const rows = parseCsv(fs.readFileSync(out, 'utf8'))
  .slice(1)
  .map(([issue, severity, confidence, file, location]) => ({
    issue: issue.trim(),
    severity: (severity ?? '').trim(),
    confidence: (confidence ?? '').trim(),
    file,
    location,
  }))
const failing = rows.filter((r) => !excluded.includes(r.issue))
for (const r of failing)
  console.error(`electronegativity: ${r.severity} ${r.issue} at ${r.file}:${r.location}`)
const high = rows.filter((r) => r.severity === 'HIGH').length
console.log(
  `electronegativity: ${rows.length} finding(s) of ${excluded.length} check(s) switched off with a reason; ` +
    `${high} high; ${failing.length} unexplained`,
)
process.exit(failing.length > 0 || high > 0 ? 1 : 0)

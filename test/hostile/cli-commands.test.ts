/**
 * Every other command on hostile files and flags: analyze, compare, check-data, parse-log, make-eval
 * and report each end with the documented exit code and one line naming the file (or the flag) and
 * the problem, quoting nothing from a file it was not asked to print.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inProcessLauncher, setChildLauncher } from '../../src/main/engine/isolated/client'
import { writeWordTokenizer } from '../engine/fixtures'
import { writeHostileFiles, type Files } from './files'
import { expectClear, quietConsole, runInProcess } from './harness'
import { DEMO_DATA, DEMO_LOG, DEMO_MODEL, DEMO_TOKENIZER, DEMO_TRAIN } from './inputs'

let dir: string
let f: Files
beforeAll(() => {
  quietConsole()
  setChildLauncher(inProcessLauncher)
  ;({ dir, f } = writeHostileFiles())
  f['tok-too-big.json'] = writeWordTokenizer(fs.mkdtempSync(join(dir, 'tok-')), 7000)
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const out = () => fs.mkdtempSync(join(dir, 'out-'))
const analyze = (o: { model?: string; tokenizer?: string; data?: string }, extra: string[] = []) => [
  '--model',
  o.model ?? DEMO_MODEL,
  '--tokenizer',
  o.tokenizer ?? DEMO_TOKENIZER,
  '--data',
  o.data ?? DEMO_DATA,
  '--input-length',
  '64',
  '--predict-length',
  '30',
  '--limit',
  '2',
  '--measures',
  'teacherForcing',
  '--out',
  out(),
  ...extra,
]

type Case = [string, RegExp]

describe.concurrent('analyze --model <hostile>', () => {
  const cases: Case[] = [
    ['missing', /file not found/],
    ['folder', /is a folder|not a file/],
    ['empty', /not a loadable ONNX model|empty/],
    ['secret.onnx', /not a loadable ONNX model/],
    ['trunc16.onnx', /not a loadable ONNX model/],
    ['trunc-half.onnx', /not a loadable ONNX model/],
    ['trunc-99.onnx', /not a loadable ONNX model/],
    ['flip-head.onnx', /not a loadable ONNX model/],
    ['random.bin', /not a loadable ONNX model/],
    ['devZero', /not a file|not a regular file/],
    ['fifo', /not a file|not a regular file/],
    ['loop', /ELOOP/],
  ]
  it.each(cases)('%s', async (name, problem) => {
    const o = await runInProcess('analyze', analyze({ model: f[name]! }))
    expectClear(o, { code: 3, problem, names: f[name]! })
  })

  it.each([1, 2, 3, 4])('bit-flipped model %i: a clear error or a finished run, never a crash', async (i) => {
    const o = await runInProcess('analyze', analyze({ model: f[`flip${i}.onnx`]! }))
    if (o.code !== 0) expectClear(o, { code: 3, problem: /ONNX|onnxruntime|model|vocabulary|shape/i })
  })
})

describe.concurrent('analyze --data / --tokenizer <hostile>', () => {
  const data: Case[] = [
    ['missing', /file not found/],
    ['folder', /is a folder/],
    ['empty', /the file is empty/],
    ['data-whitespace.jsonl', /the file is empty/],
    ['secret.txt', /line 1: malformed JSON/],
    ['data-secret.jsonl', /line 2: malformed JSON/],
    ['data-secret-array.json', /not valid JSON/],
    ['data-link-to-secret.jsonl', /line 1: malformed JSON/],
    ['data-wrong-shape.jsonl', /expected \{"text": \.\.\.\}/],
    ['data-bad-conversations.jsonl', /conversations\[0\] has no string "content"/],
    ['data-deep.json', /not valid JSON/],
    ['data-numbers.json', /item 1: expected/],
    ['data-nul.jsonl', /line 1: malformed JSON/],
    ['data-huge.jsonl', /more than LossLens reads as an evaluation set/],
    ['devUrandom', /not a regular file/],
    ['fifo', /not a regular file/],
    ['proc', /malformed JSON|empty|not a regular file/],
    ['random.bin', /malformed JSON|not valid JSON/],
  ]
  it.each(data)('--data %s', async (name, problem) => {
    const o = await runInProcess('analyze', analyze({ data: f[name]! }))
    expectClear(o, { code: 3, problem, names: f[name]! })
  })

  const tokenizers: Case[] = [
    ['missing', /file not found/],
    ['folder', /is a folder/],
    ['empty', /not valid JSON/],
    ['tok-secret.json', /not valid JSON/],
    ['tok-no-model.json', /no "model" section/],
    ['tok-array.json', /no "model" section/],
    ['tok-bad-model.json', /cannot build the tokenizer/],
    ['tok-too-big.json', /has 7000 ids but the model .* has 6400 logits/],
    ['devZero', /not a regular file/],
  ]
  it.each(tokenizers)('--tokenizer %s', async (name, problem) => {
    const o = await runInProcess('analyze', analyze({ tokenizer: f[name]! }))
    expectClear(o, { code: 3, problem, names: f[name]! })
  })

  it.sequential('every sample skipped: exit 3 and the reason', async () => {
    const o = await runInProcess('analyze', analyze({ data: f['data-short.jsonl']! }))
    expectClear(o, { code: 3, problem: /every sample was skipped.*too short/, names: f['data-short.jsonl']! })
  })
})

describe('analyze flags', () => {
  const flags: [string, string[], RegExp][] = [
    [
      'negative input length',
      ['--input-length', '-5'],
      /--input-length must be an integer from 1 to 1000000, got "-5"/,
    ],
    ['zero predict length', ['--predict-length', '0'], /--predict-length must be an integer from 1/],
    [
      'huge input length',
      ['--input-length', '2000000000'],
      /--input-length must be an integer from 1 to 1000000/,
    ],
    ['text input length', ['--input-length', 'abc'], /--input-length must be an integer/],
    ['huge batch size', ['--batch-size', '1000000000'], /--batch-size must be an integer from 1 to 4096/],
    ['huge threads', ['--threads', '99999'], /--threads must be an integer from 0 to 1024/],
    ['zero limit', ['--limit', '0'], /--limit must be an integer from 1/],
    ['bogus measure', ['--measures', 'bogus'], /--measures/],
    ['unknown flag', ['--frobnicate'], /Unknown option '--frobnicate'/],
    ['bad lang', ['--report', '/tmp/r.md', '--lang', 'xx'], /--lang/],
  ]
  it.each(flags)('%s', async (_name, extra, problem) => {
    const argv = analyze({})
    for (let i = 0; i < extra.length; i++) {
      const at = argv.indexOf(extra[i]!)
      if (extra[i]!.startsWith('--') && at >= 0 && !extra[i + 1]?.startsWith('--')) {
        argv[at + 1] = extra[++i]!
      } else argv.push(extra[i]!)
    }
    const o = await runInProcess('analyze', argv)
    expectClear(o, { code: 2, problem })
  })

  it('bogus provider', async () => {
    const o = await runInProcess('analyze', [...analyze({}), '--provider', 'quantum'])
    expect(o.code).toBeGreaterThan(1)
    expectClear(o, { code: o.code, problem: /quantum/ })
  })

  it('missing --out', async () => {
    const argv = analyze({})
    argv.splice(argv.indexOf('--out'), 2)
    expectClear(await runInProcess('analyze', argv), { code: 2, problem: /missing --out/ })
  })

  const outs: [string, () => string, RegExp][] = [
    ['/proc/x/y (Node would hang)', () => '/proc/x/y', /cannot be written under \/proc/],
    ['/sys/x', () => '/sys/x', /cannot be written under \/sys/],
    ['a file as a folder', () => f['secret.txt']!, /is not a folder/],
    ['below a file', () => join(f['secret.txt']!, 'sub'), /is not a folder|a part of it is a file/],
  ]
  it.each(outs)('--out %s', async (_name, path, problem) => {
    const argv = analyze({})
    argv[argv.indexOf('--out') + 1] = path()
    const o = await runInProcess('analyze', argv)
    expectClear(o, { code: 2, problem })
  })

  it('--out holding results of an unknown run is not overwritten', async () => {
    const argv = analyze({})
    const o1 = argv[argv.indexOf('--out') + 1]!
    fs.writeFileSync(join(o1, 'results.jsonl'), '{"index": 0}\n')
    const o = await runInProcess('analyze', argv)
    expectClear(o, { code: 2, problem: /cannot tell which run wrote it; use --fresh/ })
    expect(fs.readFileSync(join(o1, 'results.jsonl'), 'utf8')).toBe('{"index": 0}\n')
  })

  it('a typo in --model leaves a finished run untouched', async () => {
    const argv = analyze({})
    const dirOut = argv[argv.indexOf('--out') + 1]!
    expect((await runInProcess('analyze', argv)).code).toBe(0)
    const before = fs.readFileSync(join(dirOut, 'results.jsonl'), 'utf8')
    expect(before.trim().split('\n')).toHaveLength(2)
    argv[argv.indexOf('--model') + 1] = DEMO_MODEL + 'x'
    expectClear(await runInProcess('analyze', argv), { code: 3, problem: /file not found/ })
    expect(fs.readFileSync(join(dirOut, 'results.jsonl'), 'utf8')).toBe(before)
    argv[argv.indexOf('--model') + 1] = DEMO_MODEL
    argv[argv.indexOf('--input-length') + 1] = '60'
    expectClear(await runInProcess('analyze', argv), { code: 2, problem: /inputLength 64, not 60.*--fresh/ })
    expect(fs.readFileSync(join(dirOut, 'results.jsonl'), 'utf8')).toBe(before)
  })
})

describe.concurrent('compare, check-data, parse-log, make-eval, report on hostile input', () => {
  const compareArgs = (o: { model?: string; data?: string; tokenizer?: string }) => [
    '--model',
    DEMO_MODEL,
    '--model',
    o.model ?? DEMO_MODEL,
    '--tokenizer',
    o.tokenizer ?? DEMO_TOKENIZER,
    '--data',
    o.data ?? DEMO_DATA,
    '--input-length',
    '64',
    '--predict-length',
    '30',
    '--limit',
    '2',
  ]
  const compare: [string, { model?: string; data?: string; tokenizer?: string }, RegExp][] = [
    ['--model missing', { model: 'missing' }, /file not found/],
    ['--model truncated', { model: 'trunc-half.onnx' }, /not a loadable ONNX model/],
    ['--data secret', { data: 'secret.txt' }, /malformed JSON/],
    ['--tokenizer folder', { tokenizer: 'folder' }, /is a folder/],
  ]
  it.each(compare)('compare %s', async (_n, o, problem) => {
    const named = Object.values(o)[0]!
    const args = compareArgs(Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f[v]!])))
    expectClear(await runInProcess('compare', args), { code: 3, problem, names: f[named]! })
  })

  const checkData: [string, string, string, RegExp, string][] = [
    ['--train folder (was: EISDIR alone)', DEMO_DATA, 'folder', /is a folder/, 'folder'],
    ['--train missing', DEMO_DATA, 'missing', /file not found/, 'missing'],
    ['--train /dev/urandom (never ends)', DEMO_DATA, 'devUrandom', /not a regular file/, 'devUrandom'],
    ['--train FIFO (blocks)', DEMO_DATA, 'fifo', /not a regular file/, 'fifo'],
    [
      '--train 70 MB without a newline',
      DEMO_DATA,
      'train-no-newline.jsonl',
      /line 1 is longer than 64 MiB/,
      'train-no-newline.jsonl',
    ],
    ['--train a secret JSON array', DEMO_DATA, 'train-secret.json', /not valid JSON/, 'train-secret.json'],
    ['--data secret', 'secret.txt', DEMO_TRAIN, /malformed JSON/, 'secret.txt'],
    ['--data folder', 'folder', DEMO_TRAIN, /is a folder/, 'folder'],
  ]
  it.each(checkData)('check-data %s', async (_n, data, train, problem, named) => {
    const o = await runInProcess('check-data', ['--data', f[data] ?? data, '--train', f[train] ?? train])
    expectClear(o, { code: 3, problem, names: f[named]! })
  })

  const logs: Case[] = [
    ['missing', /file not found/],
    ['folder', /is a folder/],
    ['empty', /no loss values found/],
    ['log-secret.log', /no loss values found/],
    ['random.bin', /no loss values found/],
    ['log-huge.log', /more than LossLens reads as a training log/],
    ['devZero', /not a regular file/],
    ['fifo', /not a regular file/],
  ]
  it.each(logs)('parse-log %s', async (name, problem) => {
    expectClear(await runInProcess('parse-log', ['--log', f[name]!]), { code: 3, problem, names: f[name]! })
  })

  it('parse-log --tail -1 gives the range', async () => {
    const o = await runInProcess('parse-log', ['--log', DEMO_LOG, '--tail', '-1'])
    expectClear(o, { code: 2, problem: /--tail must be an integer from 1/ })
  })

  const makeEval: [string, string[], number, RegExp][] = [
    [
      '--train folder',
      ['--train', 'folder', '--count', '2', '--seed', '1', '--out', 'OUT'],
      3,
      /is a folder/,
    ],
    [
      '--train missing',
      ['--train', 'missing', '--count', '2', '--seed', '1', '--out', 'OUT'],
      3,
      /file not found/,
    ],
    [
      '--train without newline',
      ['--train', 'train-no-newline.jsonl', '--count', '2', '--seed', '1', '--out', 'OUT'],
      3,
      /longer than 64 MiB/,
    ],
    [
      '--count -1',
      ['--train', DEMO_TRAIN, '--count', '-1', '--seed', '1', '--out', 'OUT'],
      2,
      /--count must be an integer/,
    ],
    [
      '--out /proc/x/y',
      ['--train', DEMO_TRAIN, '--count', '2', '--seed', '1', '--out', '/proc/x/y/e.json'],
      2,
      /cannot be written under \/proc/,
    ],
  ]
  it.each(makeEval)('make-eval %s', async (_n, argv, code, problem) => {
    const args = argv.map((a) => (a === 'OUT' ? join(out(), 'e.json') : (f[a] ?? a)))
    expectClear(await runInProcess('make-eval', args), { code, problem })
  })

  const reports: [string, () => string, RegExp][] = [
    ['--experiment missing', () => f.missing!, /not found|no such|does not exist|experiment\.json/i],
    ['--experiment a file', () => f['secret.txt']!, /experiment\.json|not a folder|not found/i],
    [
      '--experiment with a corrupt experiment.json',
      () => {
        const d = fs.mkdtempSync(join(dir, 'exp-'))
        fs.writeFileSync(join(d, 'experiment.json'), f['secret.txt'] ? fs.readFileSync(f['secret.txt']) : '')
        return d
      },
      /not valid JSON|experiment\.json/,
    ],
  ]
  it.each(reports)('report %s', async (_n, path, problem) => {
    const o = await runInProcess('report', ['--experiment', path()])
    expect(o.code).not.toBe(0)
    expectClear(o, { code: o.code, problem })
  })
})

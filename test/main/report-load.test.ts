import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Experiment, RunInfo } from '../../src/shared/experiment'
import type { SampleResult } from '../../src/shared/results'
import { run as reportCommand } from '../../src/main/cli/report'
import { buildReport, loadReportInput, singleRunReport, writeReport } from '../../src/main/report'
import { SETTINGS, TOKENS, makeResults, runOf } from './report-fixture'

const sha = (text: string): string => createHash('sha256').update(text).digest('hex')

function minimindLog(): string {
  const lines = ['LLM total params: 25.830 million']
  for (let i = 1; i <= 30; i++) {
    const loss = 2.4 + 6 * Math.exp(-i / 5)
    lines.push(`Epoch:[1/1](${i * 100}/3000) loss:${loss.toFixed(3)} lr:0.000549000000 epoch_Time:85.0min:`)
  }
  return lines.join('\n') + '\n'
}

function writeRun(
  dir: string,
  info: Partial<RunInfo> & { runId: string },
  results: SampleResult[],
  tail = '',
): void {
  const base = runOf(info.checkpointId ?? 'final', info.datasetId ?? 'train', 'eval.json', results).run
  const runDir = join(dir, 'runs', info.runId)
  fs.mkdirSync(runDir, { recursive: true })
  fs.writeFileSync(join(runDir, 'run.json'), JSON.stringify({ ...base, ...info }, null, 2))
  fs.writeFileSync(
    join(runDir, 'results.jsonl'),
    results.map((r) => JSON.stringify(r)).join('\n') + '\n' + tail,
  )
}

let root: string
let dir: string

beforeAll(() => {
  root = fs.mkdtempSync(join(os.tmpdir(), 'losslens-report-'))
  dir = join(root, 'experiments', '1.4.0')
  fs.mkdirSync(join(dir, 'checkpoints', 'final'), { recursive: true })
  fs.mkdirSync(join(dir, 'checkpoints', 'early'), { recursive: true })
  fs.writeFileSync(join(dir, 'checkpoints', 'final', 'model.onnx'), 'final model bytes')
  fs.writeFileSync(join(dir, 'checkpoints', 'early', 'model.onnx'), 'early model bytes')
  fs.writeFileSync(join(dir, 'tokenizer.json'), '{"model":{}}')
  fs.writeFileSync(join(dir, 'eval.json'), '[{"text":"a"}]')
  fs.writeFileSync(join(dir, 'train.log'), minimindLog())
  const experiment: Experiment = {
    id: '1.4.0',
    title: 'baseline',
    notes: '',
    createdAt: '2026-11-27T09:00:00.000Z',
    updatedAt: '2026-11-27T09:00:00.000Z',
    checkpoints: [
      {
        id: 'early',
        label: 'early',
        modelPath: 'checkpoints/early/model.onnx',
        tokenizerPath: 'tokenizer.json',
      },
      {
        id: 'final',
        label: 'final',
        modelPath: 'checkpoints/final/model.onnx',
        tokenizerPath: 'tokenizer.json',
        sourcePath: join(root, 'missing.pth'),
      },
    ],
    datasets: [{ id: 'train', label: 'eval.json', path: 'eval.json', fromTraining: true }],
    trainingLog: 'train.log',
    reportedLoss: 12.34,
    settings: SETTINGS,
  }
  fs.writeFileSync(join(dir, 'experiment.json'), JSON.stringify(experiment, null, 2))
  const finalResults = makeResults(2, 20, { tf: 2.3, mis: 12.3, ar: 10.2 })
  writeRun(
    dir,
    { runId: '20261127-100000-final', checkpointId: 'final', createdAt: '2026-11-27T10:00:00.000Z' },
    finalResults,
  )
  // A later retry, cancelled after two samples: the finished run must still be the one reported.
  writeRun(
    dir,
    {
      runId: '20261127-120000-final',
      checkpointId: 'final',
      status: 'cancelled',
      createdAt: '2026-11-27T12:00:00.000Z',
    },
    makeResults(9, 2, { tf: 5, mis: 5, ar: 5 }),
    '{"index": 2, "id": "torn',
  )
  writeRun(
    dir,
    { runId: '20261127-090000-early', checkpointId: 'early' },
    makeResults(1, 20, { tf: 6.6, mis: 9.1, ar: 7.4 }),
  )
  fs.mkdirSync(join(dir, 'comparisons'))
  const comparison = { ...TOKENS, baseLabel: 'early', otherLabel: 'final' }
  fs.writeFileSync(
    join(dir, 'comparisons', '20261127-090000-early--20261127-100000-final.json'),
    JSON.stringify(comparison),
  )
  // Made with the cancelled retry, which the report does not use: left out.
  fs.writeFileSync(
    join(dir, 'comparisons', '20261127-090000-early--20261127-120000-final.json'),
    JSON.stringify({ ...comparison, meanKld: 99 }),
  )
  fs.mkdirSync(join(dir, 'runs', 'broken'))
  fs.writeFileSync(join(dir, 'runs', 'broken', 'run.json'), '{"runId": ')
})

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true })
})

describe('loadReportInput', () => {
  it('reads the experiment, picks the latest finished run per checkpoint x dataset, and hashes the files', async () => {
    const input = await loadReportInput(dir, { now: new Date('2026-11-28T08:00:00Z') })
    expect(input.runs.map((r) => r.run.runId)).toEqual(['20261127-090000-early', '20261127-100000-final'])
    expect(input.runs.map((r) => r.choice)).toEqual(['settings', 'settings'])
    expect(input.provenance.runtime?.onnxruntime).toMatch(/^\d+\.\d+\.\d+/)
    expect(input.provenance.runtime?.node).toBe(process.versions.node)
    expect(input.runs[1]!.results).toHaveLength(20)
    expect(input.trainLog?.steps).toBe(30)
    expect(input.trainLog?.format).toMatch(/^minimind/)
    const final = input.provenance.checkpoints.final!
    expect(final.model).toEqual({
      path: 'checkpoints/final/model.onnx',
      sha256: sha('final model bytes'),
      bytes: 17,
    })
    expect(final.tokenizer?.sha256).toBe(sha('{"model":{}}'))
    expect(final.source?.sha256).toBeNull()
    expect(final.source?.error).toBe('file not found')
    expect(input.provenance.datasets.train?.sha256).toBe(sha('[{"text":"a"}]'))
    expect(input.provenance.trainLog?.sha256).toBe(sha(minimindLog()))
    expect(input.provenance.generatedAt).toBe('2026-11-28T08:00:00.000Z')
    expect(input.tokenComparisons?.map((c) => c.meanKld)).toEqual([TOKENS.meanKld])
    expect(input.warnings.some((w) => w.includes('broken'))).toBe(true)
    expect(input.warnings.some((w) => w.includes('incomplete or corrupt'))).toBe(true)
    const md = buildReport(input, 'en').markdown
    expect(md).toContain(sha('final model bytes'))
    expect(md).toContain('file not found')
  })

  it('prefers runs with the current L and P, falls back with a warning, and takes runs chosen by id', async () => {
    const other = join(root, 'settings-exp')
    fs.cpSync(dir, other, { recursive: true })
    fs.rmSync(join(other, 'runs', 'broken'), { recursive: true })
    const short = { ...SETTINGS, inputLength: 64, predictLength: 16 }
    // A newer early run with other settings: not the default, since one with the current settings exists.
    writeRun(
      other,
      {
        runId: '20261128-090000-early-short',
        checkpointId: 'early',
        settings: short,
        createdAt: '2026-11-28T09:00:00.000Z',
      },
      makeResults(5, 20, { tf: 6, mis: 9, ar: 7 }),
    )
    // A second dataset whose only run has other settings: the fallback, warned about.
    const experiment = JSON.parse(fs.readFileSync(join(other, 'experiment.json'), 'utf8')) as Experiment
    experiment.datasets.push({ id: 'extra', label: 'extra.json', path: 'eval.json', datasetKind: 'heldOut' })
    fs.writeFileSync(join(other, 'experiment.json'), JSON.stringify(experiment))
    writeRun(
      other,
      { runId: '20261128-100000-final-extra', checkpointId: 'final', datasetId: 'extra', settings: short },
      makeResults(6, 20, { tf: 3, mis: 9, ar: 8 }, [], 2),
    )
    const input = await loadReportInput(other)
    expect(input.runs.map((r) => [r.run.runId, r.choice])).toEqual([
      ['20261127-090000-early', 'settings'],
      ['20261127-100000-final', 'settings'],
      ['20261128-100000-final-extra', 'fallback'],
    ])
    expect(input.warnings.some((w) => w.includes('final on extra') && w.includes('L = 64'))).toBe(true)
    const md = buildReport(input, 'en').markdown
    expect(md).toContain('⚠️ `extra.json` (final): no run has the current settings (L = 100, P = 30)')
    const chosen = await loadReportInput(other, {
      runIds: ['20261128-090000-early-short', '20261127-100000-final'],
    })
    expect(chosen.runs.map((r) => [r.run.runId, r.choice])).toEqual([
      ['20261128-090000-early-short', 'chosen'],
      ['20261127-100000-final', 'chosen'],
    ])
    expect(buildReport(chosen, 'en').markdown).toContain('`20261128-090000-early-short` ✋')
    await expect(loadReportInput(other, { runIds: ['nope'] })).rejects.toThrow(/no run "nope"/)
    await expect(
      loadReportInput(other, { runIds: ['20261127-100000-final', '20261127-120000-final'] }),
    ).rejects.toThrow(/choose one/)
  })

  it('names the folder when it holds no experiment.json, and the problem when it is invalid', async () => {
    await expect(loadReportInput(root)).rejects.toThrow(/no experiment.json here/)
    const bad = join(root, 'bad')
    fs.mkdirSync(bad)
    fs.writeFileSync(join(bad, 'experiment.json'), '{"id": "x"}')
    await expect(loadReportInput(bad)).rejects.toThrow(/not a valid experiment/)
  })
})

describe('writeReport', () => {
  it('writes the markdown and every chart it links, leaving no temp files', async () => {
    const input = await loadReportInput(dir)
    const rendered = buildReport(input, 'zh-CN')
    const out = join(root, 'out')
    const { folder, files } = await writeReport(rendered, out)
    expect(folder).toBe(out)
    expect(files[files.length - 1]).toBe(join(out, 'report-zh-CN.md'))
    expect(fs.readFileSync(join(out, 'report-zh-CN.md'), 'utf8')).toBe(rendered.markdown)
    for (const c of rendered.charts) expect(fs.readFileSync(join(out, c.file), 'utf8')).toBe(c.svg)
    const all = fs.readdirSync(out, { recursive: true }) as string[]
    expect(all.filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('refuses a chart path that leaves the folder', async () => {
    const bad = {
      markdown: '',
      lang: 'en' as const,
      charts: [{ file: '../x.svg', title: 'x', svg: '<svg/>' }],
    }
    await expect(writeReport(bad, join(root, 'out2'))).rejects.toThrow(RangeError)
  })
})

describe('losslens report', () => {
  beforeAll(() => {
    vi.spyOn(console, 'log').mockImplementation(() => undefined)
    vi.spyOn(console, 'error').mockImplementation(() => undefined)
  })
  afterAll(() => vi.restoreAllMocks())

  it('writes DIR/reports/report-<lang>.md with its charts beside it', async () => {
    const code = await reportCommand(['--experiment', dir, '--lang', 'zh-CN'])
    expect(code).toBe(0)
    const md = fs.readFileSync(join(dir, 'reports', 'report-zh-CN.md'), 'utf8')
    expect(md).toMatch(/^# 训练与推理Loss差距分析报告：实验 1\.4\.0/)
    expect(fs.existsSync(join(dir, 'reports', 'report-zh-CN.charts', 'per-sample.train.svg'))).toBe(true)
  })

  it('takes --out, --reported-loss and rejects an unknown language', async () => {
    const out = join(root, 'custom', 'gap.md')
    expect(await reportCommand(['--experiment', dir, '--out', out, '--reported-loss', '99'])).toBe(0)
    expect(fs.readFileSync(out, 'utf8')).toContain('No variant matches your 99.000')
    await expect(reportCommand(['--experiment', dir, '--lang', 'fr'])).rejects.toThrow(
      /--lang must be en or zh-CN/,
    )
    await expect(reportCommand(['--experiment', dir, '--reported-loss', 'x'])).rejects.toThrow(
      /--reported-loss/,
    )
  })

  it('--json prints the version-1 diagnosis with English conclusions, writes no markdown, exits 0', async () => {
    const out: string[] = []
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk))
      return true
    })
    const reports = join(dir, 'reports')
    const before = fs.existsSync(reports) ? fs.readdirSync(reports).sort() : []
    try {
      expect(await reportCommand(['--experiment', dir, '--json', '--lang', 'zh-CN'])).toBe(0)
    } finally {
      write.mockRestore()
    }
    const json = JSON.parse(out.join('')) as {
      version: number
      runs: { runId: string; checkpoint: string; dataset: string }[]
      verdicts: { hypothesis: string; status: string }[]
      conclusions: { dataset: string; cause: string; text: string }[]
    }
    expect(json.version).toBe(1)
    expect(json.runs.map((r) => [r.runId, r.checkpoint, r.dataset])).toEqual([
      ['20261127-090000-early', 'early', 'train'],
      ['20261127-100000-final', 'final', 'train'],
    ])
    expect(json.verdicts.some((v) => v.hypothesis === 'alignment' && v.status === 'fail')).toBe(true)
    expect(json.conclusions).toHaveLength(1)
    expect(json.conclusions[0]!.text).toMatch(/^eval\.json \(final\): /)
    expect(fs.existsSync(reports) ? fs.readdirSync(reports).sort() : []).toEqual(before)
    await expect(reportCommand(['--experiment', dir, '--json', '--out', join(root, 'x.md')])).rejects.toThrow(
      /--json/,
    )
  })

  it("--tail sets the training-loss window before each checkpoint's step", async () => {
    const exp = JSON.parse(fs.readFileSync(join(dir, 'experiment.json'), 'utf8')) as Experiment
    const stepped = join(root, 'stepped')
    fs.cpSync(dir, stepped, { recursive: true })
    exp.checkpoints = exp.checkpoints.map((c) => ({ ...c, step: c.id === 'final' ? 3000 : 1000 }))
    fs.writeFileSync(join(stepped, 'experiment.json'), JSON.stringify(exp))
    const out = join(root, 'tail', 'r.md')
    expect(await reportCommand(['--experiment', stepped, '--tail', '5', '--out', out])).toBe(0)
    const md = fs.readFileSync(out, 'utf8')
    expect(md).toContain('the mean of the 5 logged losses up to step 3000')
    expect(fs.existsSync(join(root, 'tail', 'r.charts', 'trajectory.train.svg'))).toBe(true)
    await expect(reportCommand(['--experiment', stepped, '--tail', '0'])).rejects.toThrow(/--tail/)
  })

  it('exits by itself when run from the terminal (every chart disposed)', () => {
    const res = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/main/cli.ts',
        'report',
        '--experiment',
        dir,
        '--out',
        join(root, 'spawned', 'r.md'),
      ],
      { encoding: 'utf8', timeout: 60_000 },
    )
    expect(res.signal).toBeNull()
    expect(res.status, res.stderr).toBe(0)
    expect(res.stdout).toContain(join(root, 'spawned', 'r.md'))
  })
})

describe('singleRunReport', () => {
  it('writes the report of one analyze run, with its training log', async () => {
    const results = makeResults(2, 20, { tf: 2.3, mis: 12.3, ar: 10.2 })
    const summary = runOf('final', 'train', join(dir, 'eval.json'), results).summary!
    const outFile = join(root, 'analysis', 'report.md')
    const { files, rendered } = await singleRunReport({
      summary: {
        ...summary,
        modelPath: join(dir, 'checkpoints/final/model.onnx'),
        tokenizerPath: join(dir, 'tokenizer.json'),
      },
      results,
      trainLogPath: join(dir, 'train.log'),
      fromTraining: true,
      reportedLoss: 12.34,
      step: 3000,
      lang: 'en',
      outFile,
    })
    expect(files).toContain(outFile)
    expect(rendered.markdown).toContain(sha('final model bytes'))
    expect(rendered.markdown).toContain('## ✅ Conclusion')
    expect(rendered.markdown).toContain('the mean of the 30 logged losses up to step 3000')
    expect(rendered.charts.map((c) => c.file)).toContain('report.charts/training-curve.svg')
    expect(fs.existsSync(join(root, 'analysis', 'report.charts', 'per-sample.data.svg'))).toBe(true)
  })
})

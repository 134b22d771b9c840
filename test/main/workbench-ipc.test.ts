/**
 * The workbench's host side (issue 14): the report and results come to a browser as downloads (the
 * zip read back by Python's zipfile, an independent reader), ids differing only in case are refused,
 * and the provider list is the platform's.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { crc32, zipStore } from '../../src/shared/zip'
import { providerChoices } from '../../src/main/engine/providers'
import { makeContext } from './helpers/context'

let cleanup: (() => void) | undefined
afterEach(() => {
  cleanup?.()
  cleanup = undefined
})

/** Python's zipfile: names, CRC-checked contents (testzip) of an archive. */
function readWithPython(zip: Uint8Array, dir: string): Record<string, string> {
  const file = join(dir, 'a.zip')
  fs.writeFileSync(file, zip)
  const out = execFileSync('python3', [
    '-c',
    'import json,sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\n' +
      'print(json.dumps({i.filename: z.read(i).decode("utf-8") for i in z.infolist()}))',
    file,
  ])
  return JSON.parse(out.toString()) as Record<string, string>
}

describe('store-only zip', () => {
  it('has the standard CRC-32 and reads back in Python with UTF-8 names', async () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926)
    const t = await makeContext()
    cleanup = t.cleanup
    const enc = new TextEncoder()
    const zip = zipStore([
      { name: 'report-zh-CN.md', data: enc.encode('# 报告\n') },
      { name: 'report-zh-CN.charts/per-sample.svg', data: enc.encode('<svg/>') },
      { name: 'empty.txt', data: new Uint8Array() },
    ])
    expect(readWithPython(zip, t.root)).toEqual({
      'report-zh-CN.md': '# 报告\n',
      'report-zh-CN.charts/per-sample.svg': '<svg/>',
      'empty.txt': '',
    })
    expect(() => zipStore([{ name: '../x', data: new Uint8Array() }])).toThrow(/not a relative path/)
  })
})

describe('downloads', () => {
  it('report:download zips the rendered report with its charts as the markdown links them', async () => {
    const t = await makeContext({
      kind: 'bridge',
      services: {
        renderReport: async (_dir, lang) => ({
          lang,
          markdown: '# Report\n![per sample](report-en.charts/per-sample.svg)\n',
          charts: [{ file: 'report-en.charts/per-sample.svg', title: 'per sample', svg: '<svg id="a"/>' }],
          files: [{ file: 'report-en.samples.csv', text: 'checkpoint,step\n' }],
        }),
      },
    })
    cleanup = t.cleanup
    await t.handlers['experiment:create']({ id: '1.4.0', title: 'dl' })
    const d = await t.handlers['report:download']({ experimentId: '1.4.0', lang: 'en' })
    expect(d.fileName).toBe('1.4.0-report-en.zip')
    expect(d.mime).toBe('application/zip')
    expect(readWithPython(Buffer.from(d.base64!, 'base64'), t.root)).toEqual({
      'report-en.md': '# Report\n![per sample](report-en.charts/per-sample.svg)\n',
      'report-en.charts/per-sample.svg': '<svg id="a"/>',
      'report-en.samples.csv': 'checkpoint,step\n',
    })
  })

  it('run:download gives the stored JSONL byte for byte, and a CSV row per sample', async () => {
    const t = await makeContext({ kind: 'bridge' })
    cleanup = t.cleanup
    await t.handlers['experiment:create']({ id: '1.4.0', title: 'dl' })
    const model = join(t.outside, 'model.onnx')
    const tok = join(t.outside, 'tokenizer.json')
    const data = join(t.outside, 'eval.json')
    fs.writeFileSync(model, 'x')
    fs.writeFileSync(tok, '{}')
    fs.writeFileSync(data, '[]')
    await t.handlers['experiment:addFiles']({ experimentId: '1.4.0', paths: [model, tok, data] })
    const exp = await t.handlers['experiment:get']({ experimentId: '1.4.0' })
    const { runIds } = await t.handlers['run:start']({
      experimentId: '1.4.0',
      checkpointIds: [exp.checkpoints[0]!.id],
      datasetId: exp.datasets[0]!.id,
      settings: exp.settings,
    })
    const runId = runIds[0]!
    // Until the run manager has let go of the run (its last write done), so cleanup cannot race it.
    for (let i = 0; i < 200 && t.ctx.current().runs.liveRuns('1.4.0').length > 0; i++)
      await new Promise((r) => setTimeout(r, 50))
    const { run } = await t.handlers['run:results']({ experimentId: '1.4.0', runId })
    expect(run.status).toBe('finished')
    const stored = fs.readFileSync(
      join(t.ctx.current().workspace.runDir('1.4.0', runId), 'results.jsonl'),
      'utf8',
    )
    const jsonl = await t.handlers['run:download']({ experimentId: '1.4.0', runId, format: 'jsonl' })
    expect(jsonl.text).toBe(stored)
    expect(jsonl.fileName).toBe(`1.4.0-${exp.checkpoints[0]!.id}-eval-${runId}.jsonl`)
    const csv = await t.handlers['run:download']({ experimentId: '1.4.0', runId, format: 'csv' })
    const lines = csv.text!.trim().split('\n')
    expect(lines[0]!.split(',').slice(0, 6)).toEqual([
      'checkpoint',
      'step',
      'dataset',
      'index',
      'id',
      'tokens',
    ])
    expect(lines.length - 1).toBe(stored.trim().split('\n').length)
  })
})

describe('experiment ids', () => {
  it('an id differing from an existing one only in case is refused on create, duplicate and rename', async () => {
    const t = await makeContext()
    cleanup = t.cleanup
    await t.handlers['experiment:create']({ id: '1.4.0-x', title: 'a' })
    await expect(t.handlers['experiment:create']({ id: '1.4.0-X', title: 'b' })).rejects.toThrow(
      /"1\.4\.0-x" already exists; "1\.4\.0-X" differs from it only in case/,
    )
    await t.handlers['experiment:create']({ id: 'other', title: 'c' })
    await expect(
      t.handlers['experiment:duplicate']({ experimentId: 'other', newId: '1.4.0-X' }),
    ).rejects.toThrow(/only in case/)
    await expect(
      t.handlers['experiment:rename']({ experimentId: 'other', newId: '1.4.0-X' }),
    ).rejects.toThrow(/only in case/)
    const ids = (await t.handlers['experiment:list']()).map((e) => e.id)
    expect(ids.filter((id) => id.toLowerCase() === '1.4.0-x')).toEqual(['1.4.0-x'])
  })
})

describe('providers', () => {
  it('are the platform’s: no dml or coreml on Linux, dml on Windows, coreml on macOS', async () => {
    expect(providerChoices('linux')).toEqual(['cpu', 'cuda', 'webgpu'])
    expect(providerChoices('win32')).toEqual(['cpu', 'cuda', 'dml', 'webgpu'])
    expect(providerChoices('darwin')).toEqual(['cpu', 'coreml', 'webgpu'])
    const t = await makeContext()
    cleanup = t.cleanup
    const info = await t.handlers['workspace:info']()
    expect(info.providers).toEqual(providerChoices(process.platform))
    expect(info.demoExperimentId).toBe('1.4.0-demo')
  })
})

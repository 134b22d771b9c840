import { describe, expect, it } from 'vitest'
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultExporterScript, runExporter } from '../../src/main/engine/evidence/run-exporter'
import { InputError } from '../../src/main/engine/errors'

// The "python" is Node itself running a fake exporter, so CI needs neither Python nor torch.
const FAKE_EXPORTER = `
const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) => (v.startsWith('--') ? [...a, [v.slice(2), all[i + 1]]] : a), []))
const fs = require('node:fs'), path = require('node:path')
console.log('loading ' + args.checkpoint)
console.error('warning: on stderr')
if (process.env.FAKE_FAIL) { console.log('Traceback (most recent call last):'); console.log('KeyError: model.norm.weight'); process.exit(3) }
for (const f of ['model.onnx', 'model.plain.onnx', 'tokenizer.json']) fs.writeFileSync(path.join(args.out, f), 'x')
fs.writeFileSync(path.join(args.out, 'manifest.json'), JSON.stringify({ args, opset: 17 }))
console.log('done')
`

async function setup(): Promise<{ dir: string; script: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'losslens-exporter-'))
  const script = join(dir, 'fake-export.cjs')
  await writeFile(script, FAKE_EXPORTER)
  return { dir, script }
}

describe('runExporter', () => {
  it('passes the paths as arguments, streams both outputs and returns the written files', async () => {
    const { dir, script } = await setup()
    const lines: string[] = []
    const out = join(dir, 'out dir with spaces')
    const result = await runExporter(
      {
        python: process.execPath,
        exporterScript: script,
        checkpointPath: join(dir, "my 'ckpt'.pth"),
        minimindDir: join(dir, 'minimind'),
        outDir: out,
        tokenizerPath: join(dir, 'tokenizer.json'),
      },
      (line) => lines.push(line),
    )
    expect(lines).toContain(`loading ${join(dir, "my 'ckpt'.pth")}`)
    expect(lines).toContain('warning: on stderr')
    // stdout and stderr are separate pipes: only the order within each is guaranteed.
    expect(lines.filter((l) => l !== 'warning: on stderr')).toEqual([
      `loading ${join(dir, "my 'ckpt'.pth")}`,
      'done',
    ])
    expect(result).toEqual({
      outDir: out,
      modelPath: join(out, 'model.onnx'),
      plainModelPath: join(out, 'model.plain.onnx'),
      tokenizerPath: join(out, 'tokenizer.json'),
      manifest: {
        opset: 17,
        args: {
          checkpoint: join(dir, "my 'ckpt'.pth"),
          'minimind-dir': join(dir, 'minimind'),
          out,
          tokenizer: join(dir, 'tokenizer.json'),
        },
      },
    })
  })

  it('passes the config, the head count and the probe data when given', async () => {
    const { dir, script } = await setup()
    const out = join(dir, 'o')
    const result = await runExporter(
      {
        python: process.execPath,
        exporterScript: script,
        checkpointPath: 'a.pth',
        minimindDir: dir,
        outDir: out,
        configPath: join(dir, 'config.json'),
        numHeads: 4,
        probeDataPath: join(dir, 'eval.json'),
      },
      () => {},
    )
    expect(result.manifest.args).toMatchObject({
      config: join(dir, 'config.json'),
      'num-heads': '4',
      'probe-data': join(dir, 'eval.json'),
    })
  })

  it('fails with the exporter’s last lines and its exit code', async () => {
    const { dir, script } = await setup()
    process.env.FAKE_FAIL = '1'
    try {
      const err = await runExporter(
        {
          python: process.execPath,
          exporterScript: script,
          checkpointPath: 'a.pth',
          minimindDir: dir,
          outDir: join(dir, 'o'),
        },
        () => {},
      ).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(InputError)
      expect((err as Error).message).toMatch(/exporter failed \(exit code 3\)/)
      expect((err as Error).message).toContain('\nKeyError: model.norm.weight')
    } finally {
      delete process.env.FAKE_FAIL
    }
  })

  it('says when Python is not found', async () => {
    const { dir, script } = await setup()
    await expect(
      runExporter(
        {
          python: join(dir, 'no-python3'),
          exporterScript: script,
          checkpointPath: 'a',
          minimindDir: dir,
          outDir: dir,
        },
        () => {},
      ),
    ).rejects.toThrow(/Python not found: ".*no-python3"/)
  })

  it('says which output is missing when the exporter exits 0 without writing it', async () => {
    const { dir } = await setup()
    const silent = join(dir, 'silent.cjs')
    await writeFile(silent, 'console.log("nothing written")')
    await expect(
      runExporter(
        {
          python: process.execPath,
          exporterScript: silent,
          checkpointPath: 'a',
          minimindDir: dir,
          outDir: join(dir, 'o'),
        },
        () => {},
      ),
    ).rejects.toThrow(/did not write model\.onnx/)
  })

  it('finds the tokenizer the manifest records when it was not copied, and says null when there is none', async () => {
    const { dir } = await setup()
    const script = join(dir, 'no-copy.cjs')
    await writeFile(
      script,
      `const fs = require('node:fs'), path = require('node:path'); const out = process.argv[process.argv.indexOf('--out') + 1]
       fs.writeFileSync(path.join(out, 'model.onnx'), 'x')
       fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify({ tokenizer: process.env.TOK ? { file: '../tok/tokenizer.json' } : null }))`,
    )
    await mkdir(join(dir, 'tok'))
    await writeFile(join(dir, 'tok', 'tokenizer.json'), '{}')
    const options = {
      python: process.execPath,
      exporterScript: script,
      checkpointPath: 'a',
      minimindDir: dir,
      outDir: join(dir, 'o'),
    }
    process.env.TOK = '1'
    try {
      expect((await runExporter(options, () => {})).tokenizerPath).toBe(join(dir, 'tok', 'tokenizer.json'))
    } finally {
      delete process.env.TOK
    }
    const none = await runExporter(options, () => {})
    expect([none.tokenizerPath, none.plainModelPath]).toEqual([null, null])
  })

  it('stops the exporter when aborted', async () => {
    const { dir } = await setup()
    const slow = join(dir, 'slow.cjs')
    await writeFile(slow, 'console.log("started"); setTimeout(() => {}, 60000)')
    const controller = new AbortController()
    const started = Date.now()
    const pass = runExporter(
      {
        python: process.execPath,
        exporterScript: slow,
        checkpointPath: 'a',
        minimindDir: dir,
        outDir: join(dir, 'o'),
      },
      () => controller.abort(),
      controller.signal,
    )
    await expect(pass).rejects.toThrow(/abort/i)
    expect(Date.now() - started).toBeLessThan(20_000)
  })
})

describe('defaultExporterScript', () => {
  it('finds tools/export_onnx.py in the nearest folder above', async () => {
    const { dir } = await setup()
    await mkdir(join(dir, 'tools'))
    await writeFile(join(dir, 'tools', 'export_onnx.py'), '')
    await mkdir(join(dir, 'out', 'main'), { recursive: true })
    expect(defaultExporterScript(join(dir, 'out', 'main'))).toBe(join(dir, 'tools', 'export_onnx.py'))
  })
})

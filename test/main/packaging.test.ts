/**
 * Packaging (electron-builder.json, `npm run dist`). Electron's binary cannot be downloaded here, so no
 * installer is built in the tests; what can be checked is: the configuration passes electron-builder's
 * own validation, every file it names exists, and the app electron-builder packs around a stand-in
 * for Electron's binary holds the right files, with the demo, the exporter script and onnxruntime's
 * native binding unpacked where the app's lookups find them.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appFile, demoDir, exporterScript } from '../../src/main/packaged-paths'
import { REPO, tmpDir } from '../engine/fixtures'

const require = createRequire(import.meta.url)
interface BuilderConfig {
  files: string[]
  asarUnpack: string[]
  directories: { output: string; buildResources: string }
  linux: { target: string[]; icon: string }
  win: { target: string[]; icon: string }
  mac: { target: string[]; icon: string }
}
const config = JSON.parse(fs.readFileSync(join(REPO, 'electron-builder.json'), 'utf8')) as BuilderConfig
const pkg = JSON.parse(fs.readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>
  main: string
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name)
    return e.isDirectory() ? filesUnder(p) : [p]
  })
}

/** Prefix of a "dir/**" pattern, the only form the patterns below use. */
function prefixOf(pattern: string): string {
  expect(pattern, 'asarUnpack patterns are "folder/**"').toMatch(/^[^*]+\/\*\*$/)
  return pattern.slice(0, -3)
}
const unpacked = (rel: string) => config.asarUnpack.some((p) => rel.startsWith(prefixOf(p) + '/'))

describe('electron-builder configuration', () => {
  it("passes electron-builder's schema validation", async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
      validateConfiguration: (config: unknown, logger: unknown) => Promise<void>
    }
    const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown }
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined()
    await expect(validateConfiguration({ ...config, bogus: 1 }, new DebugLogger(false))).rejects.toThrow(
      /Invalid configuration/,
    )
  })

  it('targets AppImage and deb, NSIS and dmg, with icons that exist', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb'])
    expect(config.win.target).toEqual(['nsis'])
    expect(config.mac.target).toEqual(['dmg'])
    for (const icon of [config.linux.icon, config.win.icon, config.mac.icon]) {
      expect(fs.existsSync(join(REPO, icon)), icon).toBe(true)
    }
    expect(fs.readFileSync(join(REPO, config.linux.icon)).subarray(1, 4).toString()).toBe('PNG')
    expect(fs.readFileSync(join(REPO, config.mac.icon)).subarray(0, 4).toString()).toBe('icns')
    expect(config.directories.buildResources).toBe('build')
    expect(pkg.scripts.dist).toMatch(/npm run build && electron-builder/)
  })

  it('names files that exist (after the build): the main entry, preload, renderer, demo and exporter', () => {
    expect(fs.existsSync(join(REPO, pkg.main))).toBe(true)
    for (const pattern of config.files.filter((f) => !f.startsWith('!'))) {
      const base = pattern.split('*')[0]!.replace(/\/$/, '')
      expect(fs.existsSync(join(REPO, base)), pattern).toBe(true)
      if (pattern.includes('*')) expect(filesUnder(join(REPO, base)).length, pattern).toBeGreaterThan(0)
    }
    expect(fs.existsSync(join(REPO, 'tools/export_onnx.py'))).toBe(true)
    expect(fs.existsSync(join(REPO, 'resources/demo/checkpoints/final/model.onnx'))).toBe(true)
  })

  it("unpacks every one of onnxruntime-node's native files, the demo and tools", () => {
    const ortBin = join(REPO, 'node_modules/onnxruntime-node/bin')
    const native = filesUnder(ortBin).filter((f) => /\.(node|so(\.\d+)*|dll|dylib)$/.test(f))
    expect(native.length).toBeGreaterThan(0)
    for (const f of native) expect(unpacked(relative(REPO, f)), f).toBe(true)
    expect(unpacked('resources/demo/checkpoints/final/model.onnx')).toBe(true)
    expect(unpacked('tools/export_onnx.py')).toBe(true)
    expect(unpacked('out/main/index.js')).toBe(false)
  })
})

/**
 * `electron-builder --dir --linux` for real, with a stand-in for Electron's binary (electronDist: a
 * folder holding an `electron` script): electron-builder then copies the app, its production
 * dependencies and the unpacked files exactly as `npm run dist` does, without a download.
 */
describe.runIf(process.platform === 'linux')('the app packed by electron-builder (Electron stand-in)', () => {
  let resources = ''
  let archive: string[] = []
  let tmp = ''
  afterAll(() => tmp && fs.rmSync(tmp, { recursive: true, force: true }))
  beforeAll(() => {
    tmp = tmpDir('losslens-pack-')
    const fakeElectron = join(tmp, 'electron-dist')
    fs.mkdirSync(fakeElectron)
    fs.writeFileSync(join(fakeElectron, 'electron'), '#!/bin/sh\necho stand-in\n', { mode: 0o755 })
    for (const f of ['LICENSE', 'LICENSES.chromium.html']) fs.writeFileSync(join(fakeElectron, f), '')
    fs.writeFileSync(join(fakeElectron, 'version'), '45.5.0')
    const output = join(tmp, 'dist')
    const r = spawnSync(
      process.execPath,
      [
        join(REPO, 'node_modules/electron-builder/cli.js'),
        '--dir',
        '--linux',
        '--x64',
        `-c.electronDist=${fakeElectron}`,
        `-c.directories.output=${output}`,
      ],
      { cwd: REPO, encoding: 'utf8', timeout: 280_000 },
    )
    expect(r.status, r.stdout + r.stderr).toBe(0)
    resources = join(output, 'linux-unpacked', 'resources')
    const asar = require('@electron/asar') as { listPackage: (path: string) => string[] }
    archive = asar.listPackage(join(resources, 'app.asar')).map((f) => f.replace(/\\/g, '/'))
  }, 300_000)

  it('holds the built app in the archive and leaves development packages out', () => {
    for (const f of [
      '/package.json',
      '/out/main/index.js',
      '/out/main/inference-worker.js',
      '/out/preload/index.cjs',
      '/out/renderer/index.html',
    ]) {
      expect(archive, f).toContain(f)
    }
    for (const dev of ['tsx', 'electron', 'esbuild', 'vitest', 'electron-builder']) {
      expect(
        archive.some((f) => f.startsWith(`/node_modules/${dev}/`)),
        dev,
      ).toBe(false)
    }
    expect(archive.some((f) => f.endsWith('.map'))).toBe(false)
    // Only what "files" names: no sources, tests or the CLI build.
    expect(archive.filter((f) => /^\/(src|test|bench|scripts|out\/cli)\//.test(f))).toEqual([])
  })

  it('unpacks the demo, the exporter and onnxruntime for this platform only, and the lookups find them', () => {
    const appPath = join(resources, 'app.asar')
    const unpackedRoot = join(resources, 'app.asar.unpacked')
    expect(demoDir(appPath)).toBe(join(unpackedRoot, 'resources', 'demo'))
    expect(fs.statSync(join(demoDir(appPath), 'checkpoints/final/model.onnx')).size).toBeGreaterThan(
      1_000_000,
    )
    expect(exporterScript(appPath)).toBe(join(unpackedRoot, 'tools', 'export_onnx.py'))
    expect(fs.existsSync(join(unpackedRoot, 'tools', 'bpe_tokenizer.py'))).toBe(true)
    // onnxruntime-node loads ../bin/napi-v6/<platform>/<arch>/onnxruntime_binding.node from dist/binding.js.
    const ort = join(unpackedRoot, 'node_modules', 'onnxruntime-node')
    expect(fs.existsSync(join(ort, 'dist', 'binding.js'))).toBe(true)
    const binding = appFile(
      appPath,
      'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
    )
    expect(binding.startsWith(unpackedRoot)).toBe(true)
    expect(fs.statSync(binding).size).toBeGreaterThan(0)
    expect(fs.existsSync(join(dirname(binding), 'libonnxruntime.so.1'))).toBe(true)
    expect(fs.readdirSync(join(ort, 'bin', 'napi-v6'))).toEqual(['linux'])
  })
})

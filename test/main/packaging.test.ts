/**
 * Packaging (electron-builder.json, `npm run dist`). Electron's binary cannot be downloaded here, so no
 * installer is built in the tests; what can be checked is: the configuration passes electron-builder's
 * own validation, every file it names exists, and in an app laid out the way electron-builder lays
 * it out (resources/app.asar + app.asar.unpacked, decided by the same asarUnpack patterns) the demo,
 * the exporter script and onnxruntime-node's native binding are found as real files.
 */
import fs from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
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

describe('paths in the packaged layout', () => {
  /** resources/app.asar (a folder standing for the archive) and app.asar.unpacked, split by asarUnpack. */
  function layOut(): string {
    const resources = join(tmpDir('losslens-asar-'), 'resources')
    const sources = [
      ...filesUnder(join(REPO, 'node_modules/onnxruntime-node')).filter(
        (f) => !f.includes('node_modules/onnxruntime-node/node_modules'),
      ),
      ...filesUnder(join(REPO, 'resources/demo')),
      ...filesUnder(join(REPO, 'tools')).filter((f) => f.endsWith('.py')),
    ]
    for (const file of sources) {
      const rel = relative(REPO, file)
      const target = join(resources, unpacked(rel) ? 'app.asar.unpacked' : 'app.asar', rel)
      fs.mkdirSync(dirname(target), { recursive: true })
      fs.writeFileSync(target, '') // the layout is what is tested, not the bytes
    }
    return join(resources, 'app.asar')
  }

  it('finds the demo and the exporter script unpacked, as real files', () => {
    const appPath = layOut()
    const root = appPath.replace(/app\.asar$/, 'app.asar.unpacked')
    expect(demoDir(appPath)).toBe(join(root, 'resources', 'demo'))
    expect(fs.existsSync(join(demoDir(appPath), 'manifest.json'))).toBe(true)
    expect(exporterScript(appPath)).toBe(join(root, 'tools', 'export_onnx.py'))
    expect(fs.existsSync(join(root, 'tools', 'bpe_tokenizer.py'))).toBe(true)
  })

  it("finds onnxruntime-node's binding where its loader asks for it, with its shared library beside it", () => {
    const appPath = layOut()
    const loader = fs.readFileSync(join(REPO, 'node_modules/onnxruntime-node/dist/binding.js'), 'utf8')
    const asked =
      /require\(`(\.\.\/bin\/napi-v6\/\$\{process\.platform\}\/\$\{process\.arch\}\/onnxruntime_binding\.node)`\)/.exec(
        loader,
      )
    expect(asked, 'the binding path onnxruntime-node requires').not.toBeNull()
    const rel = asked![1]!
      .replace('${process.platform}', process.platform)
      .replace('${process.arch}', process.arch)
    const inArchive = relative(appPath, join(appPath, 'node_modules/onnxruntime-node/dist', rel))
    // Electron loads a native module listed as unpacked from app.asar.unpacked: it must be there.
    const binding = appFile(appPath, inArchive)
    expect(binding).toContain('app.asar.unpacked')
    expect(fs.existsSync(binding)).toBe(true)
    const libs = fs.readdirSync(dirname(binding)).filter((f) => f !== 'onnxruntime_binding.node')
    expect(
      libs.some((f) => /onnxruntime/i.test(f)),
      libs.join(', '),
    ).toBe(true)
  })

  it('from a source checkout, the paths are the repository files', () => {
    expect(demoDir(REPO)).toBe(join(REPO, 'resources', 'demo'))
    expect(exporterScript(REPO)).toBe(join(REPO, 'tools', 'export_onnx.py'))
  })
})

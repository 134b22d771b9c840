import { describe, expect, it } from 'vitest'
import { appUrlMatcher, CONTENT_SECURITY_POLICY, isSafeExternalUrl } from '../../src/main/security'
import { GrantedPaths, OpenPaths, PathDeniedError } from '../../src/main/ipc/path-access'
import { checkProgram, ProgramDeniedError } from '../../src/main/ipc/handlers/programs'
import { SettingsStore } from '../../src/main/store/app-settings'

describe('security rules', () => {
  it('the CSP starts from default-src none and allows only the app and the loopback WebSocket', () => {
    expect(CONTENT_SECURITY_POLICY).toMatch(/^default-src 'none'; script-src 'self';/)
    expect(CONTENT_SECURITY_POLICY).toContain("connect-src 'self' ws://127.0.0.1:*")
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/)
  })

  it('external links: http(s) only, with a host and no credentials', () => {
    expect(isSafeExternalUrl('https://github.com/jingyaogong/minimind')).toBe(true)
    expect(isSafeExternalUrl('http://example.org')).toBe(true)
    for (const bad of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://host/share',
      'https://u:p@host/',
      'not a url',
    ]) {
      expect(isSafeExternalUrl(bad)).toBe(false)
    }
  })

  it('app URLs: the built renderer folder or the dev server origin', () => {
    const isApp = appUrlMatcher({ rendererDir: '/app/out/renderer', devServerUrl: 'http://localhost:5173' })
    expect(isApp('file:///app/out/renderer/index.html')).toBe(true)
    expect(isApp('file:///app/out/renderer/index.html#/experiments/1')).toBe(true)
    expect(isApp('file:///app/out/renderer-evil/index.html')).toBe(false)
    expect(isApp('file:///app/out/renderer/../../secret.html')).toBe(false)
    expect(isApp('file:///etc/passwd')).toBe(false)
    expect(isApp('http://localhost:5173/')).toBe(true)
    expect(isApp('http://localhost:5174/')).toBe(false)
    expect(appUrlMatcher({ rendererDir: '/app/out/renderer' })('http://localhost:5173/')).toBe(false)
  })

  it('granted paths: the workspace, what was granted and beneath it; nothing relative', () => {
    const access = new GrantedPaths(() => '/ws')
    expect(access.check('/ws/experiments/a/x.onnx', 'model')).toBe('/ws/experiments/a/x.onnx')
    expect(() => access.check('/ws/../etc/passwd', 'model')).toThrow(PathDeniedError)
    expect(() => access.check('/data/m.onnx', 'model')).toThrow(/model: "\/data\/m.onnx" was not chosen/)
    access.grant('/data')
    expect(access.check('/data/m.onnx', 'model')).toBe('/data/m.onnx')
    expect(() => access.check('/database/m.onnx', 'model')).toThrow(PathDeniedError)
    expect(() => access.check('data/m.onnx', 'model')).toThrow(/absolute path/)
    expect(() => access.check('/data/m\0.onnx', 'model')).toThrow(PathDeniedError)
    expect(new OpenPaths().check('/anything/at/all', 'x')).toBe('/anything/at/all')
  })

  it('programs (desktop): bare python names, or a path chosen in the Python dialog, never a merely granted file', async () => {
    const access = new GrantedPaths(() => '/ws')
    const ctx = {
      host: { kind: 'electron' as const, trash: async () => {} },
      access,
      settings: new SettingsStore('/nonexistent/settings.json'),
    }
    expect(await checkProgram(ctx, 'python3.11')).toBe('python3.11')
    await expect(checkProgram(ctx, 'bash')).rejects.toThrow(ProgramDeniedError)
    access.grant('/opt/conda/bin/python')
    await expect(checkProgram(ctx, '/opt/conda/bin/python')).rejects.toThrow(
      /not chosen in the Python interpreter dialog/,
    )
    access.grantProgram('/opt/conda/bin/python')
    expect(await checkProgram(ctx, '/opt/conda/bin/python')).toBe('/opt/conda/bin/python')
  })

  it('programs (bridge): only the interpreter it was started with', async () => {
    const ctx = {
      host: { kind: 'bridge' as const, trash: async () => {}, python: '/opt/py/bin/python3' },
      access: new OpenPaths(),
      settings: new SettingsStore('/nonexistent/settings.json'),
    }
    expect(await checkProgram(ctx, undefined)).toBe('/opt/py/bin/python3')
    expect(await checkProgram(ctx, '/opt/py/bin/python3')).toBe('/opt/py/bin/python3')
    for (const other of ['/usr/bin/id', 'python3', 'python', '/bin/sh'])
      await expect(checkProgram(ctx, other)).rejects.toThrow(/only the interpreter it was started with/)
  })
})

import { describe, expect, it } from 'vitest'
import { appUrlMatcher, CONTENT_SECURITY_POLICY, isSafeExternalUrl } from '../../src/main/security'
import { GrantedPaths, OpenPaths, PathDeniedError } from '../../src/main/ipc/path-access'
import { checkProgram } from '../../src/main/ipc/handlers/programs'

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

  it('programs: bare python names, or a chosen path', () => {
    const access = new GrantedPaths(() => '/ws')
    expect(checkProgram(access, 'python3.11')).toBe('python3.11')
    expect(() => checkProgram(access, 'bash')).toThrow(PathDeniedError)
    access.grant('/opt/conda/bin/python')
    expect(checkProgram(access, '/opt/conda/bin/python')).toBe('/opt/conda/bin/python')
  })
})

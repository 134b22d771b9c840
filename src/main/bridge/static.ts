/** Serves the built renderer's files: no path traversal, no symlink escape, the app's CSP on every page. */
import fs from 'node:fs'
import type { ServerResponse } from 'node:http'
import { extname, join, posix } from 'node:path'
import { CONTENT_SECURITY_POLICY } from '../security'
import { isInside } from '../store/paths'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
}

/** Headers every bridge response carries; the header CSP adds frame-ancestors, which a meta tag cannot. */
export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
}

/**
 * The file under `root` a URL path names, or null when it does not name one: undecodable, with a NUL,
 * a ".." that climbs out, a dot-file, or a symlink that leads outside `root`.
 */
export function resolveStatic(root: string, urlPath: string): string | null {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return null
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null
  const normal = posix.normalize('/' + decoded)
  if (normal.split('/').some((segment) => segment === '..' || segment.startsWith('.'))) return null
  const file = join(root, normal === '/' ? 'index.html' : normal)
  if (!isInside(root, file)) return null
  try {
    const real = fs.realpathSync(file)
    if (!isInside(fs.realpathSync(root), real) || !fs.statSync(real).isFile()) return null
    return real
  } catch {
    return null
  }
}

/** Sends a file with its content type and the security headers. */
export function sendFile(res: ServerResponse, file: string, head: boolean): void {
  const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream'
  const { size } = fs.statSync(file)
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': type,
    'Content-Length': size,
    // Pages carry no secrets but must not be cached with their token in the URL; hashed assets may.
    'Cache-Control': type.startsWith('text/html') ? 'no-store' : 'no-cache',
  })
  if (head) {
    res.end()
    return
  }
  fs.createReadStream(file).pipe(res)
}

/** A short plain-text error with the security headers. */
export function sendStatus(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-store',
  })
  res.end(status === 204 ? undefined : message + '\n')
}

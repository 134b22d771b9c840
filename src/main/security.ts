/**
 * The window's security rules: the Content-Security-Policy, which URLs are the app's own pages,
 * which links may open in the user's browser, and no navigation or new windows.
 */
import { pathToFileURL } from 'node:url'
import type { App, Session, WebContents } from 'electron'

/**
 * The CSP of every app page (also in src/renderer/index.html's meta tag). connect-src allows the
 * browser bridge's WebSocket on the loopback address.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self' ws://127.0.0.1:* ws://localhost:*",
].join('; ')

/** Decides whether a URL is one of the app's pages: files under the built renderer, or the dev server. */
export function appUrlMatcher(o: { rendererDir: string; devServerUrl?: string }): (url: string) => boolean {
  const fileBase = pathToFileURL(o.rendererDir).href.replace(/\/?$/, '/')
  const devOrigin = o.devServerUrl ? safeOrigin(o.devServerUrl) : null
  return (url) => {
    if (url.startsWith(fileBase) && !url.slice(fileBase.length).split(/[?#]/)[0]!.split('/').includes('..'))
      return true
    return devOrigin !== null && safeOrigin(url) === devOrigin
  }
}

function safeOrigin(url: string): string | null {
  try {
    const u = new URL(url)
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null
  } catch {
    return null
  }
}

/** Only http(s) links, with a host and without credentials, may be handed to the user's browser. */
export function isSafeExternalUrl(url: string): boolean {
  try {
    const u = new URL(url)
    return (
      (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '' && !u.username && !u.password
    )
  } catch {
    return false
  }
}

/** Denies new windows and navigation away from the app; http(s) links go to the user's browser instead. */
export function hardenWebContents(
  contents: Pick<WebContents, 'setWindowOpenHandler' | 'on'>,
  o: { isAppUrl: (url: string) => boolean; openExternal: (url: string) => void },
): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) o.openExternal(url)
    return { action: 'deny' }
  })
  contents.on('will-navigate', (event, url) => {
    if (o.isAppUrl(url)) return
    event.preventDefault()
    if (isSafeExternalUrl(url)) o.openExternal(url)
  })
  contents.on('will-redirect', (event, url) => {
    if (!o.isAppUrl(url)) event.preventDefault()
  })
  contents.on('will-attach-webview', (event) => event.preventDefault())
}

/**
 * The one place web contents are hardened: every web contents the app creates (the main window's
 * and any other) gets hardenWebContents as it is created, so no window can forget it.
 */
export function hardenEveryWebContents(
  app: Pick<App, 'on'>,
  o: { isAppUrl: (url: string) => boolean; openExternal: (url: string) => void },
): void {
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, o))
}

/** Sets the CSP header on the app's pages and refuses every permission request (camera, notifications, ...). */
export function hardenSession(session: Session, isAppUrl: (url: string) => boolean): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    if (!isAppUrl(details.url)) return callback({ responseHeaders: details.responseHeaders })
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    })
  })
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  session.setPermissionCheckHandler(() => false)
}

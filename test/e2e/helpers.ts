/**
 * End-to-end helpers: build the renderer when it is missing or older than its sources, start the real
 * browser bridge (`src/main/serve.ts`) in a child process, launch Debian's Chromium, and read the page.
 * Page-side code is passed as strings: this folder is type-checked without the DOM library.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import { join, resolve } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'

export const REPO = resolve(__dirname, '../..')
export const SHOTS = join(REPO, 'test-artifacts', 'screenshots')
const OUT_INDEX = join(REPO, 'out', 'renderer', 'index.html')

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs)
  }
  return newest
}

/** Builds out/ with electron-vite when the renderer bundle is missing or stale. */
export function ensureRendererBuilt(): void {
  const built = fs.existsSync(OUT_INDEX) ? fs.statSync(OUT_INDEX).mtimeMs : 0
  const sources = Math.max(
    newestMtime(join(REPO, 'src', 'renderer')),
    newestMtime(join(REPO, 'src', 'shared')),
  )
  if (built >= sources) return
  execFileSync(
    process.execPath,
    [join(REPO, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
    {
      cwd: REPO,
      stdio: 'pipe',
    },
  )
}

export interface Served {
  url: string
  child: ChildProcess
  stop(): Promise<void>
}

/** `npm run serve -- --workspace DIR --port 0` as a child process; resolves with the printed URL. */
export function startServe(workspace: string, configHome: string): Promise<Served> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(REPO, 'src', 'main', 'serve.ts'), '--workspace', workspace, '--port', '0'],
    { cwd: REPO, env: { ...process.env, XDG_CONFIG_HOME: configHome }, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let log = ''
  return new Promise((resolveServed, reject) => {
    const timer = setTimeout(() => reject(new Error(`the bridge did not start in 60 s:\n${log}`)), 60_000)
    const onData = (chunk: Buffer) => {
      log += chunk.toString()
      const m = /LossLens bridge: (http:\/\/\S+)/.exec(log)
      if (!m) return
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      resolveServed({
        url: m[1]!,
        child,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done()
            child.once('exit', () => done())
            child.kill('SIGTERM')
            setTimeout(() => child.kill('SIGKILL'), 10_000).unref()
          }),
      })
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (c: Buffer) => (log += c.toString()))
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the bridge exited with ${code}:\n${log}`))
    })
  })
}

export const CHROMIUM = '/usr/bin/chromium'

/** Debian's Chromium, headless; without it, an error that says how to install it. */
export function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} not found: the end-to-end tests need Debian's Chromium ` +
        '(sudo apt-get install chromium, as .ci/run does)',
    )
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
}

/** Chooses a file through the bridge's picker: Browse…, type the path, Enter. */
export async function pickFile(page: Page, browseTestId: string, path: string): Promise<void> {
  await page.click(`[data-test="${browseTestId}"]`)
  await page.waitForSelector('[data-test="file-picker"] [role="listbox"][aria-busy="false"]')
  await page.fill('[data-test="picker-path"]', path)
  await page.press('[data-test="picker-path"]', 'Enter')
  try {
    await page.waitForSelector('[data-test="file-picker"]', { state: 'detached', timeout: 15_000 })
  } catch (err) {
    await shot(page, 'failed-picker')
    const state = await page.evaluate(`(() => {
      const m = document.querySelector('[data-test="file-picker"]')
      return m ? m.querySelector('[data-test="picker-path"]').value + ' | ' + (m.querySelector('[data-test="picker-error"]')?.textContent ?? '') : 'closed'
    })()`)
    throw new Error(`picking ${path}: ${(err as Error).message.split('\n')[0]}; picker: ${state}`)
  }
}

/**
 * For each chart under `scope`: its name, the data points its option holds (data-points), and how many
 * canvas pixels are painted in a colour that is not the background (sampled on a grid).
 */
export async function chartsDrawn(
  page: Page,
  scope = 'body',
): Promise<{ name: string; points: number; painted: number }[]> {
  // Charts are created and drawn one per task (lib/task-queue.ts), the draw landing in the next
  // animation frame: wait until each under `scope` has its first option, then for two frames.
  const sel = JSON.stringify(`${scope} [data-chart]`)
  await waitForPage(page, `[...document.querySelectorAll(${sel})].every((f) => f.dataset.drawn === 'true')`)
  await page.evaluate(
    'new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 0))))',
  )
  return page.evaluate(`(() => {
    const out = []
    for (const fig of document.querySelectorAll(${JSON.stringify(scope)} + ' [data-chart]')) {
      const canvas = fig.querySelector('canvas')
      let painted = 0
      if (canvas && canvas.width > 0 && canvas.height > 0) {
        const ctx = canvas.getContext('2d')
        const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height)
        const step = 4 * 3
        for (let i = 0; i < data.length; i += step) {
          const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]]
          if (a > 0 && !(r > 245 && g > 245 && b > 245)) painted++
        }
      }
      out.push({ name: fig.dataset.chart, points: Number(fig.dataset.points), painted })
    }
    return out
  })()`)
}

/** Text of the cells of the run table's rows in view: { index -> { column -> text } }. */
export async function tableCells(page: Page): Promise<Record<string, Record<string, string>>> {
  return page.evaluate(`(() => {
    const rows = {}
    for (const tr of document.querySelectorAll('[data-test="sample-table"] .tr')) {
      const cells = {}
      for (const td of tr.querySelectorAll('[data-col]')) cells[td.dataset.col] = td.textContent.trim()
      rows[tr.dataset.index] = cells
    }
    return rows
  })()`)
}

/**
 * Waits until a page expression is truthy. (page.waitForFunction compiles string predicates with eval,
 * which the window's CSP forbids; page.evaluate does not.)
 */
export async function waitForPage(page: Page, expression: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs
  for (;;) {
    if (await page.evaluate(expression)) return
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${expression}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

export async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true })
  await page.screenshot({ path: join(SHOTS, `${name}.png`) })
}

/** One results.jsonl, parsed. */
export function readResults(file: string): { index: number; [k: string]: unknown }[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { index: number })
}

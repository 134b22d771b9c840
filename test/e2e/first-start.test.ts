/**
 * A first start at 1024×700 in Chinese, in Debian's Chromium through the real bridge and engine: the
 * demo opens with the first-steps guide (not a blank page), the guide's three steps run the final
 * checkpoint, open a sample and open the report, and the narrow window keeps the experiment id on
 * one line, the run list without sideways scrolling and the sample table whole beside an open sample.
 * The report downloads as a zip. Screenshots (zh-CN, CJK fonts from .ci/run) go to test-artifacts.
 */
import fs from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { ensureRendererBuilt, launchChromium, shot, startServe, waitForPage, type Served } from './helpers'

describe('first start at 1024×700 in zh-CN', () => {
  let tmp: string
  let served: Served
  let browser: Browser
  let page: Page
  const errors: string[] = []

  beforeAll(async () => {
    ensureRendererBuilt()
    tmp = fs.mkdtempSync(join(os.tmpdir(), 'losslens-e2e-first-'))
    fs.mkdirSync(join(tmp, 'workspace'))
    served = await startServe(join(tmp, 'workspace'), join(tmp, 'config'))
    browser = await launchChromium()
    page = await browser.newPage({
      viewport: { width: 1024, height: 700 },
      colorScheme: 'light',
      locale: 'zh-CN',
      acceptDownloads: true,
    })
    page.on('pageerror', (e) => errors.push(e.message))
  }, 240_000)

  afterAll(async () => {
    await browser?.close()
    await served?.stop()
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true })
  })

  it('opens the demo with the guide, and the language button reads without CJK glyphs', async () => {
    await page.goto(served.url)
    await page.waitForSelector('[data-test="guide"]')
    await page.waitForSelector('[data-test="experiment-id"]:has-text("1.4.0-demo")')
    const languages = await page.$$eval('[data-test="language"] option', (o) => o.map((x) => x.textContent))
    expect(languages).toEqual(['English', '中文 (zh-CN)'])
    // The id stays on one line at this width.
    const id = (await page.evaluate(`(() => {
      const el = document.querySelector('[data-test="experiment-id"]')
      const style = getComputedStyle(el)
      const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.6
      return { height: el.getBoundingClientRect().height, line }
    })()`)) as { height: number; line: number }
    expect(id.height).toBeLessThan(id.line * 1.5)
    await shot(page, 'first-start-guide-zh-1024')
  }, 60_000)

  it('runs the final checkpoint from the guide, then opens a sample and the report', async () => {
    await page.click('[data-test="guide-run"]')
    await page.waitForSelector('[data-test="guide"] li[data-step="run"].done', { timeout: 240_000 })
    await page.click('[data-test="guide"] li[data-step="sample"] button')
    await page.waitForSelector('[data-test="run-list"] tr[data-status="finished"]')
    // The run list fits: no sideways scrolling at 1024 px.
    const list = (await page.evaluate(`(() => {
      const el = document.querySelector('[data-test="run-list"]')
      return { scroll: el.scrollWidth, client: el.clientWidth }
    })()`)) as { scroll: number; client: number }
    expect(list.scroll).toBeLessThanOrEqual(list.client + 1)
    expect(await page.textContent('[data-test="run-settings-line"]')).toMatch(
      /^L \d+ · P \d+ · 批大小 \d+ · /,
    )

    await page.click('[data-test="sample-table"] .tr[data-index="0"]')
    await page.waitForSelector('[data-test="guide"] li[data-step="sample"].done')
    // Beside the open sample the table keeps every column in view (none cut at the right edge).
    await waitForPage(page, `!!document.querySelector('.lower.with-detail')`)
    const cut = (await page.evaluate(`(() => {
      const table = document.querySelector('[data-test="sample-table"]')
      const right = table.getBoundingClientRect().right
      return [...table.querySelectorAll('.thead [role="columnheader"]')]
        .filter((h) => h.getBoundingClientRect().right > right + 1).map((h) => h.textContent.trim())
    })()`)) as string[]
    await shot(page, 'first-start-sample-zh-1024')
    expect(cut).toEqual([])

    await page.click('[data-test="guide"] li[data-step="report"] button')
    await page.waitForSelector('[data-test="guide"] li[data-step="report"].done')
    await page.waitForSelector('[data-test="report"][data-complete="true"] h2 .emoji-icon', {
      timeout: 60_000,
    })
    await shot(page, 'first-start-report-zh-1024')
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-test="download-report"]'),
    ])
    expect(download.suggestedFilename()).toBe('1.4.0-demo-report-zh-CN.zip')
    const zip = fs.readFileSync((await download.path())!)
    expect(zip.subarray(0, 4).toString('hex')).toBe('504b0304')
    expect(zip.includes(Buffer.from('report-zh-CN.md'))).toBe(true)

    await page.click('[data-test="guide-dismiss"]')
    await page.waitForSelector('[data-test="guide"]', { state: 'detached' })
    // Dismissed for good: a reload lands where the address says, without the guide.
    await page.reload()
    await page.waitForSelector('[data-test="experiment-id"]')
    expect(await page.$('[data-test="guide"]')).toBeNull()
    expect(errors).toEqual([])
  }, 400_000)
})

/**
 * The window end to end, in Debian's Chromium, through the real bridge and the real engine:
 * create experiment 1.4.0, add two checkpoints and an evaluation set through the bridge's file picker,
 * run, watch rows stream in, cancel and resume, open a sample, compare, read the report; the numbers
 * on screen are checked against results.jsonl and every chart is checked for painted pixels.
 * Screenshots of each view (light, dark, zh-CN) go to test-artifacts/screenshots/.
 *
 * Uses the bundled demo (resources/demo). Needs Debian's Chromium: without it the suite fails with the
 * command that installs it.
 */
import fs from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { fixture } from '../engine/fixtures'
import {
  REPO,
  chartsDrawn,
  ensureRendererBuilt,
  launchChromium,
  pickFile,
  readResults,
  shot,
  startServe,
  tableCells,
  waitForPage,
  type Served,
} from './helpers'

const DEMO = join(REPO, 'resources', 'demo')

interface Setup {
  early: string
  final: string
  /** The .pth the final checkpoint was exported from, for weight verification (demo only). */
  finalSource: string | null
  tokenizer: string
  dataset: string
  trainData: string
  trainLog: string | null
  inputLength: number
  predictLength: number
  limit: number
}

function setup(): Setup {
  const log = join(DEMO, 'train.log')
  return {
    early: fixture(join(DEMO, 'checkpoints', 'early', 'model.onnx')),
    final: fixture(join(DEMO, 'checkpoints', 'final', 'model.onnx')),
    finalSource:
      fs
        .readdirSync(join(DEMO, 'checkpoints', 'final'))
        .filter((f) => f.endsWith('.pth'))
        .map((f) => join(DEMO, 'checkpoints', 'final', f))[0] ?? null,
    tokenizer: join(DEMO, 'tokenizer.json'),
    dataset: join(DEMO, 'eval_data_from_train.json'),
    trainData: join(DEMO, 'train.jsonl'),
    trainLog: fs.existsSync(log) && fs.statSync(log).size > 0 ? log : null,
    inputLength: 64,
    predictLength: 30,
    limit: 12,
  }
}

const fixed = (x: unknown, digits = 4) => (typeof x === 'number' ? x.toFixed(digits) : '—')

describe('workbench in Chromium through the bridge', () => {
  let tmp: string
  let workspace: string
  let served: Served
  let browser: Browser
  let page: Page
  let s: Setup
  const errors: string[] = []

  beforeAll(async () => {
    ensureRendererBuilt()
    tmp = fs.mkdtempSync(join(os.tmpdir(), 'losslens-e2e-'))
    workspace = join(tmp, 'workspace')
    fs.mkdirSync(workspace)
    s = setup()
    served = await startServe(workspace, join(tmp, 'config'))
    browser = await launchChromium()
    page = await browser.newPage({
      viewport: { width: 1440, height: 900 },
      colorScheme: 'light',
      locale: 'en-US',
    })
    page.on('pageerror', (e) => errors.push(e.message))
  }, 240_000)

  afterAll(async () => {
    await browser?.close()
    await served?.stop()
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true })
  })

  const runDir = () => join(workspace, 'experiments', '1.4.0', 'runs')
  const runIdOf = (label: string) =>
    fs.readdirSync(runDir()).find((id) => {
      const info = JSON.parse(fs.readFileSync(join(runDir(), id, 'run.json'), 'utf8')) as { label: string }
      return info.label === label
    })!

  it('creates an experiment, adds checkpoints and data through the file picker', async () => {
    await page.goto(served.url)
    await page.waitForSelector('[data-test="new-experiment"]')
    await page.click('[data-test="new-experiment"]')
    await page.fill('input[name="id"]', '1.4.0')
    await page.fill('input[name="title"]', 'model_original baseline')
    await page.click('[data-test="create-submit"]')
    await page.waitForSelector('[data-test="experiment-id"]:has-text("1.4.0")')
    await page.waitForSelector('[data-experiment="1.4.0"]')

    // A browser cannot say where a dropped file lives: the window explains and offers the picker.
    await page.evaluate(`(() => {
      const dt = new DataTransfer()
      dt.items.add(new File(['{}'], 'tokenizer.json', { type: 'application/json' }))
      window.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, cancelable: true }))
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, cancelable: true }))
    })()`)
    await page.waitForSelector('[data-test="drop-notice"]')
    await page.keyboard.press('Escape')
    await page.waitForSelector('[data-test="drop-notice"]', { state: 'detached' })

    for (const [label, model] of [
      ['early', s.early],
      ['final', s.final],
    ] as const) {
      await page.click('[data-test="add-checkpoint"]')
      await pickFile(page, 'browse-model', model)
      await pickFile(page, 'browse-tokenizer', s.tokenizer)
      if (label === 'final' && s.finalSource) await pickFile(page, 'browse-source', s.finalSource)
      await page.fill('[data-test="add-checkpoint-dialog"] input[name="label"]', label)
      await page.click('[data-test="add-checkpoint-submit"]')
      await page.waitForSelector('[data-test="add-checkpoint-dialog"]', { state: 'detached' })
      // What the model is, from checkpoint:describe.
      await page.waitForSelector(`[data-checkpoint="${label}"] [data-test="model-facts"]`, {
        timeout: 60_000,
      })
    }
    if (s.finalSource) {
      await page.click('[data-checkpoint="final"] [data-test="verify-weights"]')
      await page.waitForSelector('[data-checkpoint="final"] [data-test="weights"]', { timeout: 60_000 })
      expect(await page.textContent('[data-checkpoint="final"] [data-test="weights"]')).toMatch(
        /PASS\s*(\d+)\/\1 tensors matched/i,
      )
    }
    await page.click('[data-test="add-dataset"]')
    await pickFile(page, 'browse-dataset', s.dataset)
    await pickFile(page, 'browse-train', s.trainData)
    await page.click('[data-test="add-dataset-submit"]')
    await page.waitForSelector('[data-test="add-dataset-dialog"]', { state: 'detached' })
    await page.click('[data-test="check-consistency"]')
    await page.waitForSelector('[data-test="consistency"]', { timeout: 60_000 })
    // Nobody said what the set is: the check finds every sample, so it is drawn from training.
    expect(await page.textContent('[data-test="consistency"]')).toMatch(
      /all (\d+) of \1 found in training data/,
    )

    if (s.trainLog) {
      await pickFile(page, 'set-trainlog', s.trainLog)
      await page.waitForSelector('[data-test="trainlog"] [data-chart="train-curve"]')
    }
    await page.fill('input[name="inputLength"]', String(s.inputLength))
    await page.fill('input[name="predictLength"]', String(s.predictLength))
    await page.fill('input[name="limit"]', String(s.limit))
    // Settings save on their own; wait for experiment.json to hold them.
    await expect
      .poll(
        () =>
          (
            JSON.parse(
              fs.readFileSync(join(workspace, 'experiments', '1.4.0', 'experiment.json'), 'utf8'),
            ) as {
              settings: { limit?: number }
            }
          ).settings.limit,
        { timeout: 10_000 },
      )
      .toBe(s.limit)
    const stored = JSON.parse(
      fs.readFileSync(join(workspace, 'experiments', '1.4.0', 'experiment.json'), 'utf8'),
    ) as {
      checkpoints: { label: string }[]
      datasets: { datasetKind?: string }[]
    }
    expect(stored.checkpoints.map((c) => c.label)).toEqual(['early', 'final'])
    expect(stored.datasets[0]!.datasetKind).toBe('fromTraining')
    // Each dataset shows how many samples it holds (counted by main when it was added).
    await page.waitForSelector('text=20 samples')
    await shot(page, 'overview-light-en')
    // The import dialog: paths, the optional config and head count (a .pth does not store it).
    await page.click('[data-test="import-checkpoint"]')
    await page.waitForSelector('[data-test="import-dialog"] input[name="heads"]')
    await shot(page, 'import-dialog-light-en')
    await page.click('[data-test="import-dialog"] button:has-text("Cancel")')
    await page.waitForSelector('[data-test="import-dialog"]', { state: 'detached' })
  }, 180_000)

  it('streams a run into the table, cancels the queued one and resumes it', async () => {
    // Record every run's row (label, status, done/total) each time the page changes, from before the start.
    await page.evaluate(`(() => {
      window.__progress = []
      new MutationObserver(() => {
        for (const tr of document.querySelectorAll('[data-test="run-list"] tr[data-run]')) {
          const p = tr.querySelector('[data-test="row-progress"]')
          window.__progress.push(tr.dataset.label + ' ' + tr.dataset.status + ' ' + (p ? p.textContent.trim() : ''))
        }
        const side = document.querySelector('[data-test="sidebar-running"]')
        if (side) window.__progress.push('sidebar ' + side.textContent.trim())
      }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true })
    })()`)
    await page.click('[data-test="start-run"]')
    await page.waitForSelector('[data-tab="runs"][aria-selected="true"]')
    await page.waitForSelector('[data-run]:nth-child(2)')
    // The second run waits behind the first: cancel it while it is queued.
    const finalRow = page.locator('[data-test="run-list"] tr:has-text("final")')
    await finalRow.click()
    await page.waitForSelector('[data-test="run-header"] :text("final")')
    await page.click('[data-test="cancel-run"]')
    await page.waitForSelector('[data-test="run-header"][data-status="cancelled"]', { timeout: 30_000 })
    await shot(page, 'runs-cancelled-light-en')

    // The first run: rows appear before it finishes, and the sidebar shows it running.
    await page.locator('[data-test="run-list"] tr:has-text("early")').click()
    await page.waitForSelector('[data-test="sample-table"] .tr', { timeout: 60_000 })
    await shot(page, 'runs-streaming-light-en')
    await page.waitForSelector('[data-test="run-header"][data-status="finished"]', { timeout: 120_000 })
    const progress = (await page.evaluate('window.__progress')) as string[]
    const partial = progress.filter((p) => {
      const m = /^early running (\d+)\/(\d+)$/.exec(p)
      return m !== null && Number(m[1]) > 0 && Number(m[1]) < Number(m[2])
    })
    expect(partial.length, `progress seen: ${[...new Set(progress)].join(' | ')}`).toBeGreaterThan(0)
    // Progress never hides: the sidebar showed the run going too.
    expect(progress.some((p) => /^sidebar \d+\/\d+$/.test(p))).toBe(true)

    // Resume the cancelled run; it finishes with every sample.
    await finalRow.click()
    await page.waitForSelector('[data-test="run-header"][data-status="cancelled"]')
    await page.click('[data-test="resume-run"]')
    await page.waitForSelector('[data-test="run-header"][data-status="finished"]', { timeout: 120_000 })
    await waitForPage(
      page,
      `document.querySelectorAll('[data-test="run-list"] tr[data-status="finished"]').length === 2`,
    )
  }, 300_000)

  it('shows the numbers of results.jsonl, and every run chart has drawn', async () => {
    // Early first, then final: the view is left on final, the run the story is about.
    for (const label of ['early', 'final']) {
      await page.locator(`[data-test="run-list"] tr[data-label="${label}"]`).click()
      await page.waitForSelector(`[data-test="run-header"] :text("${label}")`)
      const dir = join(runDir(), runIdOf(label))
      const results = readResults(join(dir, 'results.jsonl')) as unknown as {
        index: number
        teacherForcing?: { loss: number }
        keepLastMisaligned?: { loss: number }
        autoregressive?: { loss: number }
        skipped?: string
      }[]
      expect(results.length).toBe(s.limit)
      await waitForPage(page, `document.querySelectorAll('[data-test="sample-table"] .tr').length > 0`)
      const cells = await tableCells(page)
      const shown = Object.keys(cells)
      expect(shown.length).toBeGreaterThan(3)
      for (const index of shown) {
        const r = results.find((x) => x.index === Number(index))!
        if (r.skipped) continue
        expect(cells[index]!['teacherForcing']).toBe(fixed(r.teacherForcing?.loss))
        expect(cells[index]!['keepLastMisaligned']).toBe(fixed(r.keepLastMisaligned?.loss))
        expect(cells[index]!['autoregressive']).toBe(fixed(r.autoregressive?.loss))
      }
      // The run list's means are the summary's, as run.json stores them.
      const info = JSON.parse(fs.readFileSync(join(dir, 'run.json'), 'utf8')) as {
        summary: { means: { teacherForcing: number; keepLastMisaligned: number } }
        runId: string
      }
      expect(await page.textContent(`[data-run="${info.runId}"] [data-col="teacherForcing"]`)).toBe(
        fixed(info.summary.means.teacherForcing),
      )
      expect(await page.textContent(`[data-run="${info.runId}"] [data-col="keepLastMisaligned"]`)).toBe(
        fixed(info.summary.means.keepLastMisaligned),
      )
      const charts = await chartsDrawn(page, '.runs-tab')
      expect(charts.map((c) => c.name).sort()).toEqual(
        ['offset-sweep', 'per-sample', 'steps', ...(s.trainLog ? ['train-vs-eval'] : [])].sort(),
      )
      for (const c of charts) {
        expect(c.points, `${label} ${c.name}`).toBeGreaterThan(0)
        expect(c.painted, `${label} ${c.name}`).toBeGreaterThan(200)
      }
    }
    await shot(page, 'runs-light-en')
  }, 60_000)

  it('opens a sample: per-token loss, greedy vs true continuation, j/k to move', async () => {
    const results = readResults(join(runDir(), runIdOf('final'), 'results.jsonl')) as unknown as {
      index: number
      skipped?: string
      teacherForcing: { loss: number; tokenLosses: number[] }
      autoregressive: { generatedText: string }
      targetText: string
    }[]
    const scored = results.filter((r) => !r.skipped).sort((a, b) => a.index - b.index)
    const r = scored[1]!
    await page.click(`[data-test="sample-table"] .tr[data-index="${r.index}"]`)
    await page.waitForSelector(`[data-test="sample-detail"][data-sample="${r.index}"]`)
    expect(await page.textContent('[data-test="sample-detail"] [data-figure="teacherForcing"] dd')).toContain(
      fixed(r.teacherForcing.loss),
    )
    const losses = (await page.evaluate(
      `[...document.querySelectorAll('[data-test="token-text"] .tok')].map((e) => Number(e.dataset.loss))`,
    )) as number[]
    expect(losses).toEqual(r.teacherForcing.tokenLosses)
    expect(await page.textContent('[data-test="generated-text"]')).toBe(r.autoregressive.generatedText)
    expect(await page.textContent('[data-test="target-text"]')).toBe(r.targetText)
    await page.hover('[data-test="token-text"] .tok >> nth=0')
    await page.waitForSelector('[role="tooltip"]')
    expect(await page.textContent('[role="tooltip"]')).toContain(fixed(r.teacherForcing.tokenLosses[0]))
    for (const c of await chartsDrawn(page, '[data-test="sample-detail"]')) {
      expect(c.painted, c.name).toBeGreaterThan(100)
    }
    await shot(page, 'sample-light-en')
    await page.mouse.move(0, 0)
    await page.keyboard.press('j')
    await page.waitForSelector(`[data-test="sample-detail"][data-sample="${scored[2]!.index}"]`)
    await page.keyboard.press('k')
    await page.waitForSelector(`[data-test="sample-detail"][data-sample="${r.index}"]`)
  }, 60_000)

  it('compares the two checkpoints: joined table, charts and token-level KL divergence', async () => {
    await page.click('[data-tab="compare"]')
    await page.waitForSelector('[data-test="compare-table"] .tr')
    const early = readResults(join(runDir(), runIdOf('early'), 'results.jsonl'))
    expect(await page.locator('[data-test="compare-table"] .tr').count()).toBeGreaterThan(0)
    expect(await page.textContent('[data-test="changed-count"]')).toContain(`of ${early.length} samples`)
    for (const c of await chartsDrawn(page, '.compare-tab')) {
      expect(c.points, c.name).toBeGreaterThan(0)
      expect(c.painted, c.name).toBeGreaterThan(200)
    }
    await page.click('[data-test="compare-tokens"]')
    await page.waitForSelector('[data-pair] td.num', { timeout: 120_000 })
    const kld = await page.locator('[data-pair] td.num').allTextContents()
    expect(kld.length).toBe(7)
    expect(Number(kld[0])).toBeGreaterThanOrEqual(0)
    await page.check('[data-test="changed-only"]')
    await shot(page, 'compare-light-en')
  }, 180_000)

  it('renders the report with its charts, in English and Chinese', async () => {
    await page.click('[data-tab="report"]')
    await page.waitForSelector('[data-test="report"][data-complete="true"] h1', { timeout: 60_000 })
    const images = await page.locator('[data-test="report"] img[src^="data:image/svg+xml;base64,"]').count()
    expect(images).toBeGreaterThan(0)
    await shot(page, 'report-light-en')
    // In the browser there is no folder dialog: the report goes to the experiment's reports folder.
    await page.click('[data-test="export-report"]')
    await page.waitForSelector('[data-test="exported"]', { timeout: 60_000 })
    const folder = (await page.textContent('[data-test="exported"] .mono'))!.trim()
    expect(folder.startsWith(join(workspace, 'experiments', '1.4.0'))).toBe(true)
    expect(fs.readdirSync(folder).some((f) => f.endsWith('.md'))).toBe(true)
    await page.click('[data-lang="zh-CN"]')
    await waitForPage(
      page,
      `/[\\u4e00-\\u9fff]/.test(document.querySelector('[data-test="report"] h1')?.textContent ?? '')`,
    )
    await shot(page, 'report-light-zh')
  }, 120_000)

  it('looks right in the dark theme and in Chinese', async () => {
    await page.selectOption('[data-test="theme"]', 'dark')
    await page.click('[data-tab="runs"]')
    await page.waitForSelector('[data-test="sample-table"] .tr')
    await page.evaluate(`document.querySelector('.content').scrollTop = 0`)
    await shot(page, 'runs-dark-en')
    await page.click('[data-tab="overview"]')
    await shot(page, 'overview-dark-en')
    await page.selectOption('[data-test="language"]', 'zh-CN')
    await page.waitForSelector('[data-tab="overview"]:has-text("概览")')
    await shot(page, 'overview-dark-zh')
    await page.selectOption('[data-test="theme"]', 'light')
    await page.click('[data-tab="runs"]')
    await page.waitForSelector('[data-test="sample-table"] .tr')
    await page.evaluate(`document.querySelector('.content').scrollTop = 0`)
    await shot(page, 'runs-light-zh')
    await page.click('[data-tab="compare"]')
    await page.waitForSelector('[data-test="compare-table"]')
    await shot(page, 'compare-light-zh')
    await page.keyboard.press('?')
    await page.waitForSelector('[data-test="help"]')
    await shot(page, 'help-light-zh')
    await page.keyboard.press('Escape')
    expect(errors).toEqual([])
  }, 60_000)

  it('duplicates, renames and deletes an experiment through its dialogs', async () => {
    await page.selectOption('[data-test="language"]', 'en')
    await page.click('[data-test="duplicate-experiment"]')
    await page.waitForSelector('[data-test="prompt-dialog"]')
    expect(await page.inputValue('[data-test="prompt-input"]')).toBe('1.4.0-copy')
    await page.click('[data-test="prompt-ok"]')
    await page.waitForSelector('[data-test="experiment-id"]:has-text("1.4.0-copy")')
    await page.click('[data-test="rename-experiment"]')
    await page.fill('[data-test="prompt-input"]', '1.4.0')
    expect(await page.isDisabled('[data-test="prompt-ok"]')).toBe(true)
    await page.fill('[data-test="prompt-input"]', '1.4.1')
    await page.click('[data-test="prompt-ok"]')
    await page.waitForSelector('[data-experiment="1.4.1"]')
    expect(fs.existsSync(join(workspace, 'experiments', '1.4.1', 'experiment.json'))).toBe(true)
    await page.click('[data-test="delete-experiment"]')
    await page.waitForSelector('[data-test="confirm-dialog"]')
    await shot(page, 'delete-confirm-light-en')
    await page.click('[data-test="confirm-ok"]')
    await page.waitForSelector('[data-experiment="1.4.1"]', { state: 'detached' })
    expect(fs.existsSync(join(workspace, 'experiments', '1.4.1'))).toBe(false)
    expect(errors).toEqual([])
  }, 60_000)
})

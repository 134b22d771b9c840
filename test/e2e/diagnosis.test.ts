/**
 * The diagnosis in the window, end to end in Chromium through the real bridge and engine, on the
 * bundled demo: two checkpoints (with the steps the demo's manifest records, when it does) on a
 * training-drawn set and a held-out set. Checks that the Overview states the runs it uses and gives one
 * headline per dataset, each naming its own dataset only; that the held-out set's data check reads
 * "confirmed held out"; that the Compare view draws the trajectory and lists the changes between
 * checkpoints; and that the Report tab's picker offers the same runs and sends its choice to report
 * generation. Screenshots (1440×900) go to test-artifacts/screenshots/diagnosis-*.png.
 * Demo numbers are not pinned: the demo is rebuilt from time to time.
 */
import fs from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import {
  REPO,
  chartsDrawn,
  ensureRendererBuilt,
  launchChromium,
  shot,
  startServe,
  waitForPage,
  type Served,
} from './helpers'

const DEMO = join(REPO, 'resources', 'demo')
const demoReady =
  ['early', 'final'].every((c) => fs.existsSync(join(DEMO, 'checkpoints', c, 'model.onnx'))) &&
  fs.existsSync(join(DEMO, 'eval_heldout.json'))
const canRun = fs.existsSync('/usr/bin/chromium') && demoReady

/** The step the demo's manifest records for a checkpoint (none in older demos). */
function demoStep(id: string): number | undefined {
  try {
    const m = JSON.parse(fs.readFileSync(join(DEMO, 'manifest.json'), 'utf8')) as {
      checkpoints?: { id: string; step?: number }[]
    }
    return m.checkpoints?.find((c) => c.id === id)?.step
  } catch {
    return undefined
  }
}

const LIMIT = 6
const EXP = 'diag'

function writeExperiment(workspace: string): void {
  const dir = join(workspace, 'experiments', EXP)
  fs.mkdirSync(dir, { recursive: true })
  const now = new Date().toISOString()
  const checkpoints = ['early', 'final'].map((id) => {
    const step = demoStep(id)
    return {
      id,
      label: id,
      modelPath: join(DEMO, 'checkpoints', id, 'model.onnx'),
      tokenizerPath: join(DEMO, 'tokenizer.json'),
      ...(step !== undefined ? { step } : {}),
    }
  })
  const experiment = {
    id: EXP,
    title: 'diagnosis',
    notes: '',
    createdAt: now,
    updatedAt: now,
    checkpoints,
    datasets: [
      {
        id: 'from-train',
        label: 'from-train',
        path: join(DEMO, 'eval_data_from_train.json'),
        trainPath: join(DEMO, 'train.jsonl'),
        datasetKind: 'fromTraining',
      },
      {
        id: 'held-out',
        label: 'held-out',
        path: join(DEMO, 'eval_heldout.json'),
        trainPath: join(DEMO, 'train.jsonl'),
      },
    ],
    trainingLog: join(DEMO, 'train.log'),
    settings: {
      inputLength: 64,
      predictLength: 30,
      measures: ['teacherForcing', 'keepLastMisaligned', 'offsetSweep', 'autoregressive', 'kvCache'],
      batchSize: 1,
      threads: 0,
      bos: 'no',
      provider: 'auto',
      limit: LIMIT,
    },
  }
  fs.writeFileSync(join(dir, 'experiment.json'), JSON.stringify(experiment, null, 2))
}

describe.skipIf(!canRun)('diagnosis in Chromium through the bridge (demo)', () => {
  let tmp: string
  let workspace: string
  let served: Served
  let browser: Browser
  let page: Page
  const errors: string[] = []
  const runsDir = () => join(workspace, 'experiments', EXP, 'runs')
  const runInfos = () =>
    (fs.existsSync(runsDir()) ? fs.readdirSync(runsDir()) : []).map(
      (id) =>
        JSON.parse(fs.readFileSync(join(runsDir(), id, 'run.json'), 'utf8')) as {
          runId: string
          checkpointId: string
          datasetId: string
          status: string
        },
    )

  beforeAll(async () => {
    ensureRendererBuilt()
    tmp = fs.mkdtempSync(join(os.tmpdir(), 'losslens-e2e-diag-'))
    workspace = join(tmp, 'workspace')
    writeExperiment(workspace)
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

  it('runs both checkpoints on both datasets', async () => {
    await page.goto(served.url)
    await page.click(`[data-experiment="${EXP}"]`)
    await page.waitForSelector('[data-test="experiment-id"]:has-text("diag")')
    for (const dataset of ['from-train', 'held-out']) {
      await page.click('[data-tab="overview"]')
      await page.selectOption('select[name="dataset"]', dataset)
      await page.click('[data-test="start-run"]')
      await expect
        .poll(() => runInfos().filter((r) => r.datasetId === dataset && r.status === 'finished').length, {
          timeout: 240_000,
          interval: 500,
        })
        .toBe(2)
    }
  }, 600_000)

  it('confirms the held-out set as held out, not a failure', async () => {
    await page.click('[data-tab="overview"]')
    await page.click('[data-dataset="held-out"] [data-test="check-consistency"]')
    await page.waitForSelector('[data-dataset="held-out"] [data-test="consistency"]', { timeout: 60_000 })
    const held = page.locator('[data-dataset="held-out"] [data-test="consistency"]')
    expect(await held.getAttribute('data-reason')).toBe('confirmedHeldOut')
    expect(await held.locator('[data-verdict]').getAttribute('data-verdict')).toBe('expected')
    expect(await held.textContent()).toMatch(/confirmed held out: 0 of \d+ found/)
    // The check settled the kind of a set nobody had described.
    expect(await page.inputValue('[data-dataset="held-out"] [data-test="dataset-kind"]')).toBe('heldOut')
  }, 120_000)

  it('the Overview states its runs and gives one headline per dataset, naming only that dataset', async () => {
    await page.click('[data-tab="overview"]')
    await waitForPage(page, `document.querySelectorAll('[data-test="reference-runs"] tbody tr').length === 4`)
    const used = (await page.evaluate(`[...document.querySelectorAll('[data-test="reference-runs"] tbody tr')]
      .map((tr) => ({ run: tr.dataset.run, cells: [...tr.querySelectorAll('td')].map((td) => td.textContent.trim()) }))`)) as {
      run: string
      cells: string[]
    }[]
    const infos = runInfos()
    for (const u of used) {
      const info = infos.find((r) => r.runId === u.run)!
      expect(info.status).toBe('finished')
      // checkpoint, step, dataset, kind, L, P
      expect(u.cells[0]).toBe(info.checkpointId)
      expect(u.cells[1]).toBe(String(demoStep(info.checkpointId) ?? '—'))
      expect(u.cells[2]).toBe(info.datasetId)
      expect(u.cells[4]).toBe('64')
      expect(u.cells[5]).toBe('30')
    }
    expect(new Set(used.map((u) => `${u.cells[0]}|${u.cells[2]}`)).size).toBe(4)
    await waitForPage(page, `document.querySelectorAll('[data-test="headline"]').length === 2`)
    const headlines = (await page.evaluate(`[...document.querySelectorAll('[data-test="headline"]')]
      .map((h) => ({ dataset: h.dataset.dataset, text: h.textContent }))`)) as {
      dataset: string
      text: string
    }[]
    expect(headlines.map((h) => h.dataset)).toEqual(['from-train', 'held-out'])
    for (const h of headlines) {
      const other = h.dataset === 'from-train' ? 'held-out' : 'from-train'
      expect(h.text).toContain(h.dataset)
      expect(h.text, `the ${h.dataset} headline names another dataset`).not.toContain(other)
    }
    // A held-out set is never blamed on the data.
    expect(await page.getAttribute('[data-test="headline"][data-dataset="held-out"]', 'data-cause')).not.toBe(
      'data',
    )
    for (const c of await chartsDrawn(page, '[data-test="trainlog"]')) {
      expect(c.painted, c.name).toBeGreaterThan(200)
    }
    await page.evaluate(`document.querySelector('.content').scrollTop = 0`)
    await shot(page, 'diagnosis-overview')
    await page.evaluate(`document.querySelector('[data-test="trainlog"]').scrollIntoView()`)
    await shot(page, 'diagnosis-overview-lower')
    await page.evaluate(`document.querySelector('[data-test="hypotheses"]').scrollIntoView()`)
    await shot(page, 'diagnosis-overview-verdicts')
    await page.evaluate(`document.querySelector('.content').scrollTop = 0`)
    // The Step field of Add checkpoint fills from a name that carries a step.
    await page.click('[data-test="add-checkpoint"]')
    await page.fill('[data-test="add-checkpoint-dialog"] input[name="model"]', '/ckpts/step_1200/model.onnx')
    expect(await page.inputValue('[data-test="add-checkpoint-dialog"] input[name="step"]')).toBe('1200')
    await shot(page, 'diagnosis-checkpoint-dialog')
    await page.keyboard.press('Escape')
    await page.waitForSelector('[data-test="add-checkpoint-dialog"]', { state: 'detached' })
    // The same Overview in Chinese.
    await page.selectOption('[data-test="language"]', 'zh-CN')
    await page.waitForSelector('[data-tab="overview"]:has-text("概览")')
    await shot(page, 'diagnosis-overview-zh')
    await page.selectOption('[data-test="language"]', 'en')
    await page.waitForSelector('[data-tab="overview"]:has-text("Overview")')
    await page.click('[data-test="add-dataset"]')
    await page.waitForSelector('[data-test="add-dataset-dialog"]')
    expect(await page.isChecked('[data-test="add-dataset-dialog"] input[value="unknown"]')).toBe(true)
    await shot(page, 'diagnosis-dataset-dialog')
    await page.keyboard.press('Escape')
    await page.waitForSelector('[data-test="add-dataset-dialog"]', { state: 'detached' })
  }, 120_000)

  it('Compare draws the trajectory and lists every change between consecutive checkpoints', async () => {
    await page.click('[data-tab="compare"]')
    await page.waitForSelector('[data-test="trajectory"] [data-chart="trajectory"]')
    const charts = await chartsDrawn(page, '[data-test="trajectory"]')
    expect(charts[0]!.points).toBeGreaterThan(0)
    expect(charts[0]!.painted).toBeGreaterThan(200)
    // Two datasets × (teacher forcing, autoregressive) between early and final.
    await waitForPage(page, `document.querySelectorAll('[data-test="changes"] tbody tr').length === 4`)
    const rows = (await page.evaluate(`[...document.querySelectorAll('[data-test="changes"] tbody tr')]
      .map((tr) => tr.textContent)`)) as string[]
    for (const r of rows) expect(r).toMatch(/early → final.*[+−]\d+\.\d{3} ± \d+\.\d{3}/)
    await page.evaluate(`document.querySelector('.content').scrollTop = 0`)
    await shot(page, 'diagnosis-compare')
  }, 60_000)

  it('the Report tab picks the same runs and sends the choice to report generation', async () => {
    await page.click('[data-tab="overview"]')
    await page.waitForSelector('[data-test="reference-runs"]')
    const overviewRuns = (await page.evaluate(
      `[...document.querySelectorAll('[data-test="reference-runs"] tbody tr')].map((tr) => tr.dataset.run)`,
    )) as string[]
    await page.click('[data-tab="report"]')
    await page.click('[data-test="toggle-run-picker"]')
    await page.waitForSelector('[data-test="run-picker"] select')
    const picked = (await page.evaluate(
      `[...document.querySelectorAll('[data-test="run-picker"] select')].map((s) => s.value)`,
    )) as string[]
    expect(picked.sort()).toEqual(
      [
        ...runInfos()
          .filter((r) => r.status === 'finished')
          .map((r) => r.runId),
      ].sort(),
    )
    expect(picked.length).toBe(4)
    const reportText = async (): Promise<string> => {
      await waitForPage(page, `!document.querySelector('[data-test="refresh-report"]').disabled`, 60_000)
      // The preview inserts one section per task: read it once all are in.
      await waitForPage(page, `document.querySelector('[data-test="report"]')?.dataset.complete === 'true'`)
      return (await page.evaluate(
        `document.querySelector('[data-test="report"]')?.textContent ?? ''`,
      )) as string
    }
    const mentions = (text: string, word: string) => text.split(word).length - 1
    const before = await reportText()
    expect(before, 'the report renders').toContain('from-train')
    // Leave the held-out set out of the report: its pairs go, the report is rendered again without them.
    for (const cp of ['early', 'final'])
      await page.selectOption(`[data-test="run-picker"] [data-pair="${cp}|held-out"] select`, '')
    await waitForPage(
      page,
      `document.querySelector('[data-test="toggle-run-picker"]').textContent.includes('2 runs')`,
    )
    await new Promise((r) => setTimeout(r, 300))
    const after = await reportText()
    expect(after).not.toBe(before)
    expect(mentions(after, 'held-out')).toBeLessThan(mentions(before, 'held-out'))
    await shot(page, 'diagnosis-report-picker')
    // The Overview follows the same choice.
    await page.click('[data-tab="overview"]')
    await waitForPage(page, `document.querySelectorAll('[data-test="headline"]').length === 1`)
    const nowUsed = (await page.evaluate(
      `[...document.querySelectorAll('[data-test="reference-runs"] tbody tr')].map((tr) => tr.dataset.run)`,
    )) as string[]
    expect(overviewRuns.length).toBe(4)
    expect(nowUsed.length).toBe(2)
    expect(nowUsed.every((id) => overviewRuns.includes(id))).toBe(true)
    await page.click('[data-tab="report"]')
    await page.click('[data-test="run-picker-reset"]')
    await waitForPage(
      page,
      `document.querySelector('[data-test="toggle-run-picker"]').textContent.includes('4 runs')`,
    )
    expect(errors).toEqual([])
  }, 120_000)
})

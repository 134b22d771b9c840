/**
 * The report preview draws every emoji the report generator writes as an icon (a machine without an
 * emoji font shows them as empty boxes), in headings and body text, while the exported markdown keeps
 * them. Checked on real generated reports: the demo's reference numbers and the crafted fixtures.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Lang } from '../../src/shared/ipc'
import { buildReport, type ReportInput } from '../../src/main/report'
import { renderReport } from '../../src/renderer/src/lib/markdown'
import { DRAWN_EMOJI, EMOJI, splitEmoji } from '../../src/renderer/src/lib/emoji-icons'
import en from '../../src/renderer/src/i18n/en'
import zhCN from '../../src/renderer/src/i18n/zh-CN'
import { inputFromReference } from './report-reference'
import { seedLikeInput, shiftedInput } from './report-fixture'

/** Any emoji-looking code point: pictographs and the characters that default to emoji presentation. */
const ANY_EMOJI = /[\p{Extended_Pictographic}\p{Emoji_Presentation}]/u

const inputs: [string, () => Promise<ReportInput>][] = [
  ['demo reference', () => inputFromReference({ reportedLoss: 2.26, evidence: true })],
  ['seed-like fixture', () => Promise.resolve(seedLikeInput())],
  ['shifted-logits fixture', () => Promise.resolve(shiftedInput())],
]

describe('report preview icons', () => {
  for (const [name, make] of inputs) {
    for (const lang of ['en', 'zh-CN'] as Lang[]) {
      it(`${name}, ${lang}: no emoji is left in the preview, each one became a labelled icon`, async () => {
        const report = buildReport(await make(), lang)
        const emoji = [...report.markdown.matchAll(EMOJI)].map((m) => m[0])
        // The exported markdown keeps the seed's emoji; the preview replaces every one of them.
        expect(emoji.length).toBeGreaterThan(5)
        const labels = (lang === 'en' ? en : zhCN).polish.icon
        const html = renderReport(report.markdown, report.charts, (n) => labels[n])
        const left = html.match(new RegExp(ANY_EMOJI.source, 'gu')) ?? []
        expect(left).toEqual([])
        const icons = html.match(/<svg class="emoji-icon[^>]*>/g) ?? []
        expect(icons).toHaveLength(emoji.length)
        for (const icon of icons) expect(icon).toMatch(/ role="img" aria-label="[^"]+"/)
        // Status marks in table cells are drawn too, not only headings' leading emoji.
        expect(html).toMatch(/<td[^>]*>[^<]*<svg class="emoji-icon tone-(ok|danger|info|muted|warn)/)
      })
    }
  }

  it('has an icon for every emoji the report generator and the verdict texts write', () => {
    const dirs = ['src/main/report', 'src/shared/diagnosis']
    const used = new Set<string>()
    for (const dir of dirs)
      for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.ts')))
        for (const m of fs.readFileSync(join(dir, file), 'utf8').matchAll(EMOJI))
          used.add(m[0].replace(/\uFE0F/g, ''))
    expect(used.size).toBeGreaterThan(8)
    expect([...used].filter((e) => !DRAWN_EMOJI.includes(e))).toEqual([])
  })

  it('splits text around the icons, keeping an emoji it has no icon for as text', () => {
    const parts = splitEmoji('a ✅ b ⚠️c 🦄', (n) => `<${n}>`)
    expect(parts.map((p) => p.kind)).toEqual(['text', 'html', 'text', 'html', 'text'])
    expect(parts[0]!.content).toBe('a ')
    expect(parts[1]!.content).toContain('aria-label="&lt;pass&gt;"')
    expect(parts[3]!.content).toContain('tone-warn')
    expect(parts[4]!.content).toBe('c 🦄')
  })

  it('leaves code spans as written', () => {
    const html = renderReport('`✅` and ✅', [])
    expect(html).toContain('<code>✅</code>')
    expect(html.match(/emoji-icon/g)).toHaveLength(1)
  })
})

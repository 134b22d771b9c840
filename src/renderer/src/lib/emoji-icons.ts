/**
 * The report preview's emoji drawn as icons. The exported markdown keeps the emoji (it is the seed's
 * format); in the window they render as empty boxes where the machine has no emoji font, so every emoji
 * the report generator writes (headings, verdict badges, table cells, notes) becomes a small inline SVG
 * here, in headings and body text alike.
 */
import type { MarkdownIt as MarkdownItInstance } from 'markdown-it'

/** What an icon stands for: the i18n key of its accessible label (`polish.icon.<name>`). */
export type IconName =
  | 'overview'
  | 'analysis'
  | 'fix'
  | 'verification'
  | 'trajectory'
  | 'conclusion'
  | 'provenance'
  | 'pass'
  | 'fail'
  | 'warning'
  | 'expected'
  | 'inconclusive'
  | 'notMeasured'
  | 'chosen'
  | 'red'
  | 'green'
  | 'yellow'
  | 'next'

/** How an icon is coloured: headings take the accent, status marks the colour of their verdict. */
type Tone = 'heading' | 'ok' | 'danger' | 'warn' | 'info' | 'muted' | 'text'

interface Icon {
  name: IconName
  tone: Tone
  /** SVG body on a 16x16 grid, drawn with currentColor. */
  body: string
}

const DOT = '<circle cx="8" cy="8" r="5" fill="currentColor" stroke="none"/>'

/** The icons, by the emoji the report uses (without variation selectors). */
const ICONS: Record<string, Icon> = {
  '📋': {
    name: 'overview',
    tone: 'heading',
    body: '<rect x="3" y="2.5" width="10" height="12" rx="1.5"/><path d="M6 2.5h4v2H6zM5.5 8h5M5.5 11h5"/>',
  },
  '🔍': {
    name: 'analysis',
    tone: 'heading',
    body: '<circle cx="7" cy="7" r="4.5"/><path d="M10.5 10.5 14 14"/>',
  },
  '🛠': {
    name: 'fix',
    tone: 'heading',
    body: '<path d="M10 2.5a3.5 3.5 0 0 0-3.3 4.6L2.5 11.3 4.7 13.5l4.2-4.2A3.5 3.5 0 0 0 13.5 6l-2 .5-1-1 .5-2z"/>',
  },
  '📊': {
    name: 'verification',
    tone: 'heading',
    body: '<path d="M2.5 13.5h11M4.5 13.5V8M8 13.5V4M11.5 13.5V10"/>',
  },
  '📈': {
    name: 'trajectory',
    tone: 'heading',
    body: '<path d="M2.5 13.5h11M2.5 13.5V2.5M4.5 11l3-3.5 2.5 2 3.5-5"/>',
  },
  '🧾': {
    name: 'provenance',
    tone: 'heading',
    body: '<path d="M4 1.5h8v13l-2-1.2-2 1.2-2-1.2-2 1.2zM6 5h4M6 8h4M6 11h2"/>',
  },
  '✅': {
    name: 'pass',
    tone: 'ok',
    body: '<rect x="2.5" y="2.5" width="11" height="11" rx="2"/><path d="m5 8.2 2 2 4-4.4"/>',
  },
  '❌': {
    name: 'fail',
    tone: 'danger',
    body: '<rect x="2.5" y="2.5" width="11" height="11" rx="2"/><path d="m5.5 5.5 5 5M10.5 5.5l-5 5"/>',
  },
  '⚠': {
    name: 'warning',
    tone: 'warn',
    body: '<path d="M8 2 14.5 13.5h-13z"/><path d="M8 6.5v3.2M8 11.6v.1"/>',
  },
  '🔵': { name: 'expected', tone: 'info', body: DOT },
  '❔': {
    name: 'inconclusive',
    tone: 'muted',
    body: '<circle cx="8" cy="8" r="5.5"/><path d="M6.3 6.4a1.8 1.8 0 1 1 2.4 1.7c-.5.2-.7.6-.7 1.1v.3M8 11.4v.1"/>',
  },
  '➖': { name: 'notMeasured', tone: 'muted', body: '<path d="M4 8h8"/>' },
  '✋': {
    name: 'chosen',
    tone: 'text',
    body:
      '<path d="M5.5 8.5V4a1 1 0 0 1 2 0v3.5M7.5 7V3a1 1 0 0 1 2 0v4M9.5 7V4a1 1 0 0 1 2 0v5' +
      'M11.5 9V6.5a1 1 0 0 1 2 0v3a5 5 0 0 1-5 5h-.3a4 4 0 0 1-3.4-1.9L3 9.8a1 1 0 0 1 1.6-1.2l.9 1.2"/>',
  },
  '🔴': { name: 'red', tone: 'danger', body: DOT },
  '🟢': { name: 'green', tone: 'ok', body: DOT },
  '🟡': { name: 'yellow', tone: 'warn', body: DOT },
  '➡': { name: 'next', tone: 'text', body: '<path d="M2.5 8h11M9.5 4l4 4-4 4"/>' },
}

/** The emoji the preview draws, as written by the report generator. */
export const DRAWN_EMOJI: readonly string[] = Object.keys(ICONS)

/**
 * A pictographic code point with the variation selector that may follow it. Extended_Pictographic also
 * covers the BMP symbols the report uses (✅ ⚠ ❌ ➖ ✋ ➡).
 */
export const EMOJI = /\p{Extended_Pictographic}[\uFE0E\uFE0F]?/gu

/** The emoji character without its variation selector, the key of ICONS. */
const bare = (emoji: string): string => emoji.replace(/[\uFE0E\uFE0F]/gu, '')

const escapeAttr = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** The icon's HTML: an inline SVG labelled for screen readers and, on hover, with its title. */
export function iconHtml(emoji: string, label: (name: IconName) => string): string | null {
  const icon = ICONS[bare(emoji)]
  if (!icon) return null
  const text = escapeAttr(label(icon.name))
  return (
    `<svg class="emoji-icon tone-${icon.tone}" viewBox="0 0 16 16" width="14" height="14" role="img" ` +
    `aria-label="${text}" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round" ` +
    `stroke-linejoin="round"><title>${text}</title>${icon.body}</svg>`
  )
}

/** Text split into plain runs and the HTML of the emoji in it that have an icon (others stay text). */
export function splitEmoji(
  text: string,
  label: (name: IconName) => string,
): { kind: 'text' | 'html'; content: string }[] {
  const parts: { kind: 'text' | 'html'; content: string }[] = []
  let last = 0
  for (const m of text.matchAll(EMOJI)) {
    const html = iconHtml(m[0], label)
    if (!html) continue
    if (m.index > last) parts.push({ kind: 'text', content: text.slice(last, m.index) })
    parts.push({ kind: 'html', content: html })
    last = m.index + m[0].length
  }
  if (last < text.length) parts.push({ kind: 'text', content: text.slice(last) })
  return parts
}

/**
 * Adds the rule to a markdown-it instance: every emoji in inline text (headings, paragraphs, table
 * cells, list items) becomes its icon. Code spans are left as written: they show what to type.
 */
export function useEmojiIcons(md: MarkdownItInstance, label: (name: IconName) => string): void {
  md.core.ruler.push('emoji_icons', (state) => {
    for (const block of state.tokens) {
      if (block.type !== 'inline' || !block.children) continue
      block.children = block.children.flatMap((token) => {
        if (token.type !== 'text') return [token]
        const parts = splitEmoji(token.content, label)
        if (parts.length === 1 && parts[0]!.kind === 'text') return [token]
        return parts.map((p) => {
          const t = new state.Token(p.kind === 'text' ? 'text' : 'html_inline', '', 0)
          t.content = p.content
          t.level = token.level
          return t
        })
      })
    }
  })
}

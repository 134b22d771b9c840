/**
 * The report preview's headings with icons instead of the seed's emoji. The exported markdown keeps
 * the emoji (it is the seed's format); in the window they render as empty boxes where the machine has
 * no emoji font, so a heading that starts with one gets a small line icon (currentColor SVG) instead.
 */
import type { MarkdownIt as MarkdownItInstance } from 'markdown-it'

const svg = (body: string) =>
  `<svg class="heading-icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" fill="none" ` +
  `stroke="currentColor" stroke-width="1.5" stroke-linecap="round" stroke-linejoin="round">${body}</svg>`

/** The icons, by the emoji the report's headings use (without variation selectors). */
const ICONS: Record<string, string> = {
  '📋': svg(
    '<rect x="3" y="2.5" width="10" height="12" rx="1.5"/><path d="M6 2.5h4v2H6zM5.5 8h5M5.5 11h5"/>',
  ),
  '🔍': svg('<circle cx="7" cy="7" r="4.5"/><path d="M10.5 10.5 14 14"/>'),
  '🛠': svg(
    '<path d="M10 2.5a3.5 3.5 0 0 0-3.3 4.6L2.5 11.3 4.7 13.5l4.2-4.2A3.5 3.5 0 0 0 13.5 6l-2 .5-1-1 .5-2z"/>',
  ),
  '📊': svg('<path d="M2.5 13.5h11M4.5 13.5V8M8 13.5V4M11.5 13.5V10"/>'),
  '📈': svg('<path d="M2.5 13.5h11M2.5 13.5V2.5M4.5 11l3-3.5 2.5 2 3.5-5"/>'),
  '✅': svg('<rect x="2.5" y="2.5" width="11" height="11" rx="2"/><path d="m5 8.2 2 2 4-4.4"/>'),
  '🧾': svg('<path d="M4 1.5h8v13l-2-1.2-2 1.2-2-1.2-2 1.2zM6 5h4M6 8h4M6 11h2"/>'),
}

/** A leading emoji (with its variation selector and the space after it). */
const LEADING = /^(\p{Extended_Pictographic})\uFE0F?\s*/u

/** The emoji a heading starts with and the rest of its text, or null when it starts with none we draw. */
export function splitHeadingEmoji(text: string): { icon: string; rest: string } | null {
  const m = LEADING.exec(text)
  const icon = m ? ICONS[m[1]!] : undefined
  return m && icon ? { icon, rest: text.slice(m[0].length) } : null
}

/** Adds the rule to a markdown-it instance: heading text's leading emoji becomes its icon. */
export function useHeadingIcons(md: MarkdownItInstance): void {
  md.core.ruler.push('heading_icons', (state) => {
    const tokens = state.tokens
    for (let i = 0; i + 1 < tokens.length; i++) {
      if (tokens[i]!.type !== 'heading_open') continue
      const first = tokens[i + 1]!.children?.[0]
      if (!first || first.type !== 'text') continue
      const split = splitHeadingEmoji(first.content)
      if (!split) continue
      first.content = split.rest
      const icon = new state.Token('html_inline', '', 0)
      icon.content = `${split.icon} `
      tokens[i + 1]!.children!.unshift(icon)
    }
  })
}

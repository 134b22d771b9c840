/** Markdown for notes and the report: markdown-it with raw HTML off; report chart links become data: SVG images. */
import MarkdownIt from 'markdown-it'
import type { MarkdownIt as MarkdownItInstance } from 'markdown-it'
import type { ReportChart } from '../../../shared/ipc'
import { useEmojiIcons, type IconName } from './emoji-icons'

function newRenderer(): MarkdownItInstance {
  const md = new MarkdownIt({ html: false, linkify: true, typographer: false })
  const defaultLink = md.renderer.rules.link_open
  // Links open outside the window (the host decides what to do with them), never navigate the app away.
  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    tokens[idx]!.attrSet('target', '_blank')
    tokens[idx]!.attrSet('rel', 'noopener noreferrer')
    return defaultLink ? defaultLink(tokens, idx, options, env, self) : self.renderToken(tokens, idx, options)
  }
  return md
}

const md = newRenderer()

/** Notes and other user markdown to HTML (raw HTML in the source is shown as text). */
export function renderMarkdown(source: string): string {
  return md.render(source)
}

/** base64 of a string's UTF-8 bytes. */
export function utf8Base64(text: string): string {
  const bytes = new TextEncoder().encode(text)
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

/** The chart an image link points at: "charts/x.svg", "./charts/x.svg" or "x.svg" matched by file name. */
export function chartFor(src: string, charts: readonly ReportChart[]): ReportChart | undefined {
  const name = src.replace(/^\.?\//, '').replace(/^charts\//, '')
  return charts.find((c) => c.file.replace(/^charts\//, '') === name)
}

/**
 * A report renderer: markdown to HTML with the report's charts inlined as data: URLs of our own
 * server-rendered SVG and its emoji drawn as icons; `label` names an icon for screen readers (the
 * report's language). One renderer serves every section of a report (reportSections).
 */
export function reportRenderer(
  charts: readonly ReportChart[],
  label: (name: IconName) => string = (name) => name,
): (markdown: string) => string {
  const r = newRenderer()
  useEmojiIcons(r, label)
  r.renderer.rules.image = (tokens, idx, options, _env, self) => {
    const token = tokens[idx]!
    const chart = chartFor(String(token.attrGet('src') ?? ''), charts)
    if (chart) {
      token.attrSet('src', `data:image/svg+xml;base64,${utf8Base64(chart.svg)}`)
      token.attrSet('title', chart.title)
      token.attrSet('data-chart-file', chart.file)
    }
    token.attrSet('alt', self.renderInlineAsText(token.children ?? [], options, _env))
    return self.renderToken(tokens, idx, options)
  }
  return (markdown) => r.render(markdown)
}

/** The whole report to HTML (reportRenderer on all of it). */
export function renderReport(
  markdown: string,
  charts: readonly ReportChart[],
  label: (name: IconName) => string = (name) => name,
): string {
  return reportRenderer(charts, label)(markdown)
}

/**
 * The report cut before each "## " heading (outside code fences): the preview renders and inserts one
 * section per task, as the whole report at once held the window for ~90 ms. The report uses no
 * reference-style links or footnotes, which would not survive the cut.
 */
export function reportSections(markdown: string): string[] {
  const out: string[] = []
  let current: string[] = []
  let fence: string | null = null
  for (const line of markdown.split('\n')) {
    const f = /^\s*(```|~~~)/.exec(line)
    if (f) fence = fence === null ? f[1]! : fence === f[1] ? null : fence
    if (fence === null && line.startsWith('## ') && current.some((l) => l.trim() !== '')) {
      out.push(current.join('\n'))
      current = []
    }
    current.push(line)
  }
  if (current.some((l) => l.trim() !== '')) out.push(current.join('\n'))
  return out
}

/** Small GitHub-flavoured markdown helpers: tables that never break, code spans and blocks. */

/** A table cell: pipes escaped (also inside code spans, as GFM requires), line breaks flattened. */
export function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|')
}

/** A GFM table; `align` per column ('l' | 'r' | 'c'), left by default. */
export function table(headers: string[], rows: string[][], align: ('l' | 'r' | 'c')[] = []): string {
  const rule = headers.map((_, i) => (align[i] === 'r' ? '---:' : align[i] === 'c' ? ':---:' : '---'))
  const line = (cells: string[]): string => `| ${cells.map(cell).join(' | ')} |`
  for (const r of rows) {
    if (r.length !== headers.length) {
      throw new RangeError(`table row has ${r.length} cells, header has ${headers.length}`)
    }
  }
  return [line(headers), `| ${rule.join(' | ')} |`, ...rows.map(line)].join('\n')
}

/** An inline code span that survives backticks in its text. */
export function code(text: string): string {
  const ticks = text.includes('`') ? '``' : '`'
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : ''
  return `${ticks}${pad}${text}${pad}${ticks}`
}

/** A fenced code block. */
export function codeBlock(lang: string, body: string): string {
  const fence = body.includes('```') ? '````' : '```'
  return `${fence}${lang}\n${body.replace(/\n+$/, '')}\n${fence}`
}

/** An image link to a chart file beside the report. */
export function image(title: string, file: string): string {
  return `![${title.replace(/[[\]]/g, '')}](${encodeURI(file)})`
}

/** Blocks separated by blank lines; empty blocks dropped. */
export function blocks(...parts: (string | null | undefined | false)[]): string {
  return parts.filter((p): p is string => typeof p === 'string' && p.length > 0).join('\n\n')
}

/** Helpers of the report tests: read tables back out of the markdown, check SVG and GFM tables. */
import MarkdownIt from 'markdown-it'

/** Rows of the first table whose header's first cell is `firstHeader`, as cell strings (markdown unescaped). */
export function tableRows(markdown: string, firstHeader: string): string[][] {
  const lines = markdown.split('\n')
  const start = lines.findIndex((l) => l.startsWith(`| ${firstHeader} |`))
  if (start < 0) throw new Error(`no table starting with "${firstHeader}"`)
  const rows: string[][] = []
  for (let i = start + 2; i < lines.length && lines[i]!.startsWith('|'); i++) {
    rows.push(
      lines[i]!.slice(2, -2)
        .split(/(?<!\\) \| /)
        .map((c) => c.replace(/\\\|/g, '|').replace(/\*\*/g, '').trim()),
    )
  }
  return rows
}

/** Minimal XML well-formedness: every tag parses, attributes are quoted, tags balance, no stray & or <. */
export function assertWellFormedSvg(svg: string): void {
  if (!svg.trimStart().startsWith('<svg')) throw new Error('not an <svg> root')
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[A-Za-z_:][\w:.-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/y
  const badAmp = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/
  const stack: string[] = []
  let i = 0
  while (i < svg.length) {
    const lt = svg.indexOf('<', i)
    const text = svg.slice(i, lt === -1 ? svg.length : lt)
    if (badAmp.test(text)) throw new Error(`unescaped & in text near ${i}: ${text.slice(0, 60)}`)
    if (lt === -1) break
    if (svg.startsWith('<!--', lt)) {
      i = svg.indexOf('-->', lt) + 3
      continue
    }
    if (svg.startsWith('<![CDATA[', lt)) {
      i = svg.indexOf(']]>', lt) + 3
      continue
    }
    tag.lastIndex = lt
    const m = tag.exec(svg)
    if (!m) throw new Error(`malformed tag at ${lt}: ${svg.slice(lt, lt + 120)}`)
    if (badAmp.test(m[3] ?? '')) throw new Error(`unescaped & in attributes: ${m[0].slice(0, 120)}`)
    if (m[1]) {
      const open = stack.pop()
      if (open !== m[2]) throw new Error(`</${m[2]}> closes <${open}>`)
    } else if (!m[4]) stack.push(m[2]!)
    i = tag.lastIndex
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('>, <')}>`)
}

/**
 * Renders the markdown with markdown-it (GFM tables) and checks every table row has its header's
 * column count and every "|" line became a table row (none fell out as a paragraph). Returns the
 * number of tables.
 */
export function checkTables(md: string): number {
  const tokens = new MarkdownIt().parse(md, {})
  const tableLines = md.split('\n').filter((l) => l.startsWith('|'))
  let rowsSeen = 0
  let header = 0
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!
    if (tok.type === 'tr_open') {
      let cells = 0
      for (let j = i + 1; tokens[j]!.type !== 'tr_close'; j++) {
        if (tokens[j]!.type === 'th_open' || tokens[j]!.type === 'td_open') cells++
      }
      if (header === 0) header = cells
      else if (cells !== header)
        throw new Error(`table row with ${cells} cells under a ${header}-column header: ${tok.map}`)
      rowsSeen++
    }
    if (tok.type === 'table_close') header = 0
  }
  // markdown-it silently drops surplus cells, so count the raw cells of each block too.
  const cellsOf = (line: string): number => line.split(/(?<!\\)\|/).length - 2
  let block: number | null = null
  for (const line of md.split('\n')) {
    if (!line.startsWith('|')) {
      block = null
      continue
    }
    if (block === null) block = cellsOf(line)
    else if (cellsOf(line) !== block)
      throw new Error(`${cellsOf(line)} cells under a ${block}-column header: ${line}`)
  }
  const separators = tableLines.filter((l) => /^\|( :?-+:? \|)+$/.test(l)).length
  if (rowsSeen !== tableLines.length - separators) {
    throw new Error(`${tableLines.length - separators} table lines but ${rowsSeen} rendered rows`)
  }
  return separators
}

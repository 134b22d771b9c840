// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { installHost } from '../../src/renderer/src/api'
import {
  changedOnly,
  compareMeasure,
  joinRuns,
  sharedMeasures,
  sortBy,
} from '../../src/renderer/src/lib/compare'
import { fmtDuration, errorText } from '../../src/renderer/src/lib/format'
import { fmtKvDiff, fmtNats, fmtSci, fmtSignedNats } from '../../src/shared/diagnosis'
import {
  renderMarkdown,
  renderReport,
  reportRenderer,
  reportSections,
  utf8Base64,
} from '../../src/renderer/src/lib/markdown'
import { useExperimentStore } from '../../src/renderer/src/stores/experiment'
import { uniqueSlug } from '../../src/shared/slug'
import { useReportStore } from '../../src/renderer/src/stores/report'
import en from '../../src/renderer/src/i18n/en'
import zhCN from '../../src/renderer/src/i18n/zh-CN'
import { experiment, FakeApi, sample } from './fake-api'

describe('compare join', () => {
  it('joins by sample id, with deltas from the base and missing values as null', () => {
    const a = [sample(0), sample(1)]
    const b = [{ ...sample(1), teacherForcing: { ...sample(1).teacherForcing!, loss: 3 } }, sample(2)]
    const rows = joinRuns([a, b])
    expect(rows.map((r) => r.index)).toEqual([0, 1, 2])
    expect(rows[1]!.losses).toEqual([2.1, 3])
    expect(rows[1]!.deltas[0]).toBeCloseTo(0.9, 12)
    expect(rows[0]!.deltas).toEqual([null])
    expect(rows[2]!.losses).toEqual([null, sample(2).teacherForcing!.loss])
    expect(changedOnly(rows, 0.5).map((r) => r.index)).toEqual([1])
  })
  it('sorts with missing values last in both directions, stably', () => {
    const xs = [{ k: 2 }, { k: null }, { k: 1 }, { k: 2 }]
    expect(sortBy(xs, (x) => x.k, 'asc')).toEqual([xs[2], xs[0], xs[3], xs[1]])
    expect(sortBy(xs, (x) => x.k, 'desc')).toEqual([xs[0], xs[3], xs[2], xs[1]])
  })
})

describe('formatting', () => {
  it('fixed decimals and dashes', () => {
    expect(fmtNats(2.26)).toBe('2.2600')
    expect(fmtNats(undefined)).toBe('—')
    expect(fmtSignedNats(-0.16789)).toBe('−0.1679')
    expect(fmtSignedNats(0.00001)).toBe(' 0.0000')
    expect(fmtSci(3.1e-6)).toBe('3.1e-6')
    expect(fmtKvDiff(0)).toBe('0 (bit-identical)')
    expect(fmtDuration(185)).toBe('3m 05s')
  })
  it('keeps the engine message and drops Electron’s wrapper', () => {
    expect(
      errorText(new Error("Error invoking remote method 'run:start': Error: model.onnx: no logits output")),
    ).toBe('model.onnx: no logits output')
  })
})

describe('markdown', () => {
  it('escapes raw HTML in notes and opens links outside the window', () => {
    const html = renderMarkdown('<script>alert(1)</script> see [docs](https://example.org)')
    expect(html).not.toContain('<script>')
    expect(html).toContain('&lt;script&gt;')
    expect(html).toContain('target="_blank"')
  })
  it('inlines report chart links as data: SVG images and leaves other images alone', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><text>损失</text></svg>'
    const html = renderReport('![per-sample](charts/per-sample.svg)\n\n![x](other.png)', [
      { file: 'per-sample.svg', title: 'Loss per sample', svg },
    ])
    expect(html).toContain(`src="data:image/svg+xml;base64,${utf8Base64(svg)}"`)
    expect(html).toContain('alt="per-sample"')
    expect(html).toContain('src="other.png"')
    expect(new TextDecoder().decode(Uint8Array.from(atob(utf8Base64(svg)), (c) => c.charCodeAt(0)))).toBe(svg)
  })
})

describe('i18n', () => {
  const keys = (o: object, prefix = ''): string[] =>
    Object.entries(o).flatMap(([k, v]) =>
      typeof v === 'object' && v !== null ? keys(v as object, `${prefix}${k}.`) : [`${prefix}${k}`],
    )
  it('zh-CN and en have the same keys', () => {
    expect(keys(zhCN).sort()).toEqual(keys(en).sort())
  })
})

describe('experiment and report stores', () => {
  let api: FakeApi
  beforeEach(() => {
    api = new FakeApi()
    installHost({ kind: 'bridge', api })
    setActivePinia(createPinia())
  })

  it('adds a checkpoint with a unique id derived from its label', async () => {
    let stored = experiment('1.4.0', {
      checkpoints: [{ id: 'final', label: 'final', modelPath: '/a.onnx', tokenizerPath: '/t.json' }],
    })
    api.handle('experiment:get', () => stored)
    api.handle('experiment:save', (e) => (stored = e))
    // The files passed the check on arrival; describing them later can still fail (the file changed).
    api.handle('files:validate', () => ({ ok: true, vocabSize: 6400, tokenizerSize: 6400 }))
    api.handle('checkpoint:describe', () => {
      throw new Error('/b.onnx: not an ONNX model (bad protobuf)')
    })
    const store = useExperimentStore()
    await store.open('1.4.0')
    await store.addCheckpoint({ label: 'Final', modelPath: '/b.onnx', tokenizerPath: '/t.json' })
    expect(stored.checkpoints.map((c) => c.id)).toEqual(['final', 'final-2'])
    await new Promise((r) => setTimeout(r, 0))
    expect(store.descriptions['final-2']?.error).toBe('/b.onnx: not an ONNX model (bad protobuf)')
    expect(uniqueSlug('Step 20k (best)', [])).toBe('step-20k-best')
  })

  it('renders the report in the chosen language', async () => {
    api.handle('report:render', ({ lang }) => ({ markdown: `# ${lang}`, charts: [], lang }))
    const report = useReportStore()
    await report.render('1.4.0', 'zh-CN')
    expect(report.report?.markdown).toBe('# zh-CN')
    expect(report.lang).toBe('zh-CN')
  })
})

describe('compare: the measures runs share', () => {
  const conv = (index: number) => ({
    index,
    id: `c${index}`,
    tokens: 9,
    inputLength: 3,
    predictLength: 2,
    sft: { loss: 1, tokens: 2, shiftedMaskLoss: 2, tokenLosses: [1, 1], maskedPositions: [3, 4] },
  })
  it('only what every run scored on a sample it did not skip, in the default order', () => {
    const pre = [sample(0)]
    expect(sharedMeasures([pre, pre])).toEqual([
      'teacherForcing',
      'autoregressive',
      'keepLastMisaligned',
      'keepLastAligned',
    ])
    expect(sharedMeasures([[conv(0)], [conv(1)]])).toEqual(['sft'])
    expect(sharedMeasures([[conv(0)], pre])).toEqual([])
    expect(sharedMeasures([[conv(0)], [{ ...conv(1), skipped: 'too short' }]])).toEqual([])
  })
  it('keeps the pick while the runs share it, else the first shared; null when none', () => {
    expect(compareMeasure(['teacherForcing', 'autoregressive'], 'autoregressive')).toBe('autoregressive')
    expect(compareMeasure(['sft', 'sftAutoregressive'], 'autoregressive')).toBe('sft')
    expect(compareMeasure([], 'sft')).toBeNull()
  })
  it('joins on the measure named', () => {
    const rows = joinRuns([[conv(0)], [{ ...conv(0), sft: { ...conv(0).sft, loss: 1.5 } }]], 'sft')
    expect(rows[0]!.losses).toEqual([1, 1.5])
    expect(rows[0]!.deltas).toEqual([0.5])
  })
})

describe('reportSections (the preview inserts one section per task)', () => {
  it('cuts before each "## " heading outside code fences, and the parts join back to the report', () => {
    const md = [
      '# Report',
      'intro',
      '',
      '## Phase 1',
      'text',
      '```python',
      '## not a heading: a comment in code',
      '```',
      '',
      '## Phase 2',
      '### sub',
      'more',
    ].join('\n')
    const parts = reportSections(md)
    expect(parts).toHaveLength(3)
    expect(parts.join('\n')).toBe(md)
    expect(parts[1]).toContain('## not a heading')
    for (const p of parts.slice(1)) expect(p.startsWith('## ')).toBe(true)
    // The sections rendered one by one make the same HTML as the whole report.
    const render = reportRenderer([])
    expect(parts.map(render).join('')).toBe(renderReport(md, []))
  })
})

// @vitest-environment happy-dom
/**
 * The sample view's per-token dump of an SFT conversation (TokenLossText with `sft`, inside SampleDetail):
 * built from the PyTorch reference of the demo's first conversation, every templated token is shown
 * once, in order; exactly the positions MiniMind's mask counts are marked counted and carry their loss.
 */
import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { i18n } from '../../src/renderer/src/i18n'
import SampleDetail from '../../src/renderer/src/components/SampleDetail.vue'
import TokenLossText from '../../src/renderer/src/components/TokenLossText.vue'
import type { SampleResult } from '../../src/shared/results'
import reference from '../../resources/demo/reference-sft.json'

interface RefSample {
  text: string
  ids: number[]
  /** Each id decoded alone by tools/reference_sft.py (the engine's tokenTexts; sft-run.test.ts checks them). */
  tokenTexts: string[]
  sft: {
    loss: number
    shiftedMaskLoss: number
    tokenLosses: number[]
    maskedPositions: number[]
    tokens: number
  }
  sftAutoregressive: { loss: number; stepLosses: number[]; generatedText: string; promptLength: number }
}
const ref = (reference as unknown as { samples: RefSample[] }).samples[0]!
const tokenTexts = ref.tokenTexts

describe('SFT per-token dump', () => {
  it('shows every templated token once, the counted ones with their loss', () => {
    const w = mount(TokenLossText, {
      props: {
        contextText: '',
        targetTokens: [],
        tokenLosses: ref.sft.tokenLosses,
        inputLength: 0,
        sft: { tokenTexts, maskedPositions: ref.sft.maskedPositions },
      },
      global: { plugins: [i18n] },
    })
    const toks = w.findAll('[data-test="sft-token-text"] .tok')
    expect(toks.length).toBe(ref.ids.length)
    // Concatenated, the tokens are the templated text (newlines drawn as ↵ before them).
    const raw = (t: (typeof toks)[number]) => t.element.textContent ?? ''
    expect(toks.map(raw).join('')).toBe(ref.text.replace(/\n/g, '↵\n'))
    const counted = toks.filter((t) => t.attributes('data-counted') === 'true')
    expect(counted.map((t) => Number(t.attributes('data-pos')))).toEqual(ref.sft.maskedPositions)
    expect(counted.map((t) => Number(t.attributes('data-loss')))).toEqual(ref.sft.tokenLosses)
    for (const t of toks.filter((x) => x.attributes('data-counted') !== 'true')) {
      expect(t.attributes('data-loss')).toBeUndefined()
    }
    // The reply, its <|im_end|> and the newline after it are the counted tokens.
    expect(counted.map(raw).join('')).toBe('Return the width of the turtle window.<|im_end|>↵\n')
    expect(w.text()).toContain(`(${ref.sft.maskedPositions.length} tokens)`)
  })

  it('the sample view shows the SFT loss, the one-late mask beside it and the generated reply', () => {
    const { sft, sftAutoregressive: ar } = ref
    const result: SampleResult = {
      index: 0,
      id: '0000000000000000',
      tokens: ref.ids.length,
      inputLength: ar.promptLength,
      predictLength: ar.stepLosses.length,
      targetText: 'Return the width of the turtle window.<|im_end|>\n',
      sft: { ...sft, ids: ref.ids, tokenTexts, offsetSweep: { '0': sft.loss } },
      sftAutoregressive: { loss: ar.loss, stepLosses: ar.stepLosses, generatedText: ar.generatedText },
    }
    const w = mount(SampleDetail, {
      props: { sample: result, position: 0, count: 1 },
      // Charts need a canvas, which happy-dom lacks; they are the run charts' tests' business.
      global: { plugins: [createPinia(), i18n], stubs: { ChartPanel: true } },
    })
    expect(w.get('[data-figure="sft-loss"] dd').text()).toContain(sft.loss.toFixed(4))
    const late = w.get('[data-figure="sft-shiftedMaskLoss"] dd').text()
    expect(late).toContain(sft.shiftedMaskLoss.toFixed(4))
    const d = sft.shiftedMaskLoss - sft.loss
    expect(late).toContain(`${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(4)}`)
    expect(w.get('[data-figure="sft-autoregressive"] dd').text()).toContain(ar.loss.toFixed(4))
    expect(w.get('[data-test="generated-text"]').text()).toBe(ar.generatedText)
    expect(w.find('[data-test="sft-token-text"]').exists()).toBe(true)
    expect(w.find('[data-test="token-text"]').exists()).toBe(false)
  })
})

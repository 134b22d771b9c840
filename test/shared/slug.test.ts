import { describe, expect, it } from 'vitest'
import { uniqueSlug } from '../../src/shared/slug'

describe('uniqueSlug', () => {
  it('keeps file-name characters, folds the rest into single dashes, trims the ends', () => {
    expect(uniqueSlug('Final (step 20k)', [])).toBe('final-step-20k')
    expect(uniqueSlug('pretrain_512.pth', [])).toBe('pretrain_512.pth')
    expect(uniqueSlug('  ..早期 checkpoint!! ', [])).toBe('checkpoint')
  })
  it('numbers a taken id and falls back when nothing is left', () => {
    expect(uniqueSlug('final', ['final', 'final-2'])).toBe('final-3')
    expect(uniqueSlug('检查点', [], 'checkpoint')).toBe('checkpoint')
    expect(uniqueSlug('x'.repeat(80), [])).toHaveLength(48)
  })
})

/** Keyboard shortcuts: one table, used by the handler and the help overlay. */

export interface Shortcut {
  keys: string[]
  /** i18n key of what it does. */
  action: string
}

export const SHORTCUTS: Shortcut[] = [
  { keys: ['j', '↓'], action: 'keys.next' },
  { keys: ['k', '↑'], action: 'keys.prev' },
  { keys: ['r'], action: 'keys.run' },
  { keys: ['Esc', 'Ctrl+.'], action: 'keys.cancel' },
  { keys: ['1', '2', '3', '4'], action: 'keys.tabs' },
  { keys: ['?'], action: 'keys.help' },
]

/** True when the key press belongs to a text field (shortcuts stay out of its way). */
export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null
  if (!el || !el.tagName) return false
  const tag = el.tagName.toLowerCase()
  return tag === 'input' || tag === 'textarea' || tag === 'select' || el.isContentEditable
}

/** Keyboard shortcuts: one table, used by the handler (keyAction) and the help overlay. */

export interface Shortcut {
  keys: string[]
  /** i18n key of what it does. */
  action: string
  /** A bare key that would start or stop work asks first; the modified key does it at once. */
  asks?: boolean
}

export const SHORTCUTS: Shortcut[] = [
  { keys: ['j', '↓'], action: 'keys.next' },
  { keys: ['k', '↑'], action: 'keys.prev' },
  { keys: ['r'], action: 'keys.run', asks: true },
  { keys: ['Ctrl+Enter'], action: 'keys.run' },
  { keys: ['Esc'], action: 'keys.cancel', asks: true },
  { keys: ['Ctrl+.'], action: 'keys.cancel' },
  { keys: ['1', '2', '3', '4'], action: 'keys.tabs' },
  { keys: ['?'], action: 'keys.help' },
]

/** What a window-wide key press asks for; `confirm`: ask the user before doing it. */
export type KeyAction =
  | { kind: 'run'; confirm: boolean }
  | { kind: 'cancel'; confirm: boolean }
  | { kind: 'help' }
  | { kind: 'tab'; index: number }

export interface KeyPress {
  key: string
  ctrlKey: boolean
  metaKey: boolean
  altKey: boolean
  target: EventTarget | null
}

/**
 * The window-wide action of a key press, or null. A bare r or Esc is easy to hit by accident (Esc
 * closes things everywhere else), and starting runs on every ticked checkpoint or stopping a long
 * run is costly, so the bare keys ask first; Ctrl/⌘+Enter and Ctrl/⌘+. act at once. Ctrl/⌘+. works
 * even in a text field or with a dialog open; the others wait until neither holds the keyboard.
 */
export function keyAction(e: KeyPress, modalOpen: boolean): KeyAction | null {
  const mod = e.ctrlKey || e.metaKey
  // Stopping a run is always one chord away, even with a dialog open.
  if (mod && !e.altKey && e.key === '.') return { kind: 'cancel', confirm: false }
  if (modalOpen || isTyping(e.target)) return null
  // Not while typing: in a text field Ctrl/⌘+Enter is the field's own (the notes save with it).
  if (mod && !e.altKey && e.key === 'Enter') return { kind: 'run', confirm: false }
  if (mod || e.altKey) return null
  if (e.key === 'Escape') return { kind: 'cancel', confirm: true }
  if (e.key === 'r') return { kind: 'run', confirm: true }
  if (e.key === '?') return { kind: 'help' }
  if (/^[1-4]$/.test(e.key)) return { kind: 'tab', index: Number(e.key) - 1 }
  return null
}

/** True when the key press belongs to a text field (shortcuts stay out of its way). */
export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null
  if (!el || !el.tagName) return false
  const tag = el.tagName.toLowerCase()
  return tag === 'input' || tag === 'textarea' || tag === 'select' || el.isContentEditable
}

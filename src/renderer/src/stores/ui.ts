/**
 * Window-level state: theme, language, the open tab, the bridge connection, and the dialogs that
 * answer with a promise (file picker, confirm, prompt) so callers read like plain code.
 */
import { defineStore } from 'pinia'
import { computed, onScopeDispose, ref, shallowReactive, shallowRef, watch } from 'vue'
import type { FileKind } from '../../../shared/ipc'
import { useApi, useHost, type ConnectionStatus } from '../api'
import { i18n, setLocale, type Locale } from '../i18n'
import { useWorkspaceStore } from './workspace'

export type ThemePref = 'system' | 'light' | 'dark'
export type Tab = 'overview' | 'runs' | 'compare' | 'report'
export const TABS: readonly Tab[] = ['overview', 'runs', 'compare', 'report']

export interface PickerRequest {
  /** null: any file (the browser's stand-in for a drop). */
  kind: FileKind | null
  title: string
  resolve: (path: string | null) => void
}
export interface ConfirmRequest {
  title: string
  message: string
  confirmLabel: string
  danger: boolean
  resolve: (ok: boolean) => void
}
export interface PromptRequest {
  title: string
  label: string
  value: string
  confirmLabel: string
  /** Returns an error message for an invalid value, or null. */
  validate: (value: string) => string | null
  resolve: (value: string | null) => void
}
export interface Toast {
  id: number
  kind: 'info' | 'success' | 'error'
  text: string
}

/** A value kept in the window's storage (localStorage: the desktop app's profile, or the browser's). */
export function readStored(key: string): string | null {
  try {
    return localStorage.getItem(key)
  } catch {
    return null
  }
}
export function writeStored(key: string, value: string): void {
  try {
    localStorage.setItem(key, value)
  } catch {
    /* private mode: the choice lasts this session */
  }
}
function stored<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
  const v = readStored(key)
  return v && (allowed as readonly string[]).includes(v) ? (v as T) : fallback
}
const store = writeStored

export const useUiStore = defineStore('ui', () => {
  const themePref = ref<ThemePref>(stored('losslens.theme', ['system', 'light', 'dark'], 'system'))
  const media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null
  const systemDark = ref(media?.matches ?? false)
  const onMedia = (e: MediaQueryListEvent) => (systemDark.value = e.matches)
  media?.addEventListener?.('change', onMedia)
  const theme = computed<'light' | 'dark'>(() =>
    themePref.value === 'system' ? (systemDark.value ? 'dark' : 'light') : themePref.value,
  )
  watch(
    theme,
    (t) => {
      if (typeof document !== 'undefined') document.documentElement.dataset.theme = t
    },
    { immediate: true },
  )
  function setTheme(pref: ThemePref): void {
    themePref.value = pref
    store('losslens.theme', pref)
  }

  const locale = ref<Locale>(i18n.global.locale.value as Locale)
  function setLanguage(l: Locale): void {
    locale.value = l
    setLocale(l)
    store('losslens.locale', l)
  }

  const tab = ref<Tab>('overview')
  /**
   * The first-steps guide over the demo experiment: shown on a first start until the user dismisses
   * it (remembered in the window's storage); `reportSeen` marks its last step done.
   */
  const guideOpen = ref(false)
  const guideDismissed = ref(readStored('losslens.guide') === 'dismissed')
  const reportSeen = ref(false)
  watch(tab, (t) => {
    if (t === 'report') reportSeen.value = true
  })
  function dismissGuide(): void {
    guideOpen.value = false
    guideDismissed.value = true
    store('losslens.guide', 'dismissed')
  }
  const helpOpen = ref(false)
  const connection = ref<ConnectionStatus>({ state: 'open', attempt: 0, nextAttemptAt: null })
  const offStatus = useHost().onStatus?.((s) => (connection.value = { ...s }))

  const picker = shallowRef<PickerRequest | null>(null)
  const confirmRequest = shallowRef<ConfirmRequest | null>(null)
  const promptRequest = shallowRef<PromptRequest | null>(null)
  const toasts = ref<Toast[]>([])
  let toastId = 0

  /** A file path: the native dialog in the desktop app, the folder-listing picker in a browser. */
  async function chooseFile(kind: FileKind | null, title: string): Promise<string | null> {
    if (!useWorkspaceStore().isBridge)
      return useApi().invoke('file:choose', { kind: kind ?? 'checkpoint', title })
    picker.value?.resolve(null)
    return new Promise((resolve) => (picker.value = { kind, title, resolve }))
  }
  function answerPicker(path: string | null): void {
    picker.value?.resolve(path)
    picker.value = null
  }

  function confirm(req: Omit<ConfirmRequest, 'resolve'>): Promise<boolean> {
    confirmRequest.value?.resolve(false)
    return new Promise((resolve) => (confirmRequest.value = { ...req, resolve }))
  }
  function answerConfirm(ok: boolean): void {
    confirmRequest.value?.resolve(ok)
    confirmRequest.value = null
  }

  function prompt(req: Omit<PromptRequest, 'resolve'>): Promise<string | null> {
    promptRequest.value?.resolve(null)
    return new Promise((resolve) => (promptRequest.value = { ...req, resolve }))
  }
  function answerPrompt(value: string | null): void {
    promptRequest.value?.resolve(value)
    promptRequest.value = null
  }

  /** Open dialogs (ModalFrame), topmost last: Escape closes only the topmost. */
  const modalStack = shallowReactive<symbol[]>([])
  /** True while a dialog holds the keyboard (shortcuts stay off). */
  const modalOpen = computed(() => modalStack.length > 0)

  function notify(kind: Toast['kind'], text: string, ms = 4000): void {
    const id = ++toastId
    toasts.value.push({ id, kind, text })
    if (ms > 0) setTimeout(() => dismiss(id), ms)
  }
  function dismiss(id: number): void {
    toasts.value = toasts.value.filter((t) => t.id !== id)
  }

  onScopeDispose(() => {
    offStatus?.()
    media?.removeEventListener?.('change', onMedia)
  })

  return {
    themePref,
    theme,
    setTheme,
    locale,
    setLanguage,
    tab,
    guideOpen,
    guideDismissed,
    reportSeen,
    dismissGuide,
    helpOpen,
    connection,
    picker,
    confirmRequest,
    promptRequest,
    toasts,
    modalStack,
    modalOpen,
    chooseFile,
    answerPicker,
    confirm,
    answerConfirm,
    prompt,
    answerPrompt,
    notify,
    dismiss,
  }
})

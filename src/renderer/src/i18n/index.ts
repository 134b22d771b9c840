/** Languages: English and Simplified Chinese; follows the system language until the user picks one. */
import { createI18n } from 'vue-i18n'
import en from './en'
import zhCN from './zh-CN'

export type Locale = 'en' | 'zh-CN'
export const LOCALES: readonly Locale[] = ['en', 'zh-CN']

/** The saved choice, else the browser's language (zh* -> zh-CN), else English. */
export function initialLocale(): Locale {
  try {
    const saved = localStorage.getItem('losslens.locale')
    if (saved === 'en' || saved === 'zh-CN') return saved
  } catch {
    /* no storage: fall through */
  }
  const nav = typeof navigator !== 'undefined' ? navigator.language : 'en'
  return nav.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en'
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'en',
  messages: { en, 'zh-CN': zhCN },
  missingWarn: false,
  fallbackWarn: false,
})

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  if (typeof document !== 'undefined') document.documentElement.lang = locale
}

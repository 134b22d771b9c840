/** The report's wording per language. */
import type { Lang } from '../../shared/ipc'
import { en, type ReportStrings } from './strings-en'
import { zh } from './strings-zh'

export type { ReportStrings }

export function reportStrings(lang: Lang): ReportStrings {
  return lang === 'zh-CN' ? zh : en
}

/** What chart builders need from the window: the theme's chart colours and the translator. */
import { computed } from 'vue'
import { useI18n } from 'vue-i18n'
import { CHART_THEMES, type ChartTheme, type Translate } from '../charts/theme'
import { useUiStore } from '../stores/ui'

export function useChart() {
  const ui = useUiStore()
  const { t, locale } = useI18n()
  const theme = computed<ChartTheme>(() => CHART_THEMES[ui.theme])
  /** Reading locale makes computed options follow a language switch. */
  const tr = computed<Translate>(() => {
    void locale.value
    return (key, named) => (named ? t(key, named) : t(key))
  })
  return { theme, t: tr }
}

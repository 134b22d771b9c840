/** Boot step 3 (main.ts): pick the host (Electron preload or the browser bridge), then mount the app. */
import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from '../App.vue'
import { detectHost, installHost } from '../api'
import { i18n, setLocale, type Locale } from '../i18n'
import '../styles/base.css'

export function mount(): void {
  installHost(detectHost())
  setLocale(i18n.global.locale.value as Locale)
  createApp(App).use(createPinia()).use(i18n).mount('#app')
}

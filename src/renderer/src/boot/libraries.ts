/**
 * Boot step 1 (main.ts): Vue, Pinia and vue-i18n, evaluated in a task of their own. Re-exported, not
 * just imported: the packages declare no side effects, so a bare import would be dropped.
 */
export { createApp } from 'vue'
export { createPinia } from 'pinia'
export { createI18n } from 'vue-i18n'

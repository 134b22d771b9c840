// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { installHost } from '../../src/renderer/src/api'
import { i18n } from '../../src/renderer/src/i18n'
import ConnectionBanner from '../../src/renderer/src/components/ConnectionBanner.vue'
import { useUiStore } from '../../src/renderer/src/stores/ui'
import type { ConnectionStatus } from '../../src/renderer/src/api/bridge-client'
import { FakeApi } from './fake-api'

describe('connection banner', () => {
  it('is hidden while connected, counts down while reconnecting, and says when the token is refused', async () => {
    let push: (s: ConnectionStatus) => void = () => undefined
    let retried = 0
    installHost({
      kind: 'bridge',
      api: new FakeApi(),
      onStatus: (l) => {
        push = l
        return () => undefined
      },
      retryNow: () => retried++,
    })
    const pinia = createPinia()
    setActivePinia(pinia)
    i18n.global.locale.value = 'en'
    const ui = useUiStore()
    const w = mount(ConnectionBanner, { global: { plugins: [pinia, i18n] } })
    expect(w.find('[data-test="connection-banner"]').exists()).toBe(false)

    push({ state: 'reconnecting', attempt: 2, nextAttemptAt: Date.now() + 2000 })
    await w.vm.$nextTick()
    expect(ui.connection.state).toBe('reconnecting')
    expect(w.get('[data-test="connection-banner"]').text()).toMatch(
      /lost\. Reconnecting \(attempt 2\) in [12]s/,
    )
    await w.get('button').trigger('click')
    expect(retried).toBe(1)

    push({ state: 'unauthorized', attempt: 2, nextAttemptAt: null })
    await w.vm.$nextTick()
    expect(w.get('[data-test="connection-banner"]').text()).toContain('refused this window’s token')

    push({ state: 'open', attempt: 0, nextAttemptAt: null })
    await w.vm.$nextTick()
    expect(w.find('[data-test="connection-banner"]').exists()).toBe(false)
    w.unmount()
  })
})

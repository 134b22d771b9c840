/** A user action whose failure is shown where it was started: run() keeps the engine's message in error. */
import { ref } from 'vue'
import { errorText } from '../lib/format'

export function useAction() {
  const error = ref<string | null>(null)
  const busy = ref(false)
  async function run(work: () => Promise<unknown>): Promise<boolean> {
    busy.value = true
    error.value = null
    try {
      await work()
      return true
    } catch (e) {
      error.value = errorText(e)
      return false
    } finally {
      busy.value = false
    }
  }
  return { error, busy, run }
}

/**
 * The runs the user picked in the runs table to show together: overlaid on the per-step, offset-sweep
 * and per-position charts (each in its checkpoint's colour) and diffed in the settings diff. Window
 * state only; a reload starts with none selected.
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'

export const useRunSelectionStore = defineStore('runSelection', () => {
  /** Run ids in the order they were picked. */
  const selected = ref<string[]>([])
  const count = computed(() => selected.value.length)

  function isSelected(id: string): boolean {
    return selected.value.includes(id)
  }
  function toggle(id: string): void {
    selected.value = isSelected(id) ? selected.value.filter((s) => s !== id) : [...selected.value, id]
  }
  function set(ids: readonly string[]): void {
    selected.value = [...new Set(ids)]
  }
  function clear(): void {
    selected.value = []
  }
  return { selected, count, isSelected, toggle, set, clear }
})

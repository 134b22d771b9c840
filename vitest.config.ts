import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'
import { resolve } from 'node:path'

export default defineConfig({
  plugins: [vue()],
  resolve: { alias: { '@renderer': resolve(import.meta.dirname, 'src/renderer/src') } },
  test: {
    // onnxruntime-node's typed arrays break under vm-based pools: forks keeps real Node contexts.
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    // Builds out/ (the app and the CLI) when missing or stale, before any suite runs.
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
})

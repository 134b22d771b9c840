import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'

export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          'inference-worker': resolve(__dirname, 'src/main/engine/inference-worker.ts'),
          'isolated-child': resolve(__dirname, 'src/main/engine/isolated/child-main.ts'),
        },
        external: ['onnxruntime-node', '@huggingface/tokenizers', 'ws'],
      },
    },
  },
  preload: {
    build: {
      // Bundled into one CommonJS file so the window can keep sandbox: true. A sandboxed preload can
      // require only 'electron', so zod and the shared contract are bundled in; the package being
      // "type": "module", the CommonJS format and the .cjs name are explicit.
      externalizeDeps: false,
      isolatedEntries: true,
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs', inlineDynamicImports: true },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    resolve: { alias: { '@renderer': resolve(__dirname, 'src/renderer/src') } },
    plugins: [vue()],
    build: {
      // Minified: the window parses less than half the JavaScript before its first paint (electron-vite
      // leaves the renderer unminified). `npm run bench:ui -- --profile` wants readable names: build
      // with LOSSLENS_UNMINIFIED=1 and serve that build with --static.
      minify: !process.env.LOSSLENS_UNMINIFIED,
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } },
    },
  },
})

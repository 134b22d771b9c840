// Builds the command line into out/cli/ with esbuild: losslens.js (the dispatcher; each command a
// lazily loaded chunk, so `losslens --version` loads almost nothing), inference-worker.js beside it
// (worker-client.ts looks for it there), isolated-child.js and chunks/. Dependencies stay in node_modules (onnxruntime-node
// is native). Run by `npm run build` and by bin/losslens.js when out/cli is missing or stale.
import { build } from 'esbuild'
import { rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

export async function buildCli() {
  rmSync(`${root}out/cli`, { recursive: true, force: true })
  await build({
    absWorkingDir: root,
    entryPoints: {
      losslens: 'src/main/cli.ts',
      'inference-worker': 'src/main/engine/inference-worker.ts',
      // The child process that parses user files (engine/isolated/client.ts looks for it beside the
      // bundle or its chunks): a file that aborts Node ends that child, not the CLI.
      'isolated-child': 'src/main/engine/isolated/child-main.ts',
    },
    outdir: 'out/cli',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: 'linked',
    logLevel: 'warning',
  })
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await buildCli()

#!/usr/bin/env node
// The `losslens` command: runs the built CLI in out/cli/. In a source checkout (src/ beside out/) it
// first rebuilds out/cli when it is missing or older than the sources, so `npx losslens` works right
// after `npm ci` and after an edit; an installed package ships out/cli and never builds.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const entry = `${root}out/cli/losslens.js`

function newest(dir) {
  let t = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${e.name}`
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs)
  }
  return t
}

function stale() {
  if (!existsSync(entry)) return true
  if (!existsSync(`${root}src/main`)) return false
  const built = statSync(entry).mtimeMs
  return newest(`${root}src/main`) > built || newest(`${root}src/shared`) > built
}

if (stale()) {
  const { buildCli } = await import('../scripts/build-cli.mjs')
  await buildCli()
}
await import(pathToFileURL(entry).href)

// `npm run bench:cli`: how long `losslens --version` takes from process start to exit, against bare
// Node and against the TypeScript source run through tsx (what `npm run losslens` did before the CLI was
// built). Median and slowest of N runs each, interleaved so machine load hits all alike.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const N = Number(process.env.RUNS ?? 15)
const cases = {
  'node -e 0 (bare Node)': ['-e', '0'],
  'losslens --version (bin/losslens.js)': ['bin/losslens.js', '--version'],
  'tsx src/main/cli.ts --version': ['--import', 'tsx', 'src/main/cli.ts', '--version'],
}
const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]))
spawnSync(process.execPath, ['bin/losslens.js', '--version'], { cwd: root }) // builds out/cli if stale
for (let i = 0; i < N; i++) {
  for (const [name, args] of Object.entries(cases)) {
    const t0 = performance.now()
    const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`${name} failed: ${r.stderr}`)
    times[name].push(performance.now() - t0)
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
console.log(`${N} runs each, Node ${process.version}`)
for (const [name, xs] of Object.entries(times)) {
  console.log(
    `  ${name.padEnd(40)} median ${median(xs).toFixed(0).padStart(5)} ms, slowest ${Math.max(...xs)
      .toFixed(0)
      .padStart(5)} ms`,
  )
}

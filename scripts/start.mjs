// `npm start`: build, then open LossLens on the default workspace (the bundled demo is copied into a
// new one). The desktop window needs the Electron binary (downloaded on first start) and a display;
// where either is missing (a headless box, an offline machine) the same UI is served to a browser
// through the local bridge instead, and this script says why.
import { spawn, spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const wantBrowser = process.argv.includes('--browser') || process.env.LOSSLENS_BROWSER === '1'
// electron-vite's package exports hide its bin file from require.resolve; it sits at a fixed path.
const electronVite = fileURLToPath(
  new URL('../node_modules/electron-vite/bin/electron-vite.js', import.meta.url),
)
const passThrough = process.argv.slice(2).filter((a) => a !== '--browser')

function run(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit' })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

/** Why the desktop window cannot open here, or null when it can. */
function electronUnavailable() {
  if (wantBrowser) return 'browser mode was asked for'
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return 'no display (DISPLAY and WAYLAND_DISPLAY are unset)'
  }
  try {
    require('electron') // resolves the binary, downloading it on first start
    return null
  } catch (err) {
    return `the Electron binary is not available (${String(err.message ?? err).split('\n')[0]})`
  }
}

run(process.execPath, [electronVite, 'build'])

const why = electronUnavailable()
const child = why
  ? (console.log(`\nOpening LossLens in the browser instead of a window: ${why}.\n`),
    spawn(process.execPath, ['--import', 'tsx', 'src/main/serve.ts', ...passThrough], { stdio: 'inherit' }))
  : spawn(process.execPath, [electronVite, 'preview', '--skipBuild'], {
      stdio: 'inherit',
    })
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code) => process.exit(code ?? 0))

/**
 * `npm run serve -- --workspace DIR [--port N] [--host 127.0.0.1]`: the app in a browser, no Electron.
 * Serves out/renderer (build it first with `npm run build`) and prints
 * `LossLens bridge: http://127.0.0.1:PORT/?token=...`; open that URL. The token in it is the only
 * authority: whoever has it can read any file this user can, so keep it to yourself.
 */
import fs from 'node:fs'
import os from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { startBridge } from './bridge/server'
import { createEngineServices } from './services'

const root = fileURLToPath(new URL('../..', import.meta.url))

const USAGE = `usage: npm run serve -- [--workspace DIR] [--port N] [--host 127.0.0.1] [--static DIR]

  --workspace DIR  the LossLens workspace (default ~/Documents/LossLens; the demo is copied into a new one)
  --port N         port to listen on (default: a free one)
  --host ADDR      loopback address to bind (default 127.0.0.1; other interfaces are refused)
  --static DIR     the built renderer (default out/renderer)
  --python PATH    the Python interpreter the exporter runs with (default $LOSSLENS_PYTHON, else python3);
                   the browser cannot choose another program`

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      workspace: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      static: { type: 'string' },
      python: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  const port = values.port === undefined ? 0 : Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be an integer from 0 to 65535, got "${values.port}"`)
    return 2
  }
  const staticDir = resolve(values.static ?? join(root, 'out', 'renderer'))
  if (!fs.existsSync(join(staticDir, 'index.html'))) {
    console.error(
      `The renderer is not built (${join(staticDir, 'index.html')} is missing).\nBuild it first: npm run build`,
    )
    return 1
  }
  const version = (JSON.parse(fs.readFileSync(join(root, 'package.json'), 'utf8')) as { version: string })
    .version
  const bridge = await startBridge({
    workspace: resolve(values.workspace ?? join(os.homedir(), 'Documents', 'LossLens')),
    port,
    host: values.host ?? '127.0.0.1',
    staticDir,
    services: createEngineServices(),
    demoDir: join(root, 'resources', 'demo'),
    version,
    python: values.python ?? process.env['LOSSLENS_PYTHON'] ?? 'python3',
  })
  console.log(`LossLens bridge: ${bridge.url}`)
  const stop = () => {
    // Runs in progress end 'interrupted' and can be resumed next time.
    void bridge.close().finally(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  return -1
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code
  },
  (err: unknown) => {
    console.error(`losslens serve: ${err instanceof Error ? err.message : String(err)}`)
    process.exitCode = 1
  },
)

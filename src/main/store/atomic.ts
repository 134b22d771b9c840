/**
 * Crash-safe file writes: a reader sees the old file or the new one, never half of either.
 * Written to a temp file beside the target (same filesystem, so rename is atomic), fsynced,
 * renamed over the target, then the folder is fsynced so the rename itself survives a power cut.
 */
import fs from 'node:fs'
import { randomBytes } from 'node:crypto'
import { basename, dirname, join } from 'node:path'
import { jsonErrorWithoutText } from '../engine/errors'

/** Writes `data` to `file` atomically; on any failure the old file (if any) is left untouched. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(file)
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  try {
    const handle = await fs.promises.open(tmp, 'wx', 0o644)
    try {
      await handle.writeFile(data)
      await handle.sync()
    } finally {
      await handle.close()
    }
    // Called through fs.promises so tests can make rename fail and check the old file survives.
    await fs.promises.rename(tmp, file)
  } catch (err) {
    await fs.promises.rm(tmp, { force: true }).catch(() => undefined)
    throw err
  }
  await syncDir(dir)
}

const TEMP_FILE = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/

/**
 * Removes the temp files writeFileAtomic leaves when its process is killed mid-save: those of a
 * process that no longer runs, or older than an hour. Returns how many were removed.
 */
export async function cleanStaleTemps(dir: string, now = Date.now()): Promise<number> {
  let names: string[]
  try {
    names = await fs.promises.readdir(dir)
  } catch {
    return 0
  }
  let removed = 0
  for (const name of names) {
    const m = TEMP_FILE.exec(name)
    if (!m) continue
    const pid = Number(m[1])
    const file = join(dir, name)
    const stat = await fs.promises.lstat(file).catch(() => null)
    if (!stat?.isFile()) continue
    if (pid === process.pid && now - stat.mtimeMs < 3_600_000) continue
    if (pid !== process.pid && isAlive(pid) && now - stat.mtimeMs < 3_600_000) continue
    await fs.promises.rm(file, { force: true }).catch(() => undefined)
    removed++
  }
  return removed
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Pretty JSON with a trailing newline: human-readable and diffable, as the workspace promises. */
export function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  return writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n')
}

/** fsyncs a folder so a rename or a new file in it is durable; a no-op where folders cannot be opened (Windows). */
export async function syncDir(dir: string): Promise<void> {
  let handle: fs.promises.FileHandle | undefined
  try {
    handle = await fs.promises.open(dir, 'r')
    await handle.sync()
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw err
  } finally {
    await handle?.close()
  }
}

/** Reads and parses a JSON file; the error names the file and says whether it is missing or malformed. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string
  try {
    text = await fs.promises.readFile(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new StoreError(
      code === 'ENOENT' ? `${file}: file not found` : `${file}: cannot read (${code})`,
      file,
      code,
    )
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (err) {
    throw new StoreError(
      `${file}: not valid JSON (${jsonErrorWithoutText(err)}); the file was left as it is`,
      file,
    )
  }
}

/** A workspace file that is missing, unreadable or corrupt; `file` names it. */
export class StoreError extends Error {
  override readonly name = 'StoreError'
  constructor(
    message: string,
    readonly file?: string,
    readonly code?: string,
  ) {
    super(message)
  }
}

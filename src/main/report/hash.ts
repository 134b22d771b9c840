/** SHA-256 of a file, streamed (checkpoints are hundreds of MB), for the report's provenance. */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { errorMessage } from '../engine/errors'
import type { FileHash } from './input'

/** Hashes `absolutePath`; `shownPath` is how the report names it. Never throws: a failure is recorded. */
export async function sha256File(absolutePath: string, shownPath: string = absolutePath): Promise<FileHash> {
  try {
    const { size } = await stat(absolutePath)
    const hash = createHash('sha256')
    for await (const chunk of createReadStream(absolutePath, { highWaterMark: 1 << 20 }))
      hash.update(chunk as Buffer)
    return { path: shownPath, sha256: hash.digest('hex'), bytes: size }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    return {
      path: shownPath,
      sha256: null,
      bytes: null,
      error: code === 'ENOENT' ? 'file not found' : errorMessage(err),
    }
  }
}

/** A checkpoint's tensors, whatever the file format: names, shapes and lazy float32 readers. */
import { open } from 'node:fs/promises'
import { extname } from 'node:path'
import { InputError, checkInputFile } from '../errors'
import type { ElementType } from './float-bits'
import { looksLikeZip } from './zip-archive'
import { openTorchCheckpoint, refuseBarePickle } from './torch-checkpoint'
import { openSafetensors } from './safetensors'

/** One named tensor of a checkpoint. */
export interface CheckpointTensor {
  name: string
  shape: number[]
  elementType: ElementType
  /**
   * Equal for tensors that are the same bytes in the file (torch saves tied weights once and
   * points both names at it); null when the format cannot say.
   */
  shareKey: string | null
  /** Reads the values, widened to float32. */
  read(): Promise<Float32Array>
}

/** An open checkpoint; `close()` releases its file. */
export interface Checkpoint {
  path: string
  format: 'pth' | 'safetensors'
  tensors: CheckpointTensor[]
  close(): Promise<void>
}

/** Opens a .pth (torch.save zip) or .safetensors checkpoint, by content rather than by extension. */
export async function openCheckpoint(path: string): Promise<Checkpoint> {
  await checkInputFile(path, undefined, 'checkpoint')
  let head: Buffer
  try {
    const fh = await open(path, 'r')
    try {
      head = Buffer.alloc(16)
      const { bytesRead } = await fh.read(head, 0, 16, 0)
      head = head.subarray(0, bytesRead)
    } finally {
      await fh.close()
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new InputError(code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? String(err)})`, path)
  }
  if (looksLikeZip(head)) return openTorchCheckpoint(path)
  if (head.length >= 9 && head[8] === 0x7b) return openSafetensors(path)
  if (head[0] === 0x80) return refuseBarePickle(path)
  const ext = extname(path).toLowerCase()
  throw new InputError(
    `not a checkpoint LossLens reads${ext ? ` (${ext})` : ''}: expected a torch.save zip (.pth) or .safetensors`,
    path,
  )
}

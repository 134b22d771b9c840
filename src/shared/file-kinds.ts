/** File extensions per picker kind: the Electron dialog's filters, the bridge's folder listing and the window's picker. */
import type { FileKind } from './ipc'

export const FILE_KIND_EXTENSIONS: Record<FileKind, { name: string; extensions: string[] }> = {
  onnx: { name: 'ONNX model', extensions: ['onnx'] },
  tokenizer: { name: 'tokenizer.json', extensions: ['json'] },
  dataset: { name: 'Evaluation samples (JSON, JSONL)', extensions: ['json', 'jsonl'] },
  trainData: { name: 'Training data (JSONL, JSON)', extensions: ['jsonl', 'json'] },
  log: { name: 'Training log', extensions: ['log', 'txt', 'csv', 'jsonl', 'out'] },
  checkpoint: { name: 'PyTorch checkpoint', extensions: ['pth', 'pt', 'bin', 'safetensors'] },
  config: { name: 'Model config (config.json)', extensions: ['json'] },
  folder: { name: 'Folder', extensions: [] },
  python: { name: 'Python interpreter', extensions: [] },
}

/** True when a file of this name belongs in a listing of `kind` (no kind: every file). */
export function matchesKind(name: string, kind: FileKind | undefined): boolean {
  if (!kind || kind === 'python') return true
  if (kind === 'folder') return false
  const ext = name.toLowerCase().split('.').pop() ?? ''
  return FILE_KIND_EXTENSIONS[kind].extensions.includes(ext)
}

/** A checkpoint's training step, where its file or folder name says it. */

/**
 * The step a path's last two segments carry: "step_1200", "step-1200", "ckpt-1200.pth",
 * "checkpoint-1200/model.onnx". Never MiniMind's "{stage}_{hidden}.pth" (pretrain_512.pth), whose
 * number is the hidden size. null when no name says it.
 */
export function stepFromFileName(path: string): number | null {
  const parts = path.split(/[\\/]/).filter(Boolean).slice(-2).reverse()
  for (const name of parts) {
    const m = /step[_-]?(\d+)/i.exec(name) ?? /^(?:checkpoint|ckpt)[_-](\d+)(?:\.\w+)?$/i.exec(name)
    if (m) return Number(m[1])
    const dash = /-(\d+)\.(?:pth|pt|safetensors|onnx|bin)$/i.exec(name)
    if (dash) return Number(dash[1])
  }
  return null
}

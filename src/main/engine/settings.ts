/** Run settings checked at the boundary (kept free of onnxruntime so the main process can import it cheaply). */
import { RunSettingsSchema, type RunSettings } from '../../shared/results'
import { InputError } from './errors'

/** Checks settings up front; InputError naming the setting (P = 0 and L = 0 are refused here). */
export function validateSettings(settings: RunSettings): RunSettings {
  for (const key of ['inputLength', 'predictLength'] as const) {
    const v = settings[key]
    if (!Number.isInteger(v) || v < 1)
      throw new InputError(`${key} must be a positive integer, got ${String(v)}`)
  }
  const parsed = RunSettingsSchema.safeParse(settings)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new InputError(`invalid setting ${issue.path.join('.') || '(settings)'}: ${issue.message}`)
  }
  return parsed.data
}

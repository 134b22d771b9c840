/** The app's own settings (Python for the exporter, the MiniMind folder, the last workspace): one JSON file. */
import fs from 'node:fs'
import { dirname } from 'node:path'
import { z } from 'zod'
import { writeJsonAtomic } from './atomic'

const SettingsFileSchema = z.object({
  python: z.string().optional(),
  minimindDir: z.string().optional(),
  workspace: z.string().optional(),
})
export type SettingsFile = z.infer<typeof SettingsFileSchema>

/** Reads and writes one settings file; a missing or unreadable file reads as empty (and is reported once). */
export class SettingsStore {
  constructor(readonly file: string) {}

  async read(): Promise<SettingsFile> {
    let text: string
    try {
      text = await fs.promises.readFile(this.file, 'utf8')
    } catch {
      return {}
    }
    try {
      return SettingsFileSchema.parse(JSON.parse(text))
    } catch (err) {
      console.warn(`${this.file}: ignored, not valid settings (${(err as Error).message})`)
      return {}
    }
  }

  /** Merges `change` into the file (undefined fields are left out) and returns the result. */
  async update(change: Partial<SettingsFile>): Promise<SettingsFile> {
    const next: SettingsFile = { ...(await this.read()) }
    for (const [key, value] of Object.entries(change) as [keyof SettingsFile, string | undefined][]) {
      if (value === undefined || value === '') delete next[key]
      else next[key] = value
    }
    await fs.promises.mkdir(dirname(this.file), { recursive: true })
    await writeJsonAtomic(this.file, next)
    return next
  }
}

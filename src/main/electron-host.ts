/** The desktop app's host services: native dialogs and the OS trash. */
import { BrowserWindow, dialog, shell, type OpenDialogOptions } from 'electron'
import type { FileKind } from '../shared/ipc'
import type { HostServices } from './ipc/context'
import { FILE_KIND_EXTENSIONS } from '../shared/file-kinds'

export function electronHost(parent: () => BrowserWindow | null): HostServices {
  const open = async (options: OpenDialogOptions): Promise<string | null> => {
    const win = parent()
    const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options)
    return result.canceled ? null : (result.filePaths[0] ?? null)
  }
  return {
    kind: 'electron',
    chooseFile(kind: FileKind, title?: string) {
      if (kind === 'folder') return open({ title, properties: ['openDirectory'] })
      const { name, extensions } = FILE_KIND_EXTENSIONS[kind]
      const filters =
        extensions.length > 0
          ? [
              { name, extensions },
              { name: 'All files', extensions: ['*'] },
            ]
          : []
      return open({ title, properties: ['openFile'], filters })
    },
    chooseFolder(title?: string) {
      return open({ title, properties: ['openDirectory', 'createDirectory'] })
    },
    trash: (path) => shell.trashItem(path),
  }
}

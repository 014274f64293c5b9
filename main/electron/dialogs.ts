/** Native open and save dialogs (the Electron side of HostAdapter.openFiles / deliverFile). */
import { dialog, type BrowserWindow } from 'electron';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import type { DeliveredFile, ExportedFile } from '../services/host';

const FILTERS: Record<string, Electron.FileFilter[]> = {
  '.html': [{ name: 'HTML report', extensions: ['html'] }],
  '.pdf': [{ name: 'PDF', extensions: ['pdf'] }],
  '.csv': [{ name: 'CSV', extensions: ['csv'] }],
  '.json': [{ name: 'JSON', extensions: ['json'] }],
};

export async function openFilesDialog(win: BrowserWindow | null, opts: { title?: string; multiple: boolean }): Promise<{ paths: string[] }> {
  const options: Electron.OpenDialogOptions = {
    title: opts.title ?? 'Choose data files',
    properties: opts.multiple ? ['openFile', 'multiSelections'] : ['openFile'],
    filters: [
      { name: 'Data and specs', extensions: ['csv', 'tsv', 'txt', 'data', 'json', 'jsonl'] },
      { name: 'All files', extensions: ['*'] },
    ],
  };
  const r = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
  return { paths: r.canceled ? [] : r.filePaths };
}

/** Asks where to save an exported file and copies it there. */
export async function saveFileDialog(win: BrowserWindow | null, file: ExportedFile, defaultDir: string): Promise<DeliveredFile> {
  const options: Electron.SaveDialogOptions = {
    title: `Save ${file.fileName}`,
    defaultPath: path.join(defaultDir, file.fileName),
    filters: [...(FILTERS[path.extname(file.fileName).toLowerCase()] ?? []), { name: 'All files', extensions: ['*'] }],
  };
  const r = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
  if (r.canceled || !r.filePath) return { cancelled: true };
  await copyFile(file.path, r.filePath);
  return { savedTo: r.filePath };
}

/** A start-up failure the user must see (there is no window yet). */
export function showFatalError(title: string, message: string): void {
  dialog.showErrorBox(title, message);
}

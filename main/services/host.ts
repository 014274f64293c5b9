/**
 * What a service needs from the host it runs in, and nothing more. Electron implements it with
 * native dialogs and printToPDF; browser mode with download links and uploads.
 */
export interface ExportedFile {
  /** Absolute path of the file written by the export service (under the data dir's exports/). */
  path: string;
  /** Suggested file name for the user ("report-run-3.html"). */
  fileName: string;
  mime: string;
}

export interface DeliveredFile {
  savedTo?: string;
  downloadUrl?: string;
  cancelled?: boolean;
}

export interface HostAdapter {
  readonly kind: 'electron' | 'browser';
  /** Hand an exported file to the user: Electron asks where to save it; browser mode offers a download. */
  deliverFile(file: ExportedFile): Promise<DeliveredFile>;
  /** Native open dialog; browser mode answers `{ paths: [], unsupported: true }` (the UI uploads instead). */
  openFiles(opts: { title?: string; multiple: boolean }): Promise<{ paths: string[]; unsupported?: boolean }>;
  /** HTML → PDF. Electron: printToPDF in a hidden window. Absent: core/report/pdf (local Chromium). */
  renderPdf?(html: string, outFile: string): Promise<void>;
  /** Versions to show in system.info (electron, chrome, …), merged with Node's. */
  versions?(): Record<string, string>;
}

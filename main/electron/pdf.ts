/**
 * PDF export through Chromium's own printer: the report HTML (self-contained) is loaded in a
 * hidden, sandboxed window from the app's own protocol (app://print/…, see print-documents.ts —
 * never file://) and printed with webContents.printToPDF.
 */
import { BrowserWindow } from 'electron';
import { writeFile } from 'node:fs/promises';
import { printDocuments } from './print-documents';

export async function printHtmlToPdf(html: string, outFile: string): Promise<void> {
  const doc = printDocuments.add(html);
  const win = new BrowserWindow({
    show: false,
    width: 1100,
    height: 1400,
    webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, webSecurity: true, offscreen: false, devTools: false },
  });
  try {
    await win.loadURL(doc.url);
    // Let charts drawn on load settle.
    await win.webContents.executeJavaScript('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))', true);
    const pdf = await win.webContents.printToPDF({ printBackground: true, pageSize: 'A4' });
    await writeFile(outFile, pdf);
  } finally {
    win.destroy();
    doc.dispose();
  }
}

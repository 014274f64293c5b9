/**
 * PDF export through Chromium's own printer: the report HTML (self-contained) is loaded in a
 * hidden, sandboxed window and printed with webContents.printToPDF.
 */
import { BrowserWindow } from 'electron';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export async function printHtmlToPdf(html: string, outFile: string): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'drmm-pdf-'));
  const htmlFile = path.join(dir, 'report.html');
  await writeFile(htmlFile, html, 'utf8');
  const win = new BrowserWindow({
    show: false,
    width: 1100,
    height: 1400,
    webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, webSecurity: true, offscreen: false },
  });
  try {
    await win.loadFile(htmlFile);
    // Let charts drawn on load settle.
    await win.webContents.executeJavaScript('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))', true);
    const pdf = await win.webContents.printToPDF({ printBackground: true, pageSize: 'A4' });
    await writeFile(outFile, pdf);
  } finally {
    win.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}

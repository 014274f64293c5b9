/**
 * The desktop host (npm start). Thin on purpose: everything the app does lives in the shared
 * services (main/services) behind the shared dispatcher; this file wires Electron to them.
 * Bundled by scripts/build.mjs to dist/electron/main.cjs.
 */
import { app, BrowserWindow, ipcMain, Menu, shell } from 'electron';
import path from 'node:path';
import { acquireDataDirLock, type DataDirLock } from '../services/data-dir-lock';
import { createAppServices, type AppServices } from '../services/app-services';
import type { HostAdapter } from '../services/host';
import { isDrmmError } from '../../core/errors';
import { forwardEvents, IPC_EVENT, registerIpc } from './ipc';
import { buildMenu } from './menu';
import { openFilesDialog, saveFileDialog, showFatalError } from './dialogs';
import { printHtmlToPdf } from './pdf';
import { UtilityProcessLauncher } from './utility-launcher';
import { createMainWindow, hardenSession, lockDownContents, registerAppScheme, serveRenderer } from './window';

process.env.DRMM_APP_VERSION ??= app.getVersion();

let mainWindow: BrowserWindow | null = null;
let services: AppServices | null = null;
let lock: DataDirLock | null = null;

registerAppScheme();
app.on('web-contents-created', (_event, contents) => lockDownContents(contents));

function focusMainWindow(): void {
  if (!mainWindow) return;
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.focus();
}

async function start(): Promise<void> {
  const appRoot = app.getAppPath();
  const dataDir = app.getPath('userData');
  try {
    lock = acquireDataDirLock(dataDir, { host: 'desktop app' });
  } catch (e) {
    const title = isDrmmError(e) && e.code === 'READ_ONLY' ? 'The data folder is read-only' : 'DRMM Workbench is already running';
    showFatalError(title, isDrmmError(e) ? e.describe() : String(e));
    app.exit(1);
    return;
  }
  hardenSession();
  serveRenderer(path.join(appRoot, 'dist', 'renderer'));

  const host: HostAdapter = {
    kind: 'electron',
    deliverFile: (file) => saveFileDialog(mainWindow, file, app.getPath('documents')),
    openFiles: (opts) => openFilesDialog(mainWindow, opts),
    renderPdf: printHtmlToPdf,
    versions: () => ({ electron: process.versions.electron ?? '', chrome: process.versions.chrome ?? '' }),
  };
  const resourcesDir = app.isPackaged ? process.resourcesPath : path.join(appRoot, 'resources');
  services = await createAppServices({
    dataDir,
    launcher: new UtilityProcessLauncher(path.join(appRoot, 'dist', 'worker.cjs')),
    host,
    resourcesDir,
    keepWarm: true, // a prepared training process waits, so that Run shows progress within a second
    collectLabRuns: true, // runs left in the lab queue (docs/distributed.md) are collected when a queue URL is saved
  });
  registerIpc(ipcMain, services.dispatch);
  forwardEvents(services.onEvent, () => mainWindow?.webContents ?? null);

  Menu.setApplicationMenu(
    buildMenu({
      isMac: process.platform === 'darwin',
      appName: app.getName(),
      devTools: !app.isPackaged,
      send: (command) => mainWindow?.webContents.send(IPC_EVENT, { event: 'app.command', payload: { command } }),
      openDataDir: () => void shell.openPath(dataDir),
    }),
  );
  mainWindow = createMainWindow({ preload: path.join(appRoot, 'dist', 'electron', 'preload.cjs'), title: 'DRMM Workbench', devTools: !app.isPackaged });
  mainWindow.on('closed', () => (mainWindow = null));
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', focusMainWindow);
  app.whenReady().then(start, (e) => {
    showFatalError('DRMM Workbench could not start', String(e));
    app.exit(1);
  });
  app.on('activate', () => {
    if (!mainWindow && services) mainWindow = createMainWindow({ preload: path.join(app.getAppPath(), 'dist', 'electron', 'preload.cjs'), title: 'DRMM Workbench', devTools: !app.isPackaged });
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let quitting = false;
  app.on('will-quit', (event) => {
    if (quitting || !services) {
      lock?.release();
      return;
    }
    // Let running jobs be cancelled and the database closed before exiting.
    event.preventDefault();
    quitting = true;
    services
      .close()
      .catch(() => undefined)
      .finally(() => {
        lock?.release();
        app.quit();
      });
  });
}

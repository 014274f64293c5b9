/**
 * The application menu as a template (no Electron at run time: tested without the binary).
 * DevTools and reload are development tools: a packaged app leaves them out, so nothing in the
 * production menu (or its accelerators) opens DevTools.
 */
import type { MenuItemConstructorOptions } from 'electron';

export type AppCommand = 'import' | 'new-experiment' | 'history' | 'settings';

export interface MenuOptions {
  send: (command: AppCommand) => void;
  openDataDir: () => void;
  isMac: boolean;
  appName: string;
  /** Development build (not packaged): DevTools and reload in the View menu. */
  devTools: boolean;
}

export function appMenuTemplate(opts: MenuOptions): MenuItemConstructorOptions[] {
  const { send, isMac } = opts;
  const developer: MenuItemConstructorOptions[] = opts.devTools ? [{ type: 'separator' }, { role: 'reload' }, { role: 'toggleDevTools' }] : [];
  return [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Import Dataset…', accelerator: 'CmdOrCtrl+O', click: () => send('import') },
        { label: 'New Experiment…', accelerator: 'CmdOrCtrl+N', click: () => send('new-experiment') },
        { type: 'separator' },
        { label: 'Show Data Folder', click: () => opts.openDataDir() },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { label: 'History', accelerator: 'CmdOrCtrl+1', click: () => send('history') },
        { label: 'Settings', accelerator: 'CmdOrCtrl+,', click: () => send('settings') },
        ...developer,
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        { label: `About ${opts.appName}`, click: () => send('settings') },
        { label: 'Open Data Folder', click: () => opts.openDataDir() },
      ],
    },
  ];
}

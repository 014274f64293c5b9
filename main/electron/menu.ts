/** The application menu. Commands that concern the UI are sent to the renderer as `app.command` events. */
import { Menu, type MenuItemConstructorOptions } from 'electron';

export type AppCommand = 'import' | 'new-experiment' | 'history' | 'settings';

export function buildMenu(opts: { send: (command: AppCommand) => void; openDataDir: () => void; isMac: boolean; appName: string }): Menu {
  const { send, isMac } = opts;
  const template: MenuItemConstructorOptions[] = [
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
        { type: 'separator' },
        { role: 'reload' },
        { role: 'toggleDevTools' },
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
        {
          label: `About ${opts.appName}`,
          click: () => send('settings'),
        },
        {
          label: 'Open Data Folder',
          click: () => opts.openDataDir(),
        },
      ],
    },
  ];
  return Menu.buildFromTemplate(template);
}

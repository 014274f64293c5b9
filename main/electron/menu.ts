/** The application menu. Commands that concern the UI are sent to the renderer as `app.command` events. */
import { Menu } from 'electron';
import { appMenuTemplate, type MenuOptions } from './menu-template';

export type { AppCommand } from './menu-template';

export function buildMenu(opts: MenuOptions): Menu {
  return Menu.buildFromTemplate(appMenuTemplate(opts));
}

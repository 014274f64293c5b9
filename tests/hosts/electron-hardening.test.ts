/**
 * The desktop host's hardening, checked without the Electron binary (hardening issue, finding 10):
 * the fuses electron-builder flips, the production menu (no DevTools), and the PDF printer's
 * window, which loads its document from the app's own protocol, never from file://.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { appMenuTemplate } from '../../main/electron/menu-template';
import { PRINT_ORIGIN, PrintDocuments } from '../../main/electron/print-documents';

const root = path.resolve(__dirname, '../..');
const require = createRequire(import.meta.url);
const source = (rel: string) => readFileSync(path.join(root, rel), 'utf8');

/** Every item of a menu template, submenus included. */
function items(template: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return template.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? items(i.submenu) : [])]);
}

describe('Electron fuses (electron-builder.yml)', () => {
  const yaml = require('js-yaml') as { load(s: string): Record<string, any> };
  const fuses = yaml.load(source('electron-builder.yml')).electronFuses as Record<string, boolean>;

  it('only the integrity-checked app.asar can run, and file:// has no extra privileges', () => {
    expect(fuses).toMatchObject({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });
});

describe('the application menu', () => {
  const menu = (devTools: boolean, isMac = false) => items(appMenuTemplate({ send: () => undefined, openDataDir: () => undefined, isMac, appName: 'DRMM Workbench', devTools }));
  const developerRoles = ['toggleDevTools', 'reload', 'forceReload'];

  it('a packaged (production) app has no way to DevTools in its menu', () => {
    for (const isMac of [false, true]) {
      expect(menu(false, isMac).filter((i) => developerRoles.includes(String(i.role)))).toEqual([]);
      expect(menu(false, isMac).some((i) => /devtools|developer/i.test(String(i.label ?? '')))).toBe(false);
    }
  });

  it('a development build keeps DevTools and reload', () => {
    expect(menu(true).map((i) => i.role)).toEqual(expect.arrayContaining(['toggleDevTools', 'reload']));
  });

  it('the main process passes “not packaged” to the menu and the window, which turns DevTools off otherwise', () => {
    const main = source('main/electron/main.ts');
    expect(main).toMatch(/buildMenu\(\{[^}]*devTools: !app\.isPackaged/s);
    const windows = main.split('\n').filter((l) => l.includes('createMainWindow({'));
    expect(windows).toHaveLength(2);
    for (const l of windows) expect(l).toContain('devTools: !app.isPackaged');
    expect(source('main/electron/window.ts')).toMatch(/devTools: opts\.devTools/);
  });
});

describe('the PDF printer window', () => {
  it('loads its document from the app protocol on an origin of its own, never file://', () => {
    const pdf = source('main/electron/pdf.ts');
    expect(pdf).not.toMatch(/loadFile\(|pathToFileURL|['"`]file:/);
    expect(pdf).toMatch(/loadURL\(doc\.url\)/);
    expect(source('main/electron/window.ts')).toMatch(/printDocuments\.lookup\(url\)/);
  });

  it('serves each document once registered, on app://print, and forgets it when disposed', () => {
    const docs = new PrintDocuments();
    const doc = docs.add('<p>report</p>');
    expect(doc.url.startsWith(`${PRINT_ORIGIN}/`)).toBe(true);
    // app:// is a standard scheme in Electron (scheme + host = origin): another host, another origin.
    expect(new URL(doc.url).host).toBe('print');
    expect(docs.lookup(new URL(doc.url))).toBe('<p>report</p>');
    expect(docs.lookup(new URL(doc.url.replace('app://print', 'app://drmm')))).toBeUndefined();
    expect(docs.lookup(new URL('app://print/../etc/passwd'))).toBeUndefined();
    doc.dispose();
    expect(docs.lookup(new URL(doc.url))).toBeUndefined();
  });
});

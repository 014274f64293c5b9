import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveDataDir } from './data-dir';

describe('resolveDataDir', () => {
  const home = '/home/ana';
  it('prefers the explicit option, then DRMM_DATA_DIR, then the platform folder', () => {
    const env = { DRMM_DATA_DIR: '/env/dir', XDG_DATA_HOME: '/xdg' };
    expect(resolveDataDir({ explicit: '/flag/dir', env, platform: 'linux', home })).toBe(path.resolve('/flag/dir'));
    expect(resolveDataDir({ env, platform: 'linux', home })).toBe(path.resolve('/env/dir'));
    expect(resolveDataDir({ env: { XDG_DATA_HOME: '/xdg' }, platform: 'linux', home })).toBe('/xdg/drmm-workbench');
  });
  it('resolves a relative explicit path against the working directory', () => {
    expect(resolveDataDir({ explicit: 'rel/data', env: {} })).toBe(path.resolve('rel/data'));
  });
  it('uses each platform per-user data folder', () => {
    expect(resolveDataDir({ env: {}, platform: 'linux', home })).toBe('/home/ana/.local/share/drmm-workbench');
    expect(resolveDataDir({ env: { XDG_DATA_HOME: 'relative' }, platform: 'linux', home })).toBe('/home/ana/.local/share/drmm-workbench');
    expect(resolveDataDir({ env: {}, platform: 'darwin', home })).toBe('/home/ana/Library/Application Support/DRMM Workbench');
    expect(resolveDataDir({ env: { APPDATA: 'C:\\Users\\ana\\AppData\\Roaming' }, platform: 'win32', home: 'C:\\Users\\ana' }))
      .toBe('C:\\Users\\ana\\AppData\\Roaming\\DRMM Workbench');
    expect(resolveDataDir({ env: {}, platform: 'win32', home: 'C:\\Users\\ana' })).toBe('C:\\Users\\ana\\AppData\\Roaming\\DRMM Workbench');
  });
  it('ignores empty values', () => {
    expect(resolveDataDir({ explicit: ' ', env: { DRMM_DATA_DIR: '' }, platform: 'linux', home })).toBe('/home/ana/.local/share/drmm-workbench');
  });
});

/**
 * The desktop host's build surface, checked without the Electron binary: electron-builder.yml is valid for electron-builder's schema and
 * has the targets and unpack rules the app needs; no Electron import outside main/electron.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const require = createRequire(import.meta.url);

// `npm start` without the Electron binary (it starts browser mode): tests/hosts/npm-start.test.ts.

describe('electron-builder.yml', () => {
  const yaml = require('js-yaml') as { load(s: string): Record<string, any> };
  const cfg = yaml.load(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8'));

  it('passes electron-builder’s own schema', async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
      validateConfiguration(c: unknown, log: { debug(): void; info(): void; warn(): void }): Promise<void>;
    };
    await expect(validateConfiguration(cfg, { debug() {}, info() {}, warn() {} })).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...cfg, notAnOption: 1 }, { debug() {}, info() {}, warn() {} })).rejects.toThrow(/notAnOption/);
  });

  it('targets AppImage + deb, dmg and nsis, rebuilds native modules and unpacks what cannot load from asar', () => {
    expect(cfg.linux.target).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(cfg.mac.target).toContain('dmg');
    expect(cfg.win.target).toContain('nsis');
    expect(cfg.npmRebuild).toBe(true);
    expect(cfg.asarUnpack.join(' ')).toMatch(/better-sqlite3/);
    expect(cfg.asarUnpack.join(' ')).toMatch(/tfjs-backend-wasm.*\.wasm/);
    expect(JSON.stringify(cfg.extraResources)).toContain('resources/samples');
  });
});

describe('layering', () => {
  function tsFiles(dir: string): string[] {
    return readdirSync(dir).flatMap((n) => {
      const p = path.join(dir, n);
      return statSync(p).isDirectory() ? tsFiles(p) : n.endsWith('.ts') ? [p] : [];
    });
  }
  it('imports Electron only under main/electron', () => {
    const offenders = ['core', 'main/api', 'main/services', 'main/web', 'renderer/src']
      .flatMap((d) => tsFiles(path.join(root, d)))
      .filter((f) => /from ['"]electron['"]|require\(['"]electron['"]\)/.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });
  it('keeps main/electron/ipc.ts free of Electron at run time (tested with a fake ipcMain)', () => {
    expect(readFileSync(path.join(root, 'main/electron/ipc.ts'), 'utf8')).not.toMatch(/from ['"]electron['"]/);
  });
});

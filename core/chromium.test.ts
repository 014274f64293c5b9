import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findSystemChromium, launchEnv, npmChromiumBinDir, printsOnlyOverDevTools, resolveChromium } from './chromium';

const dir = mkdtempSync(join(tmpdir(), 'drmm-chromium-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fake = (name: string) => {
  const p = join(dir, name);
  writeFileSync(p, '#!/bin/sh\n');
  chmodSync(p, 0o755);
  return p;
};

describe('Chromium resolution', () => {
  it('prefers a headless shell for printing and a full browser for driving, by name then PATH order', () => {
    const shell = fake('chromium-headless-shell');
    const full = fake('chromium');
    expect(findSystemChromium({ PATH: dir }, 'print')).toBe(shell);
    expect(findSystemChromium({ PATH: dir }, 'browser')).toBe(full);
    expect(resolveChromium({ purpose: 'print', env: { PATH: dir, DRMM_CHROMIUM: 'system' } })).toEqual({ path: shell, source: 'system', env: {} });
  });

  it('DRMM_CHROMIUM=/path picks that executable; a missing one is none, not a fallback', () => {
    const p = fake('my-chrome');
    expect(resolveChromium({ env: { PATH: '', DRMM_CHROMIUM: p } })?.path).toBe(p);
    expect(resolveChromium({ env: { PATH: '', DRMM_CHROMIUM: join(dir, 'nope') } })).toBeNull();
    expect(resolveChromium({ purpose: 'print', env: { PATH: '', DRMM_CHROME: join(dir, 'nope') } })).toBeNull();
  });

  it.skipIf(!npmChromiumBinDir())('DRMM_CHROMIUM=npm unpacks the Chromium of @sparticuz/chromium and says how to launch it', () => {
    const c = resolveChromium({ purpose: 'print', env: { PATH: '', DRMM_CHROMIUM: 'npm' } })!;
    expect(c.source).toBe('npm');
    expect(existsSync(c.path)).toBe(true);
    expect(c.env.LD_LIBRARY_PATH?.split(':')[0]).toMatch(/\/lib$/);
    expect(existsSync(join(c.env.LD_LIBRARY_PATH!.split(':')[0]!, 'libnss3.so'))).toBe(true);
    expect(existsSync(c.env.FONTCONFIG_FILE!)).toBe(true);
    expect(printsOnlyOverDevTools(c.path)).toBe(true);
    // a second call reuses the unpacked copy
    expect(resolveChromium({ env: { PATH: '', DRMM_CHROMIUM: 'npm' } })?.path).toBe(c.path);
    // with no system browser at all, the npm one is the fallback
    expect(resolveChromium({ env: { PATH: '' , DRMM_CHROMIUM: '' } })?.source).toMatch(/system|npm/);
  });

  it('a system browser needs no extra environment and prints from the command line', () => {
    const p = fake('chromium-browser');
    expect(launchEnv(p)).toEqual({});
    expect(printsOnlyOverDevTools(p)).toBe(false);
  });
});

/**
 * `npm start` on a machine without the Electron binary (and no way to download it): it starts
 * browser mode itself and opens the system browser on the tokened URL (here a stand-in browser
 * that records the URL it was given — no real browser is launched), printing the URL either way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const rendererBuilt = existsSync(path.join(root, 'dist', 'renderer', 'index.html'));

function startScript(env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; url: Promise<string> } {
  const child = spawn(process.execPath, [path.join(root, 'scripts/start.mjs')], {
    cwd: root,
    env: {
      ...process.env,
      ELECTRON_OVERRIDE_DIST_PATH: path.join(root, 'no-such-electron-dir'),
      DRMM_NO_ELECTRON_DOWNLOAD: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 60 s; output:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += String(d);
      const m = /running at (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)\r?\n/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]!); }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => { out += String(d); });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`start.mjs exited (${code}) before printing a URL:\n${out}`)); });
  });
  return { child, output: () => out, url };
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

describe.skipIf(!rendererBuilt)('npm start without the Electron binary', () => {
  const dirs: string[] = [];
  const tmp = (p: string) => { const d = mkdtempSync(path.join(tmpdir(), p)); dirs.push(d); return d; };
  afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

  it('starts browser mode, prints the tokened URL, and the URL serves the workbench', async () => {
    const dataDir = tmp('drmm-start-data-');
    const { child, output, url } = startScript({ DRMM_DATA_DIR: dataDir, DRMM_NO_BROWSER: '1' });
    try {
      const u = await url;
      expect(output()).toMatch(/Electron binary is not installed/);
      expect(output()).toContain('npm run serve');
      const res = await fetch(u);
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/<div id="app"|DRMM Workbench/);
      // Without the token the page is refused: the URL printed is the one that works.
      expect((await fetch(u.replace(/\?token=[\w-]+/, ''))).status).toBeGreaterThanOrEqual(400);
      expect(existsSync(dataDir)).toBe(true);
    } finally {
      await stop(child);
    }
  }, 90_000);

  it('opens the system browser ($BROWSER) on that URL', async () => {
    const dir = tmp('drmm-start-browser-');
    const record = path.join(dir, 'opened.txt');
    const fakeBrowser = path.join(dir, 'fake-browser');
    writeFileSync(fakeBrowser, `#!/bin/sh\nprintf '%s' "$1" > '${record}'\n`);
    chmodSync(fakeBrowser, 0o755);
    const { child, output, url } = startScript({ DRMM_DATA_DIR: path.join(dir, 'data'), BROWSER: fakeBrowser, DRMM_NO_BROWSER: '' });
    try {
      const u = await url;
      const deadline = Date.now() + 10_000;
      // The browser may be started (and write its record) before the line saying so reaches our pipe.
      while (!(existsSync(record) && /Opening it in your browser/.test(output())) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(readFileSync(record, 'utf8')).toBe(u);
      expect(output()).toMatch(/Opening it in your browser/);
    } finally {
      expect(await stop(child)).toBe(0);
    }
  }, 90_000);
});

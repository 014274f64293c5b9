#!/usr/bin/env node
/**
 * npm start: one command that always opens the workbench.
 *
 * With the Electron binary (Electron ≥ 45 downloads it on first run, not at install): build and
 * launch the desktop app. Without it and without a way to download it (offline machine): start
 * browser mode (`drmm serve`, 127.0.0.1 + token) and open the system browser on it — best effort
 * (xdg-open / open / start, or $BROWSER); the tokened URL is printed either way.
 * DRMM_NO_BROWSER=1 (or BROWSER=true) prints the URL without opening anything (tests do).
 *
 * How electron resolves its binary (node_modules/electron/index.js): `path.txt` names the
 * executable inside `dist/`; when that file or the executable is missing, `install.js`
 * downloads it (@electron/get). ELECTRON_OVERRIDE_DIST_PATH points at a local build instead.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));

const NO_BINARY =
  'DRMM Workbench: the Electron binary is not installed and could not be downloaded (no internet?) — starting browser mode instead (`npm run serve`).';

function electronDir() {
  try {
    return path.dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
}

/** Absolute path of the Electron executable if it is present, else null. Never downloads. */
export function installedElectronBinary(dir = electronDir()) {
  if (!dir) return null;
  const pathFile = path.join(dir, 'path.txt');
  const rel = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const p = path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, rel || 'electron');
    return existsSync(p) ? p : null;
  }
  if (!rel) return null;
  const p = path.join(dir, 'dist', rel);
  return existsSync(p) ? p : null;
}

function ensureElectron() {
  const dir = electronDir();
  if (!dir) return null;
  let bin = installedElectronBinary(dir);
  if (bin || process.env.DRMM_NO_ELECTRON_DOWNLOAD === '1') return bin;
  // First run on a normal machine: download it now (install.js is a no-op when installed).
  const installer = path.join(dir, 'install.js');
  if (!existsSync(installer)) return null;
  if (process.stdout.isTTY) console.log('Downloading the Electron binary (first run)…');
  const r = spawnSync(process.execPath, [installer], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 10 * 60_000, encoding: 'utf8' });
  if (r.status !== 0) return null;
  return installedElectronBinary(dir);
}

/** Opens `url` in the system browser; true when a launcher was started. Never throws. */
function openBrowser(url) {
  if (process.env.DRMM_NO_BROWSER === '1') return false;
  const custom = process.env.BROWSER;
  const [cmd, args] = custom
    ? [custom, [url]]
    : process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url.replace(/&/g, '^&')]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true, shell: false, windowsVerbatimArguments: process.platform === 'win32' });
    child.on('error', () => console.log(`(Could not open a browser: open ${url} yourself.)`));
    child.unref();
    return true;
  } catch {
    return false;
  }
}

/** Browser mode: build the UI if needed, run `drmm serve`, open the browser on its URL. */
function startBrowserMode() {
  console.log(NO_BINARY);
  if (!existsSync(path.join(root, 'dist', 'renderer', 'index.html'))) {
    console.log('Building the user interface (first run)…');
    const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
    const r = spawnSync(process.execPath, [vite, 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'error'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
  const server = spawn(process.execPath, [path.join(root, 'bin', 'drmm.js'), 'serve', ...process.argv.slice(2)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let opened = false;
  let buffered = '';
  server.stdout.setEncoding('utf8');
  server.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    if (opened) return;
    buffered += chunk;
    const m = /running at (http:\/\/\S+)\r?\n/.exec(buffered);
    if (!m) return;
    opened = true;
    buffered = '';
    if (openBrowser(m[1])) console.log('Opening it in your browser… (Ctrl+C stops the workbench)');
    else console.log(`Open ${m[1]} in a browser on this machine. (Ctrl+C stops the workbench)`);
  });
  server.on('exit', (code, signal) => process.exit(signal ? 0 : (code ?? 0)));
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.kill(sig));
}

const binary = ensureElectron();
if (!binary) {
  startBrowserMode();
} else {
  const built = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--quiet'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);

  const child = spawn(binary, [root, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit', env: { ...process.env, ELECTRON_RUN_AS_NODE: undefined } });
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
}

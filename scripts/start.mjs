#!/usr/bin/env node
/**
 * npm start: make sure the Electron binary is there (Electron ≥ 45 downloads it on first run,
 * not at install), build, launch. Without the binary and without a way to download it, print
 * ONE clear line naming `npm run serve` and exit 1.
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
  'DRMM Workbench: the Electron binary is not installed and could not be downloaded (no internet?); run `npm run serve` to use the workbench in your browser instead.';

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

const binary = ensureElectron();
if (!binary) {
  console.error(NO_BINARY);
  process.exit(1);
}

const built = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--quiet'], { cwd: root, stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);

const child = spawn(binary, [root, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit', env: { ...process.env, ELECTRON_RUN_AS_NODE: undefined } });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));

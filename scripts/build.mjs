#!/usr/bin/env node
/**
 * Builds what the desktop app runs (npm run build):
 *   main/electron/main.ts     → dist/electron/main.cjs     (Electron main process)
 *   main/electron/preload.ts  → dist/electron/preload.cjs  (sandboxed preload: CommonJS, electron only)
 *   core/jobs/worker.ts       → dist/worker.cjs            (training process, utilityProcess.fork)
 *   core/parallel/task-worker.ts → dist/task-worker.cjs    (its compute threads, core/parallel/threads.ts)
 *   main/cli/main.ts + core/jobs/worker.ts → dist/cli-<hash>/ (the `drmm` CLI and its training process; scripts/build-cli.mjs)
 *   renderer/                 → dist/renderer              (vite build)
 * Native and wasm packages stay external (loaded from node_modules / app.asar.unpacked).
 *
 * Flags: --no-renderer (skip vite), --quiet.
 */
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const quiet = args.has('--quiet');
const say = (s) => quiet || console.log(s);

/** Loaded at run time from node_modules (native addons, wasm binaries, optional packages). */
const EXTERNAL = [
  'electron',
  'better-sqlite3',
  '@tensorflow/*',
  'onnxruntime-node',
  'onnxruntime-common',
  'playwright-core',
  'chromium-bidi',
  'fsevents',
];

// CommonJS bundles have no import.meta.url: give them one that points at the bundle file.
const importMetaShim = {
  banner: { js: "const __drmm_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__drmm_import_meta_url' },
};

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'linked',
  external: EXTERNAL,
  logLevel: quiet ? 'error' : 'warning',
  absWorkingDir: root,
};

const entries = [
  { in: 'main/electron/main.ts', out: 'dist/electron/main.cjs', ...importMetaShim },
  { in: 'main/electron/preload.ts', out: 'dist/electron/preload.cjs', external: ['electron'], sourcemap: false },
  { in: 'core/jobs/worker.ts', out: 'dist/worker.cjs', ...importMetaShim },
  { in: 'core/parallel/task-worker.ts', out: 'dist/task-worker.cjs', ...importMetaShim },
];

let failed = false;
for (const e of entries) {
  if (!existsSync(path.join(root, e.in))) {
    console.error(`build: ${e.in} is missing`);
    failed = true;
    continue;
  }
  const { in: entry, out, ...rest } = e;
  await build({ ...common, ...rest, entryPoints: [entry], outfile: out });
  say(`build: ${entry} → ${out}`);
}
if (failed) process.exit(1);

const { buildCli } = await import('./build-cli.mjs');
await buildCli({ quiet });

if (!args.has('--no-renderer')) {
  say('build: renderer → dist/renderer (vite)');
  const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const r = spawnSync(process.execPath, [vite, 'build', '--config', 'renderer/vite.config.ts', ...(quiet ? ['--logLevel', 'error'] : [])], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

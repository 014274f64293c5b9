#!/usr/bin/env node
/**
 * Builds what `drmm` runs: the CLI (main/cli/main.ts) and the training process (core/jobs/worker.ts)
 * bundled by esbuild into plain JavaScript, so that neither compiles TypeScript when it starts.
 *
 *   dist/cli-<hash>/main.js     the CLI entry (bin/drmm.js imports it)
 *   dist/cli-<hash>/worker.js   the training process (forked by the bundled launcher, found next to it)
 *   dist/cli-<hash>/task-worker.js  its compute threads (core/parallel/threads.ts, found next to it)
 *   dist/cli-<hash>/chunk-*.js  code shared by both, and code loaded on demand (TF.js users, the web server)
 *   dist/cli.json               which folder is current, and the stamp of every source file it was built from
 *
 * The folder sits two levels below the repository, like the sources (core/x/, main/x/), so paths the
 * code resolves from its own location (../../resources, ../../docs, ../../dist/renderer) still hold.
 * Its name is a hash of the output: an unchanged build reuses it, a new one appears beside it and
 * dist/cli.json is switched atomically, so a CLI or training process that is running keeps its files.
 * Native and heavy packages stay external (loaded from node_modules): better-sqlite3 (.node addon),
 * @tensorflow/* (wasm binaries, optional native backends), ws, and the build and test tools.
 *
 * Freshness: bin/drmm.js runs the bundle only while every source file in the stamp has the size and
 * modification time it had at build time (bin/prebuilt.js); otherwise it runs the TypeScript through
 * tsx, so an edited source never runs stale code.
 *
 * Usage: node scripts/build-cli.mjs [--quiet] [--if-stale] [--if-possible]
 *   --if-stale     do nothing when the current build is fresh
 *   --if-possible  never fail (npm's postinstall: no esbuild, offline, read-only checkout → the CLI runs through tsx)
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Loaded at run time from node_modules. */
export const CLI_EXTERNAL = [
  'better-sqlite3',
  '@tensorflow/*',
  'onnxruntime-node', // the native engine: a .node addon and its shared library
  'onnxruntime-common',
  'ws',
  'electron',
  'playwright-core',
  'chromium-bidi',
  'fsevents',
  'tsx',
  'esbuild',
  'vite',
  'vitest',
];

/** esbuild: the project's own, else the one tsx (a runtime dependency) brings. */
async function loadEsbuild() {
  try {
    return await import('esbuild');
  } catch {
    const req = createRequire(createRequire(path.join(root, 'package.json')).resolve('tsx'));
    return await import(pathToFileURL(req.resolve('esbuild')).href);
  }
}

/**
 * Builds the CLI bundle; returns { dir, fresh } (fresh: an up-to-date build was there already).
 * @param {{ quiet?: boolean, ifStale?: boolean }} opts
 */
export async function buildCli(opts = {}) {
  const say = (s) => opts.quiet || console.log(s);
  if (opts.ifStale) {
    const { prebuiltEntry } = await import(pathToFileURL(path.join(root, 'bin', 'prebuilt.js')).href);
    const entry = prebuiltEntry(root);
    if (entry) return { dir: path.dirname(fileURLToPath(entry)), fresh: true };
  }
  const esbuild = await loadEsbuild();
  const started = Date.now();
  const dist = path.join(root, 'dist');
  mkdirSync(dist, { recursive: true });
  const tmp = path.join(dist, `.cli-tmp-${process.pid}-${Date.now()}`);
  try {
    const result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: { main: 'main/cli/main.ts', worker: 'core/jobs/worker.ts', 'task-worker': 'core/parallel/task-worker.ts' },
      bundle: true,
      splitting: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outdir: tmp,
      chunkNames: 'chunk-[hash]',
      external: CLI_EXTERNAL,
      // Bundled CommonJS packages may call require(): give ES modules one.
      banner: { js: "import { createRequire as __drmmCreateRequire } from 'node:module'; const require = __drmmCreateRequire(import.meta.url);" },
      sourcemap: 'linked',
      metafile: true,
      logLevel: opts.quiet ? 'error' : 'warning',
    });
    // Name the folder by its content: hash every output file (maps included) in a stable order.
    const h = createHash('sha256');
    for (const f of Object.keys(result.metafile.outputs).sort()) h.update(f.replace(/^.*[\\/]/, '')).update(readBytes(path.resolve(root, f)));
    const name = `cli-${h.digest('hex').slice(0, 12)}`;
    const dir = path.join(dist, name);
    if (existsSync(dir)) {
      rmSync(tmp, { recursive: true, force: true });
      try { const now = new Date(); utimesSync(dir, now, now); } catch { /* only delays its pruning */ }
    } else {
      try {
        renameSync(tmp, dir);
      } catch (e) {
        // Another build of the same sources won the race: theirs is identical.
        if (!existsSync(dir)) throw e;
        rmSync(tmp, { recursive: true, force: true });
      }
    }
    // The stamp: every source file the bundle holds, with its size and modification time now.
    const inputs = {};
    for (const f of Object.keys(result.metafile.inputs).sort()) {
      if (f.includes(':')) continue; // virtual modules
      const st = statSync(path.resolve(root, f));
      inputs[f] = [st.size, Math.round(st.mtimeMs)];
    }
    const stamp = { dir: name, builtAt: new Date().toISOString(), node: process.version, esbuild: esbuild.version, inputs };
    const stampTmp = path.join(dist, `.cli.json.tmp-${process.pid}`);
    writeFileSync(stampTmp, JSON.stringify(stamp));
    renameSync(stampTmp, path.join(dist, 'cli.json'));
    pruneOldBuilds(dist, name);
    say(`build: main/cli/main.ts + core/jobs/worker.ts → dist/${name}/ (${Object.keys(inputs).length} sources, ${Date.now() - started} ms)`);
    return { dir, fresh: false };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function readBytes(file) {
  try { return readFileSync(file); } catch { return Buffer.alloc(0); }
}

/**
 * Removes older dist/cli-* folders: the current one stays, and so do the 4 newest others if touched
 * within the last day (a long-running `drmm serve` or training process may still load chunks from them).
 */
function pruneOldBuilds(dist, current) {
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  const others = [];
  for (const e of readdirSync(dist, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name === current) continue;
    const full = path.join(dist, e.name);
    try {
      const mtime = statSync(full).mtimeMs;
      if (e.name.startsWith('.cli-tmp-')) { if (mtime < Date.now() - 3600 * 1000) rmSync(full, { recursive: true, force: true }); }
      else if (/^cli-[0-9a-f]+$/.test(e.name)) others.push({ full, mtime });
    } catch { /* another process removed it */ }
  }
  others.sort((a, b) => b.mtime - a.mtime);
  others.forEach((o, i) => {
    if (i >= 4 || o.mtime < dayAgo) {
      try { rmSync(o.full, { recursive: true, force: true }); } catch { /* in use elsewhere, or gone */ }
    }
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = new Set(process.argv.slice(2));
  try {
    await buildCli({ quiet: args.has('--quiet'), ifStale: args.has('--if-stale') });
  } catch (e) {
    if (!args.has('--if-possible')) throw e;
    console.warn(`drmm: the prebuilt CLI could not be built (${e?.message?.split('\n')[0] ?? e}); drmm runs its TypeScript sources through tsx instead.`);
  }
}

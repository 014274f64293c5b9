import { build } from 'esbuild';
const r = await build({ entryPoints: ['main/cli/main.ts'], bundle: true, platform: 'node', format: 'esm', write: false, outdir: '/tmp/x', external: ['better-sqlite3', '@tensorflow/*', 'ws', 'electron', 'playwright-core', 'tsx','vite','esbuild'], metafile: true, logLevel: 'error' });
const inputs = r.metafile.inputs;
// BFS over static imports only
const start = 'main/cli/main.ts';
const prev = new Map([[start, null]]); const q = [start];
while (q.length) { const f = q.shift(); for (const imp of inputs[f]?.imports ?? []) { if (imp.kind !== 'import-statement') continue; if (!prev.has(imp.path)) { prev.set(imp.path, f); q.push(imp.path); } } }
for (const target of process.argv.slice(2)) { let p = target, chain = []; while (p) { chain.push(p); p = prev.get(p); } console.log(prev.has(target) ? chain.reverse().join(' -> ') : target + ': not statically reached'); }

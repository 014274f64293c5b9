#!/usr/bin/env node
// `npm run fuzz`: the property-based fuzz tests at full strength — browser mode's HTTP API
// (tests/hosts/web-fuzz.test.ts), the import path (import-path-fuzz.test.ts) and run bundles
// (bundle-fuzz.test.ts) — with DRMM_FUZZ_RUNS cases each (default 3500: 11 083 cases in all, the
// HTTP test adding one malformed-HTTP case per six). The normal `npm test` runs them at 300–400 each.
// Prints the cases, the failures and the time; exits non-zero when a property failed.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.env.DRMM_FUZZ_RUNS ?? 3500);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`DRMM_FUZZ_RUNS must be a whole number ≥ 1, got '${process.env.DRMM_FUZZ_RUNS}'.`);
  process.exit(2);
}
const files = ['tests/hosts/web-fuzz.test.ts', 'tests/hosts/import-path-fuzz.test.ts', 'tests/hosts/bundle-fuzz.test.ts'];
const planned = { http: runs, 'malformed HTTP': Math.max(50, Math.round(runs / 6)), import: runs, bundles: runs };
const total = Object.values(planned).reduce((a, b) => a + b, 0);
console.log(`fuzz: ${total} cases (${Object.entries(planned).map(([k, v]) => `${k} ${v}`).join(', ')}) — DRMM_FUZZ_RUNS=${runs}`);

const t0 = Date.now();
const child = spawn(process.execPath, ['--import', './scripts/node20-polyfills.mjs', 'node_modules/vitest/vitest.mjs', 'run', ...files, ...process.argv.slice(2)], {
  cwd: root, env: { ...process.env, DRMM_FUZZ_RUNS: String(runs) }, stdio: ['ignore', 'pipe', 'inherit'],
});
let out = '';
child.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
child.on('close', (code) => {
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
  const tests = /Tests\s+(.*)/.exec(plain)?.[1]?.trim() ?? 'unknown';
  const failed = Number(/(\d+) failed/.exec(tests)?.[1] ?? (code === 0 ? 0 : NaN));
  const counts = [...plain.matchAll(/^(import-path fuzz|bundle fuzz): .*$/gm)].map((m) => m[0]);
  console.log(`\nfuzz summary: ${total} cases planned, ${Number.isNaN(failed) ? 'failures unknown' : `${failed} failed propert${failed === 1 ? 'y' : 'ies'}`}, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  for (const c of counts) console.log(`  ${c}`);
  process.exit(code ?? 1);
});

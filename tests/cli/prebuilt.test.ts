/**
 * The prebuilt CLI and training process (scripts/build-cli.mjs → dist/cli-…/): `drmm` runs them
 * while they are fresh, falls back to the TypeScript sources when they are missing or stale, loads
 * no command module (so neither TF.js, the store nor the web server) for `--help`, and trains
 * through the bundled training process.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const DRMM = path.join(ROOT, 'bin', 'drmm.js');
const dirs: string[] = [];
const tmp = (tag: string) => { const d = mkdtempSync(path.join(tmpdir(), `drmm-prebuilt-${tag}-`)); dirs.push(d); return d; };
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

type Prebuilt = { prebuiltEntry(root?: string): string | null; prebuiltProblem(root?: string): string | null };
const prebuilt = async (): Promise<Prebuilt> => (await import(pathToFileURL(path.join(ROOT, 'bin', 'prebuilt.js')).href)) as Prebuilt;
const buildCli = async (): Promise<{ dir: string; fresh: boolean }> =>
  ((await import(pathToFileURL(path.join(ROOT, 'scripts', 'build-cli.mjs')).href)) as { buildCli(o: object): Promise<{ dir: string; fresh: boolean }> }).buildCli({ quiet: true, ifStale: true });

/** Runs drmm with DRMM_DEBUG_STARTUP=1; the shared checkout may change under us, so a stale build is rebuilt and the command tried again. */
async function drmmPrebuilt(args: string[], env: NodeJS.ProcessEnv = {}) {
  for (let attempt = 0; ; attempt++) {
    await buildCli();
    const r = spawnSync(process.execPath, [DRMM, ...args], { encoding: 'utf8', timeout: 180_000, env: { ...process.env, ...env, DRMM_DEBUG_STARTUP: '1' } });
    if (r.stderr.includes('drmm: prebuilt') || attempt === 2) return r;
  }
}

describe('freshness check (bin/prebuilt.js)', () => {
  it('uses the build while every source has its recorded size and time; otherwise says why not', async () => {
    const { prebuiltEntry, prebuiltProblem } = await prebuilt();
    const root = tmp('root');
    expect(prebuiltProblem(root)).toMatch(/no build/);
    mkdirSync(path.join(root, 'dist', 'cli-abc123'), { recursive: true });
    mkdirSync(path.join(root, 'core'));
    const src = path.join(root, 'core', 'a.ts');
    writeFileSync(src, 'export const a = 1;\n');
    const t = new Date('2026-01-02T03:04:05Z');
    utimesSync(src, t, t);
    writeFileSync(path.join(root, 'dist', 'cli.json'), JSON.stringify({ dir: 'cli-abc123', inputs: { 'core/a.ts': [20, t.getTime()] } }));
    expect(prebuiltProblem(root)).toMatch(/main\.js is missing/);
    writeFileSync(path.join(root, 'dist', 'cli-abc123', 'main.js'), 'export async function main() { return 0; }\n');
    expect(prebuiltProblem(root)).toBeNull();
    expect(prebuiltEntry(root)).toBe(pathToFileURL(path.join(root, 'dist', 'cli-abc123', 'main.js')).href);
    // Edited (time), edited to another length, removed: stale.
    utimesSync(src, t, new Date(t.getTime() + 1000));
    expect(prebuiltProblem(root)).toMatch(/core\/a\.ts changed/);
    utimesSync(src, t, t);
    writeFileSync(src, 'export const a = 12;\n');
    utimesSync(src, t, t);
    expect(prebuiltProblem(root)).toMatch(/changed/);
    rmSync(src);
    expect(prebuiltProblem(root)).toMatch(/gone/);
    expect(prebuiltEntry(root)).toBeNull();
    writeFileSync(path.join(root, 'dist', 'cli.json'), '{"dir": "../../etc"}');
    expect(prebuiltProblem(root)).toMatch(/malformed/);
  });
});

describe('the prebuilt CLI', () => {
  it('runs `drmm --help` from dist/, loading neither TF.js nor the web server', async () => {
    const r = await drmmPrebuilt(['--help']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/drmm: prebuilt file:.*\/dist\/cli-[0-9a-f]+\/main\.js/);
    expect(r.stdout).toMatch(/Usage: drmm <command>/);
    expect(r.stdout).toMatch(/^drmm \d+\.\d+\.\d+ /); // the version read from package.json, two folders up
    // What the help path loads: the bundle's entry, run in a fresh process.
    const stamp = JSON.parse(readFileSync(path.join(ROOT, 'dist', 'cli.json'), 'utf8')) as { dir: string };
    const probe = spawnSync(process.execPath, ['--input-type=module', '-e', `
      import { createRequire } from 'node:module';
      const { main } = await import(${JSON.stringify(pathToFileURL(path.join(ROOT, 'dist', stamp.dir, 'main.js')).href)});
      await main(['--help']);
      process.stderr.write('LOADED ' + JSON.stringify(Object.keys(createRequire(import.meta.url).cache)) + '\\n');
    `], { encoding: 'utf8', timeout: 60_000 });
    expect(probe.status).toBe(0);
    const loaded = JSON.parse(/LOADED (.*)/.exec(probe.stderr)![1]) as string[];
    expect(loaded.filter((f) => /@tensorflow|[\\/]ws[\\/]|[\\/]tsx[\\/]|better-sqlite3/.test(f))).toEqual([]);
  });

  it('lists each command with the name and summary of its module (loaded only to run it)', async () => {
    const { COMMANDS } = await import('../../main/cli/commands/index');
    expect(new Set(COMMANDS.map((c) => c.name)).size).toBe(COMMANDS.length);
    for (const entry of COMMANDS) {
      const cmd = await entry.load();
      expect({ name: cmd.name, summary: cmd.summary }).toEqual({ name: entry.name, summary: entry.summary });
    }
  });

  it('falls back to the TypeScript sources when asked (and when stale)', () => {
    const r = spawnSync(process.execPath, [DRMM, '--version'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, DRMM_DEBUG_STARTUP: '1', DRMM_NO_PREBUILT: '1' } });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/TypeScript sources through tsx \(DRMM_NO_PREBUILT=1\)/);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('trains through the bundled training process (worker.js next to the bundle, no tsx)', async () => {
    const dir = tmp('train');
    const lines = ['a,b,c,d,label'];
    for (let i = 0; i < 120; i++) lines.push(`${(i % 7) / 3},${(i % 5) - 2},${i % 3},${((i * 7) % 11) / 5},${i % 2 ? 'yes' : 'no'}`);
    writeFileSync(path.join(dir, 'rows.csv'), lines.join('\n') + '\n');
    writeFileSync(path.join(dir, 'spec.json'), JSON.stringify({
      name: 'tiny', files: [{ path: 'rows.csv' }], target: 'label',
      modalities: [{ name: 'left', columns: ['a', 'b'] }, { name: 'right', columns: ['c', 'd'] }],
    }));
    const r = await drmmPrebuilt(['train', '--spec', path.join(dir, 'spec.json'), '--method', 'erm', '--epochs', '2', '--min-steps', '0', '--json', '--data-dir', path.join(dir, 'data')], { DRMM_BACKEND: 'wasm' });
    expect(r.stderr).toMatch(/drmm: prebuilt/);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { runId: number; method: string; timing: { trainSeconds: number; evaluateSeconds: number } };
    expect(out.method).toBe('erm');
    expect(out.timing.trainSeconds).toBeGreaterThan(0);
  });
});

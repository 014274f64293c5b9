/**
 * A malformed run bundle or a damaged row must not break the app (hardening issue, finding 2):
 * bundles are checked completely before anything is written; listings leave a bad row out and
 * name it; no raw ZodError reaches a user.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ChildProcessLauncher } from '../../core/jobs/launcher';
import { createAppServices, type AppServices } from '../../main/services/app-services';
import { createDispatcher, type ApiHandlers } from '../../main/api/dispatch';
import { CHANNEL_NAMES } from '../../main/api/dispatch';
import type { RunBundle } from '../../main/services/run-bundle';
import { evaluationFor, nullHost } from './fixtures';

const root = path.resolve(__dirname, '../..');
const tmp = (tag: string) => mkdtempSync(path.join(tmpdir(), `drmm-bundle-${tag}-`));

/** No JSON dump of zod issues ('"code": "invalid_type"', '[\n  {'), only words. */
function expectPlain(message: string): void {
  expect(message).not.toMatch(/"code"\s*:|^\s*\[|\n\s*\{/);
  expect(message).not.toContain('ZodError');
}

describe('run bundles and damaged rows', () => {
  let dir: string;
  let svc: AppServices;
  const warnings: string[] = [];
  let bundle: RunBundle;
  let runId: number;

  beforeAll(async () => {
    dir = tmp('data');
    svc = await createAppServices({ dataDir: dir, launcher: new ChildProcessLauncher(), host: nullHost(), job: 'diagnostic', warn: (l) => warnings.push(l) });
    writeFileSync(path.join(dir, 'tiny.csv'), 'a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n');
    const ds = await svc.imports.save({ name: 'tiny', spec: { name: 'tiny', files: [{ path: 'tiny.csv' }], target: 'label' }, baseDir: dir });
    runId = svc.store.createRun({ datasetId: ds.id, config: { method: 'erm' } }).id;
    svc.store.finishRun(runId, { status: 'succeeded', results: {}, evaluation: evaluationFor(ds) });
    bundle = svc.exports.bundle([runId]);
  });
  afterAll(async () => {
    await svc.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function importBundle(b: unknown): Promise<{ ok: boolean; code?: string; message?: string }> {
    const file = path.join(dir, `b-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(b));
    const r = await svc.dispatch('import.bundle', { file: { path: file } });
    return r.ok ? { ok: true } : { ok: false, code: r.error.code, message: r.error.message };
  }

  it('a good bundle re-imports, and its report builds', async () => {
    const before = svc.datasets.list().length;
    // Another run than the one exported here (the same run is not imported twice: bundle-reimport.test.ts).
    const other = structuredClone(bundle);
    other.runs[0].createdAt = new Date(Date.parse(other.runs[0].createdAt) - 60_000).toISOString();
    expect(await importBundle(other)).toEqual({ ok: true });
    expect(svc.datasets.list().length).toBe(before); // same content: the same dataset
    const imported = svc.runs.list({}).find((r) => r.id !== runId)!;
    expect((await svc.dispatch('reports.get', { runIds: [imported.id] })).ok).toBe(true);
  });

  it('refuses a bundle with a malformed dataset summary before writing anything', async () => {
    const cachesBefore = readdirSync(path.join(dir, 'cache')).sort();
    const listBefore = svc.datasets.list();
    const variants: [string, (b: RunBundle) => void][] = [
      ['modalities [null]', (b) => ((b.datasets[0].summary as Record<string, unknown>).modalities = [null])],
      ['numeric classes', (b) => ((b.datasets[0].summary as Record<string, unknown>).classes = [1, 2])],
      ['string groupLevels', (b) => ((b.datasets[0].summary as Record<string, unknown>).groupLevels = 'abc')],
      ['summary against the data', (b) => (b.datasets[0].summary!.nRows = 5)],
      ['a run without its dataset', (b) => (b.runs[0].datasetIndex = 3)],
      ['an unreadable evaluation', (b) => (b.runs[0].evaluation = { bogus: 1 })],
      ['an evaluation of other classes', (b) => ((b.runs[0].evaluation as { classes: string[] }).classes = ['p', 'q'])],
      ['damaged parsed data', (b) => (b.datasets[0].cacheBase64 = Buffer.from('not a cache').toString('base64'))],
      ['a broken spec', (b) => (b.datasets[0].spec = { files: 'nope' })],
    ];
    for (const [what, damage] of variants) {
      const b = structuredClone(bundle);
      b.datasets[0].name = 'tiny-forged'; // a new name: a half-done import would show up as a new dataset
      damage(b);
      const r = await importBundle(b);
      expect(r.ok, what).toBe(false);
      expect(r.code, what).toBe('INVALID_ARGUMENT');
      expect(r.message, what).toMatch(/^Not a valid run bundle: /);
      expectPlain(r.message!);
    }
    expect(svc.datasets.list()).toEqual(listBefore);
    expect(readdirSync(path.join(dir, 'cache')).sort()).toEqual(cachesBefore);
  });

  it('lists survive a damaged stored row: the row is left out and named', async () => {
    const good = svc.datasets.list();
    const victim = svc.store.importDataset({ name: 'victim', spec: { x: 1 }, files: [], cache: Buffer.from('x'), summary: { nRows: 1, modalities: [], classes: [], classCounts: [] } }).dataset;
    svc.store.db.prepare('UPDATE datasets SET summary = ? WHERE id = ?').run(JSON.stringify({ modalities: [null], classes: [1], groupLevels: 'abc' }), victim.id);
    warnings.length = 0;
    const list = await svc.dispatch('datasets.list', {});
    expect(list.ok).toBe(true);
    expect(list.ok && list.result).toEqual(good);
    expect(warnings.join('\n')).toContain(`dataset #${victim.id}`);
    const one = await svc.dispatch('datasets.get', { id: victim.id });
    expect(one.ok).toBe(false);
    if (!one.ok) {
      expect(one.error.code).toBe('CONFLICT');
      expect(one.error.hint).toContain(`drmm datasets delete ${victim.id}`);
      expectPlain(one.error.message);
    }

    // A run row whose JSON cannot be read is left out of runs.list the same way.
    const badRun = svc.store.createRun({ datasetId: good[0].id, config: { method: 'erm' } }).id;
    svc.store.finishRun(badRun, { status: 'failed' });
    svc.store.db.prepare('UPDATE runs SET config = ? WHERE id = ?').run('{not json', badRun);
    warnings.length = 0;
    const runs = await svc.dispatch('runs.list', {});
    expect(runs.ok).toBe(true);
    expect(runs.ok && (runs.result as { id: number }[]).map((r) => r.id)).not.toContain(badRun);
    expect(warnings.join('\n')).toContain(`run #${badRun}`);
    svc.store.db.prepare('DELETE FROM runs WHERE id = ?').run(badRun);
  });

  it('`drmm datasets` lists the readable rows, warns about the bad one and exits 0', () => {
    const victim = svc.datasets.list().length; // still there from the previous test, left out
    const r = spawnSync(process.execPath, [path.join(root, 'bin/drmm.js'), 'datasets', '--json', '--data-dir', dir], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toMatch(/drmm: warning: dataset #\d+ left out of the list/);
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as unknown[]).length).toBe(victim);
  });

  it('reports.get on a damaged evaluation answers a typed error with a plain message', async () => {
    svc.store.db.prepare('UPDATE run_results SET evaluation = ? WHERE run_id = ?').run(JSON.stringify({ bogus: 1 }), runId);
    const r = await svc.dispatch('reports.get', { runIds: [runId] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('CONFLICT');
    expect(r.error.message).toContain(`run #${runId}`);
    expectPlain(r.error.message);
  });

  it('a ZodError escaping any handler becomes a plain message', async () => {
    const handlers = Object.fromEntries(CHANNEL_NAMES.map((c) => [c, () => z.object({ n: z.number() }).parse({ n: 'x' })])) as unknown as ApiHandlers;
    const r = await createDispatcher(handlers)('settings.get', {});
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.message).toMatch(/field 'n'/);
      expectPlain(r.error.message);
    }
  });
});

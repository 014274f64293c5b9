import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DrmmError } from '../errors';
import { canonicalJson, datasetImportHash, Store } from './store';

let dir: string;
let store: Store;
const sha = (c: string) => c.repeat(64);
const spec = { name: 'clinic', files: ['a.csv'], modalities: { labs: { prefix: 'lab_' } } };

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'drmm-store-'));
  store = Store.open(dir);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function importClinic(fileHash = sha('a'), cache: Buffer = Buffer.from('parsed-1')) {
  return store.importDataset({ name: 'clinic', spec, files: [{ path: 'a.csv', sha256: fileHash, bytes: 100 }], cache, summary: { rows: 10 } });
}

function expectDrmm(fn: () => unknown, code: string, message?: RegExp): DrmmError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DrmmError);
    expect((e as DrmmError).code).toBe(code);
    if (message) expect((e as DrmmError).message).toMatch(message);
    return e as DrmmError;
  }
  throw new Error('expected a DrmmError');
}

describe('Store.open', () => {
  it('uses WAL, foreign keys, a busy timeout and synchronous=NORMAL', () => {
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(store.db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(store.db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(existsSync(path.join(dir, 'history.sqlite'))).toBe(true);
  });
  it('read-only connections refuse writes and need an existing history', () => {
    const ro = Store.open(dir, { readonly: true });
    expect(() => ro.setNotes(1, 'x')).toThrow(/read-only/);
    ro.close();
    expectDrmm(() => Store.open(path.join(dir, 'nowhere'), { readonly: true }), 'NOT_FOUND');
  });
});

describe('datasets', () => {
  it('hashes spec + file hashes canonically', () => {
    const files = [{ path: 'a.csv', sha256: sha('a'), bytes: 1 }];
    expect(datasetImportHash({ b: 1, a: [1, { d: 2, c: 3 }] }, files)).toBe(datasetImportHash({ a: [1, { c: 3, d: 2 }], b: 1 }, files));
    expect(datasetImportHash(spec, files)).not.toBe(datasetImportHash(spec, [{ ...files[0], sha256: sha('b') }]));
    expect(canonicalJson({ z: 1, a: { y: 2, b: 3 } })).toBe('{"a":{"b":3,"y":2},"z":1}');
  });

  it('same content ⇒ the existing version; changed file ⇒ a new version, old runs keep theirs', () => {
    const v1 = importClinic();
    expect(v1.created).toBe(true);
    expect(v1.dataset).toMatchObject({ name: 'clinic', version: 1, spec, summary: { rows: 10 }, runCount: 0, cacheBytes: 8 });
    expect(v1.dataset.files).toEqual([{ path: 'a.csv', sha256: sha('a'), bytes: 100 }]);
    const run = store.createRun({ datasetId: v1.dataset.id, config: { method: 'erm' } });

    const same = store.importDataset({ name: 'clinic', spec, files: [{ path: 'a.csv', sha256: sha('a'), bytes: 100 }], cache: () => Buffer.from('parsed-1') });
    expect(same.created).toBe(false);
    expect(same.cacheRebuilt).toBe(false);
    expect(same.dataset.id).toBe(v1.dataset.id);

    const v2 = importClinic(sha('b'), Buffer.from('parsed-2'));
    expect(v2.created).toBe(true);
    expect(v2.dataset.version).toBe(2);
    expect(v2.dataset.id).not.toBe(v1.dataset.id);
    expect(store.getRun(run.id).datasetId).toBe(v1.dataset.id);
    expect(store.loadDatasetCache(v1.dataset.id).toString()).toBe('parsed-1');
    expect(store.loadDatasetCache(v2.dataset.id).toString()).toBe('parsed-2');
    expect(store.listDatasets({ name: 'clinic' }).map((d) => d.version)).toEqual([2, 1]);
    expect(store.getDataset(v1.dataset.id).runCount).toBe(1);
  });

  it('same sources but other parsed data (a run bundle\'s, say) ⇒ a new version: an existing one is reused only for the same bytes', () => {
    const bundled = store.importDataset({ name: 'clinic', spec, files: [{ path: 'a.csv', sha256: sha('a'), bytes: 100 }], cache: Buffer.from('forged'), origin: 'bundle' });
    const local = importClinic();
    expect(local.created).toBe(true);
    expect(local.dataset.version).toBe(2);
    expect(local.differing.map((d) => d.id)).toEqual([bundled.dataset.id]);
    expect(local.dataset.contentHash).toBe(bundled.dataset.contentHash);
    expect(store.loadDatasetCache(local.dataset.id).toString()).toBe('parsed-1');
    expect(store.loadDatasetCache(bundled.dataset.id).toString()).toBe('forged');
    // Each import finds its own again.
    expect(importClinic().dataset.id).toBe(local.dataset.id);
    expect(store.importDataset({ name: 'clinic', spec, files: [{ path: 'a.csv', sha256: sha('a'), bytes: 100 }], cache: Buffer.from('forged'), origin: 'bundle' }).dataset.id).toBe(bundled.dataset.id);
  });

  it('a re-import with the cache file missing or changed writes it again (cacheRebuilt)', () => {
    const { dataset } = importClinic();
    const file = store.datasetCachePath(dataset.id);
    unlinkSync(file);
    const again = importClinic();
    expect(again).toMatchObject({ created: false, cacheRebuilt: true });
    expect(store.loadDatasetCache(dataset.id).toString()).toBe('parsed-1');
    writeFileSync(file, 'parsed-X'); // same size, other bytes
    expectDrmm(() => store.loadDatasetCache(dataset.id), 'CONFLICT', /'clinic' v1 are damaged: .*checksum/);
    expect(importClinic()).toMatchObject({ created: false, cacheRebuilt: true });
    expect(store.loadDatasetCache(dataset.id).toString()).toBe('parsed-1');
    expect(importClinic()).toMatchObject({ created: false, cacheRebuilt: false });
  });

  it('writes the cache atomically (no temp files left) and reports a missing or damaged cache', () => {
    const { dataset } = importClinic();
    // Named by the SHA-256 of its bytes: the name is the checksum.
    expect(readdirSync(path.join(dir, 'cache'))).toEqual([`${createHash('sha256').update('parsed-1').digest('hex')}.bin`]);
    writeFileSync(store.datasetCachePath(dataset.id), 'short');
    const damaged = expectDrmm(() => store.loadDatasetCache(dataset.id), 'CONFLICT', /damaged/);
    expect(damaged.hint).toMatch(/a\.csv is gone.*import its run bundle again/);
    const before = store.datasetCachePath(dataset.id);
    expect(store.replaceDatasetCache(dataset.id, Buffer.from('rebuilt!!')).cacheBytes).toBe(9);
    expect(store.loadDatasetCache(dataset.id).toString()).toBe('rebuilt!!');
    expect(existsSync(before)).toBe(false); // no longer used by any version
    unlinkSync(store.datasetCachePath(dataset.id));
    expectDrmm(() => store.loadDatasetCache(dataset.id), 'NOT_FOUND', /missing/);
  });

  it('rejects bad input with DrmmError', () => {
    expectDrmm(() => store.importDataset({ name: ' ', spec, files: [], cache: Buffer.alloc(0) }), 'INVALID_ARGUMENT');
    expectDrmm(() => store.importDataset({ name: 'x', spec, files: [{ path: 'a', sha256: 'zz', bytes: 1 }], cache: Buffer.alloc(0) }), 'INVALID_ARGUMENT', /sha256/);
    expectDrmm(() => store.getDataset(999), 'NOT_FOUND');
  });

  it('deleting a dataset used by runs requires cascade, and names the runs', () => {
    const { dataset } = importClinic();
    const r1 = store.createRun({ datasetId: dataset.id, config: { method: 'erm' }, name: 'first' });
    const r2 = store.createRun({ datasetId: dataset.id, config: { method: 'chi2' }, name: 'second' });
    store.finishRun(r1.id, { status: 'succeeded', results: { a: 1 } });
    // r2 is still queued: not even cascade may delete it.
    expectDrmm(() => store.deleteDataset(dataset.id, { cascade: true }), 'CONFLICT', /queued or running: #2 'second'/);
    store.finishRun(r2.id, { status: 'cancelled' });
    mkdirSync(store.runDir(r1.id), { recursive: true });
    writeFileSync(path.join(store.runDir(r1.id), 'model.json'), '{}');
    store.addArtifact(r1.id, { kind: 'model', path: path.join(store.runDir(r1.id), 'model.json') });

    const err = expectDrmm(() => store.deleteDataset(dataset.id), 'CONFLICT', /used by 2 runs: #1 'first', #2 'second'/);
    expect(err.hint).toMatch(/cascade/);
    expect(store.getDataset(dataset.id).id).toBe(dataset.id); // nothing deleted

    const cacheFile = store.datasetCachePath(dataset.id);
    expect(store.deleteDataset(dataset.id, { cascade: true })).toEqual({ deletedRuns: [r1.id, r2.id] });
    expectDrmm(() => store.getDataset(dataset.id), 'NOT_FOUND');
    expect(store.listRuns()).toEqual([]);
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM artifacts').get()).toEqual({ n: 0 });
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM run_results').get()).toEqual({ n: 0 });
    expect(existsSync(store.runDir(r1.id))).toBe(false);
    expect(existsSync(cacheFile)).toBe(false);
  });

  it('checks for queued/running runs under the delete\'s write lock: a run another process adds meanwhile is not deleted', () => {
    const { dataset } = importClinic();
    const r1 = store.createRun({ datasetId: dataset.id, config: { method: 'erm' }, name: 'done' });
    store.finishRun(r1.id, { status: 'succeeded' });
    const other = Store.open(dir); // e.g. the CLI, on its own connection
    try {
      // Another process enqueues a run just before this connection takes the write lock.
      const db = store.db as unknown as { transaction: (fn: (...a: unknown[]) => unknown) => unknown };
      const original = db.transaction.bind(db) as (fn: (...a: unknown[]) => unknown) => { immediate: (...a: unknown[]) => unknown };
      let injected: number | undefined;
      db.transaction = (fn) => {
        const t = original(fn);
        return Object.assign((...a: unknown[]) => (t as unknown as (...x: unknown[]) => unknown)(...a), {
          immediate: (...a: unknown[]) => {
            injected ??= other.createRun({ datasetId: dataset.id, config: { method: 'chi2' }, name: 'from the CLI' }).id;
            return t.immediate(...a);
          },
        });
      };
      expectDrmm(() => store.deleteDataset(dataset.id, { cascade: true }), 'CONFLICT', /queued or running: #\d+ 'from the CLI'/);
      delete (db as { transaction?: unknown }).transaction; // back to the prototype's method
      expect(injected).toBeDefined();
      expect(store.getRun(injected!).status).toBe('queued');
      expect(store.getDataset(dataset.id).id).toBe(dataset.id);
    } finally {
      other.close();
    }
  });

  it('deletes an unused dataset without cascade but keeps a cache file another dataset shares', () => {
    const a = importClinic().dataset;
    const b = store.importDataset({ name: 'copy', spec, files: [{ path: 'a.csv', sha256: sha('a'), bytes: 100 }], cache: Buffer.from('parsed-1') }).dataset;
    expect(b.cachePath).toBe(a.cachePath);
    store.deleteDataset(a.id);
    expect(store.loadDatasetCache(b.id).toString()).toBe('parsed-1');
  });
});

describe('runs', () => {
  let datasetId: number;
  beforeEach(() => { datasetId = importClinic().dataset.id; });

  it('goes queued → running → succeeded with epochs, results, artifacts, merged timings', () => {
    const run = store.createRun({ datasetId, config: { method: 'mm-dro', fusion: 'late', seed: 4, backend: 'wasm' }, appVersion: '1.2.3', tags: [' b', 'a', 'a', ''] });
    expect(run).toMatchObject({ status: 'queued', method: 'mm-dro', fusion: 'late', seed: 4, backend: 'wasm', appVersion: '1.2.3', tags: ['a', 'b'], notes: '', hostPid: process.pid });
    expect(run.name).toBe(`mm-dro · late · seed 4 #${run.id}`);
    store.markRunning(run.id, { workerPid: 42 });
    expectDrmm(() => store.markRunning(run.id), 'CONFLICT', /running, not queued/);
    store.setRunEnvironment(run.id, { device: 'cpu (wasm simd)' });
    store.appendEpoch(run.id, { epoch: 1, trainLoss: 0.7, objective: 0.8, valAccuracy: Number.NaN, metrics: { q: [0.2, 0.8] } });
    store.appendEpoch(run.id, { epoch: 2, trainLoss: 0.5 });
    store.appendEpoch(run.id, { epoch: 2, trainLoss: 0.4 }); // re-sent epoch replaces
    const fin = store.finishRun(run.id, { status: 'succeeded', results: { acc: 0.9 }, evaluation: { robust: 0.8 }, timings: { trainMs: 10 } });
    store.finishRun(run.id, { status: 'succeeded', timings: { processMs: 12 } });
    expect(fin).toMatchObject({ status: 'succeeded', workerPid: 42, device: 'cpu (wasm simd)', backend: 'wasm' });
    expect(store.getRun(run.id).timings).toEqual({ trainMs: 10, processMs: 12 });
    expect(fin.startedAt).not.toBeNull();
    expect(fin.finishedAt).not.toBeNull();
    expect(store.getRunEpochs(run.id)).toMatchObject([
      { epoch: 1, trainLoss: 0.7, objective: 0.8, valAccuracy: null, metrics: { q: [0.2, 0.8] } },
      { epoch: 2, trainLoss: 0.4, objective: null, metrics: {} },
    ]);
    expect(store.getRunResult(run.id)).toEqual({ runId: run.id, results: { acc: 0.9 }, evaluation: { robust: 0.8 } });
    expectDrmm(() => store.finishRun(run.id, { status: 'running' as never }), 'INVALID_ARGUMENT');
  });

  it('keeps artifacts inside the data dir', () => {
    const run = store.createRun({ datasetId, config: { method: 'erm' } });
    const a = store.addArtifact(run.id, { kind: 'report-html', path: 'runs/1/report.html', bytes: 5 });
    expect(a).toMatchObject({ kind: 'report-html', path: 'runs/1/report.html', bytes: 5 });
    mkdirSync(path.join(dir, 'runs', '1', 'model', 'sub'), { recursive: true });
    writeFileSync(path.join(dir, 'runs', '1', 'model', 'model.json'), '12345');
    writeFileSync(path.join(dir, 'runs', '1', 'model', 'sub', 'weights.bin'), Buffer.alloc(100));
    expect(store.addArtifact(run.id, { kind: 'model', path: path.join(dir, 'runs', '1', 'model') })).toMatchObject({ path: 'runs/1/model', bytes: 105 });
    expectDrmm(() => store.addArtifact(run.id, { kind: 'model', path: '../outside.json' }), 'INVALID_ARGUMENT', /outside the data folder/);
    expectDrmm(() => store.addArtifact(run.id, { kind: 'model', path: '/etc/passwd' }), 'INVALID_ARGUMENT');
  });

  it('lists with filters, search, sort, paging and results', () => {
    const mk = (name: string, method: string, tags: string[] = []) => store.createRun({ datasetId, config: { method }, name, tags });
    const a = mk('Alpha erm', 'erm', ['baseline']);
    const b = mk('beta chi', 'chi2', ['dro']);
    const c = mk('gamma 50%_off', 'mm-dro', ['dro', 'paper']);
    store.finishRun(a.id, { status: 'succeeded', results: { acc: 1 } });
    store.finishRun(b.id, { status: 'failed', error: 'x' });
    store.setNotes(c.id, 'the modality-aware one');
    const ids = (rs: { id: number }[]) => rs.map((r) => r.id);
    expect(ids(store.listRuns())).toEqual([c.id, b.id, a.id]);
    expect(ids(store.listRuns({ sort: { by: 'name' } }))).toEqual([a.id, b.id, c.id]);
    expect(ids(store.listRuns({ status: ['failed', 'succeeded'] }))).toEqual([b.id, a.id]);
    expect(ids(store.listRuns({ tag: 'dro' }))).toEqual([c.id, b.id]);
    expect(ids(store.listRuns({ method: 'erm' }))).toEqual([a.id]);
    expect(ids(store.listRuns({ search: 'MODALITY' }))).toEqual([c.id]);
    expect(ids(store.listRuns({ search: '50%_' }))).toEqual([c.id]); // LIKE wildcards are literal
    expect(ids(store.listRuns({ search: '0%x' }))).toEqual([]);
    expect(ids(store.listRuns({ search: 'paper' }))).toEqual([c.id]);
    expect(ids(store.listRuns({ datasetName: 'clinic', limit: 1, offset: 1 }))).toEqual([b.id]);
    expect(ids(store.listRuns({ ids: [a.id, c.id] }))).toEqual([c.id, a.id]);
    expect(store.listRuns({ ids: [] })).toEqual([]);
    const withRes = store.listRuns({ includeResults: true, ids: [a.id] })[0];
    expect(withRes.results).toEqual({ acc: 1 });
    expect(store.listRuns({ ids: [a.id] })[0].results).toBeUndefined();
  });

  it('renames, tags, notes; deletes only finished runs, with their files', () => {
    const run = store.createRun({ datasetId, config: { method: 'erm' } });
    expect(store.renameRun(run.id, '  new name ').name).toBe('new name');
    expectDrmm(() => store.renameRun(run.id, '   '), 'INVALID_ARGUMENT');
    expectDrmm(() => store.renameRun(999, 'x'), 'NOT_FOUND');
    expect(store.setTags(run.id, ['x', 'y']).tags).toEqual(['x', 'y']);
    expect(store.setTags(run.id, ['y']).tags).toEqual(['y']);
    expect(store.setNotes(run.id, 'hello').notes).toBe('hello');
    expectDrmm(() => store.deleteRun(run.id), 'CONFLICT', /queued/);
    store.finishRun(run.id, { status: 'cancelled' });
    mkdirSync(store.runDir(run.id), { recursive: true });
    store.deleteRun(run.id);
    expectDrmm(() => store.getRun(run.id), 'NOT_FOUND');
    expect(existsSync(store.runDir(run.id))).toBe(false);
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM tags').get()).toEqual({ n: 0 });
    expectDrmm(() => store.createRun({ datasetId: 999, config: { method: 'erm' } }), 'NOT_FOUND');
    expectDrmm(() => store.createRun({ datasetId, config: {} }), 'INVALID_CONFIG');
  });

  it('on start-up marks runs of dead hosts interrupted and leaves live hosts alone', () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    const running = store.createRun({ datasetId, config: { method: 'erm' }, status: 'running', hostPid: deadPid });
    store.appendEpoch(running.id, { epoch: 1, trainLoss: 1 });
    const queued = store.createRun({ datasetId, config: { method: 'erm' }, hostPid: deadPid });
    const live = store.createRun({ datasetId, config: { method: 'erm' }, status: 'running', hostPid: process.ppid });
    const mine = store.createRun({ datasetId, config: { method: 'erm' }, status: 'running' });
    const done = store.createRun({ datasetId, config: { method: 'erm' }, hostPid: deadPid });
    store.finishRun(done.id, { status: 'succeeded' });

    expect(store.markInterruptedOnStartup().sort()).toEqual([running.id, queued.id].sort());
    expect(store.getRun(running.id)).toMatchObject({ status: 'interrupted', error: expect.stringMatching(/while this run was training/) });
    expect(store.getRunEpochs(running.id).length).toBe(1);
    expect(store.getRun(queued.id).error).toMatch(/before this queued run started/);
    expect(store.getRun(live.id).status).toBe('running');
    expect(store.getRun(mine.id).status).toBe('running');
    expect(store.getRun(done.id).status).toBe('succeeded');
    expect(store.markInterruptedOnStartup()).toEqual([]);
  });
});

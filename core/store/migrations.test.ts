/**
 * Migrations from every earlier schema version to the latest: build the database at version v
 * with the first v steps, fill it with data as that version stored it, open it with the Store,
 * and check the data survived and the schema equals a fresh one.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DrmmError } from '../errors';
import { LATEST_SCHEMA_VERSION, migrate, MIGRATIONS, schemaVersion } from './migrations';
import { ExperimentStore } from './experiments';
import { DB_FILE_NAME, Store } from './store';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'drmm-mig-'));
  dirs.push(d);
  return d;
}

/** Data as a database at version `v` would hold it (columns of that version only). */
function seed(db: Database.Database, v: number): void {
  if (v < 1) return;
  db.prepare(`INSERT INTO datasets (id, name, version, spec, content_hash, cache_path, cache_bytes, summary, created_at)
              VALUES (1, 'iris', 1, '{"files":["iris.csv"]}', 'h1', 'cache/h1.bin', 10, '{"rows":150}', 1000)`).run();
  db.prepare(`INSERT INTO dataset_files (dataset_id, ord, path, sha256, bytes) VALUES (1, 0, 'iris.csv', ?, 4551)`).run('f'.repeat(64));
  db.prepare(`INSERT INTO runs (id, dataset_id, name, method, fusion, config, seed, backend, device, app_version, status, error, created_at, started_at, finished_at, timings)
              VALUES (7, 1, 'old run', 'chi2', 'early', '{"method":"chi2","rho":0.5}', 3, 'wasm', 'cpu', '0.0.1', 'failed', 'boom', 2000, 2001, 2002, '{"trainMs":5}')`).run();
  db.prepare(`INSERT INTO run_epochs (run_id, epoch, train_loss, val_loss, val_accuracy, metrics, created_at) VALUES (7, 1, 0.9, 1.0, 0.5, '{"q":[0.5,0.5]}', 2001)`).run();
  db.prepare(`INSERT INTO run_results (run_id, results, evaluation) VALUES (7, '{"accuracy":0.5}', NULL)`).run();
  // A leave-one-group-out run and a run whose config is damaged JSON.
  db.prepare(`INSERT INTO runs (id, dataset_id, name, method, fusion, config, seed, status, created_at)
              VALUES (8, 1, 'loeo', 'erm', 'early', '{"method":"erm","split":{"kind":"leave-one-group-out","heldOutGroup":"va"}}', 0, 'succeeded', 2100),
                     (9, 1, 'damaged', 'kl', NULL, '{oops', NULL, 'failed', 2200)`).run();
  if (v < 2) return;
  db.prepare(`UPDATE runs SET notes = 'kept' WHERE id = 7`).run();
  db.prepare(`INSERT INTO tags (run_id, tag) VALUES (7, 'baseline')`).run();
  db.prepare(`INSERT INTO artifacts (run_id, kind, path, bytes, created_at) VALUES (7, 'model', 'runs/7/model.json', 12, 2003)`).run();
  if (v < 4) return;
  // A version-4 history: every run belongs to an experiment (here the one-run experiments migration 4 makes of old runs).
  const loeo = { method: 'erm', split: { kind: 'leave-one-group-out', heldOutGroup: 'va' } };
  db.prepare(`INSERT INTO experiments (id, name, dataset_id, grid, created_at) VALUES (7, 'old run', 1, ?, 2000), (8, 'loeo', 1, ?, 2100), (9, 'damaged', 1, ?, 2200)`)
    .run(JSON.stringify({ kind: 'list', configs: [{ method: 'chi2', rho: 0.5 }] }), JSON.stringify({ kind: 'list', configs: [loeo] }), JSON.stringify({ kind: 'list', configs: [] }));
  const cell = db.prepare('UPDATE runs SET experiment_id = id, cell = ? WHERE id = ?');
  cell.run(JSON.stringify({ configuration: 'chi2:early', method: 'chi2', fusion: 'early', seed: 3 }), 7);
  cell.run(JSON.stringify({ configuration: 'erm:early · held out va', method: 'erm', fusion: 'early', seed: 0, heldOut: 'va' }), 8);
  cell.run(JSON.stringify({ configuration: 'kl', method: 'kl', fusion: null, seed: null }), 9);
}

function schemaOf(db: Database.Database): string[] {
  const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type IN ('table','index') AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as { name: string }[];
  return tables.flatMap(({ name }) => [name, ...(db.prepare(`PRAGMA index_info(${JSON.stringify(name)})`).all() as { name: string }[]).map((c) => `  idx ${c.name}`),
    ...(db.prepare(`PRAGMA table_info(${JSON.stringify(name)})`).all() as { name: string; type: string; notnull: number; dflt_value: unknown }[])
      .map((c) => `  ${c.name} ${c.type} ${c.notnull} ${String(c.dflt_value)}`)]);
}

describe('schema migrations', () => {
  it('has consecutive versions starting at 1, at least two', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(LATEST_SCHEMA_VERSION).toBeGreaterThanOrEqual(2);
  });

  const fresh = (() => {
    const db = new Database(':memory:');
    migrate(db);
    const s = schemaOf(db);
    db.close();
    return s;
  })();

  for (let v = 0; v < LATEST_SCHEMA_VERSION; v++) {
    it(`migrates a version-${v} database to version ${LATEST_SCHEMA_VERSION}, keeping its data`, () => {
      const dir = tempDir();
      const raw = new Database(path.join(dir, DB_FILE_NAME));
      raw.pragma('foreign_keys = ON');
      expect(migrate(raw, v)).toEqual(MIGRATIONS.slice(0, v).map((m) => m.version));
      expect(schemaVersion(raw)).toBe(v);
      seed(raw, v);
      raw.close();

      const store = Store.open(dir);
      try {
        expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
        expect(schemaOf(store.db)).toEqual(fresh);
        expect(store.integrityCheck()).toBe('ok');
        expect(store.db.pragma('foreign_key_check')).toEqual([]);
        if (v >= 1) {
          const run = store.getRun(7);
          expect(run).toMatchObject({ name: 'old run', method: 'chi2', fusion: 'early', status: 'failed', error: 'boom', seed: 3, datasetName: 'iris' });
          expect(run.config).toEqual({ method: 'chi2', rho: 0.5 });
          expect(run.notes).toBe(v >= 2 ? 'kept' : '');
          expect(run.tags).toEqual(v >= 2 ? ['baseline'] : []);
          expect(run.exitSignal).toBeNull();
          expect(store.getRunEpochs(7)).toMatchObject([{ epoch: 1, trainLoss: 0.9, valAccuracy: 0.5, objective: null, metrics: { q: [0.5, 0.5] } }]);
          expect(store.getRunResult(7)?.results).toEqual({ accuracy: 0.5 });
          expect(store.listArtifacts(7).length).toBe(v >= 2 ? 1 : 0);
          expect(store.getDataset(1).files).toEqual([{ path: 'iris.csv', sha256: 'f'.repeat(64), bytes: 4551 }]);
          // Version 4: the old run became a one-run experiment of its own, with its cell.
          expect(run.experimentId).toBe(7);
          expect(run.cell).toEqual({ configuration: 'chi2:early', method: 'chi2', fusion: 'early', seed: 3 });
          const experiments = new ExperimentStore(store);
          expect(experiments.get(7)).toMatchObject({ name: 'old run', datasetId: 1, datasetName: 'iris', datasetVersion: 1, createdAt: 2000, runCount: 1, clonedFrom: null });
          expect(experiments.get(7).grid).toEqual({ kind: 'list', configs: [{ method: 'chi2', rho: 0.5 }] });
          expect(experiments.runs(7).map((r) => r.id)).toEqual([7]);
          expect(store.db.prepare('SELECT experiment_id AS e, cell FROM runs WHERE id IN (8, 9) ORDER BY id').all()).toEqual([
            { e: 8, cell: JSON.stringify({ configuration: 'erm:early · held out va', method: 'erm', fusion: 'early', seed: 0, heldOut: 'va' }) },
            { e: 9, cell: JSON.stringify({ configuration: 'kl', method: 'kl', fusion: null, seed: null }) },
          ]);
          expect(experiments.get(9).grid).toEqual({ kind: 'list', configs: [] });
        }
        // The migrated database takes the latest version's writes.
        const ds = store.importDataset({ name: 'new', spec: {}, files: [], cache: Buffer.from('x') }).dataset;
        const r = store.createRun({ datasetId: ds.id, config: { method: 'erm' }, tags: ['t'] });
        store.finishRun(r.id, { status: 'failed', exitSignal: 'SIGKILL', error: 'x' });
        expect(store.getRun(r.id).exitSignal).toBe('SIGKILL');
        // …and new experiments get ids after the migrated ones.
        expect(store.getRun(r.id).experimentId).toBeGreaterThan(v >= 1 ? 9 : 0);
      } finally {
        store.close();
      }
    });
  }

  it('is idempotent: opening a latest database again applies nothing', () => {
    const dir = tempDir();
    Store.open(dir).close();
    const db = new Database(path.join(dir, DB_FILE_NAME));
    expect(migrate(db)).toEqual([]);
    db.close();
  });

  it('refuses a database from a newer version of the app', () => {
    const dir = tempDir();
    const db = new Database(path.join(dir, DB_FILE_NAME));
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => Store.open(dir)).toThrow(DrmmError);
    expect(() => Store.open(dir)).toThrow(/newer than this app/);
  });

  it('rolls a failing step back entirely (schema and version)', () => {
    const db = new Database(':memory:');
    migrate(db, 1);
    const bad = { version: 2, description: 'bad', up: (d: Database.Database) => { d.exec('CREATE TABLE half (x)'); throw new Error('step failed'); } };
    expect(() => migrate(db, 2, [MIGRATIONS[0], bad])).toThrow('step failed');
    expect(schemaVersion(db)).toBe(1);
    expect(db.prepare(`SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'half'`).get()).toEqual({ n: 0 });
    db.close();
  });
});

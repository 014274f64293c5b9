/**
 * Forward-only schema migrations of the history database. The schema version is SQLite's
 * `PRAGMA user_version`; migration `i` (1-based `version`) takes a database from version − 1 to
 * version, inside one transaction together with the version bump, so a kill at any moment leaves
 * either the old or the new schema. Never edit a released step: append a new one.
 */
import type Database from 'better-sqlite3';
import { DrmmError } from '../errors';

export interface Migration {
  version: number;
  description: string;
  up(db: Database.Database): void;
}

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'datasets, dataset files, runs, per-epoch metrics, results',
    up(db) {
      db.exec(`
        CREATE TABLE datasets (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          name TEXT NOT NULL,
          version INTEGER NOT NULL,
          spec TEXT NOT NULL,
          content_hash TEXT NOT NULL,
          cache_path TEXT,
          cache_bytes INTEGER,
          summary TEXT,
          created_at INTEGER NOT NULL,
          UNIQUE (name, version)
        );
        CREATE TABLE dataset_files (
          dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
          ord INTEGER NOT NULL,
          path TEXT NOT NULL,
          sha256 TEXT NOT NULL,
          bytes INTEGER NOT NULL,
          PRIMARY KEY (dataset_id, ord)
        );
        CREATE TABLE runs (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE RESTRICT,
          name TEXT NOT NULL,
          method TEXT NOT NULL,
          fusion TEXT,
          config TEXT NOT NULL,
          seed INTEGER,
          backend TEXT,
          device TEXT,
          app_version TEXT,
          status TEXT NOT NULL CHECK (status IN ('queued','running','succeeded','failed','cancelled','interrupted')),
          error TEXT,
          created_at INTEGER NOT NULL,
          started_at INTEGER,
          finished_at INTEGER,
          timings TEXT
        );
        CREATE TABLE run_epochs (
          run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          epoch INTEGER NOT NULL,
          train_loss REAL,
          val_loss REAL,
          val_accuracy REAL,
          metrics TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          PRIMARY KEY (run_id, epoch)
        );
        CREATE TABLE run_results (
          run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
          results TEXT NOT NULL,
          evaluation TEXT
        );
      `);
    },
  },
  {
    version: 2,
    description: 'notes, tags, artifacts; indexes for the history table',
    up(db) {
      db.exec(`
        ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT '';
        CREATE TABLE tags (
          run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          tag TEXT NOT NULL,
          PRIMARY KEY (run_id, tag)
        );
        CREATE INDEX tags_by_tag ON tags(tag);
        CREATE TABLE artifacts (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          kind TEXT NOT NULL,
          path TEXT NOT NULL,
          bytes INTEGER,
          created_at INTEGER NOT NULL
        );
        CREATE INDEX artifacts_by_run ON artifacts(run_id);
        CREATE INDEX runs_by_dataset ON runs(dataset_id);
        CREATE INDEX runs_by_status ON runs(status);
        CREATE INDEX runs_by_created ON runs(created_at);
        CREATE INDEX datasets_by_hash ON datasets(content_hash);
      `);
    },
  },
  {
    version: 3,
    description: 'process exit information and owning host; more per-epoch key columns',
    up(db) {
      db.exec(`
        ALTER TABLE runs ADD COLUMN exit_code INTEGER;
        ALTER TABLE runs ADD COLUMN exit_signal TEXT;
        ALTER TABLE runs ADD COLUMN last_message TEXT;
        ALTER TABLE runs ADD COLUMN host_pid INTEGER;
        ALTER TABLE runs ADD COLUMN worker_pid INTEGER;
        ALTER TABLE run_epochs ADD COLUMN objective REAL;
        ALTER TABLE run_epochs ADD COLUMN worst_group_accuracy REAL;
        ALTER TABLE run_epochs ADD COLUMN duration_ms REAL;
      `);
    },
  },
  {
    version: 4,
    description: 'experiments (a grid of configurations × seeds); every run belongs to one and records its grid cell',
    up(db) {
      // Existing runs become one-run experiments with the run's id, name and config (a list grid of
      // one). A config that is not valid JSON (a damaged row) gets an empty list rather than
      // failing the migration. The cell's configuration label is `method[:fusion][ · held out G]`
      // (core/experiments/label.ts as of this version).
      db.exec(`
        CREATE TABLE experiments (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          name TEXT NOT NULL,
          dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
          grid TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          cloned_from INTEGER REFERENCES experiments(id) ON DELETE SET NULL
        );
        CREATE INDEX experiments_by_dataset ON experiments(dataset_id);
        ALTER TABLE runs ADD COLUMN experiment_id INTEGER REFERENCES experiments(id);
        ALTER TABLE runs ADD COLUMN cell TEXT;
        CREATE INDEX runs_by_experiment ON runs(experiment_id);
        INSERT INTO experiments (id, name, dataset_id, grid, created_at)
          SELECT id, name, dataset_id,
                 json_object('kind', 'list', 'configs', CASE WHEN json_valid(config) THEN json_array(json(config)) ELSE json_array() END),
                 created_at
          FROM runs;
        UPDATE runs SET experiment_id = id,
          cell = (SELECT json_patch(
                    json_object('configuration', method || CASE WHEN fusion IS NULL THEN '' ELSE ':' || fusion END
                                  || CASE WHEN held IS NULL THEN '' ELSE ' · held out ' || held END,
                                'method', method, 'fusion', fusion, 'seed', seed),
                    CASE WHEN held IS NULL THEN '{}' ELSE json_object('heldOut', held) END)
                  FROM (SELECT CASE WHEN json_valid(config) AND json_extract(config, '$.split.kind') = 'leave-one-group-out'
                                    THEN json_extract(config, '$.split.heldOutGroup') END AS held));
      `);
    },
  },
  {
    version: 5,
    description: 'runs on a lab queue (core/distributed): the queue a run was sent to, the machine that ran it',
    up(db) {
      // lab_queue: the queue's label (URL without credentials); NULL = a training process of this machine.
      // worker_host: the name of the lab worker that ran (or runs) it; NULL for local runs.
      db.exec(`
        ALTER TABLE runs ADD COLUMN lab_queue TEXT;
        ALTER TABLE runs ADD COLUMN worker_host TEXT;
      `);
    },
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the database to `target` (default: latest). Returns the versions applied.
 * A database newer than this build is refused (never downgraded).
 */
export function migrate(db: Database.Database, target: number = LATEST_SCHEMA_VERSION, steps: readonly Migration[] = MIGRATIONS): number[] {
  const current = schemaVersion(db);
  const latest = steps.length ? steps[steps.length - 1].version : 0;
  if (current > latest) {
    throw new DrmmError(
      'CONFLICT',
      `The history database has schema version ${current}, newer than this app understands (${latest}).`,
      { location: { file: db.name }, hint: 'Update DRMM Workbench, or point --data-dir at another folder.' },
    );
  }
  const applied: number[] = [];
  for (const m of steps) {
    if (m.version <= current || m.version > target) continue;
    // Re-read the version under the write lock: another process may have migrated meanwhile.
    const ran = db.transaction(() => {
      if (schemaVersion(db) >= m.version) return false;
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
      return true;
    }).immediate();
    if (ran) applied.push(m.version);
  }
  return applied;
}

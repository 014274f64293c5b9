/**
 * Experiments in the history (schema version 4): an experiment is a grid of configurations ×
 * seeds on one dataset version (METHOD.md §5 "Seeds and experiments"); every run belongs to one
 * and records its grid cell (`runs.experiment_id`, `runs.cell`). A run created without an
 * experiment becomes a one-run experiment of its own, so the invariant holds for every writer
 * (the queue, bundle import, tests). The grid itself is stored as JSON and interpreted by
 * core/experiments/grid.ts; the store only keeps it.
 */
import type Database from 'better-sqlite3';
import { DrmmError } from '../errors';
import { configurationLabel } from '../experiments/label';
import type { BadRowHandler, RunFilter, Store } from './store';
import type { RunCell, RunRow } from './types';
import { describeWriteFailure } from './write-errors';

export interface ExperimentRow {
  id: number;
  name: string;
  datasetId: number;
  datasetName: string;
  datasetVersion: number;
  /** The grid as stored (core/experiments/grid.ts `ExperimentGrid`). */
  grid: unknown;
  createdAt: number;
  /** The experiment this one was cloned from (null when that one was deleted, or for an original). */
  clonedFrom: number | null;
  /** Runs recorded in the experiment, retried attempts included. */
  runCount: number;
}

export interface CreateExperimentInput {
  name: string;
  datasetId: number;
  grid: unknown;
  clonedFrom?: number;
}

interface ExperimentDb {
  id: number; name: string; dataset_id: number; dataset_name: string; dataset_version: number; grid: string;
  created_at: number; cloned_from: number | null; run_count: number;
}

const SELECT = `
  SELECT e.*, d.name AS dataset_name, d.version AS dataset_version,
         (SELECT COUNT(*) FROM runs r WHERE r.experiment_id = e.id) AS run_count
  FROM experiments e JOIN datasets d ON d.id = e.dataset_id`;

function toExperiment(row: ExperimentDb): ExperimentRow {
  return {
    id: row.id, name: row.name, datasetId: row.dataset_id, datasetName: row.dataset_name, datasetVersion: row.dataset_version,
    grid: JSON.parse(row.grid), createdAt: row.created_at, clonedFrom: row.cloned_from, runCount: row.run_count,
  };
}

function insertExperiment(db: Database.Database, input: CreateExperimentInput): number {
  const info = db.prepare('INSERT INTO experiments (name, dataset_id, grid, created_at, cloned_from) VALUES (?, ?, ?, ?, ?)')
    .run(input.name, input.datasetId, JSON.stringify(input.grid ?? null), Date.now(), input.clonedFrom ?? null);
  return Number(info.lastInsertRowid);
}

/**
 * The cell of a run that is an experiment of its own: `method[:fusion][ · held out G]`, as migration 4
 * labels old runs and as core/experiments/grid.ts labels a list grid of one config.
 */
export function singleRunCell(config: Record<string, unknown>, method: string, fusion: string | null, seed: number | null): RunCell {
  const split = config.split as { kind?: unknown; heldOutGroup?: unknown } | undefined;
  const heldOut = split?.kind === 'leave-one-group-out' && typeof split.heldOutGroup === 'string' ? split.heldOutGroup : undefined;
  return { configuration: configurationLabel({ method, fusion, heldOut }), method, fusion, ...(heldOut !== undefined ? { heldOut } : {}), seed };
}

/** Inside createRun's transaction: a one-run experiment (a list grid of the run's config) for a run given none. */
export function insertSingleRunExperiment(
  db: Database.Database,
  run: { datasetId: number; config: Record<string, unknown>; method: string; fusion: string | null; seed: number | null },
): { id: number; cell: RunCell } {
  const id = insertExperiment(db, { name: '', datasetId: run.datasetId, grid: { kind: 'list', configs: [run.config] } });
  return { id, cell: singleRunCell(run.config, run.method, run.fusion, run.seed) };
}

/** A one-run experiment is named after its run (known only once the run has its id). */
export function renameSingleRunExperiment(db: Database.Database, id: number, name: string): void {
  db.prepare('UPDATE experiments SET name = ? WHERE id = ?').run(name, id);
}

/** An experiment whose last run was deleted goes with it (an empty grid is no record of anything). */
export function deleteEmptyExperiment(db: Database.Database, id: number): void {
  db.prepare('DELETE FROM experiments WHERE id = ? AND NOT EXISTS (SELECT 1 FROM runs WHERE experiment_id = ?)').run(id, id);
}

/** Experiment rows over the store's connection (the store stays the one writer of the history). */
export class ExperimentStore {
  constructor(readonly store: Store) {}

  private get db(): Database.Database {
    return this.store.db;
  }

  create(input: CreateExperimentInput): ExperimentRow {
    return this.write(`experiment '${input.name}'`, () => {
      const name = input.name.trim();
      if (name === '') throw new DrmmError('INVALID_ARGUMENT', 'An experiment needs a name.', { hint: 'Give it a name, or leave the name out for the default.' });
      this.store.getDataset(input.datasetId); // NOT_FOUND with a readable message
      return this.get(insertExperiment(this.db, { ...input, name }));
    });
  }

  get(id: number): ExperimentRow {
    const row = this.db.prepare(`${SELECT} WHERE e.id = ?`).get(id) as ExperimentDb | undefined;
    if (!row) throw new DrmmError('NOT_FOUND', `No experiment with id ${id}.`, { hint: 'List experiments with `drmm experiments`.' });
    return toExperiment(row);
  }

  /** Newest first; a row whose grid cannot be read is left out and reported through `onBadRow` (else it throws). */
  list(filter: { datasetId?: number; onBadRow?: BadRowHandler } = {}): ExperimentRow[] {
    const where = filter.datasetId !== undefined ? 'WHERE e.dataset_id = ?' : '';
    const rows = this.db.prepare(`${SELECT} ${where} ORDER BY e.created_at DESC, e.id DESC`)
      .all(...(filter.datasetId !== undefined ? [filter.datasetId] : [])) as ExperimentDb[];
    const out: ExperimentRow[] = [];
    for (const row of rows) {
      try {
        out.push(toExperiment(row));
      } catch (e) {
        if (!filter.onBadRow) throw e;
        filter.onBadRow(row.id, e);
      }
    }
    return out;
  }

  /** The experiment's runs, oldest first (a retried cell has several; the newest is its current run). */
  runs(id: number, opts: Pick<RunFilter, 'includeResults' | 'onBadRow'> = {}): RunRow[] {
    return this.store.listRuns({ experimentId: id, sort: { by: 'created', dir: 'asc' }, ...opts });
  }

  rename(id: number, name: string): ExperimentRow {
    return this.write(`the name of experiment #${id}`, () => {
      const n = name.trim();
      if (n === '') throw new DrmmError('INVALID_ARGUMENT', 'An experiment name cannot be empty.', { hint: 'Type a name with at least one visible character.' });
      if (this.db.prepare('UPDATE experiments SET name = ? WHERE id = ?').run(n, id).changes === 0) this.get(id);
      return this.get(id);
    });
  }

  /** The store's write discipline: refused on a read-only history; a full disk becomes one plain error. */
  private write<T>(what: string, body: () => T): T {
    this.store.assertWritable();
    try {
      return body();
    } catch (e) {
      throw describeWriteFailure(e, what, this.store.dataDir);
    }
  }
}

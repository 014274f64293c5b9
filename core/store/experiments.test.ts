/**
 * Experiment rows: every run belongs to one (a run created without one is a one-run experiment
 * named after it), runs record their cell, deleting an experiment's last run deletes the
 * experiment, deleting a dataset with its runs deletes its experiments.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DrmmError } from '../errors';
import { ExperimentStore } from './experiments';
import { Store } from './store';

let dir: string;
let store: Store;
let experiments: ExperimentStore;
let datasetId: number;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'drmm-exp-store-'));
  store = Store.open(dir);
  experiments = new ExperimentStore(store);
  datasetId = store.importDataset({ name: 'toy', spec: {}, files: [], cache: Buffer.from('x') }).dataset.id;
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('experiments in the store', () => {
  it('makes a run created without an experiment a one-run experiment named after it', () => {
    const run = store.createRun({ datasetId, config: { method: 'mm-dro', fusion: 'late', seed: 2 } });
    expect(run.cell).toEqual({ configuration: 'mm-dro:late', method: 'mm-dro', fusion: 'late', seed: 2 });
    const e = experiments.get(run.experimentId!);
    expect(e).toMatchObject({ name: run.name, datasetId, datasetName: 'toy', runCount: 1 });
    expect(e.grid).toEqual({ kind: 'list', configs: [{ method: 'mm-dro', fusion: 'late', seed: 2 }] });
  });

  it('records runs in a given experiment with their cells, and lists them by experiment', () => {
    const e = experiments.create({ name: ' grid ', datasetId, grid: { kind: 'product', seeds: [0, 1] } });
    expect(e.name).toBe('grid');
    const cell = (seed: number) => ({ configuration: 'erm:early', method: 'erm', fusion: 'early', seed });
    const a = store.createRun({ datasetId, config: { method: 'erm', seed: 0 }, experiment: { id: e.id, cell: cell(0) } });
    const b = store.createRun({ datasetId, config: { method: 'erm', seed: 1 }, experiment: { id: e.id, cell: cell(1) } });
    store.createRun({ datasetId, config: { method: 'erm' } }); // another experiment
    expect(experiments.runs(e.id).map((r) => [r.id, r.cell?.seed])).toEqual([[a.id, 0], [b.id, 1]]);
    expect(store.listRuns({ experimentId: e.id }).length).toBe(2);
    expect(experiments.get(e.id).runCount).toBe(2);
    expect(experiments.list().map((x) => x.id)).toContain(e.id);
    expect(experiments.list({ datasetId: datasetId + 1 })).toEqual([]);
    expect(experiments.rename(e.id, 'renamed').name).toBe('renamed');
  });

  it('deletes an experiment with its last run, and with its dataset', () => {
    const e = experiments.create({ name: 'two', datasetId, grid: {} });
    const cell = { configuration: 'erm', method: 'erm', fusion: null, seed: 0 };
    const a = store.createRun({ datasetId, config: { method: 'erm' }, experiment: { id: e.id, cell } });
    const b = store.createRun({ datasetId, config: { method: 'erm' }, experiment: { id: e.id, cell } });
    for (const r of [a, b]) store.finishRun(r.id, { status: 'failed', error: 'x' });
    store.deleteRun(a.id);
    expect(experiments.get(e.id).runCount).toBe(1);
    store.deleteRun(b.id);
    expect(() => experiments.get(e.id)).toThrow(/No experiment with id/);

    const single = store.createRun({ datasetId, config: { method: 'erm' } });
    store.finishRun(single.id, { status: 'succeeded' });
    store.deleteDataset(datasetId, { cascade: true });
    expect(experiments.list()).toEqual([]);
  });

  it('refuses an unknown dataset or an empty name, and leaves out a damaged row when asked', () => {
    expect(() => experiments.create({ name: 'x', datasetId: 99, grid: {} })).toThrow(DrmmError);
    expect(() => experiments.create({ name: '  ', datasetId, grid: {} })).toThrow(/needs a name/);
    const e = experiments.create({ name: 'bad', datasetId, grid: {} });
    store.db.prepare('UPDATE experiments SET grid = ? WHERE id = ?').run('{oops', e.id);
    const skipped: number[] = [];
    expect(experiments.list({ onBadRow: (id) => skipped.push(id) })).toEqual([]);
    expect(skipped).toEqual([e.id]);
  });
});

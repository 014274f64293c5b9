/**
 * The shared services end to end through the dispatcher, with real SQLite and real training
 * processes (the diagnostic job stands in for training): sample import, validation, preview,
 * a malformed import that stores nothing, experiments → runs with events, history edits,
 * cancel, cascade delete, and a run bundle re-imported into another data directory.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChildProcessLauncher } from '../../core/jobs/launcher';
import type { ChannelResponse, EventMessage } from '../../main/api/contract';
import { createAppServices, type AppServices } from '../../main/services/app-services';
import { evaluationFor, nullHost } from './fixtures';

const runIdOf = (e: EventMessage): number | undefined => ('runId' in e.payload ? e.payload.runId : undefined);
const tmp = (tag: string) => mkdtempSync(path.join(tmpdir(), `drmm-svc-${tag}-`));

async function open(dataDir: string): Promise<AppServices> {
  return createAppServices({ dataDir, launcher: new ChildProcessLauncher(), host: nullHost(), job: 'diagnostic', backendProbe: async () => ({ name: 'cpu', device: 'test' }) });
}

describe('services through the dispatcher', () => {
  let dir: string;
  let svc: AppServices;
  const events: EventMessage[] = [];
  async function call<C extends Parameters<AppServices['dispatch']>[0]>(channel: C, req: unknown): Promise<any> {
    const r = await svc.dispatch(channel, req);
    if (!r.ok) throw Object.assign(new Error(r.error.message), { info: r.error });
    return r.result;
  }
  async function fails(channel: string, req: unknown) {
    const r = await svc.dispatch(channel, req);
    expect(r.ok, `${channel} should fail`).toBe(false);
    return r.ok ? undefined! : r.error;
  }

  beforeAll(async () => {
    dir = tmp('data');
    svc = await open(dir);
    svc.onEvent((m) => events.push(m));
  });
  afterAll(async () => {
    await svc.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let datasetId = 0;

  it('lists the bundled samples and imports one', async () => {
    const samples = (await call('import.samples', {})) as ChannelResponse<'import.samples'>;
    expect(samples.map((s) => s.name)).toEqual(expect.arrayContaining(['heart-disease', 'mfeat', 'dermatology']));
    const ds = (await call('import.trySample', { name: 'heart-disease' })) as ChannelResponse<'import.trySample'>;
    expect(ds.name).toBe('heart-disease');
    expect(ds.nRows).toBe(920);
    expect(ds.modalities.length).toBeGreaterThan(1);
    expect(ds.groupLevels?.length).toBe(4);
    expect(ds.contentHash).toMatch(/^[0-9a-f]{64}$/);
    datasetId = ds.id;
    // Same content again: the same dataset version, not a copy.
    const again = (await call('import.trySample', { name: 'heart-disease' })) as ChannelResponse<'import.trySample'>;
    expect(again.id).toBe(ds.id);
    const detail = (await call('datasets.get', { id: ds.id })) as ChannelResponse<'datasets.get'>;
    expect(detail.files.length).toBe(4);
    expect(detail.classCounts.reduce((a, b) => a + b, 0)).toBe(920);
    expect((await fails('import.trySample', { name: 'nope' })).code).toBe('NOT_FOUND');
  });

  it('validates and previews before saving; a malformed file stores nothing', async () => {
    const sampleDir = path.resolve('resources/samples/heart-disease');
    const spec = JSON.parse(readFileSync(path.join(sampleDir, 'spec.json'), 'utf8'));
    const v = (await call('import.validate', { spec, baseDir: sampleDir })) as ChannelResponse<'import.validate'>;
    expect(v.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(v.summary?.nRows).toBe(920);

    const prev = (await call('import.preview', { file: { path: path.join(sampleDir, 'processed.va.data') }, maxRows: 5 })) as ChannelResponse<'import.preview'>;
    expect(prev.rows.length).toBe(5);
    expect(prev.fileName).toBe('processed.va.data');

    const bad = tmp('bad');
    writeFileSync(path.join(bad, 'bad.csv'), 'a,b,label\n1,2,x\n3,4\n5,6,y\n');
    const badSpec = { name: 'bad', files: [{ path: 'bad.csv' }], target: 'label' };
    const vb = (await call('import.validate', { spec: badSpec, baseDir: bad })) as ChannelResponse<'import.validate'>;
    expect(vb.issues.some((i) => i.severity === 'error' && i.file?.includes('bad.csv'))).toBe(true);
    const before = ((await call('datasets.list', {})) as unknown[]).length;
    const err = await fails('import.save', { name: 'bad', spec: badSpec, baseDir: bad });
    expect(err.location.file ?? err.message).toMatch(/bad\.csv/);
    expect(((await call('datasets.list', {})) as unknown[]).length).toBe(before);
    // validate reports spec problems as issues (with the JSON path), not as a failed call.
    const vs = (await call('import.validate', { spec: { name: 'x' } })) as ChannelResponse<'import.validate'>;
    expect(vs.issues[0]).toMatchObject({ severity: 'error', code: 'INVALID_SPEC' });
    expect(vs.summary).toBeUndefined();
    rmSync(bad, { recursive: true, force: true });
  });

  let runIds: number[] = [];

  it('starts one run per configuration and streams status, progress and epochs', async () => {
    const res = (await call('experiments.start', { datasetId, configs: [{ method: 'erm', fusion: 'early' }, { method: 'mm-dro', seed: 1 }], name: 'pair' })) as ChannelResponse<'experiments.start'>;
    runIds = res.runIds;
    expect(runIds.length).toBe(2);
    await svc.queue.whenIdle();
    for (const id of runIds) {
      const statuses = events.filter((e) => e.event === 'run.status' && runIdOf(e) === id).map((e) => (e.payload as { status: string }).status);
      expect(statuses).toEqual(['queued', 'running', 'succeeded']);
      expect(events.some((e) => e.event === 'run.progress' && runIdOf(e) === id)).toBe(true);
      expect(events.filter((e) => e.event === 'run.epoch' && runIdOf(e) === id).length).toBe(3);
    }
    const list = (await call('runs.list', { datasetId })) as ChannelResponse<'runs.list'>;
    expect(list.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    expect(list.map((r) => r.name).sort()).toEqual(['pair · erm · seed 0', 'pair · mm-dro · seed 1']);
    const detail = (await call('runs.get', { id: runIds[0] })) as ChannelResponse<'runs.get'>;
    expect(detail.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(detail.epochs[0].trainLoss).toBeCloseTo(0.5, 6);
    expect((detail.config as { method: string }).method).toBeDefined();
    // Group DRO on a dataset with groups is fine; an unknown modality is a clear error.
    const e = await fails('experiments.start', { datasetId, configs: [{ method: 'erm', modalities: ['retina'] }] });
    expect(e.code).toBe('INVALID_CONFIG');
    expect(e.message).toContain("'retina'");
  });

  it('renames, tags and annotates runs', async () => {
    const id = runIds[0];
    expect(((await call('runs.rename', { id, name: '  Baseline  ' })) as { name: string }).name).toBe('Baseline');
    expect(((await call('runs.setTags', { id, tags: ['b', 'a', 'b'] })) as { tags: string[] }).tags).toEqual(['a', 'b']);
    expect(((await call('runs.setNotes', { id, notes: 'first try' })) as { notes: string }).notes).toBe('first try');
  });

  it('cancels a run', async () => {
    const { runIds: [id] } = (await call('experiments.start', { datasetId, configs: [{ method: 'erm' }] })) as { runIds: number[] };
    const r = (await call('runs.cancel', { id })) as ChannelResponse<'runs.cancel'>;
    expect(r.status).toBe('cancelled');
    await svc.queue.whenIdle();
    expect(((await call('runs.get', { id })) as { status: string }).status).toBe('cancelled');
  });

  it('exports a run bundle that re-imports into another data directory', async () => {
    // The diagnostic job stores a stand-in evaluation; a bundle must carry one a report can read.
    const evaluation = JSON.stringify(evaluationFor(svc.datasets.get(datasetId)));
    for (const id of runIds) svc.store.db.prepare('UPDATE run_results SET evaluation = ? WHERE run_id = ?').run(evaluation, id);
    const out = (await call('export.file', { kind: 'bundle', runIds })) as ChannelResponse<'export.file'>;
    expect(out.fileName).toMatch(/\.drmm-bundle\.json$/);
    const bundleFile = out.savedTo!;
    const other = tmp('other');
    const svc2 = await open(other);
    try {
      // A bundle that fails half-way (its second dataset is damaged) stores nothing, not even the first dataset.
      const good = JSON.parse(readFileSync(bundleFile, 'utf8')) as { datasets: { name: string; files: { sha256: string }[] }[]; runs: { datasetIndex: number; name: string }[] };
      const damaged = structuredClone(good);
      damaged.datasets.push({ ...structuredClone(good.datasets[0]), name: 'damaged', files: good.datasets[0].files.map((f) => ({ ...f, sha256: 'not-a-digest' })) });
      damaged.runs.push({ ...structuredClone(good.runs[0]), datasetIndex: 1, name: 'on the damaged dataset' });
      const damagedFile = path.join(other, 'damaged.drmm-bundle.json');
      writeFileSync(damagedFile, JSON.stringify(damaged));
      expect(await svc2.dispatch('import.bundle', { file: { path: damagedFile } })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
      expect(svc2.datasets.list()).toEqual([]);
      expect(svc2.runs.list({})).toEqual([]);

      const r = await svc2.dispatch('import.bundle', { file: { path: bundleFile } });
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const imported = (r.result as { runIds: number[] }).runIds;
      expect(imported.length).toBe(2);
      const runs = svc2.runs.list({});
      expect(runs.map((x) => x.status)).toEqual(['succeeded', 'succeeded']);
      expect(runs.find((x) => x.name === 'Baseline')?.tags).toEqual(['a', 'b', 'imported']);
      expect(svc2.runs.get(imported[0]).epochs.length).toBe(3);
      const ds = svc2.datasets.list();
      expect(ds.length).toBe(1);
      expect(ds[0].nRows).toBe(920);
      // The parsed data came along: a new run on it can train here.
      expect(svc2.store.loadDatasetCache(ds[0].id).length).toBeGreaterThan(0);
      const broken = path.join(other, 'broken.json');
      writeFileSync(broken, JSON.stringify({ format: 'drmm-run-bundle', version: 1 }));
      const b = await svc2.dispatch('import.bundle', { file: { path: broken } });
      expect(b).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    } finally {
      await svc2.close();
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('asks for a cascade before deleting a dataset that runs use', async () => {
    const e = await fails('datasets.delete', { id: datasetId });
    expect(e.code).toBe('CONFLICT');
    expect(((await call('runs.list', {})) as unknown[]).length).toBe(3);
    const r = (await call('datasets.delete', { id: datasetId, cascade: true })) as ChannelResponse<'datasets.delete'>;
    expect(r.deletedRuns).toBe(3);
    expect(await call('runs.list', {})).toEqual([]);
  });
});

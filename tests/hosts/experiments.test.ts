/**
 * Experiments through the dispatcher, with real SQLite and real training processes running a stub
 * job (tests/hosts/experiment-stub-job.ts: a made-up evaluation per run, no training): a grid
 * becomes one run per cell with its experiment and cell; the list names the best configuration;
 * get aggregates over seeds; retry re-runs only the failed and missing cells; clone copies the grid
 * with changes; experiments.start is an experiment of its configs.
 */
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChildProcessLauncher } from '../../core/jobs/launcher';
import type { ChannelResponse } from '../../main/api/contract';
import { createAppServices, type AppServices } from '../../main/services/app-services';
import { nullHost } from './fixtures';

const STUB_JOB = path.resolve(__dirname, 'experiment-stub-job.ts');

describe('experiments through the dispatcher', () => {
  let dir: string;
  let svc: AppServices;
  let datasetId = 0;
  let experimentId = 0;
  async function call<C extends Parameters<AppServices['dispatch']>[0]>(channel: C, req: unknown): Promise<any> {
    const r = await svc.dispatch(channel, req);
    if (!r.ok) throw Object.assign(new Error(`${r.error.code}: ${r.error.message}`), { info: r.error });
    return r.result;
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'drmm-svc-exp-'));
    svc = await createAppServices({ dataDir: dir, launcher: new ChildProcessLauncher(), host: nullHost(), job: STUB_JOB, backendProbe: async () => ({ name: 'cpu', device: 'test' }) });
    datasetId = ((await call('import.trySample', { name: 'heart-disease' })) as ChannelResponse<'import.trySample'>).id;
  });
  afterAll(async () => {
    await svc.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('queues one run per cell, each recording its experiment and cell', async () => {
    writeFileSync(path.join(dir, 'stub-fail-mm-dro-1'), '');
    const grid = { methods: [{ method: 'erm', fusion: 'early' }, { method: 'mm-dro', fusion: 'intermediate' }], seeds: [0, 1], radii: [0.1, 0.5], settings: { epochs: 1 } };
    const res = (await call('experiments.create', { datasetId, name: 'sweep', grid })) as ChannelResponse<'experiments.create'>;
    experimentId = res.experimentId;
    expect(res.runIds.length).toBe(6); // (erm + mm-dro × 2 radii) × 2 seeds
    await svc.queue.whenIdle();
    const runs = (await call('runs.list', { datasetId })) as ChannelResponse<'runs.list'>;
    expect(runs.every((r) => r.experimentId === experimentId)).toBe(true);
    expect(runs.map((r) => `${r.cell!.configuration} #${r.cell!.seed} ${r.status}`).sort()).toEqual([
      'erm:early #0 succeeded', 'erm:early #1 succeeded',
      'mm-dro:intermediate ρ=0.1 #0 succeeded', 'mm-dro:intermediate ρ=0.1 #1 failed',
      'mm-dro:intermediate ρ=0.5 #0 succeeded', 'mm-dro:intermediate ρ=0.5 #1 failed',
    ]);
  });

  it('lists the experiment with its configurations, status counts and best configuration', async () => {
    const list = (await call('experiments.list', { metric: 'accuracy' })) as ChannelResponse<'experiments.list'>;
    const e = list.find((x) => x.id === experimentId)!;
    expect(e).toMatchObject({
      name: 'sweep', dataset: { id: datasetId, name: 'heart-disease' }, seeds: [0, 1], cells: 6, runCount: 6,
      statusCounts: { succeeded: 4, failed: 2 }, status: 'incomplete',
      configurations: ['erm:early', 'mm-dro:intermediate ρ=0.1', 'mm-dro:intermediate ρ=0.5'],
    });
    expect(e.best?.metric).toBe('accuracy');
    expect(e.best?.configuration).toMatch(/^mm-dro/); // the stub's mm-dro is right 80% of the time, erm 60%
  });

  it('gets the experiment with its cells and the aggregate over seeds', async () => {
    const d = (await call('experiments.get', { id: experimentId })) as ChannelResponse<'experiments.get'>;
    expect(d.runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded', 'failed', 'failed']);
    const erm = d.aggregate.configurations.find((c) => c.label === 'erm:early')!;
    expect(erm.seeds).toEqual([0, 1]);
    expect(erm.metrics.accuracy.n).toBe(2);
    expect(erm.trainingB.values).toEqual([0, 0]);
    const mm = d.aggregate.configurations.find((c) => c.label === 'mm-dro:intermediate ρ=0.5')!;
    expect(mm).toMatchObject({ radius: 0.5, seeds: [0], statusCounts: { succeeded: 1, failed: 1 } });
    expect(mm.trainingB.values).toEqual([1]);
    expect(d.aggregate.comparisons.filter((c) => c.a === 'erm:early').map((c) => `${c.b} ${c.metric} ${c.seeds}`)).toEqual([
      'mm-dro:intermediate ρ=0.1 accuracy 0', 'mm-dro:intermediate ρ=0.1 robustAccuracy 0',
      'mm-dro:intermediate ρ=0.5 accuracy 0', 'mm-dro:intermediate ρ=0.5 robustAccuracy 0',
    ]);
    expect(d.frontier[0].points.map((p) => [p.configuration, p.radius])).toEqual([['erm:early', 0], ['mm-dro:intermediate ρ=0.1', 0.1], ['mm-dro:intermediate ρ=0.5', 0.5]]);
  });

  it('retries only the failed cells, and a deleted cell’s run', async () => {
    unlinkSync(path.join(dir, 'stub-fail-mm-dro-1'));
    const before = (await call('experiments.get', { id: experimentId })) as ChannelResponse<'experiments.get'>;
    const erm0 = before.runs.find((r) => r.configuration === 'erm:early' && r.seed === 0)!.runId!;
    await call('runs.delete', { id: erm0 });
    expect(((await call('experiments.get', { id: experimentId })) as ChannelResponse<'experiments.get'>).runs[0].status).toBe('missing');

    const retried = (await call('experiments.retry', { id: experimentId })) as ChannelResponse<'experiments.retry'>;
    expect(retried.runIds.length).toBe(3);
    await svc.queue.whenIdle();
    const after = (await call('experiments.get', { id: experimentId })) as ChannelResponse<'experiments.get'>;
    expect(after.status).toBe('succeeded');
    expect(after.runs.map((r) => r.attempts)).toEqual([1, 1, 1, 1, 2, 2]);
    expect(after.runs.filter((r) => r.attempts === 2).every((r) => r.previousRunIds.length === 1)).toBe(true);
    // The cells that had succeeded keep their runs.
    for (const r of before.runs.filter((x) => x.status === 'succeeded' && x.runId !== erm0)) expect(after.runs.find((x) => x.runId === r.runId)).toBeDefined();
    expect(((await call('experiments.retry', { id: experimentId })) as ChannelResponse<'experiments.retry'>).runIds).toEqual([]);
  });

  it('clones an experiment, with changes', async () => {
    const c = (await call('experiments.clone', { id: experimentId, changes: { seeds: [5], radii: null } })) as ChannelResponse<'experiments.clone'>;
    expect(c.runIds.length).toBe(2); // erm + mm-dro without radii, seed 5
    await svc.queue.whenIdle();
    const d = (await call('experiments.get', { id: c.experimentId })) as ChannelResponse<'experiments.get'>;
    expect(d).toMatchObject({ name: 'sweep (copy)', clonedFrom: experimentId, seeds: [5], configurations: ['erm:early', 'mm-dro:intermediate'], status: 'succeeded' });
  });

  it('makes experiments.start an experiment of its configs, and refuses a bad grid with a clear error', async () => {
    const s = (await call('experiments.start', { datasetId, configs: [{ method: 'erm', seed: 0 }, { method: 'erm', seed: 1 }] })) as ChannelResponse<'experiments.start'>;
    expect(s.experimentId).toBeGreaterThan(0);
    await svc.queue.whenIdle();
    const d = (await call('experiments.get', { id: s.experimentId! })) as ChannelResponse<'experiments.get'>;
    expect(d.configurations).toEqual(['erm:intermediate']);
    expect(d.aggregate.configurations[0].seeds).toEqual([0, 1]);

    const bad = await svc.dispatch('experiments.create', { datasetId, grid: { methods: [{ method: 'erm' }], seeds: [0], heldOut: ['mars'] } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining("No group 'mars'") });
    const held = (await call('experiments.create', { datasetId, grid: { methods: [{ method: 'erm', fusion: 'early' }], seeds: [0], heldOut: 'all' } })) as ChannelResponse<'experiments.create'>;
    expect(held.runIds.length).toBe(4); // the four hospitals
    await svc.queue.whenIdle();
  });
});

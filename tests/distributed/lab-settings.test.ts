/**
 * The lab queue through the app's API (the dispatcher both hosts use), with a Redis server started
 * for the test: Settings (URL, key, test connection) never hand the password or the key to the
 * renderer; `runOn: 'lab'` sends an experiment's cells there and `runs.list` names the queue and the
 * worker; `experiments.cancel` removes the queued cells from the lab queue.
 */
import { readFileSync, statSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readKeyFile } from '../../core/distributed/envelope';
import { CELLS_QUEUE } from '../../core/distributed/layout';
import { parseQueueUrl } from '../../core/distributed/queue-url';
import { LabWorker } from '../../core/distributed/worker';
import { ChildProcessLauncher } from '../../core/jobs/launcher';
import { createAppServices, type AppServices } from '../../main/services/app-services';
import { nullHost } from '../hosts/fixtures';
import { redisMissing, startRedis, type TestRedis } from './redis-server';

const missing = redisMissing();
if (missing) console.warn(`tests/distributed/lab-settings.test.ts skipped: ${missing}`);

describe.skipIf(missing !== undefined)('the lab queue through the API (Settings, runOn, cancel)', () => {
  let redis: TestRedis;
  let dir: string;
  let svc: AppServices;
  let datasetId = 0;
  let worker: LabWorker | undefined;
  async function call(channel: Parameters<AppServices['dispatch']>[0], req: unknown): Promise<any> {
    const r = await svc.dispatch(channel, req);
    if (!r.ok) throw Object.assign(new Error(`${r.error.code}: ${r.error.message}`), { info: r.error });
    return r.result;
  }

  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(path.join(tmpdir(), 'drmm-lab-api-'));
    svc = await createAppServices({ dataDir: dir, launcher: new ChildProcessLauncher(), host: nullHost(), job: 'diagnostic', backendProbe: async () => ({ name: 'cpu', device: 'test' }) });
    datasetId = (await call('import.trySample', { name: 'heart-disease' })).id;
  });
  afterAll(async () => {
    await worker?.close(true);
    await svc?.close();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('Settings: the URL is saved privately and shown without its password; the key is made here and shown by id only', async () => {
    expect(await call('lab.get', {})).toMatchObject({ url: null, keyId: null, connected: false, waitingRuns: 0 });
    expect(await call('lab.test', {})).toMatchObject({ ok: false, message: 'No queue URL is set.' });
    const saved = await call('lab.update', { url: redis.url });
    expect(saved.url).toBe(redis.url.replace(redis.password, '***'));
    expect(saved.label).toBe(`redis://drmm@127.0.0.1:${redis.port}/0`);
    expect(JSON.stringify(saved)).not.toContain(redis.password);
    const file = path.join(dir, 'lab-queue.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain(redis.password);

    const ok = await call('lab.test', {});
    expect(ok).toMatchObject({ ok: true, tls: false, user: 'drmm' });
    expect(ok.message).toMatch(/Connected to Redis 7\.\d+\.\d+ .* as drmm .*No lab key yet/);
    const refused = await call('lab.test', { url: redis.url.replace(redis.password, 'wrong') });
    expect(refused).toMatchObject({ ok: false });
    expect(refused.message).toMatch(/user name or password was refused/);
    expect(refused.message).not.toContain('wrong');
    await expect(call('lab.update', { url: 'http://lab:6379' })).rejects.toThrow(/redis:\/\/ or rediss:\/\//);

    const withKey = await call('lab.update', { generateKey: true });
    expect(withKey.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(withKey)).not.toContain('drmm-lab-key-1');
    expect(withKey.keyFile).toBe(path.join(dir, 'lab.key'));
    expect(statSync(withKey.keyFile).mode & 0o777).toBe(0o600);
    expect(readKeyFile(withKey.keyFile).id).toBe(withKey.keyId);
  });

  it("runOn 'lab' sends the cells to the lab queue; experiments.cancel removes the waiting ones from it", async () => {
    const grid = { methods: [{ method: 'erm', fusion: 'early' }], seeds: [0, 1, 2], settings: { epochs: 1 } };
    const launch = await call('experiments.create', { datasetId, name: 'on the lab', grid, runOn: 'lab' });
    expect(launch.runIds).toHaveLength(3);
    const label = `redis://drmm@127.0.0.1:${redis.port}/0`;
    const cells = new Queue(CELLS_QUEUE, { connection: { host: '127.0.0.1', port: redis.port, username: 'drmm', password: redis.password }, prefix: 'drmm' });
    try {
      // No worker runs: the cells wait in the lab queue (not in this one: nothing trains here).
      const deadline = Date.now() + 20_000;
      while ((await cells.getJobCounts('waiting')).waiting !== 3) {
        if (Date.now() > deadline) throw new Error('the cells did not reach the lab queue');
        await new Promise((r) => setTimeout(r, 100));
      }
      const runs = (await call('runs.list', { datasetId })).filter((r: { experimentId: number }) => r.experimentId === launch.experimentId);
      expect(runs.map((r: { status: string; labQueue: string; workerHost: string | null }) => [r.status, r.labQueue, r.workerHost])).toEqual(Array(3).fill(['queued', label, null]));
      expect(await call('lab.get', {})).toMatchObject({ connected: true, waitingRuns: 3 });
      expect(svc.queue.runningIds).toEqual(expect.arrayContaining(launch.runIds)); // followed, not training here

      const cancelled = await call('experiments.cancel', { id: launch.experimentId });
      expect(cancelled).toEqual({ experimentId: launch.experimentId, cancelled: launch.runIds, elsewhere: [] });
      expect((await cells.getJobCounts('waiting', 'active')).waiting).toBe(0);
      expect((await call('experiments.get', { id: launch.experimentId })).statusCounts).toEqual({ cancelled: 3 });
    } finally {
      await cells.close();
    }
  });

  it('a worker with the key trains the cells; runs.list names it', async () => {
    worker = await LabWorker.start({
      address: parseQueueUrl(redis.url), key: readKeyFile(path.join(dir, 'lab.key')), dir: path.join(dir, '..', `${path.basename(dir)}-worker`), name: 'bench-pc', stallSeconds: 5, log: () => undefined,
    });
    const launch = await call('experiments.create', { datasetId, grid: { methods: [{ method: 'erm', fusion: 'early' }], seeds: [0, 1], settings: { epochs: 1 } }, runOn: 'lab' });
    await Promise.all(launch.runIds.map((id: number) => svc.queue.waitFor(id)));
    const runs = (await call('runs.list', { datasetId })).filter((r: { experimentId: number }) => r.experimentId === launch.experimentId);
    expect(runs.map((r: { status: string; workerHost: string }) => [r.status, r.workerHost])).toEqual([['succeeded', 'bench-pc'], ['succeeded', 'bench-pc']]);
    // As if they had run here: the evaluation came back whole, so each run's report was stored as
    // for a local run, and the experiment aggregates them.
    for (const id of launch.runIds) {
      const detail = await call('runs.get', { id });
      expect(detail.artifacts.map((a: { kind: string }) => a.kind).sort()).toEqual(['report-html', 'report-json']);
    }
    const exp = await call('experiments.get', { id: launch.experimentId });
    expect(exp.statusCounts).toEqual({ succeeded: 2 });
    expect(exp.aggregate.notes.filter((n: string) => /evaluation/.test(n))).toEqual([]);
    expect(exp.aggregate.configurations.map((c: { seeds: number[] }) => c.seeds)).toEqual([[0, 1]]); // both runs aggregated
    rmSync(path.join(dir, '..', `${path.basename(dir)}-worker`), { recursive: true, force: true });
  });
});

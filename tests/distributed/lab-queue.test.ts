/**
 * The lab queue with a real Redis server (started here, loopback, ACL user + password) and the
 * host's and workers' classes in this process (their training processes are real child processes):
 * the diagnostic job, so that the queue — not the training — is what takes the time.
 *
 *  - a cell trained on a worker lands in the history like a local run (rows, epochs, artifact,
 *    worker name); the dataset travels once and is checked by hash (a damaged copy is fetched again);
 *  - a duplicate result is recognised and ignored;
 *  - cancel withdraws a waiting cell and stops a running one;
 *  - the host going away: results wait in the queue and a host that comes back collects them;
 *  - a worker with another key refuses the cell with a clear reason, and nothing stored in Redis
 *    holds a feature value (its float32 bytes or its decimal text).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeDataset } from '../../core/data/cache';
import { RunEvaluationSchema } from '../../core/evaluate/schema';
import { generateLabKey, sealValue, type LabKey } from '../../core/distributed/envelope';
import { LabQueue } from '../../core/distributed/host';
import { cellJobId, labHostId, resultJobId, resultsQueueName, type ResultPayload } from '../../core/distributed/layout';
import { parseQueueUrl, type LabQueueAddress } from '../../core/distributed/queue-url';
import { LabWorker } from '../../core/distributed/worker';
import { ChildProcessLauncher, type Launcher, type WorkerHandle } from '../../core/jobs/launcher';
import type { HostMessage } from '../../core/jobs/protocol';
import { JobQueue } from '../../core/jobs/queue';
import { Store } from '../../core/store/store';
import { syntheticDataset } from '../integration/job-under-test';
import { redisMissing, startRedis, type TestRedis } from './redis-server';

const missing = redisMissing();
if (missing) console.warn(`tests/distributed/lab-queue.test.ts skipped: ${missing}`);

/** A feature value of the dataset that must never be readable in Redis. */
const KNOWN = 0.8371234;
const KNOWN_F32 = Math.fround(KNOWN);

function datasetBytes(): Buffer {
  const ds = syntheticDataset(400);
  ds.modalities[0].values[0] = KNOWN_F32;
  ds.modalities[1].values[5] = KNOWN_F32;
  return encodeDataset(ds);
}

const quick = (extra: Record<string, unknown> = {}) => ({ method: 'erm', seed: 1, diagnostic: { epochs: 2, stepsPerEpoch: 3, stepMs: 5, writeArtifact: true, ...extra } });
const slow = { method: 'erm', seed: 2, diagnostic: { epochs: 4, stepsPerEpoch: 10, stepMs: 150 } };

interface Host { dir: string; store: Store; queue: JobQueue; lab: LabQueue; logs: string[]; datasetId: number; close(): Promise<void> }

const work = mkdtempSync(path.join(tmpdir(), 'drmm-lab-'));
let redis: TestRedis;
let address: LabQueueAddress;
const key = generateLabKey();
const workers: LabWorker[] = [];

async function openHost(dir: string, k: LabKey = key, datasetId?: number): Promise<Host> {
  const store = Store.open(dir);
  const id = datasetId ?? store.importDataset({ name: 'synthetic', spec: {}, files: [], cache: datasetBytes() }).dataset.id;
  const queue = new JobQueue({ store, job: 'diagnostic', prelaunch: false });
  const logs: string[] = [];
  const lab = await LabQueue.connect({ address, key: k, hostId: labHostId(dir), store, queue, reconcileMs: 1000, cancelTimeoutMs: 20_000, log: (l) => logs.push(l) });
  return {
    dir, store, queue, lab, logs, datasetId: id,
    async close() { await queue.shutdown(); await lab.close(); store.close(); },
  };
}

/** Real training processes, with what the worker sends each of them recorded. */
class RecordingLauncher implements Launcher {
  readonly processes: { sent: HostMessage[] }[] = [];
  private readonly inner = new ChildProcessLauncher();
  launch(): WorkerHandle {
    const h = this.inner.launch();
    const rec = { sent: [] as HostMessage[] };
    this.processes.push(rec);
    const send = h.send.bind(h);
    h.send = (m: HostMessage) => { rec.sent.push(m); send(m); };
    return h;
  }
}

async function startWorker(name: string, k: LabKey = key, opts: { concurrency?: number; launcher?: Launcher } = {}): Promise<LabWorker & { logs: string[] }> {
  const logs: string[] = [];
  const w = await LabWorker.start({ address, key: k, dir: mkdtempSync(path.join(work, `${name}-`)), name, stallSeconds: 5, cancelPollMs: 300, liveIntervalMs: 200, log: (l) => logs.push(l), ...opts });
  workers.push(w);
  return Object.assign(w, { logs });
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every byte Redis holds, value by value (strings, hashes, lists, sets, sorted sets, streams). */
async function everyStoredByte(): Promise<Buffer> {
  const r = new Redis({ host: '127.0.0.1', port: redis.port, username: 'drmm', password: redis.password });
  try {
    const parts: Buffer[] = [];
    const keys = await r.keys('*');
    for (const k of keys) {
      const type = await r.type(k);
      if (type === 'string') parts.push((await r.getBuffer(k))!);
      else if (type === 'hash') parts.push(...Object.values(await r.hgetallBuffer(k)));
      else if (type === 'list') parts.push(...(await r.lrangeBuffer(k, 0, -1)));
      else if (type === 'set') parts.push(...(await r.smembersBuffer(k)));
      else if (type === 'zset') parts.push(...(await r.zrangeBuffer(k, '0', '-1')));
      else if (type === 'stream') for (const [, fields] of await r.xrangeBuffer(k, '-', '+')) parts.push(...fields);
    }
    return Buffer.concat(parts);
  } finally {
    r.disconnect();
  }
}

describe.skipIf(missing !== undefined)('lab queue (BullMQ on a Redis server started for the test)', () => {
  let host: Host;
  let w1: LabWorker & { logs: string[] };
  const w1Processes = new RecordingLauncher();

  beforeAll(async () => {
    redis = await startRedis();
    address = parseQueueUrl(redis.url);
    host = await openHost(path.join(work, 'host'));
    w1 = await startWorker('worker-1', key, { launcher: w1Processes });
  });

  afterAll(async () => {
    await host?.close().catch(() => undefined);
    await Promise.allSettled(workers.map((w) => w.close(true)));
    await redis?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('a cell trained on a worker lands in the history like a local run; the dataset travels once, checked by hash', async () => {
    // The same run on this machine, for comparison.
    const localDir = path.join(work, 'local');
    const localStore = Store.open(localDir);
    const localDs = localStore.importDataset({ name: 'synthetic', spec: {}, files: [], cache: datasetBytes() }).dataset;
    const local = new JobQueue({ store: localStore, job: 'diagnostic', prelaunch: false });
    const lr = await local.waitFor(local.enqueue({ datasetId: localDs.id, config: quick() }).id);
    expect(lr.status, lr.error ?? '').toBe('succeeded');

    const runs = [host.queue.enqueue({ datasetId: host.datasetId, config: quick(), remote: host.lab }), host.queue.enqueue({ datasetId: host.datasetId, config: quick(), remote: host.lab })];
    expect(runs[0].labQueue).toBe(address.label);
    expect(address.label).not.toContain(redis.password);
    const done = await Promise.all(runs.map((r) => host.queue.waitFor(r.id)));
    for (const run of done) {
      expect(run.status, run.error ?? '').toBe('succeeded');
      expect(run.workerHost).toBe('worker-1');
      expect(run.backend).toBe('diagnostic');
      const res = host.store.getRunResult(run.id)!.results as { cacheSha256: string; epochs: number };
      const lres = localStore.getRunResult(lr.id)!.results as { cacheSha256: string; epochs: number };
      expect(res.cacheSha256).toBe(lres.cacheSha256); // the worker trained on the very bytes of the host's cache
      expect(res.epochs).toBe(lres.epochs);
      // The evaluation came back whole: a stored evaluation of the current definitions, equal to the local run's.
      const ev = host.store.getRunResult(run.id)!.evaluation;
      expect(RunEvaluationSchema.safeParse(ev).success).toBe(true);
      const { timingMs: _t, ...sameParts } = ev as { timingMs: unknown };
      const { timingMs: _lt, ...localParts } = localStore.getRunResult(lr.id)!.evaluation as { timingMs: unknown };
      expect(sameParts).toEqual(localParts);
      const epochs = host.store.getRunEpochs(run.id).map((e) => [e.epoch, e.trainLoss, e.valAccuracy]);
      expect(epochs).toEqual(localStore.getRunEpochs(lr.id).map((e) => [e.epoch, e.trainLoss, e.valAccuracy]));
      const arts = host.store.listArtifacts(run.id);
      expect(arts.map((a) => [a.kind, a.path])).toEqual([['model', `runs/${run.id}/model.json`]]);
      expect(JSON.parse(readFileSync(path.join(host.dir, arts[0].path), 'utf8'))).toMatchObject({ diagnostic: true });
    }
    await local.shutdown();
    localStore.close();
    expect(host.logs.filter((l) => /sent to the lab queue/.test(l))).toHaveLength(1);
    expect(w1.stats.datasetsFetched).toBe(1);
    // A damaged local copy is noticed by its hash and fetched again.
    const sha = createHash('sha256').update(datasetBytes()).digest('hex');
    const copy = path.join((w1 as unknown as { opts: { dir: string } }).opts.dir, 'datasets', `${sha}.bin`);
    const bytes = readFileSync(copy);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(copy, bytes);
    // The process started ahead is prepared, while nothing or a cell trains, for a cell like the last one: its job,
    // configuration and dataset (the worker's copy, by hash) — nothing computed that only that cell would use.
    await until('the process started ahead to be prepared', () => w1Processes.processes.some((p) => p.sent.length === 1 && p.sent[0].type === 'prepare'));
    const again = await host.queue.waitFor(host.queue.enqueue({ datasetId: host.datasetId, config: quick(), remote: host.lab }).id);
    expect(again.status, again.error ?? '').toBe('succeeded');
    const started = w1Processes.processes.filter((p) => p.sent.some((m) => m.type === 'start'));
    expect(started[0].sent.map((m) => m.type)).toEqual(['start']); // started before any cell was known
    const last = started.at(-1)!.sent;
    expect(last.map((m) => m.type)).toEqual(['prepare', 'start']);
    expect(last[0]).toMatchObject({ type: 'prepare', job: 'diagnostic', config: quick(), data: { datasetId: host.datasetId, precompute: false } });
    expect((last[0] as { data: { cacheFile: string } }).data.cacheFile).toBe(copy);
    expect(w1.stats.datasetsFetched).toBe(2);
    expect(w1.logs.some((l) => /damaged here; fetched again/.test(l))).toBe(true);
    expect(createHash('sha256').update(readFileSync(copy)).digest('hex')).toBe(sha);
  });

  it('a duplicate result is recognised and ignored', async () => {
    const run = await host.queue.waitFor(host.queue.enqueue({ datasetId: host.datasetId, config: quick(), remote: host.lab }).id);
    expect(run.status).toBe('succeeded');
    const before = { result: host.store.getRunResult(run.id), artifacts: host.store.listArtifacts(run.id), epochs: host.store.getRunEpochs(run.id) };
    // A second worker (presumed dead, then not) sends its own result for the same cell.
    const jobId = cellJobId(host.lab.hostId, run.id);
    const payload: ResultPayload = {
      attempt: 'zombie#1#1#000000', worker: { host: 'zombie', pid: 1, appVersion: 'x', node: 'x', platform: 'x' },
      messages: [{ type: 'ready', pid: 1, host: 'zombie' }, { type: 'epoch', runId: run.id, record: { epoch: 9, trainLoss: 42 } }, { type: 'done', runId: run.id, results: { kind: 'zombie' }, artifacts: [{ kind: 'model', path: 'model.json' }] }],
      files: [{ path: 'model.json', bytes: Buffer.from('{"zombie":true}') }],
    };
    const results = new Queue(resultsQueueName(host.lab.hostId), { connection: { host: '127.0.0.1', port: redis.port, username: 'drmm', password: redis.password }, prefix: address.prefix });
    try {
      await results.add('result', { v: 1, runId: run.id, cellJobId: jobId, attempt: payload.attempt, sealed: sealValue(key, 'result', jobId, payload) }, { jobId: resultJobId(run.id), removeOnComplete: true });
      await until('the duplicate to be processed', async () => host.logs.some((l) => l.includes(`run #${run.id}`) && /duplicate result/.test(l)));
    } finally {
      await results.close();
    }
    expect(host.store.getRunResult(run.id)).toEqual(before.result);
    expect(host.store.listArtifacts(run.id)).toEqual(before.artifacts);
    expect(host.store.getRunEpochs(run.id)).toEqual(before.epochs);
    expect(host.store.getRun(run.id).workerHost).toBe('worker-1');
    expect(readFileSync(path.join(host.dir, before.artifacts[0].path), 'utf8')).not.toContain('zombie');
  });

  it('cancel withdraws a waiting cell and stops a running one', async () => {
    const running = host.queue.enqueue({ datasetId: host.datasetId, config: slow, remote: host.lab });
    const waiting = host.queue.enqueue({ datasetId: host.datasetId, config: slow, remote: host.lab });
    await until('the first cell to run', () => host.store.getRun(running.id).status === 'running');
    const w = await host.queue.cancel(waiting.id);
    expect(w.status).toBe('cancelled');
    expect(host.store.getRun(waiting.id).workerHost).toBeNull();
    const cancelled = w1.stats.cancelled;
    const r = await host.queue.cancel(running.id);
    expect(r.status).toBe('cancelled');
    expect(r.error).toBe('Cancelled by the user.');
    await until('the worker to stop it', () => w1.stats.cancelled === cancelled + 1, 20_000);
  });

  it('results wait in the queue while the host is away; a host that comes back collects them', async () => {
    const run = host.queue.enqueue({ datasetId: host.datasetId, config: { ...slow, diagnostic: { epochs: 3, stepsPerEpoch: 10, stepMs: 100 } }, remote: host.lab });
    await until('the cell to run', () => host.store.getRun(run.id).status === 'running');
    const succeeded = w1.stats.succeeded;
    await host.close(); // the host goes away; the cell goes on
    await until('the worker to finish it', () => w1.stats.succeeded === succeeded + 1, 60_000);
    host = await openHost(host.dir, key, host.datasetId);
    expect(host.store.getRun(run.id).status).toBe('running'); // not "interrupted": it is in the lab queue
    // The reopened host adopts the run (a loaded machine may need a moment before the store answers: poll).
    let resumed: number[] = [];
    await until('the host to adopt the run', () => (resumed = resumed.length ? resumed : host.lab.resumeAll()).length > 0 || host.queue.follows(run.id), 20_000);
    expect(host.queue.follows(run.id) || resumed.includes(run.id)).toBe(true);
    const back = await host.queue.waitFor(run.id);
    expect(back.status, back.error ?? '').toBe('succeeded');
    expect(back.workerHost).toBe('worker-1');
    expect(host.store.getRunEpochs(run.id).map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(host.store.integrityCheck()).toBe('ok');
  });

  it('a worker without the key refuses the cell with a clear reason and sees no data; Redis holds no feature value', async () => {
    await w1.close();
    const intruder = await startWorker('intruder', generateLabKey());
    const run = await host.queue.waitFor(host.queue.enqueue({ datasetId: host.datasetId, config: quick(), remote: host.lab }).id);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/Lab worker intruder could not open this cell: this worker holds lab key [0-9a-f]{16}, but the cell was sealed with key [0-9a-f]{16}/);
    expect(intruder.stats.rejected).toBe(1);
    expect(intruder.stats.datasetsFetched).toBe(0);

    const stored = await everyStoredByte();
    expect(stored.length).toBeGreaterThan(datasetBytes().length); // the dataset is in there, sealed
    const f32 = Buffer.from(new Float32Array([KNOWN_F32]).buffer);
    expect(datasetBytes().includes(f32)).toBe(true); // the probe would find it in clear
    expect(stored.includes(f32)).toBe(false);
    expect(stored.includes(Buffer.from(String(KNOWN)))).toBe(false);
    expect(stored.includes(Buffer.from(KNOWN_F32.toFixed(5)))).toBe(false);
  });
});

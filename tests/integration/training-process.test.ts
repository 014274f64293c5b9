/**
 * The separate training process with real processes and real SQLite files: crash (kill -9),
 * cancel (graceful and forced), failures, reads while training, dataset cache reuse.
 * Job body: see job-under-test.ts (DRMM_TEST_JOB=experiment for the real training path).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobQueue, type QueueEvent } from '../../core/jobs/queue';
import { Store } from '../../core/store/store';
import { datasetCacheBytes, fastConfig, isDiagnostic, JOB, slowConfig } from './job-under-test';

let dir: string;
let store: Store;
let queue: JobQueue | undefined;
const FILE = { path: 'data.csv', sha256: 'c'.repeat(64), bytes: 1234 };

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'drmm-proc-'));
  store = Store.open(dir);
});

afterEach(async () => {
  await queue?.shutdown();
  queue = undefined;
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function importDataset(): Promise<number> {
  const cache = await datasetCacheBytes();
  return store.importDataset({ name: 'synthetic', spec: { test: true }, files: [FILE], cache }).dataset.id;
}

function nextEvent(q: JobQueue, pred: (e: QueueEvent) => boolean, timeoutMs = 60_000): Promise<QueueEvent> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { off(); reject(new Error('timed out waiting for a queue event')); }, timeoutMs);
    const off = q.on((e) => { if (pred(e)) { clearTimeout(t); off(); resolve(e); } });
  });
}

describe(`training process (${JOB} job)`, () => {
  it('kill -9 mid-epoch fails only that run, with the signal; the store stays sound and the next run completes', async () => {
    const datasetId = await importDataset();
    queue = new JobQueue({ store, job: JOB });
    const victim = queue.enqueue({ datasetId, config: slowConfig(6, 6), name: 'victim' });
    const next = queue.enqueue({ datasetId, config: fastConfig(), name: 'next' });
    // Mid-epoch: after the first epoch is stored, at a progress event inside epoch 2.
    await nextEvent(queue, (e) => e.type === 'epoch' && e.runId === victim.id);
    await nextEvent(queue, (e) => e.type === 'progress' && e.runId === victim.id && e.progress.epoch >= 2 && e.progress.step >= 1);
    const pid = queue.workerPid(victim.id)!;
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');

    const failed = await queue.waitFor(victim.id);
    expect(failed.status).toBe('failed');
    expect(failed.exitSignal).toBe('SIGKILL');
    expect(failed.exitCode).toBeNull();
    expect(failed.error).toMatch(/killed by signal SIGKILL/);
    expect(failed.lastMessage).toMatch(/progress|epoch/);
    expect(failed.finishedAt).not.toBeNull();
    expect(store.getRunEpochs(victim.id).length).toBeGreaterThanOrEqual(1); // partial history kept
    expect(store.getRunResult(victim.id)).toBeUndefined();
    expect(store.integrityCheck()).toBe('ok');

    const ok = await queue.waitFor(next.id);
    expect(ok.status).toBe('succeeded');
    expect(store.getRunResult(next.id)?.results).toBeTruthy();
    expect(store.integrityCheck()).toBe('ok');
  });

  it('cancel stops a running run gracefully; a queued run is cancelled before it starts', async () => {
    const datasetId = await importDataset();
    queue = new JobQueue({ store, job: JOB, cancelTimeoutMs: 20_000 });
    const running = queue.enqueue({ datasetId, config: slowConfig(20, 10) });
    const waiting = queue.enqueue({ datasetId, config: fastConfig() });
    await nextEvent(queue, (e) => e.type === 'progress' && e.runId === running.id && e.progress.epoch >= 1 && e.progress.step >= 1);

    const qc = await queue.cancel(waiting.id);
    expect(qc.status).toBe('cancelled');
    expect(qc.startedAt).toBeNull();

    const t0 = Date.now();
    const c = await queue.cancel(running.id);
    expect(c.status).toBe('cancelled');
    expect(c.exitSignal).toBeNull(); // it stopped by itself, not by the kill
    expect(c.exitCode).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(store.getRunResult(running.id)).toBeUndefined();
    await queue.whenIdle();
    expect(store.getRun(waiting.id).status).toBe('cancelled');
  });

  // The next two need a worker that misbehaves on purpose (ignores cancel, exits mid-run with a
  // code): the diagnostic job has those switches, whatever job the rest of the file drives.
  it('a run that ignores cancel is killed after the timeout and marked cancelled', async () => {
    const datasetId = await importDataset();
    queue = new JobQueue({ store, job: 'diagnostic', cancelTimeoutMs: 400 });
    const run = queue.enqueue({ datasetId, config: { method: 'erm', diagnostic: { epochs: 50, stepsPerEpoch: 10, stepMs: 20, ignoreCancel: true } } });
    await nextEvent(queue, (e) => e.type === 'progress' && e.runId === run.id && e.progress.step >= 1);
    const c = await queue.cancel(run.id);
    expect(c.status).toBe('cancelled');
    expect(c.exitSignal).toBe('SIGKILL');
    expect(c.error).toMatch(/did not stop within 400 ms/);
  });

  it('a crash with an exit code and a thrown error both fail their run with the reason', async () => {
    const datasetId = await importDataset();
    queue = new JobQueue({ store, job: 'diagnostic' });
    const crash = queue.enqueue({ datasetId, config: { method: 'erm', diagnostic: { epochs: 3, stepsPerEpoch: 2, stepMs: 5, crashAtEpoch: 2 } } });
    const thrown = queue.enqueue({ datasetId, config: { method: 'erm', diagnostic: { epochs: 3, stepsPerEpoch: 2, stepMs: 5, failAtEpoch: 1 } } });
    const a = await queue.waitFor(crash.id);
    expect(a.status).toBe('failed');
    expect(a.exitCode).toBe(70);
    expect(a.error).toMatch(/exited with code 70 \(last message: epoch 1 finished\)/);
    const b = await queue.waitFor(thrown.id);
    expect(b.status).toBe('failed');
    expect(b.error).toMatch(/diagnostic failure at epoch 1\nWhat to do: This is the diagnostic job\./);
  });

  it('starts the next run in a process launched ahead while the current one trains', async () => {
    const datasetId = await importDataset();
    queue = new JobQueue({ store, job: JOB });
    const first = queue.enqueue({ datasetId, config: slowConfig(2, 4) });
    const second = queue.enqueue({ datasetId, config: fastConfig() });
    const a = await queue.waitFor(first.id);
    const b = await queue.waitFor(second.id);
    expect([a.status, b.status]).toEqual(['succeeded', 'succeeded']);
    expect(a.timings?.prelaunched).toBe(0);
    expect(b.timings?.prelaunched).toBe(1);
    expect(b.timings!.startupMs).toBeLessThan(50); // the process was ready before its run began
    expect(b.workerPid).not.toBe(a.workerPid);
  });

  it('keeps a prepared process waiting when asked (keepWarm): a run starts without start-up cost', async () => {
    const datasetId = await importDataset();
    queue = new JobQueue({ store, job: JOB, keepWarm: true });
    await queue.warmUp();
    const t0 = performance.now();
    const run = queue.enqueue({ datasetId, config: fastConfig() });
    const done = await queue.waitFor(run.id);
    expect(done.status).toBe('succeeded');
    expect(done.timings).toMatchObject({ prelaunched: 1 });
    expect(done.timings!.startupMs).toBeLessThan(50);
    expect(performance.now() - t0).toBeLessThan(done.timings!.processMs + 1000);
  });

  it('leaves runs of another live host alone: no interrupt, and wait/cancel answer CONFLICT', async () => {
    const datasetId = await importDataset();
    const other = store.createRun({ datasetId, config: fastConfig(), status: 'running', hostPid: process.ppid });
    queue = new JobQueue({ store, job: JOB });
    expect(queue.interruptedOnStartup).toEqual([]);
    await expect(queue.waitFor(other.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(queue.cancel(other.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(store.getRun(other.id).status).toBe('running');
    store.finishRun(other.id, { status: 'succeeded' });
    expect((await queue.waitFor(other.id)).status).toBe('succeeded');
  });

  it('the history reads from other connections while a run trains and writes', async () => {
    const datasetId = await importDataset();
    queue = new JobQueue({ store, job: JOB, progressIntervalMs: 10 });
    const run = queue.enqueue({ datasetId, config: slowConfig(3, 6), tags: ['live'] });
    const reader = Store.open(dir); // a second read-write connection (e.g. the CLI)
    const readonly = Store.open(dir, { readonly: true });
    let reads = 0;
    let maxEpochsSeen = 0;
    const errors: unknown[] = [];
    const timer = setInterval(() => {
      try {
        const listed = reader.listRuns({ tag: 'live' });
        expect(listed.map((r) => r.id)).toEqual([run.id]);
        maxEpochsSeen = Math.max(maxEpochsSeen, readonly.getRunEpochs(run.id).length);
        readonly.getRun(run.id);
        reads++;
      } catch (e) {
        errors.push(e);
      }
    }, 5);
    const events: { type: string; t: number }[] = [];
    queue.on((e) => { if ('runId' in e && e.runId === run.id) events.push({ type: e.type, t: performance.now() }); });
    const done = await queue.waitFor(run.id);
    clearInterval(timer);
    reader.close();
    readonly.close();
    expect(errors).toEqual([]);
    expect(done.status).toBe('succeeded');
    expect(reads).toBeGreaterThan(20);
    expect(maxEpochsSeen).toBeGreaterThanOrEqual(2); // epochs became visible while it trained
    expect(store.getRunEpochs(run.id).length).toBe(isDiagnostic ? 6 : store.getRunEpochs(run.id).length);
    // Progress to listeners is throttled: never two closer than the interval (10 ms here), except
    // the early flush of the last progress right before an epoch.
    const progress = events.map((e, i) => ({ ...e, i })).filter((e) => e.type === 'progress');
    expect(progress.length).toBeGreaterThan(3);
    for (let k = 1; k < progress.length; k++) {
      if (events[progress[k].i + 1]?.type === 'epoch') continue;
      expect(progress[k].t - progress[k - 1].t).toBeGreaterThanOrEqual(9);
    }
  });

  it('the second run of a dataset reuses its parsed-data cache (no re-parse, same file)', async () => {
    const bytes = await datasetCacheBytes();
    // An import hands its freshly parsed bytes to the store, which keeps the existing file when they are the same.
    let parses = 0;
    const parse = () => { parses++; return bytes; };
    const first = store.importDataset({ name: 'synthetic', spec: { test: true }, files: [FILE], cache: parse });
    const again = store.importDataset({ name: 'synthetic', spec: { test: true }, files: [FILE], cache: parse });
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.dataset.id).toBe(first.dataset.id);
    expect(parses).toBe(2);
    const cacheFile = store.datasetCachePath(first.dataset.id);
    const before = statSync(cacheFile);

    queue = new JobQueue({ store, job: JOB });
    const r1 = queue.enqueue({ datasetId: first.dataset.id, config: fastConfig() });
    const r2 = queue.enqueue({ datasetId: first.dataset.id, config: fastConfig() });
    expect((await queue.waitFor(r1.id)).status).toBe('succeeded');
    expect((await queue.waitFor(r2.id)).status).toBe('succeeded');

    expect(parses).toBe(2); // the runs parsed nothing
    const after = statSync(cacheFile);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(after.ino).toBe(before.ino);
    // One parsed-data file (beside it, the folders of the per-split caches: reference rows, the evaluation radius's γ).
    expect(readdirSync(path.join(dir, 'cache')).filter((f) => f.endsWith('.bin'))).toEqual([path.basename(cacheFile)]);
    if (isDiagnostic) {
      const sha = createHash('sha256').update(bytes).digest('hex');
      for (const id of [r1.id, r2.id]) expect((store.getRunResult(id)!.results as { cacheSha256: string }).cacheSha256).toBe(sha);
    }
  });
});

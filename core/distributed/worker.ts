/**
 * A lab worker (`drmm worker`): takes cells from the lab queue's BullMQ queue `cells`, trains and
 * evaluates each in a training process of its own — the very process a host starts locally
 * (core/jobs/worker.ts running core/jobs/experiment-job.ts, so the same core and engine) — and sends
 * back the epochs, the evaluation, the results and the model files, sealed for the host. It has no
 * history of its own: the host records everything.
 *
 *   take a cell ─► key id matches? ─no─► reject: a clear reason to the host, no data (the cell fails)
 *                  │ yes
 *                  ▼
 *      open the sealed config ─► dataset by hash (local copy checked, else fetched once and checked)
 *                  ▼
 *      training process: start ─► progress/epochs (sealed live events, ≤ 1/s) ─► done/failed/cancelled
 *                  ▼
 *      result (sealed: messages + artifact files) ─► BullMQ queue `results-<host id>`, job `r-<run id>`
 *
 * Faults: BullMQ holds a lock on each cell while it runs (renewed every stall/2 s); a worker killed
 * mid-cell stops renewing it and after the stall timeout another worker's check puts the cell back in
 * the queue (at least once; the host ignores a second result). The host's cancel flag is read every
 * second while a cell runs.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { DrmmError } from '../errors';
import { threadsPerRun } from '../jobs/queue';
import { JOBS } from '../jobs/jobs';
import { ChildProcessLauncher, type Launcher, type WorkerHandle } from '../jobs/launcher';
import { errorPayload, parseWorkerMessage, type PrepareData, type WorkerMessageInput } from '../jobs/protocol';
import { appVersion as currentAppVersion } from '../version';
import { WorkerDatasets } from './dataset-store';
import { openBytes, openValue, sealValue, type LabKey } from './envelope';
import {
  cancelKey, CELLS_QUEUE, cellJobId, CellJobDataSchema, DATA_TTL_SECONDS, keyCheckKey, KEY_CHECK_TEXT, resultJobId, resultsQueueName,
  type CellConfig, type ResultJobData, type ResultPayload, type WorkerIdentity,
} from './layout';
import type { LabQueueAddress } from './queue-url';
import { bullConnection, describeRedisError, openRedis, probeRedis } from './redis';

export interface LabWorkerOptions {
  address: LabQueueAddress;
  key: LabKey;
  /** Datasets (`datasets/`), caches the job keeps (`cache/`) and each cell's files while it runs (`runs/`). */
  dir: string;
  /** Recorded with every run it trains (default: the host name). */
  name?: string;
  /** Cells trained at the same time (default 1). */
  concurrency?: number;
  /** A cell whose worker stops answering for this long goes back to the queue (default 30 s). */
  stallSeconds?: number;
  /** How often a cell may go back to the queue that way before it fails (default 2). */
  maxStalls?: number;
  launcher?: Launcher;
  /** Keep one training process started ahead, so a cell does not wait for TF.js to load (default true). */
  warm?: boolean;
  cancelPollMs?: number;
  liveIntervalMs?: number;
  log?: (line: string) => void;
  appVersion?: string;
}

export interface LabWorkerStats { taken: number; succeeded: number; failed: number; cancelled: number; rejected: number; datasetsFetched: number }

export class LabWorker {
  readonly name: string;
  readonly stats: LabWorkerStats = { taken: 0, succeeded: 0, failed: 0, cancelled: 0, rejected: 0, datasetsFetched: 0 };
  private readonly opts: Required<Pick<LabWorkerOptions, 'concurrency' | 'stallSeconds' | 'maxStalls' | 'cancelPollMs' | 'liveIntervalMs'>> & LabWorkerOptions;
  private readonly log: (line: string) => void;
  private readonly client: Redis;
  private readonly datasets: WorkerDatasets;
  private readonly pool: ProcessPool;
  private readonly results = new Map<string, Queue>();
  private readonly running = new Set<WorkerHandle>();
  private readonly identity: WorkerIdentity;
  private worker?: Worker;
  private forced = false;

  private constructor(opts: LabWorkerOptions) {
    this.opts = { concurrency: 1, stallSeconds: 30, maxStalls: 2, cancelPollMs: 1000, liveIntervalMs: 1000, ...opts };
    this.name = opts.name ?? os.hostname();
    this.log = opts.log ?? ((line) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`));
    mkdirSync(opts.dir, { recursive: true });
    this.client = openRedis(opts.address, 'client');
    this.datasets = new WorkerDatasets(path.join(opts.dir, 'datasets'), this.client, opts.key, opts.address.prefix);
    this.pool = new ProcessPool(opts.launcher ?? new ChildProcessLauncher(), opts.warm ?? true);
    this.identity = { host: this.name, pid: process.pid, appVersion: opts.appVersion ?? currentAppVersion(), node: process.version, platform: `${process.platform}-${process.arch}` };
  }

  /** Connects (a clear error when it cannot), says which hosts use this worker's key, and starts taking cells. */
  static async start(opts: LabWorkerOptions): Promise<LabWorker> {
    const probe = await probeRedis(opts.address);
    if (!probe.ok) throw new DrmmError('CONFLICT', probe.message, { hint: 'Check the queue URL (host, port, ACL user and password, rediss:// for TLS).' });
    const w = new LabWorker(opts);
    w.log(`${probe.message}`);
    await w.reportKeyCheck();
    const o = w.opts;
    w.worker = new Worker(CELLS_QUEUE, (job, token) => w.process(job, token), {
      connection: bullConnection(opts.address, 'blocking'), prefix: opts.address.prefix, name: w.name, concurrency: o.concurrency,
      lockDuration: o.stallSeconds * 1000, stalledInterval: o.stallSeconds * 1000, maxStalledCount: o.maxStalls, autorun: true,
    });
    w.worker.on('error', (e) => w.log(`queue connection: ${describeRedisError(e)}`));
    await w.worker.waitUntilReady();
    w.log(`lab worker '${w.name}' takes cells from ${opts.address.label} (${o.concurrency} at a time; a silent worker's cell goes back after ${o.stallSeconds} s).`);
    return w;
  }

  /** Stops taking cells. Graceful: running cells finish and send their results. Forced: their processes stop now (the cells go back to the queue after the stall timeout). */
  async close(force = false): Promise<void> {
    if (force) {
      this.forced = true;
      for (const h of this.running) h.kill('SIGKILL');
    }
    await this.worker?.close(force).catch(() => undefined);
    this.pool.close();
    await Promise.allSettled([...this.results.values()].map((q) => q.close()));
    this.client.disconnect();
  }

  // ─────────────────────────────── internals ───────────────────────────────

  /** Which hosts of this lab queue sealed their key check with our key (information for the person starting the worker). */
  private async reportKeyCheck(): Promise<void> {
    try {
      const prefix = this.opts.address.prefix;
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await this.client.scan(cursor, 'MATCH', keyCheckKey(prefix, '*'), 'COUNT', 200);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0' && keys.length < 1000);
      let matching = 0;
      for (const k of keys) {
        const hostId = k.slice(k.lastIndexOf(':') + 1);
        const v = await this.client.getBuffer(k);
        try { if (v && openBytes(this.opts.key, 'check', hostId, v).toString() === KEY_CHECK_TEXT) matching++; } catch { /* another host's key */ }
      }
      this.log(keys.length === 0 ? `no host has used this lab queue yet; this worker's key is ${this.opts.key.id}.`
        : `${matching} of the ${keys.length} host(s) that used this lab queue seal their cells with this worker's key (${this.opts.key.id})${matching === 0 ? ' — cells of the others will be refused' : ''}.`);
    } catch { /* information only */ }
  }

  private resultsFor(hostId: string): Queue {
    let q = this.results.get(hostId);
    if (!q) {
      q = new Queue(resultsQueueName(hostId), { connection: bullConnection(this.opts.address, 'client'), prefix: this.opts.address.prefix });
      q.on('error', () => undefined);
      this.results.set(hostId, q);
    }
    return q;
  }

  /** A result into the host's results queue (retried while the server is away). */
  private async post(hostId: string, data: ResultJobData): Promise<void> {
    const q = this.resultsFor(hostId);
    for (let i = 0; ; i++) {
      try {
        await q.add('result', data, { jobId: resultJobId(data.runId), removeOnComplete: true, removeOnFail: { age: DATA_TTL_SECONDS } });
        return;
      } catch (e) {
        if (this.forced || i >= 60) throw e;
        if (i === 0) this.log(`could not send the result of run ${data.runId} yet (${describeRedisError(e)}); trying again.`);
        await sleep(Math.min(500 * 2 ** i, 10_000));
      }
    }
  }

  private async cancelRequested(jobId: string): Promise<boolean> {
    try { return (await this.client.exists(cancelKey(this.opts.address.prefix, jobId))) === 1; } catch { return false; }
  }

  private async process(job: Job, _token?: string): Promise<string> {
    const parsed = CellJobDataSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`Not a DRMM cell: ${z.prettifyError(parsed.error).slice(0, 300)}`);
    const d = parsed.data;
    const jobId = job.id ?? '';
    if (jobId !== cellJobId(d.hostId, d.runId)) throw new UnrecoverableError(`The job id ${jobId} does not match its cell (run ${d.runId} of host ${d.hostId}).`);
    this.stats.taken++;
    const attempt = `${this.name}#${process.pid}#${job.attemptsStarted}#${randomBytes(3).toString('hex')}`;
    const reject = async (reason: string) => {
      this.stats.rejected++;
      this.log(`run ${d.runId} (host ${d.hostId}): refused — ${reason}`);
      await this.post(d.hostId, { v: 1, runId: d.runId, cellJobId: jobId, attempt, rejected: { reason, workerHost: this.name } }).catch(() => undefined);
      return new UnrecoverableError(reason);
    };
    if (d.keyId !== this.opts.key.id) {
      throw await reject(`this worker holds lab key ${this.opts.key.id}, but the cell was sealed with key ${d.keyId}. Give the worker the host's key file (drmm worker --key-file FILE).`);
    }
    let cell: CellConfig;
    try {
      cell = openValue<CellConfig>(this.opts.key, 'config', jobId, d.sealed);
    } catch (e) {
      throw await reject((e as Error).message);
    }
    if (cell.runId !== d.runId) throw await reject('the sealed cell names another run than its job.');
    if (!JOBS[cell.job]) throw await reject(`job body '${cell.job}' is not one a lab worker runs (${Object.keys(JOBS).join(', ')}).`);

    const t0 = performance.now();
    this.log(`run ${d.runId} (host ${d.hostId}, ${String(cell.config.method ?? '?')}, seed ${String(cell.config.seed ?? '?')}): taken (attempt ${job.attemptsStarted}).`);
    const live = new LiveChannel(job, this.opts.key, jobId, attempt, this.opts.liveIntervalMs);
    const ready: WorkerMessageInput = { type: 'ready', pid: process.pid, host: this.name };
    const record: WorkerMessageInput[] = [ready];
    live.push(ready);
    let final: WorkerMessageInput;
    let files: ResultPayload['files'] = [];
    try {
      if (await this.cancelRequested(jobId)) {
        final = { type: 'cancelled', runId: d.runId };
      } else {
        const ds = await this.datasets.get(d.hostId, d.dataset);
        if (ds.how !== 'hit') { this.stats.datasetsFetched++; this.log(`dataset ${d.dataset.sha256.slice(0, 12)}… ${ds.how === 'refetched' ? 'was damaged here; fetched again' : 'fetched'} (${d.dataset.bytes} bytes, ${ds.ms.toFixed(0)} ms), hash checked.`); }
        const out = await this.train(jobId, cell, ds.file, live, record, { labDatasetMs: ds.ms });
        final = out.final;
        files = out.files;
      }
    } catch (e) {
      const p = errorPayload(e);
      final = { type: 'failed', runId: d.runId, error: { ...p, message: `On lab worker ${this.name}: ${p.message}` } };
    }
    live.close();
    // The worker's own share of the cell (taken → outcome): the rest of the host's labMs is the queue's.
    if (final.type === 'done') final = { ...final, timings: { ...(final.timings ?? {}), labCellMs: performance.now() - t0 } };
    record.push(final);
    const payload: ResultPayload = { attempt, worker: this.identity, messages: record as Record<string, unknown>[], files };
    await this.post(d.hostId, { v: 1, runId: d.runId, cellJobId: jobId, attempt, sealed: sealValue(this.opts.key, 'result', jobId, payload) });
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    if (final.type === 'done') this.stats.succeeded++;
    else if (final.type === 'cancelled') this.stats.cancelled++;
    else this.stats.failed++;
    this.log(`run ${d.runId} (host ${d.hostId}): ${final.type === 'done' ? 'succeeded' : final.type}${final.type === 'failed' ? ` — ${final.error.message.split('\n')[0]}` : ''} in ${secs} s; result sent.`);
    return final.type;
  }

  /** One cell in a training process: its messages recorded and relayed; the artifact files read back. */
  private async train(
    jobId: string, cell: CellConfig, cacheFile: string, live: LiveChannel, record: WorkerMessageInput[], timings: Record<string, number>,
  ): Promise<{ final: WorkerMessageInput; files: ResultPayload['files'] }> {
    const tTake = performance.now();
    // The next cell is most often of the same experiment and dataset: the process started ahead prepares for this one's.
    this.pool.expect({ job: cell.job, config: cell.config, data: { dataDir: this.opts.dir, datasetId: cell.datasetId, cacheFile, precompute: false } });
    const handle = await this.pool.take();
    const startWaitMs = performance.now() - tTake;
    this.running.add(handle);
    const artifactDir = path.join(this.opts.dir, 'runs', `${jobId}-${randomBytes(3).toString('hex')}`);
    mkdirSync(artifactDir, { recursive: true });
    const runId = cell.runId;
    return new Promise((resolve) => {
      let final: WorkerMessageInput | undefined;
      let cancelSent = false;
      let killTimer: ReturnType<typeof setTimeout> | undefined;
      const poll = setInterval(() => {
        if (cancelSent) return;
        void this.cancelRequested(jobId).then((yes) => {
          if (!yes || cancelSent) return;
          cancelSent = true;
          this.log(`run ${runId}: the host cancelled it; stopping.`);
          handle.send({ type: 'cancel', reason: 'Cancelled by the host.' });
          killTimer = setTimeout(() => handle.kill('SIGKILL'), 10_000);
        });
      }, this.opts.cancelPollMs);
      handle.onMessage((raw) => {
        const p = parseWorkerMessage(raw);
        if (!p.ok) return;
        const m = p.message;
        switch (m.type) {
          case 'ready': case 'prepared': return;
          case 'progress': live.push(m); return;
          case 'environment': case 'epoch': case 'log': record.push(m); live.push(m); return;
          case 'done': final = { ...m, timings: { ...(m.timings ?? {}), ...timings, labStartWaitMs: startWaitMs } }; return;
          case 'failed': final = { ...m, error: { ...m.error, message: `On lab worker ${this.name}: ${m.error.message}` } }; return;
          case 'cancelled': final = m; return;
        }
      });
      handle.onExit((exit) => {
        clearInterval(poll);
        if (killTimer) clearTimeout(killTimer);
        this.running.delete(handle);
        let files: ResultPayload['files'] = [];
        if (!final) {
          const how = exit.signal ? `was killed by signal ${exit.signal}` : `exited with code ${exit.code}`;
          const tail = (handle.stderrTail?.() ?? '').trim().split('\n').slice(-3).join('\n');
          final = cancelSent ? { type: 'cancelled', runId } : { type: 'failed', runId, error: { message: `The training process on lab worker ${this.name} ${how}.${tail ? `\n${tail}` : ''}` } };
        } else if (final.type === 'done') {
          try {
            const collected = collectArtifacts(artifactDir, final.artifacts ?? []);
            files = collected.files;
            final = { ...final, artifacts: collected.refs };
          } catch (e) {
            final = { type: 'failed', runId, error: { message: `On lab worker ${this.name}: the run's files could not be read (${(e as Error).message}).` } };
          }
        }
        rmSync(artifactDir, { recursive: true, force: true });
        resolve({ final, files });
      });
      handle.send({ type: 'start', runId, dataDir: this.opts.dir, datasetId: cell.datasetId, cacheFile, config: cell.config, artifactDir, job: cell.job, threads: threadsPerRun(this.opts.concurrency) });
    });
  }
}

/** The files under each artifact (a file or a folder), relative to the artifact folder; the refs relative too. */
export function collectArtifacts(dir: string, artifacts: { kind: string; path: string }[]): { refs: { kind: string; path: string }[]; files: ResultPayload['files'] } {
  const files: ResultPayload['files'] = [];
  const refs: { kind: string; path: string }[] = [];
  const inside = (abs: string) => {
    const rel = path.relative(dir, abs);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`artifact ${abs} is outside the run folder`);
    return rel;
  };
  const walk = (abs: string) => {
    const st = statSync(abs);
    if (st.isDirectory()) { for (const e of readdirSync(abs).sort()) walk(path.join(abs, e)); return; }
    if (st.isFile()) files.push({ path: inside(abs).split(path.sep).join('/'), bytes: readFileSync(abs) });
  };
  for (const a of artifacts) {
    const abs = path.resolve(dir, a.path);
    refs.push({ kind: a.kind, path: inside(abs).split(path.sep).join('/') });
    walk(abs);
  }
  return { refs, files };
}

/** Live events of one cell to the host (job.updateProgress), sealed, at most one every `intervalMs` (the newest progress only). */
class LiveChannel {
  private readonly queue: WorkerMessageInput[] = [];
  private progress?: WorkerMessageInput;
  private timer?: ReturnType<typeof setTimeout>;
  private last = -Infinity;
  private closed = false;
  private sending: Promise<void> = Promise.resolve();

  constructor(private readonly job: Job, private readonly key: LabKey, private readonly jobId: string, private readonly attempt: string, private readonly intervalMs: number) {}

  push(m: WorkerMessageInput): void {
    if (this.closed) return;
    if (m.type === 'progress') this.progress = m;
    else this.queue.push(m);
    if (this.timer) return;
    const wait = m.type === 'ready' ? 0 : Math.max(0, this.last + this.intervalMs - performance.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private flush(): void {
    this.timer = undefined;
    const msgs = [...this.queue.splice(0), ...(this.progress ? [this.progress] : [])];
    this.progress = undefined;
    if (msgs.length === 0 || this.closed) return;
    this.last = performance.now();
    const data = { v: 1, attempt: this.attempt, sealed: sealValue(this.key, 'event', this.jobId, msgs) };
    this.sending = this.sending.then(() => this.job.updateProgress(data)).catch(() => undefined);
  }
}

/**
 * Training processes: one started ahead, taken when a cell comes. Once a cell has been taken, the
 * process started ahead is also prepared for a cell like it (`prepare`: the job body and TF.js
 * loaded, the backend up, a short warm-up, the dataset decoded and split — as the local queue
 * prepares its next run's process, with a guess it is cheap to be wrong about: nothing is computed
 * that only that cell would use), while the current cell trains.
 */
class ProcessPool {
  private spare?: { handle: WorkerHandle; ready: Promise<boolean> };
  private closed = false;
  private next?: { job: string; config: Record<string, unknown>; data: PrepareData };

  constructor(private readonly launcher: Launcher, private readonly warm: boolean) {
    if (warm) this.spare = this.launch();
  }

  /** What a process started from now on prepares for (the cell just taken). */
  expect(next: { job: string; config: Record<string, unknown>; data: PrepareData }): void {
    this.next = next;
  }

  async take(): Promise<WorkerHandle> {
    let s = this.spare;
    this.spare = undefined;
    if (!s) s = this.launch();
    if (this.warm && !this.closed) this.spare = this.launch();
    if (!(await s.ready)) {
      s.handle.kill('SIGKILL');
      const again = this.launch();
      if (!(await again.ready)) { again.handle.kill('SIGKILL'); throw new Error('a training process did not start (no ready message within 60 s)'); }
      return again.handle;
    }
    return s.handle;
  }

  close(): void {
    this.closed = true;
    this.spare?.handle.kill('SIGKILL');
    this.spare = undefined;
  }

  private launch(): { handle: WorkerHandle; ready: Promise<boolean> } {
    const handle = this.launcher.launch();
    const ready = new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 60_000);
      handle.onMessage((raw) => {
        const p = parseWorkerMessage(raw);
        if (p.ok && p.message.type === 'ready') {
          clearTimeout(t);
          // Only a process still waiting for a cell: one taken meanwhile starts its cell at once.
          if (this.next && !this.closed && this.spare?.handle === handle) handle.send({ type: 'prepare', ...this.next });
          resolve(true);
        }
      });
      handle.onExit(() => { clearTimeout(t); resolve(false); if (this.spare?.handle === handle) this.spare = undefined; });
    });
    return { handle, ready };
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

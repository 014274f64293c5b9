/**
 * The host's side of a lab queue: sends an experiment's cells to the BullMQ queue `cells` of the
 * lab's Redis server, ships each dataset version there once (sealed, content-addressed), relays what
 * the workers report to the JobQueue — which records it exactly as for a local training process — and
 * collects the results, also those that arrived while no host was connected.
 *
 *   JobQueue ──launch(runId)──► LabRunHandle ──start──► dispatch: dataset blob (once) + cell job `c-<host>-<run>`
 *      ▲                             │                               │ (a worker on another machine)
 *      │ ready/environment/progress/epoch  ◄── QueueEvents 'progress' (sealed live events, best effort)
 *      └── … done / failed / cancelled     ◄── BullMQ worker on `results-<host>` (sealed result + artifacts; at least once)
 *
 * Idempotency: a result is keyed by its run (`r-<runId>`); a run already final in the history, or
 * whose handle has its outcome, ignores any further result (a cell run twice after its first worker
 * was presumed dead). The host is the only writer of its history: workers never see it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DelayedError, Queue, QueueEvents, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { DrmmError } from '../errors';
import { JOBS } from '../jobs/jobs';
import type { WorkerExit } from '../jobs/launcher';
import type { HostMessage, StartMessage, WorkerMessageInput } from '../jobs/protocol';
import type { JobQueue, RemoteExecutor, RemoteHandle } from '../jobs/queue';
import { isProcessAlive, type Store } from '../store/store';
import { TERMINAL_STATUSES, type RunRow } from '../store/types';
import { appVersion as currentAppVersion } from '../version';
import { openValue, sealBytes, sealValue, type LabKey } from './envelope';
import {
  cancelKey, CELLS_QUEUE, cellJobId, chunkAadId, chunkKey, CHUNK_BYTES, DATA_TTL_SECONDS, dataKey, DataManifestSchema, keyCheckKey, KEY_CHECK_TEXT,
  LiveEventSchema, parseCellJobId, resultJobId, ResultJobDataSchema, resultsQueueName, type CellConfig, type CellJobData, type DataManifest,
  type ResultJobData, type ResultPayload,
} from './layout';
import type { LabQueueAddress } from './queue-url';
import { bullConnection, describeRedisError, openRedis, probeRedis } from './redis';

export interface LabQueueOptions {
  address: LabQueueAddress;
  key: LabKey;
  /** This data directory's id in the lab (layout.ts `labHostId`). */
  hostId: string;
  store: Store;
  queue: JobQueue;
  appVersion?: string;
  /** How often the cells followed are checked against the lab queue (lost, failed there); default 15 s. */
  reconcileMs?: number;
  /** How long a cancelled cell may take to confirm (default 30 s). */
  cancelTimeoutMs?: number;
  /** Where notes go (default: stderr lines `drmm: lab queue: …`). */
  log?: (line: string) => void;
}

const JOB_OPTS = { removeOnComplete: true, removeOnFail: { age: DATA_TTL_SECONDS }, attempts: 1 } as const;

export class LabQueue implements RemoteExecutor {
  readonly label: string;
  readonly cancelTimeoutMs: number;
  readonly hostId: string;
  private readonly key: LabKey;
  private readonly address: LabQueueAddress;
  private readonly store: Store;
  private readonly queue: JobQueue;
  private readonly appVersion: string;
  private readonly log: (line: string) => void;
  private readonly client: Redis;
  private readonly cells: Queue;
  private readonly resultsQueue: Queue;
  private events?: QueueEvents;
  private results?: Worker;
  private readonly handles = new Map<number, LabRunHandle>();
  /** Dataset manifests uploaded by this process, by cache file version. */
  private readonly uploads = new Map<string, Promise<DataManifest>>();
  private reconcileTimer?: ReturnType<typeof setInterval>;
  private closed = false;

  private constructor(opts: LabQueueOptions) {
    this.address = opts.address;
    this.key = opts.key;
    this.hostId = opts.hostId;
    this.store = opts.store;
    this.queue = opts.queue;
    this.label = opts.address.label;
    this.cancelTimeoutMs = opts.cancelTimeoutMs ?? 30_000;
    this.appVersion = opts.appVersion ?? currentAppVersion();
    this.log = opts.log ?? ((line) => process.stderr.write(`drmm: lab queue: ${line}\n`));
    this.client = openRedis(opts.address, 'client');
    const connection = bullConnection(opts.address, 'client');
    this.cells = new Queue(CELLS_QUEUE, { connection, prefix: opts.address.prefix });
    this.cells.on('error', () => undefined);
    this.resultsQueue = new Queue(resultsQueueName(opts.hostId), { connection, prefix: opts.address.prefix });
    this.resultsQueue.on('error', () => undefined);
    const every = opts.reconcileMs ?? 15_000;
    this.reconcileTimer = setInterval(() => void this.reconcile(), every);
    this.reconcileTimer.unref?.();
  }

  /**
   * Connects (a clear error when the server cannot be reached or refuses the credentials), leaves the
   * key check for workers, and starts listening for live events and results.
   */
  static async connect(opts: LabQueueOptions): Promise<LabQueue> {
    const probe = await probeRedis(opts.address);
    if (!probe.ok) throw new DrmmError('CONFLICT', probe.message, { hint: 'Check the queue URL (host, port, user, password, rediss:// for TLS) and that the lab\'s Redis server runs. Settings → Lab queue → Test connection says more.' });
    const lab = new LabQueue(opts);
    try {
      await lab.client.set(keyCheckKey(opts.address.prefix, opts.hostId), sealBytes(opts.key, 'check', opts.hostId, Buffer.from(KEY_CHECK_TEXT)), 'EX', DATA_TTL_SECONDS);
      await lab.listen();
    } catch (e) {
      await lab.close();
      throw new DrmmError('CONFLICT', `The lab queue at ${opts.address.label} cannot be used: ${describeRedisError(e)}`, { hint: 'Check the queue URL and the ACL user\'s permissions.' });
    }
    return lab;
  }

  /** RemoteExecutor: one handle per run, registered for its events and results. */
  launch(runId: number): RemoteHandle {
    if (this.closed) throw new DrmmError('CONFLICT', 'The connection to the lab queue is closed.', { hint: 'Run the command again.' });
    const previous = this.handles.get(runId);
    if (previous && !previous.done) throw new DrmmError('CONFLICT', `Run #${runId} is already followed on the lab queue.`);
    const h = new LabRunHandle(this, runId);
    this.handles.set(runId, h);
    return h;
  }

  /** Follows every run this history left in a lab queue (its host gone); returns their ids. */
  resumeAll(): number[] {
    const ids = this.store.adoptLabRuns();
    return this.queue.resume(ids, this);
  }

  /** Number of cells waiting, running, and results waiting for this host. */
  async counts(): Promise<{ waiting: number; active: number; results: number }> {
    const c = await this.cells.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    const r = await this.resultsQueue.getJobCounts('waiting', 'active', 'delayed');
    return { waiting: (c.waiting ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, results: (r.waiting ?? 0) + (r.active ?? 0) + (r.delayed ?? 0) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.reconcileTimer) clearInterval(this.reconcileTimer);
    for (const h of this.handles.values()) h.detach();
    this.handles.clear();
    await Promise.allSettled([this.results?.close(), this.events?.close(), this.cells.close(), this.resultsQueue.close()]);
    this.client.disconnect();
  }

  // ─────────────────────────────── internals ───────────────────────────────

  private async listen(): Promise<void> {
    const blocking = bullConnection(this.address, 'blocking');
    this.events = new QueueEvents(CELLS_QUEUE, { connection: blocking, prefix: this.address.prefix });
    this.events.on('error', () => undefined);
    this.events.on('progress', ({ jobId, data }) => this.onLive(jobId, data));
    this.events.on('failed', ({ jobId, failedReason }) => void this.onCellFailed(jobId, failedReason));
    this.results = new Worker(resultsQueueName(this.hostId), (job, token) => this.onResult(job, token), {
      connection: blocking, prefix: this.address.prefix, concurrency: 1, lockDuration: 60_000, autorun: true,
    });
    this.results.on('error', () => undefined);
    await Promise.all([this.events.waitUntilReady(), this.results.waitUntilReady(), this.cells.waitUntilReady()]);
  }

  forget(h: LabRunHandle): void {
    if (this.handles.get(h.runId) === h) this.handles.delete(h.runId);
  }

  cellId(runId: number): string {
    return cellJobId(this.hostId, runId);
  }

  /** Puts a run's cell into the lab queue, unless it is there already (or its result is). */
  async dispatch(h: LabRunHandle, start: StartMessage): Promise<void> {
    const jobId = this.cellId(h.runId);
    const existing = await this.cells.getJob(jobId);
    if (h.done) return;
    if (existing) {
      const state = await existing.getState();
      h.dispatched = true;
      if (state === 'failed' && !(await this.resultsQueue.getJob(resultJobId(h.runId)))) h.fail(cellFailure(existing.failedReason));
      return;
    }
    if (await this.resultsQueue.getJob(resultJobId(h.runId))) { h.dispatched = true; return; } // finished there; its result is on its way
    if (h.done) return;
    if (!JOBS[start.job]) throw new DrmmError('INVALID_ARGUMENT', `Only registered job bodies run on a lab queue (${Object.keys(JOBS).join(', ')}), not '${start.job}'.`);
    const manifest = await this.uploadDataset(start.datasetId, start.cacheFile);
    if (h.done) return;
    const cell: CellConfig = { runId: h.runId, datasetId: start.datasetId, job: start.job, config: start.config };
    const data: CellJobData = {
      v: 1, hostId: this.hostId, runId: h.runId, keyId: this.key.id, appVersion: this.appVersion,
      dataset: { sha256: manifest.sha256, bytes: manifest.bytes, chunks: manifest.chunks }, sealed: sealValue(this.key, 'config', jobId, cell),
    };
    await this.cells.add('cell', data, { ...JOB_OPTS, jobId });
    h.dispatched = true;
  }

  /** Withdraws a waiting cell, or tells its worker to stop; `h` learns the outcome from the result when it ran. */
  async cancelCell(h: LabRunHandle, reason: string): Promise<void> {
    await h.dispatching?.catch(() => undefined);
    if (h.done) return;
    const jobId = this.cellId(h.runId);
    await this.client.set(cancelKey(this.address.prefix, jobId), reason.slice(0, 500), 'EX', DATA_TTL_SECONDS);
    const job = await this.cells.getJob(jobId);
    if (!job) {
      if (!h.dispatched || !(await this.resultsQueue.getJob(resultJobId(h.runId)))) h.deliverFinal({ type: 'cancelled', runId: h.runId });
      return;
    }
    const removed = await this.cells.remove(jobId).catch(() => 0);
    if (removed === 1) h.deliverFinal({ type: 'cancelled', runId: h.runId }); // it was waiting: withdrawn
    // else a worker holds it: it sees the flag within a second and reports the run cancelled
  }

  /** Stops waiting for a cell (the JobQueue gave up on it): withdrawn if still waiting, its worker told to stop. */
  withdraw(h: LabRunHandle): void {
    const jobId = this.cellId(h.runId);
    void (async () => {
      await this.client.set(cancelKey(this.address.prefix, jobId), 'withdrawn', 'EX', DATA_TTL_SECONDS);
      await this.cells.remove(jobId);
    })().catch(() => undefined);
  }

  /**
   * The dataset's bytes in the lab queue under their SHA-256, sealed in chunks (once per dataset
   * version: an upload this process made, or one found there, is reused; its expiry is renewed).
   */
  private uploadDataset(datasetId: number, cacheFile: string | undefined): Promise<DataManifest> {
    let version = `dataset ${datasetId}`;
    if (cacheFile) {
      try { const st = statSync(cacheFile); version = `${cacheFile}:${st.size}:${st.mtimeMs}`; } catch { /* the store reports it */ }
    }
    let p = this.uploads.get(version);
    if (!p) {
      p = this.upload(datasetId);
      this.uploads.set(version, p);
      p.catch(() => this.uploads.delete(version));
      return p;
    }
    return p.then(async (m) => { await this.renew(m); return m; });
  }

  private async upload(datasetId: number): Promise<DataManifest> {
    const bytes = this.store.loadDatasetCache(datasetId); // checked against its checksum
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const prefix = this.address.prefix;
    const mkey = dataKey(prefix, this.hostId, sha256);
    const chunks = Math.max(1, Math.ceil(bytes.length / CHUNK_BYTES));
    const manifest: DataManifest = { v: 1, sha256, bytes: bytes.length, chunks };
    const there = DataManifestSchema.safeParse(safeJson(await this.client.get(mkey)));
    if (there.success && there.data.bytes === bytes.length && there.data.chunks === chunks) {
      const present = await this.client.exists(...Array.from({ length: chunks }, (_, i) => chunkKey(prefix, this.hostId, sha256, i)));
      if (present === chunks) { await this.renew(manifest); return manifest; }
    }
    for (let i = 0; i < chunks; i++) {
      const part = bytes.subarray(i * CHUNK_BYTES, Math.min(bytes.length, (i + 1) * CHUNK_BYTES));
      await this.client.set(chunkKey(prefix, this.hostId, sha256, i), sealBytes(this.key, 'data', chunkAadId(this.hostId, sha256, i), part), 'EX', DATA_TTL_SECONDS);
    }
    await this.client.set(mkey, JSON.stringify(manifest), 'EX', DATA_TTL_SECONDS); // last: a manifest means every chunk is there
    this.log(`dataset ${sha256.slice(0, 12)}… (${bytes.length} bytes) sent to the lab queue, sealed, in ${chunks} chunk${chunks > 1 ? 's' : ''}.`);
    return manifest;
  }

  private async renew(m: DataManifest): Promise<void> {
    const prefix = this.address.prefix;
    const pipe = this.client.pipeline().expire(dataKey(prefix, this.hostId, m.sha256), DATA_TTL_SECONDS);
    for (let i = 0; i < m.chunks; i++) pipe.expire(chunkKey(prefix, this.hostId, m.sha256, i), DATA_TTL_SECONDS);
    await pipe.exec();
  }

  private onLive(jobId: string, data: unknown): void {
    const id = parseCellJobId(jobId);
    if (!id || id.hostId !== this.hostId) return;
    const h = this.handles.get(id.runId);
    if (!h || h.done) return;
    const ev = LiveEventSchema.safeParse(data);
    if (!ev.success) return;
    let messages: unknown;
    try {
      messages = openValue(this.key, 'event', jobId, ev.data.sealed);
    } catch {
      return; // not ours, or damaged: live events are best effort, the result is what counts
    }
    if (Array.isArray(messages)) h.onLive(ev.data.attempt, messages as WorkerMessageInput[]);
  }

  private async onCellFailed(jobId: string, failedReason: string): Promise<void> {
    const id = parseCellJobId(jobId);
    if (!id || id.hostId !== this.hostId) return;
    const h = this.handles.get(id.runId);
    if (!h || h.done) return;
    // A worker that could not open the cell also sends its reason as a result: let that one speak.
    await delay(1500);
    if (h.done) return;
    if (await this.resultsQueue.getJob(resultJobId(id.runId)).catch(() => undefined)) return;
    h.fail(cellFailure(failedReason));
  }

  /** One result from a worker: recorded through the run's handle (adopting the run when no one follows it). */
  private async onResult(job: Job, token: string | undefined): Promise<string> {
    const parsed = ResultJobDataSchema.safeParse(job.data);
    if (!parsed.success) { this.log(`ignored a result that is not DRMM's (${job.id}).`); return 'invalid'; }
    const d = parsed.data;
    if (d.cellJobId !== this.cellId(d.runId)) { this.log(`ignored a result for ${d.cellJobId} sent to this host's results.`); return 'invalid'; }
    let h = this.handles.get(d.runId);
    if (!h || h.done) {
      const run = safeRun(this.store, d.runId);
      if (!run || TERMINAL_STATUSES.includes(run.status) || !run.labQueue) {
        this.log(`run #${d.runId}: ${run ? `already ${run.status}` : 'no longer in the history'}; a duplicate result (attempt ${d.attempt}) was ignored.`);
        return 'duplicate';
      }
      if (run.hostPid !== null && run.hostPid !== process.pid && isProcessAlive(run.hostPid)) {
        // Another host process of this history follows it (the app while the CLI runs): its turn.
        await job.moveToDelayed(Date.now() + 5000, token);
        throw new DelayedError();
      }
      this.store.adoptLabRuns({ ids: [d.runId] });
      this.queue.resume([d.runId], this);
      h = this.handles.get(d.runId);
      if (!h) return 'ignored';
    }
    await h.deliverResult(d);
    return 'recorded';
  }

  /** Opens a result and turns it into the run's messages (artifact files written first, under the run's folder). */
  openResult(h: LabRunHandle, d: ResultJobData): { messages: WorkerMessageInput[]; attempt: string; host: string; pid: number } {
    if (d.rejected) {
      return {
        attempt: d.attempt, host: d.rejected.workerHost, pid: 0,
        messages: [{ type: 'failed', runId: h.runId, error: { code: 'LAB_KEY', message: `Lab worker ${d.rejected.workerHost} could not open this cell: ${d.rejected.reason}` } }],
      };
    }
    const payload = openValue<ResultPayload>(this.key, 'result', d.cellJobId, d.sealed!);
    const dir = h.start?.artifactDir ?? this.store.runDir(h.runId);
    for (const f of payload.files ?? []) {
      const rel = path.normalize(f.path);
      if (path.isAbsolute(rel) || rel.startsWith('..') || rel === '.' || rel.includes('\0')) throw new DrmmError('INVALID_ARGUMENT', `A result names an artifact outside its run folder (${f.path}).`);
      const file = path.join(dir, rel);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, f.bytes);
    }
    return { messages: payload.messages as WorkerMessageInput[], attempt: payload.attempt, host: payload.worker.host, pid: payload.worker.pid };
  }

  /** Every followed cell against the lab queue: failed there (e.g. its workers died too often), or lost (sent again). */
  private async reconcile(): Promise<void> {
    if (this.closed) return;
    for (const h of [...this.handles.values()]) {
      if (h.done || !h.dispatched) continue;
      try {
        const job = await this.cells.getJob(this.cellId(h.runId));
        if (h.done) continue;
        if (job) {
          if ((await job.getState()) === 'failed' && !(await this.resultsQueue.getJob(resultJobId(h.runId)))) h.fail(cellFailure(job.failedReason));
          continue;
        }
        if (await this.resultsQueue.getJob(resultJobId(h.runId))) continue;
        if (h.done || !h.start) continue;
        this.log(`run #${h.runId}: its cell is no longer in the lab queue and no result came; sending it again.`);
        h.dispatched = false;
        await this.dispatch(h, h.start);
      } catch { /* the server is away: next time */ }
    }
  }
}

/** The host's handle of one run on the lab queue (the JobQueue's view of a remote training process). */
export class LabRunHandle implements RemoteHandle {
  readonly pid = undefined;
  start?: StartMessage;
  dispatching?: Promise<void>;
  dispatched = false;
  /** The outcome was delivered, or the handle was detached or killed. */
  done = false;
  /** The attempt (a worker's take of the cell) whose live events are relayed. */
  private attempt?: string;
  private readonly messageCbs: ((raw: unknown) => void)[] = [];
  private readonly exitCbs: ((e: WorkerExit) => void)[] = [];
  private exited?: WorkerExit;

  constructor(private readonly lab: LabQueue, readonly runId: number) {}

  send(msg: HostMessage): void {
    if (msg.type === 'start') {
      this.start = msg as StartMessage;
      this.dispatching = this.lab.dispatch(this, this.start).catch((e) => this.fail(e));
    } else if (msg.type === 'cancel') {
      this.lab.cancelCell(this, msg.reason ?? 'Cancelled by the user.').catch(() => undefined); // the JobQueue stops waiting after its timeout
    }
  }

  onMessage(cb: (raw: unknown) => void): void { this.messageCbs.push(cb); }

  onExit(cb: (e: WorkerExit) => void): void {
    if (this.exited) cb(this.exited);
    else this.exitCbs.push(cb);
  }

  kill(): void {
    if (this.done) return;
    this.lab.withdraw(this);
    this.end({ code: null, signal: 'SIGKILL' });
  }

  detach(): void {
    this.done = true;
    this.lab.forget(this);
  }

  /** Live events of the attempt now running (a new `ready` switches attempts: the cell was taken over). */
  onLive(attempt: string, messages: WorkerMessageInput[]): void {
    for (const m of messages) {
      if (this.done) return;
      if (m.type === 'ready') this.attempt = attempt;
      else if (attempt !== this.attempt) continue; // a worker presumed dead, still talking
      if (m.type === 'done' || m.type === 'failed' || m.type === 'cancelled') continue; // outcomes come with the result only
      this.emit(m);
    }
  }

  async deliverResult(d: ResultJobData): Promise<void> {
    if (this.done) return;
    await this.dispatching?.catch(() => undefined);
    if (this.done) return;
    let opened: ReturnType<LabQueue['openResult']>;
    try {
      opened = this.lab.openResult(this, d);
    } catch (e) {
      this.fail(e);
      return;
    }
    const { messages, attempt, host, pid } = opened;
    const known = attempt === this.attempt; // its live events came through: its `ready` is recorded
    if (!known && !messages.some((m) => m.type === 'ready')) this.emit({ type: 'ready', pid, host });
    this.attempt = attempt;
    for (const m of messages) {
      if (this.done) return;
      if (m.type === 'ready' && known) continue;
      if (m.type === 'done' || m.type === 'failed' || m.type === 'cancelled') { this.deliverFinal(m); return; }
      this.emit(m);
    }
    if (!this.done) this.fail(new Error(`the result of attempt ${attempt} holds no outcome`));
  }

  deliverFinal(m: WorkerMessageInput): void {
    if (this.done) return;
    this.emit(m);
    this.end({ code: 0, signal: null });
  }

  fail(e: unknown): void {
    if (this.done) return;
    const d = e as { message?: string; hint?: string; code?: string };
    this.deliverFinal({ type: 'failed', runId: this.runId, error: { code: d?.code ?? 'LAB_QUEUE', message: `On the lab queue: ${d?.message ?? String(e)}`, ...(d?.hint ? { hint: d.hint } : {}) } });
  }

  private emit(m: WorkerMessageInput): void {
    for (const cb of this.messageCbs) cb(m);
  }

  private end(e: WorkerExit): void {
    if (this.exited) return;
    this.done = true;
    this.exited = e;
    this.lab.forget(this);
    for (const cb of this.exitCbs.splice(0)) cb(e);
  }
}

function cellFailure(reason: string | undefined): DrmmError {
  const r = reason ?? 'no reason given';
  if (/stalled more than allowable limit/i.test(r)) {
    return new DrmmError('CONFLICT', `its lab workers stopped answering too many times while running it (${r}).`, { hint: 'Check the workers (memory, network), then retry the cell.' });
  }
  return new DrmmError('CONFLICT', r, { hint: 'Retry the cell (drmm experiments retry ID --queue URL).' });
}

function safeRun(store: Store, id: number): RunRow | undefined {
  try { return store.getRun(id); } catch { return undefined; }
}

function safeJson(text: string | null): unknown {
  if (text === null) return undefined;
  try { return JSON.parse(text); } catch { return undefined; }
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref?.());

/**
 * The experiment queue in the host. Runs wait as `queued` in the store, start one training
 * process each (through a Launcher), and everything the process reports is written to the store
 * by this class — the host is the only writer. Progress goes to listeners at ≤ ~10 events/s per
 * run. Cancel asks the process to stop and kills it after a timeout. A process that dies without
 * a final message fails only its run (exit code/signal and the last message are recorded), and
 * the queue goes on.
 *
 * A run may also execute elsewhere: enqueued with a `RemoteExecutor` (a lab queue,
 * core/distributed), it is sent there at once (it waits in that queue, not in this one, and does not
 * count against `concurrency`), and its handle relays the remote worker's messages in this same
 * protocol, so that everything is recorded by this class exactly as for a local process.
 */
import { availableCores } from '../cores';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { DrmmError } from '../errors';
import { appVersion as currentAppVersion } from '../version';
import type { CreateRunInput, FinishRunInput, Store } from '../store/store';
import { describeWriteFailure } from '../store/write-errors';
import type { EpochRecord, RunRow } from '../store/types';
import { TERMINAL_STATUSES } from '../store/types';
import { ChildProcessLauncher, type Launcher, type WorkerExit, type WorkerHandle } from './launcher';
import { DEFAULT_JOB } from './jobs';
import { describeMessage, parseWorkerMessage, type LogLevel, type PrepareData, type ProgressMessage, type StartMessage, type WorkerMessage } from './protocol';

export interface JobQueueOptions {
  store: Store;
  /** Default: ChildProcessLauncher (child_process.fork of worker.ts / worker.js). */
  launcher?: Launcher;
  /** Runs training at the same time (default 1). */
  concurrency?: number;
  /** After a cancel, how long the process may take to stop before it is killed (default 5000 ms). */
  cancelTimeoutMs?: number;
  /** Minimum spacing of progress events to listeners, per run (default 100 ms ⇒ ≤ 10/s). */
  progressIntervalMs?: number;
  /** How long a new process may take to say `ready` (default 60 s). */
  startTimeoutMs?: number;
  /** Job body for runs that do not name one (default 'experiment'). */
  job?: string;
  appVersion?: string;
  /**
   * While a run trains and others wait, start the next run's process ahead (job body loaded,
   * backend up) so its start-up is hidden (default true).
   */
  prelaunch?: boolean;
  /** Always keep one prepared process waiting, even when nothing is queued (default false; for the app). */
  keepWarm?: boolean;
}

/** A process started ahead of its run. */
interface Spare {
  handle: WorkerHandle;
  job: string;
  launchedAt: number;
  readyAt?: number;
  exited: boolean;
  owner?: ActiveRun;
  /** The config of the run it is meant for, when known (lets the job warm up with it). */
  config?: Record<string, unknown>;
  /** That run's dataset, when known (lets the job decode and prepare it ahead). */
  data?: PrepareData;
  /** Resolves once the job body is loaded in it (or it failed / exited). */
  prepared: Promise<void>;
  markPrepared: () => void;
}

/**
 * Where a run executes when it is not a training process of this machine: a lab queue
 * (core/distributed). Its handles speak the protocol of a local process, with these differences:
 * `ready` (with the worker's `host`) comes when a lab worker takes the run — again if another
 * worker takes it over after the first stopped answering; there is no start timeout (a run may
 * wait in the lab queue); `cancel` withdraws a waiting run or tells its worker to stop; `kill` stops
 * waiting for it; `detach` lets it go on without this host (its results wait in the lab queue).
 */
export interface RemoteExecutor {
  /** Stored with the run (`runs.lab_queue`): the queue's URL without credentials. */
  readonly label: string;
  /** How long a cancelled run may take to confirm before the host stops waiting (default 30 s). */
  readonly cancelTimeoutMs?: number;
  launch(runId: number): RemoteHandle;
}

export interface RemoteHandle extends WorkerHandle {
  /** Stop following the run without ending it (the host is closing); no exit is reported. */
  detach(): void;
}

export interface EnqueueInput {
  datasetId: number;
  config: Record<string, unknown>;
  name?: string;
  tags?: string[];
  notes?: string;
  /** Job body (registered name or absolute module path); host code only, never from a UI payload. */
  job?: string;
  /** The experiment and grid cell of the run (default: a one-run experiment of its own). */
  experiment?: CreateRunInput['experiment'];
  /** Run it on a lab queue instead of this machine (core/distributed). */
  remote?: RemoteExecutor;
}

export type QueueEvent =
  | { type: 'queued'; run: RunRow }
  | { type: 'started'; runId: number; pid: number | undefined; /** the lab worker's name (a run on a lab queue) */ host?: string }
  | { type: 'progress'; runId: number; progress: ProgressMessage }
  | { type: 'epoch'; runId: number; record: EpochRecord }
  | { type: 'log'; runId: number; level: LogLevel; message: string }
  | { type: 'finished'; run: RunRow };

export type QueueListener = (ev: QueueEvent) => void;

interface ActiveRun {
  runId: number;
  handle: WorkerHandle;
  start: StartMessage;
  launchedAt: number;
  readyAt?: number;
  lastMessage?: string;
  cancelRequested: boolean;
  cancelledByKill: boolean;
  /** Set once the run's final state is in the store. */
  finished: boolean;
  timers: Set<ReturnType<typeof setTimeout>>;
  lastProgressEmit: number;
  pendingProgress?: ProgressMessage;
  progressTimer?: ReturnType<typeof setTimeout>;
  latestProgress?: ProgressMessage;
  /** Started in a spare process launched ahead. */
  fromSpare: boolean;
  /** Runs on a lab queue (its handle is a RemoteHandle). */
  remote?: RemoteExecutor;
}

export class JobQueue {
  readonly store: Store;
  /** Runs this queue found left behind by a dead host and marked `interrupted`. */
  readonly interruptedOnStartup: number[];
  private readonly launcher: Launcher;
  private concurrency: number;
  private readonly cancelTimeoutMs: number;
  private readonly progressIntervalMs: number;
  private readonly startTimeoutMs: number;
  private readonly defaultJob: string;
  private readonly appVersion: string;
  private readonly pending: { runId: number; job: string; remote?: RemoteExecutor }[] = [];
  private readonly active = new Map<number, ActiveRun>();
  private readonly listeners = new Set<QueueListener>();
  private readonly waiters = new Map<number, ((run: RunRow) => void)[]>();
  private idleWaiters: (() => void)[] = [];
  private readonly prelaunch: boolean;
  private readonly keepWarm: boolean;
  private spare: Spare | undefined;
  private closed = false;
  /** Runs whose final state could not be written to the store (a full disk): the failed row as it should read. */
  private readonly unrecorded = new Map<number, RunRow>();
  /** The config last enqueued: a kept-warm process warms up with it (the next run is often alike). */
  private lastConfig: Record<string, unknown> | undefined;
  private lastDatasetId: number | undefined;

  constructor(opts: JobQueueOptions) {
    this.store = opts.store;
    this.launcher = opts.launcher ?? new ChildProcessLauncher();
    this.concurrency = Math.max(1, opts.concurrency ?? 1);
    this.cancelTimeoutMs = opts.cancelTimeoutMs ?? 5000;
    this.progressIntervalMs = opts.progressIntervalMs ?? 100;
    this.startTimeoutMs = opts.startTimeoutMs ?? 60_000;
    this.defaultJob = opts.job ?? DEFAULT_JOB;
    this.appVersion = opts.appVersion ?? currentAppVersion();
    this.prelaunch = opts.prelaunch ?? true;
    this.keepWarm = opts.keepWarm ?? false;
    // A read-only history (a read-only data directory: the CLI reading) has nothing to recover and cannot write.
    this.interruptedOnStartup = this.store.readonly ? [] : this.store.markInterruptedOnStartup();
    if (this.keepWarm) queueMicrotask(() => this.maybeLaunchSpare());
  }

  /** Subscribe to queue events; returns the unsubscribe function. */
  on(listener: QueueListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setConcurrency(n: number): void {
    this.concurrency = Math.max(1, Math.floor(n));
    this.pump();
  }

  /** Records a queued run and starts it when a slot is free. */
  enqueue(input: EnqueueInput): RunRow {
    if (this.closed) throw new DrmmError('CONFLICT', 'The experiment queue is shut down.', { hint: 'Restart the app or the command.' });
    const run = this.store.createRun({
      datasetId: input.datasetId, config: input.config, name: input.name, tags: input.tags, notes: input.notes,
      appVersion: this.appVersion, status: 'queued', hostPid: process.pid, experiment: input.experiment,
      ...(input.remote ? { labQueue: input.remote.label } : {}),
    });
    this.pending.push({ runId: run.id, job: input.job ?? this.defaultJob, ...(input.remote ? { remote: input.remote } : {}) });
    this.lastConfig = input.config;
    this.lastDatasetId = input.datasetId;
    this.emit({ type: 'queued', run });
    queueMicrotask(() => this.pump());
    return run;
  }

  /**
   * Cancels a run: a queued one at once; a running one gracefully (`cancel` message), killed
   * after the timeout. Resolves with the run's final row.
   */
  cancel(runId: number, reason = 'Cancelled by the user.'): Promise<RunRow> {
    const i = this.pending.findIndex((p) => p.runId === runId);
    if (i >= 0) {
      this.pending.splice(i, 1);
      const run = this.store.finishRun(runId, { status: 'cancelled', error: `${reason} (before it started)` });
      this.settle(run, true);
      return Promise.resolve(run);
    }
    const a = this.active.get(runId);
    if (a) {
      const done = this.waitFor(runId);
      if (!a.cancelRequested) {
        a.cancelRequested = true;
        if (a.remote) {
          // Withdrawn from the lab queue when it waits there, else its worker is told to stop; the result says which.
          a.handle.send({ type: 'cancel', reason });
          this.timer(a, a.remote.cancelTimeoutMs ?? 30_000, () => {
            a.cancelledByKill = true;
            a.handle.kill('SIGKILL');
          });
        } else if (a.readyAt === undefined) {
          a.cancelledByKill = true;
          a.handle.kill('SIGKILL');
        } else {
          a.handle.send({ type: 'cancel', reason });
          this.timer(a, this.cancelTimeoutMs, () => {
            a.cancelledByKill = true;
            a.handle.kill('SIGKILL');
          });
        }
      }
      return done;
    }
    const run = this.unrecorded.get(runId) ?? this.store.getRun(runId);
    if (TERMINAL_STATUSES.includes(run.status)) return Promise.resolve(run);
    return Promise.reject(new DrmmError('CONFLICT', `Run #${runId} belongs to another process (pid ${run.hostPid ?? '?'}).`, {
      hint: 'Cancel it from the app or command that started it.',
    }));
  }

  /** Resolves with the run's row once it is in a final state. */
  waitFor(runId: number): Promise<RunRow> {
    if (!this.active.has(runId) && !this.pending.some((p) => p.runId === runId)) {
      const run = this.unrecorded.get(runId) ?? this.store.getRun(runId);
      if (TERMINAL_STATUSES.includes(run.status)) return Promise.resolve(run);
      return Promise.reject(new DrmmError('CONFLICT', `Run #${runId} is ${run.status} in another process (pid ${run.hostPid ?? '?'}).`, {
        hint: 'Follow it in the app or command that started it.',
      }));
    }
    return new Promise((resolve) => {
      const list = this.waiters.get(runId) ?? [];
      list.push(resolve);
      this.waiters.set(runId, list);
    });
  }

  /** Resolves when nothing is queued or running. */
  whenIdle(): Promise<void> {
    if (this.pending.length === 0 && this.active.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** The latest progress of a running run (for a UI that connects mid-run). */
  progressOf(runId: number): ProgressMessage | undefined {
    return this.active.get(runId)?.latestProgress;
  }

  /** The pid of a run's training process while it runs. */
  workerPid(runId: number): number | undefined {
    return this.active.get(runId)?.handle.pid;
  }

  /**
   * Starts a training process ahead of any run (job body loaded, backend up) and resolves when it
   * is prepared. The next run of that job starts in it without start-up cost.
   */
  warmUp(job: string = this.defaultJob, config?: Record<string, unknown>, datasetId?: number): Promise<void> {
    if (this.spare && this.spare.job !== job) this.dropSpare();
    if (!this.spare) this.launchSpare(job, config, datasetId === undefined ? undefined : this.prepareData(datasetId));
    return this.spare ? this.spare.prepared : Promise.resolve();
  }

  /**
   * Follows runs that a lab queue holds for this history (left there by a host that is gone:
   * `store.adoptLabRuns`): each is sent again only if the lab queue lost it, and its results are
   * recorded as they come. Returns the runs now followed.
   */
  resume(runIds: number[], remote: RemoteExecutor): number[] {
    const followed: number[] = [];
    for (const id of runIds) {
      if (this.active.has(id) || this.pending.some((p) => p.runId === id)) continue;
      if (this.startRemote(id, this.defaultJob, remote, true)) followed.push(id);
    }
    return followed;
  }

  /** Whether this queue follows the run (queued here, training here, or waiting in / running from a lab queue). */
  follows(runId: number): boolean {
    return this.active.has(runId) || this.pending.some((p) => p.runId === runId);
  }

  get runningIds(): number[] {
    return [...this.active.keys()];
  }

  get queuedIds(): number[] {
    return this.pending.map((p) => p.runId);
  }

  /** Cancels everything queued and running, stops the spare process; resolves when all processes have ended. */
  async shutdown(reason = 'The app is closing.'): Promise<void> {
    this.closed = true;
    this.dropSpare();
    for (const p of [...this.pending]) await this.cancel(p.runId, reason);
    // Runs on a lab queue go on without this host: their results wait there until a host collects them.
    for (const a of [...this.active.values()]) if (a.remote && !a.finished) this.detach(a);
    await Promise.all([...this.active.keys()].map((id) => this.cancel(id, reason)));
    this.dropSpare();
    this.retryUnrecorded();
  }

  /** One more try at the failures a full disk kept from the store (space may have been freed since). */
  private retryUnrecorded(): void {
    for (const [id, run] of this.unrecorded) {
      try {
        this.store.finishRun(id, { status: run.status as FinishRunInput['status'], error: run.error, exitCode: run.exitCode, exitSignal: run.exitSignal, lastMessage: run.lastMessage });
        this.unrecorded.delete(id);
      } catch {
        /* still full: the next start marks it interrupted */
      }
    }
  }

  // ───────────────────────────── internals ────────────────────────────

  private pump(): void {
    // Runs for a lab queue are sent at once: they wait in that queue, and train on other machines.
    for (let i = 0; i < this.pending.length; ) {
      const p = this.pending[i];
      if (!p.remote) { i++; continue; }
      this.pending.splice(i, 1);
      this.startRemote(p.runId, p.job, p.remote, false);
    }
    while (this.localActive() < this.concurrency && this.pending.length > 0) {
      const next = this.pending.shift()!;
      this.startRun(next.runId, next.job);
    }
    this.maybeLaunchSpare();
    if (this.pending.length === 0 && this.active.size === 0) {
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  // ─────────────────────────── spare process ───────────────────────────

  private maybeLaunchSpare(): void {
    if (this.closed) return;
    // For a waiting run: start its process now (it loads while the current run trains).
    // Kept warm: only while idle, so that warming never competes with a training run for CPU.
    const forPending = this.prelaunch ? this.pending[0]?.job : undefined;
    const forIdle = this.keepWarm && this.localActive() === 0 ? this.defaultJob : undefined;
    const wanted = forPending ?? forIdle;
    if (wanted === undefined) {
      if (!this.keepWarm) this.dropSpare(); // nothing waits for it any more
      return;
    }
    if (this.spare && this.spare.job !== wanted) this.dropSpare();
    if (!this.spare) {
      // For a waiting run, its dataset too: the process decodes and prepares it, and computes what the run needs
      // after training, while the current one trains. Kept warm for whatever comes next: the last dataset, decoded
      // and prepared only (a guess; cheap to be wrong about).
      const next = forPending !== undefined ? this.safeGetRun(this.pending[0].runId) : undefined;
      const data = next ? this.prepareData(next.datasetId) : this.lastDatasetId !== undefined ? this.prepareData(this.lastDatasetId, false) : undefined;
      this.launchSpare(wanted, next ? next.config : this.lastConfig, data);
    }
  }

  /** Where the spare finds a dataset to prepare ahead (undefined when the store cannot say). */
  private prepareData(datasetId: number, precompute = true): PrepareData | undefined {
    try {
      return { dataDir: this.store.dataDir, datasetId, cacheFile: this.store.datasetCachePath(datasetId), ...(precompute ? {} : { precompute }) };
    } catch {
      return undefined;
    }
  }

  private launchSpare(job: string, config?: Record<string, unknown>, data?: PrepareData): void {
    let handle: WorkerHandle;
    try {
      handle = this.launcher.launch();
    } catch {
      return; // the run's own launch will report the problem
    }
    let markPrepared = () => {};
    const prepared = new Promise<void>((resolve) => { markPrepared = resolve; });
    const spare: Spare = { handle, job, config, data, launchedAt: performance.now(), exited: false, prepared, markPrepared };
    this.spare = spare;
    handle.onMessage((raw) => {
      if (spare.owner) { this.onMessage(spare.owner, raw); return; }
      const m = parseWorkerMessage(raw);
      if (!m.ok) return;
      if (m.message.type === 'ready') {
        spare.readyAt = performance.now();
        handle.send({ type: 'prepare', job: spare.job, ...(spare.config ? { config: spare.config } : {}), ...(spare.config && spare.data ? { data: spare.data } : {}) });
      } else if (m.message.type === 'prepared') {
        spare.markPrepared();
      }
    });
    handle.onExit((exit) => {
      spare.exited = true;
      spare.markPrepared();
      if (spare.owner) this.onExit(spare.owner, exit);
      else if (this.spare === spare) this.spare = undefined;
    });
  }

  /** The spare process for `job`, if one is alive; a spare for another job is stopped. */
  private takeSpare(job: string): Spare | undefined {
    const s = this.spare;
    if (!s) return undefined;
    this.spare = undefined;
    if (s.exited || s.job !== job) {
      if (!s.exited) s.handle.kill('SIGKILL');
      return undefined;
    }
    return s;
  }

  private dropSpare(): void {
    const s = this.spare;
    this.spare = undefined;
    if (s && !s.exited && !s.owner) s.handle.kill('SIGKILL');
    s?.markPrepared();
  }

  /** Training processes of this machine now (runs on a lab queue do not count). */
  private localActive(): number {
    let n = 0;
    for (const a of this.active.values()) if (!a.remote) n++;
    return n;
  }

  /** Sends a run to a lab queue (`resume`: one already there, queued or running). Returns whether it is followed now. */
  private startRemote(runId: number, job: string, remote: RemoteExecutor, resume: boolean): boolean {
    let run: RunRow;
    let cacheFile: string;
    try {
      run = this.store.getRun(runId);
      if (!(run.status === 'queued' || (resume && run.status === 'running'))) return false; // deleted, cancelled or finished meanwhile
      cacheFile = this.store.datasetCachePath(run.datasetId);
    } catch (e) {
      this.failWithoutProcess(runId, e);
      return false;
    }
    const start: StartMessage = {
      type: 'start', runId, dataDir: this.store.dataDir, datasetId: run.datasetId, cacheFile, config: run.config, artifactDir: this.store.runDir(runId), job,
    };
    let handle: RemoteHandle;
    try {
      handle = remote.launch(runId);
    } catch (e) {
      this.failWithoutProcess(runId, e);
      return false;
    }
    const a: ActiveRun = {
      runId, handle, start, launchedAt: performance.now(), cancelRequested: false, cancelledByKill: false, finished: false,
      timers: new Set(), lastProgressEmit: -Infinity, fromSpare: false, remote,
    };
    this.active.set(runId, a);
    handle.onMessage((raw) => this.onMessage(a, raw));
    handle.onExit((exit) => this.onExit(a, exit));
    handle.send(start);
    return true;
  }

  /** A lab worker took the run (again, when another one stopped answering): who runs it, recorded. */
  private onRemoteReady(a: ActiveRun, pid: number, host: string | undefined): void {
    const first = a.readyAt === undefined;
    if (first) a.readyAt = performance.now(); // how long it waited in the lab queue for its first worker
    const run = this.store.getRun(a.runId);
    if (run.status === 'queued') this.store.markRunning(a.runId, { workerPid: pid, ...(host ? { workerHost: host } : {}) });
    else this.store.setRunWorker(a.runId, { workerPid: pid, ...(host ? { workerHost: host } : {}) });
    if (first || run.status === 'queued') this.emit({ type: 'started', runId: a.runId, pid, ...(host ? { host } : {}) });
    else if (host && host !== run.workerHost) this.emit({ type: 'log', runId: a.runId, level: 'warn', message: `Lab worker ${run.workerHost ?? '?'} stopped answering; ${host} took the run over.` });
  }

  /** Stops following a run on a lab queue (the host is closing); it goes on there. */
  private detach(a: ActiveRun): void {
    for (const t of a.timers) clearTimeout(t);
    a.timers.clear();
    if (a.progressTimer) clearTimeout(a.progressTimer);
    this.active.delete(a.runId);
    (a.handle as RemoteHandle).detach();
    const run = this.safeGetRun(a.runId);
    if (run) this.settle(run);
  }

  private startRun(runId: number, job: string): void {
    let run: RunRow;
    let cacheFile: string;
    try {
      run = this.store.getRun(runId);
      if (run.status !== 'queued') return; // deleted or cancelled elsewhere
      cacheFile = this.store.datasetCachePath(run.datasetId);
    } catch (e) {
      this.failWithoutProcess(runId, e);
      return;
    }
    const artifactDir = this.store.runDir(runId);
    const start: StartMessage = {
      type: 'start', runId, dataDir: this.store.dataDir, datasetId: run.datasetId, cacheFile, config: run.config, artifactDir, job,
      threads: threadsPerRun(this.concurrency),
    };
    const spare = this.takeSpare(job);
    let handle: WorkerHandle;
    try {
      handle = spare?.handle ?? this.launcher.launch();
    } catch (e) {
      this.failWithoutProcess(runId, e);
      return;
    }
    const now = performance.now();
    const a: ActiveRun = {
      runId, handle, start, launchedAt: now, cancelRequested: false, cancelledByKill: false, finished: false,
      timers: new Set(), lastProgressEmit: -Infinity, fromSpare: spare !== undefined,
    };
    this.active.set(runId, a);
    this.store.markRunning(runId, { workerPid: handle.pid });
    this.emit({ type: 'started', runId, pid: handle.pid });
    if (spare) {
      spare.owner = a; // its message/exit handlers now route to this run
      if (spare.readyAt !== undefined) {
        a.readyAt = now;
        handle.send(start);
      }
    } else {
      handle.onMessage((raw) => this.onMessage(a, raw));
      handle.onExit((exit) => this.onExit(a, exit));
    }
    if (a.readyAt === undefined) {
      this.timer(a, this.startTimeoutMs, () => {
        if (a.readyAt === undefined) {
          a.lastMessage = `no 'ready' from the training process within ${this.startTimeoutMs} ms`;
          handle.kill('SIGKILL');
        }
      });
    }
  }

  private onMessage(a: ActiveRun, raw: unknown): void {
    const parsed = parseWorkerMessage(raw);
    if (!parsed.ok) {
      a.lastMessage = `invalid message: ${parsed.error.slice(0, 300)}`;
      this.emit({ type: 'log', runId: a.runId, level: 'warn', message: `Ignored an invalid message from the training process: ${parsed.error}` });
      return;
    }
    const m: WorkerMessage = parsed.message;
    const about = 'runId' in m ? m.runId : undefined;
    if (about !== undefined && about !== a.runId) {
      this.emit({ type: 'log', runId: a.runId, level: 'warn', message: `Ignored a message for run ${about}.` });
      return;
    }
    a.lastMessage = describeMessage(m);
    try {
      switch (m.type) {
        case 'ready':
          if (a.remote) { this.onRemoteReady(a, m.pid, m.host); break; }
          a.readyAt = performance.now();
          if (a.cancelRequested) { a.cancelledByKill = true; a.handle.kill('SIGKILL'); }
          else a.handle.send(a.start);
          break;
        case 'prepared':
          break;
        case 'environment':
          this.store.setRunEnvironment(a.runId, { backend: m.backend, device: m.device });
          break;
        case 'progress':
          this.onProgress(a, m);
          break;
        case 'epoch':
          this.flushProgress(a);
          this.store.appendEpoch(a.runId, m.record);
          this.emit({ type: 'epoch', runId: a.runId, record: m.record });
          break;
        case 'log':
          this.emit({ type: 'log', runId: a.runId, level: m.level, message: m.message });
          break;
        case 'done': {
          this.flushProgress(a);
          const artifacts = m.artifacts.map((r) => ({ kind: r.kind, path: path.resolve(a.start.artifactDir, r.path) }));
          this.finish(a, {
            status: 'succeeded', results: m.results, evaluation: m.evaluation, artifacts,
            timings: { ...this.hostTimings(a), ...(m.timings ?? {}) },
          });
          this.afterFinalMessage(a);
          break;
        }
        case 'failed': {
          this.flushProgress(a);
          const e = m.error;
          const cancelled = e.code === 'CANCELLED' && a.cancelRequested;
          this.finish(a, {
            status: cancelled ? 'cancelled' : 'failed',
            error: `${e.message}${e.hint ? `\nWhat to do: ${e.hint}` : ''}`,
            timings: this.hostTimings(a),
          });
          this.afterFinalMessage(a);
          break;
        }
        case 'cancelled':
          this.flushProgress(a);
          this.finish(a, { status: 'cancelled', error: 'Cancelled by the user.', timings: this.hostTimings(a) });
          this.afterFinalMessage(a);
          break;
      }
    } catch (e) {
      // A store error while handling a message must not take the host down.
      this.emit({ type: 'log', runId: a.runId, level: 'error', message: `Could not record '${m.type}': ${(e as Error).message}` });
      if (m.type === 'done') {
        this.finish(a, { status: 'failed', error: `The run finished but its results could not be stored: ${(e as Error).message}` });
        this.afterFinalMessage(a);
      }
    }
  }

  /** After done/failed/cancelled the process should exit by itself; make sure it does. */
  private afterFinalMessage(a: ActiveRun): void {
    this.timer(a, 10_000, () => a.handle.kill('SIGKILL'));
  }

  private onExit(a: ActiveRun, exit: WorkerExit): void {
    for (const t of a.timers) clearTimeout(t);
    a.timers.clear();
    if (a.progressTimer) clearTimeout(a.progressTimer);
    if (!a.finished) {
      const how = exit.signal ? `was killed by signal ${exit.signal}` : `exited with code ${exit.code}`;
      const tail = lastLines(a.handle.stderrTail?.() ?? '', 3);
      if (a.remote) {
        this.finish(a, {
          status: a.cancelRequested ? 'cancelled' : 'failed',
          error: a.cancelRequested
            ? (a.cancelledByKill ? `Cancelled; its lab worker was told to stop but did not confirm within ${Math.round((a.remote.cancelTimeoutMs ?? 30_000) / 1000)} s.` : 'Cancelled by the user.')
            : `The lab queue stopped following this run (last message: ${a.lastMessage ?? 'none'}).${tail ? `\n${tail}` : ''}`,
          lastMessage: a.lastMessage ?? null, timings: this.hostTimings(a),
        });
      } else if (a.cancelRequested) {
        this.finish(a, {
          status: 'cancelled',
          error: a.cancelledByKill ? `Cancelled; the training process did not stop within ${this.cancelTimeoutMs} ms and was killed.` : 'Cancelled by the user.',
          exitCode: exit.code, exitSignal: exit.signal, lastMessage: a.lastMessage ?? null, timings: this.hostTimings(a),
        });
      } else {
        this.finish(a, {
          status: 'failed',
          error: `The training process ${how} (last message: ${a.lastMessage ?? 'none'}).${tail ? `\n${tail}` : ''}`,
          exitCode: exit.code, exitSignal: exit.signal, lastMessage: a.lastMessage ?? null, timings: this.hostTimings(a),
        });
      }
    } else if (!a.remote) {
      try {
        this.store.db.prepare('UPDATE runs SET exit_code = ?, exit_signal = ? WHERE id = ?').run(exit.code, exit.signal, a.runId);
      } catch { /* informative only */ }
    }
    this.active.delete(a.runId);
    const run = this.safeGetRun(a.runId);
    if (run) this.settle(run);
    this.pump();
  }

  private finish(a: ActiveRun, fin: FinishRunInput): void {
    if (a.finished) return;
    a.finished = true;
    const run = this.recordOutcome(a.runId, fin);
    if (run) this.emit({ type: 'finished', run });
  }

  /**
   * Stores a run's outcome. When that write fails (a full disk, say), the run is still recorded
   * — as failed when it had succeeded — with the real reason: a much smaller write, made after the
   * run's folder (files no stored row points at, often what filled the disk) is removed. When even
   * that cannot be written, the row lives on in memory, so waiters and the CLI still get the reason.
   */
  private recordOutcome(runId: number, fin: FinishRunInput): RunRow | undefined {
    let why: unknown;
    try {
      return this.store.finishRun(runId, fin);
    } catch (e) {
      why = e;
    }
    // In plain words whatever layer it came from ("Disk full (SQLITE_FULL) while writing the outcome of run #3.").
    const described = describeWriteFailure(why, `the outcome of run #${runId}`, this.store.dataDir);
    const reason = described instanceof Error ? described.message : String(described);
    // A run that succeeded but whose results are lost has failed; a failure or a cancel keeps its status and its own reason.
    const failed: FinishRunInput = {
      status: fin.status === 'succeeded' ? 'failed' : fin.status,
      error: fin.status !== 'succeeded' && fin.error ? `${fin.error}\n${reason}` : reason,
      exitCode: fin.exitCode, exitSignal: fin.exitSignal, lastMessage: fin.lastMessage,
    };
    this.emit({ type: 'log', runId, level: 'error', message: reason });
    try {
      // The folder holds files of an outcome that was not stored: no row points at them, and they may be what filled the disk.
      rmSync(this.store.runDir(runId), { recursive: true, force: true });
      return this.store.finishRun(runId, failed);
    } catch {
      /* not even that fits: keep the failure in memory */
    }
    const row = this.safeGetRun(runId);
    if (!row) return undefined;
    const unrecorded: RunRow = { ...row, status: failed.status, error: failed.error ?? reason, finishedAt: Date.now() };
    this.unrecorded.set(runId, unrecorded);
    return unrecorded;
  }

  /** Resolve waiters once the run is final and (if it had one) its process has ended. */
  private settle(run: RunRow, emitFinished = false): void {
    if (emitFinished) this.emit({ type: 'finished', run });
    for (const w of this.waiters.get(run.id) ?? []) w(run);
    this.waiters.delete(run.id);
    if (this.pending.length === 0 && this.active.size === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  private failWithoutProcess(runId: number, e: unknown): void {
    const msg = e instanceof DrmmError ? e.describe() : (e as Error)?.message ?? String(e);
    try {
      const run = this.store.finishRun(runId, { status: 'failed', error: msg });
      this.settle(run, true);
    } catch { /* the run is gone */ }
    queueMicrotask(() => this.pump());
  }

  private onProgress(a: ActiveRun, m: ProgressMessage): void {
    a.latestProgress = m;
    a.pendingProgress = m;
    const wait = a.lastProgressEmit + this.progressIntervalMs - performance.now();
    if (wait <= 0) this.flushProgress(a);
    else if (!a.progressTimer) a.progressTimer = setTimeout(() => this.flushProgress(a), wait);
  }

  private flushProgress(a: ActiveRun): void {
    if (a.progressTimer) { clearTimeout(a.progressTimer); a.progressTimer = undefined; }
    if (!a.pendingProgress) return;
    const p = a.pendingProgress;
    a.pendingProgress = undefined;
    a.lastProgressEmit = performance.now();
    this.emit({ type: 'progress', runId: a.runId, progress: p });
  }

  private hostTimings(a: ActiveRun): Record<string, number> {
    const now = performance.now();
    if (a.remote) {
      // From sending the run to the lab queue to its outcome here, and the part it waited there for a worker.
      const r: Record<string, number> = { labMs: now - a.launchedAt };
      if (a.readyAt !== undefined) r.labWaitMs = a.readyAt - a.launchedAt;
      return r;
    }
    const t: Record<string, number> = { processMs: now - a.launchedAt, prelaunched: a.fromSpare ? 1 : 0 };
    if (a.readyAt !== undefined) t.startupMs = a.readyAt - a.launchedAt;
    return t;
  }

  private timer(a: ActiveRun, ms: number, fn: () => void): void {
    const t = setTimeout(() => { a.timers.delete(t); fn(); }, ms);
    a.timers.add(t);
  }

  /** The run's row; for a run whose outcome could not be written, the failed row kept in memory. */
  private safeGetRun(id: number): RunRow | undefined {
    const kept = this.unrecorded.get(id);
    if (kept) return kept;
    try { return this.store.getRun(id); } catch { return undefined; }
  }

  private emit(ev: QueueEvent): void {
    for (const l of this.listeners) {
      try { l(ev); } catch { /* a listener's error is its own */ }
    }
  }
}

function lastLines(s: string, n: number): string {
  return s.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '').slice(-n).join('\n');
}

/** Cores per concurrent run (≥ 1): runs at the same time share the machine instead of oversubscribing it. */
export function threadsPerRun(concurrency: number, cores = availableCores()): number {
  return Math.max(1, Math.floor(cores / Math.max(1, concurrency)));
}

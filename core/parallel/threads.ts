/**
 * Independent per-modality computations (the shift sensitivity's cross-fitted ridges, the
 * unimodal fits behind the evaluation radius) spread over the cores, behind a synchronous call:
 * the evaluation is synchronous code, and stays so.
 *
 *   const results = mapOnThreads('shift', inputs, runLocally);   // = inputs.map(runLocally)
 *
 * How: a pool of worker threads (`task-worker`, started once per process and kept, unref'd) and
 * the calling thread take tasks from one shared counter (Atomics); the caller blocks in
 * Atomics.wait and reads the workers' results with receiveMessageOnPort. The same function runs
 * the same input on every thread, so the results are those of `inputs.map(runLocally)`, bit for
 * bit. The caller works too, so no worker is ever waited for to make progress: where none can
 * start (no worker file, a bundle without it) or one fails a task, the caller computes it; a task
 * a worker holds for much longer than the others took is computed again by the caller.
 *
 * Threads: DRMM_THREADS, else every core this process may use (the run's share of the cores when
 * the queue starts several runs at once). Inputs are copied to each worker: above `maxBytes`
 * (default 64 MiB) everything runs on the calling thread.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { computeThreads } from '../cores';
import { receiveMessageOnPort, MessageChannel, Worker, type MessagePort } from 'node:worker_threads';

/** What a worker sends back for task `index` of call `call`. */
export interface TaskReply { call: number; index: number; result?: unknown; error?: string }
/** What the caller sends to every worker for one call. */
export interface TaskCall { call: number; task: string; inputs: unknown[]; control: Int32Array }

/** control[NEXT]: the next unclaimed task; control[DONE]: tasks the workers finished (for Atomics.wait). */
export const NEXT = 0;
export const DONE = 1;
const DEFAULT_MAX_BYTES = 64 * 2 ** 20;

export interface MapOptions {
  /** Threads in all, the caller's included (default: DRMM_THREADS, else the available cores). */
  threads?: number;
  /** Bytes of the inputs (copied to each worker); above `maxBytes` nothing is sent to a worker. */
  bytes?: number;
  maxBytes?: number;
}

/** Bytes a worker receives for these arrays: their buffers, each once (a view sends its whole buffer). */
export function bytesToCopy(arrays: ArrayLike<number>[]): number {
  const buffers = new Set<ArrayBufferLike>();
  let plain = 0;
  for (const a of arrays) {
    if (ArrayBuffer.isView(a)) buffers.add(a.buffer);
    else plain += a.length * 8;
  }
  let total = plain;
  for (const b of buffers) total += b.byteLength;
  return total;
}

interface PoolWorker { worker: Worker; port: MessagePort }
const pool: PoolWorker[] = [];
let workerUnavailable = false;
let calls = 0;
let last = { tasks: 0, byWorkers: 0, workers: 0 };

/** What the last `mapOnThreads` call did: its tasks, how many the workers computed, with how many workers. */
export function lastMapStats(): { tasks: number; byWorkers: number; workers: number } {
  return { ...last };
}

/** How to start the worker entry beside this module: the TypeScript source (through tsx) or a bundle's file. */
function workerSource(): { code: string; eval: true } | { file: string } | null {
  const here = fileURLToPath(import.meta.url);
  const dir = path.dirname(here);
  if (here.endsWith('.ts')) {
    const file = path.join(dir, 'task-worker.ts');
    if (!existsSync(file)) return null;
    const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api');
    return { code: `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(file)});`, eval: true };
  }
  for (const name of ['task-worker.js', 'task-worker.mjs', 'task-worker.cjs']) {
    const file = path.join(dir, name);
    if (existsSync(file)) return { file };
  }
  return null;
}

/** The pool grown to `count` workers where it can be (fewer when none can start). */
function workers(count: number): PoolWorker[] {
  while (pool.length < count && !workerUnavailable) {
    const source = workerSource();
    if (!source) { workerUnavailable = true; break; }
    try {
      const { port1, port2 } = new MessageChannel();
      const worker = 'code' in source
        ? new Worker(source.code, { eval: true, workerData: { port: port2 }, transferList: [port2] })
        : new Worker(source.file, { workerData: { port: port2 }, transferList: [port2] });
      worker.unref();
      // A worker that fails leaves the pool; the caller computes whatever it held.
      worker.on('error', () => retire(worker));
      worker.on('exit', () => retire(worker));
      pool.push({ worker, port: port1 });
    } catch {
      workerUnavailable = true;
    }
  }
  return pool.slice(0, count);
}

function retire(worker: Worker): void {
  const i = pool.findIndex((p) => p.worker === worker);
  if (i >= 0) pool.splice(i, 1);
}

/** Stops the pool's workers (tests; a process that ends needs nothing: they are unref'd). */
export async function stopThreads(): Promise<void> {
  const all = pool.splice(0);
  await Promise.all(all.map((p) => p.worker.terminate()));
}

/**
 * `inputs.map(run)`, with the pool's workers running `task` on some of the inputs meanwhile
 * (the worker looks `task` up in task-worker's table; it must compute what `run` computes).
 */
export function mapOnThreads<I, R>(task: string, inputs: I[], run: (input: I) => R, opts: MapOptions = {}): R[] {
  const n = inputs.length;
  const threads = Math.min(opts.threads ?? computeThreads(), n);
  const tooBig = (opts.bytes ?? 0) > (opts.maxBytes ?? DEFAULT_MAX_BYTES);
  const helpers = threads > 1 && !tooBig ? workers(threads - 1) : [];
  if (helpers.length === 0) {
    last = { tasks: n, byWorkers: 0, workers: 0 };
    return inputs.map(run);
  }

  const call = ++calls;
  const control = new Int32Array(new SharedArrayBuffer(8));
  for (const h of helpers) h.worker.postMessage({ call, task, inputs, control } satisfies TaskCall);
  const results = new Array<R>(n);
  const have = new Uint8Array(n);
  let got = 0, ownMs = 0, own = 0;
  const take = (i: number, r: R) => { if (!have[i]) { have[i] = 1; results[i] = r; got++; } };
  const runHere = (i: number) => { const t = performance.now(); const r = run(inputs[i]!); ownMs += performance.now() - t; own++; take(i, r); };

  for (let i = Atomics.add(control, NEXT, 1); i < n; i = Atomics.add(control, NEXT, 1)) runHere(i);
  // The rest is held by workers. Wait for their replies; a task held far longer than ours took is
  // computed here as well (a worker may have died), whichever comes first counts.
  const patienceMs = Math.max(2_000, 3 * (own ? ownMs / own : 0));
  let waitedMs = 0;
  while (got < n) {
    let received = false;
    for (const h of helpers) {
      for (let m = receiveMessageOnPort(h.port); m; m = receiveMessageOnPort(h.port)) {
        const reply = m.message as TaskReply;
        if (reply.call !== call) continue; // a late reply to an earlier call
        received = true;
        if (reply.error !== undefined) runHere(reply.index);
        else take(reply.index, reply.result as R);
      }
    }
    if (got >= n) break;
    if (received) { waitedMs = 0; continue; }
    const seen = Atomics.load(control, DONE);
    const t = performance.now();
    Atomics.wait(control, DONE, seen, 50);
    waitedMs += performance.now() - t;
    if (waitedMs > patienceMs) {
      const i = have.findIndex((h) => !h);
      if (i >= 0) runHere(i);
      waitedMs = 0;
    }
  }
  last = { tasks: n, byWorkers: n - own, workers: helpers.length };
  return results;
}

/**
 * Lab-queue benchmark (docs/distributed.md). Needs `redis-server` (started here on a loopback port).
 *
 *  1. Queue engine: BullMQ against the alternative considered, raw Redis lists (LPUSH + BLMOVE to a
 *     processing list, reply through a second list — the minimum for at-least-once without a stall
 *     checker): round trip of an empty job, producer → worker → producer, median and p95 of 300.
 *  2. Per-cell overhead of the lab queue against local execution: the diagnostic job (one step of
 *     1 ms: nothing but start-up and bookkeeping), 10 cells through the local job queue vs through
 *     the lab queue with one `drmm worker` on this machine; wall time per cell. Both start their
 *     training processes from the same entry — the prebuilt worker.js when the prebuilt CLI is
 *     fresh (what `drmm worker` runs then), else worker.ts through tsx — so that the difference is
 *     the queue's, not a TypeScript compilation on one side only.
 *  3. Throughput: a 24-cell experiment (erm:early, erm:intermediate, mm-dro:intermediate × 8 seeds on
 *     `drmm simulate` data, 300 rows, --epochs 2 --min-steps 10, cpu backend) run locally (one
 *     training process at a time, the default; before and after the lab runs, as the machine's other
 *     load drifts) and on the lab queue with 1, 2 and 3 worker processes. The machine's cores are
 *     shared by all of them: expect a plateau at the core count.
 *
 * Into RESULTS.md: `npm run bench -- --only distributed`. Printed only: `node --import tsx
 * bench/distributed.ts [--quick]` (--quick: 9 cells instead of 24).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { generateLabKey, writeKeyFile } from '../core/distributed/envelope';
import { LabQueue } from '../core/distributed/host';
import { labHostId } from '../core/distributed/layout';
import { parseQueueUrl } from '../core/distributed/queue-url';
import { ChildProcessLauncher } from '../core/jobs/launcher';
import { JobQueue } from '../core/jobs/queue';
import { Store } from '../core/store/store';
import { redisMissing, startRedis, type TestRedis } from '../tests/distributed/redis-server';
import type { BenchRow, BenchSection } from './types';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DRMM = path.join(ROOT, 'bin', 'drmm.js');

const median = (xs: number[]) => { const s = xs.slice().sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const quantile = (xs: number[], q: number) => { const s = xs.slice().sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(q * s.length))]; };

// ─────────────────────────────── 1. engine round trip ───────────────────────────────

async function bullmqRoundTrip(redis: TestRedis, n: number): Promise<number[]> {
  const connection = { host: '127.0.0.1', port: redis.port, username: 'drmm', password: redis.password, maxRetriesPerRequest: null };
  const q = new Queue('bench-rt', { connection, prefix: 'bench' });
  const events = new QueueEvents('bench-rt', { connection, prefix: 'bench' });
  const w = new Worker('bench-rt', async () => 'ok', { connection, prefix: 'bench', concurrency: 1 });
  await Promise.all([q.waitUntilReady(), events.waitUntilReady(), w.waitUntilReady()]);
  const waits = new Map<string, () => void>();
  events.on('completed', ({ jobId }) => waits.get(jobId)?.());
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = `j${i}`;
    const done = new Promise<void>((r) => waits.set(id, r));
    const t0 = performance.now();
    await q.add('x', { i }, { jobId: id, removeOnComplete: true });
    await done;
    ms.push(performance.now() - t0);
  }
  await w.close();
  await events.close();
  await q.obliterate({ force: true }).catch(() => undefined);
  await q.close();
  return ms;
}

async function listsRoundTrip(redis: TestRedis, n: number): Promise<number[]> {
  const opts = { host: '127.0.0.1', port: redis.port, username: 'drmm', password: redis.password };
  const producer = new Redis(opts);
  const consumer = new Redis(opts);
  const replies = new Redis(opts);
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      const job = await consumer.blmove('bench:list:wait', 'bench:list:active', 'RIGHT', 'LEFT', 1);
      if (!job) continue;
      await consumer.multi().lrem('bench:list:active', 1, job).lpush(`bench:list:reply`, job).exec();
    }
  })();
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await producer.lpush('bench:list:wait', JSON.stringify({ i }));
    await replies.brpop('bench:list:reply', 5);
    ms.push(performance.now() - t0);
  }
  stop = true;
  await loop;
  producer.disconnect(); consumer.disconnect(); replies.disconnect();
  return ms;
}

// ─────────────────────────────── 2 & 3. cells ───────────────────────────────

/** The training-process entry `drmm` (and so `drmm worker`) uses now: the prebuilt worker.js while the prebuilt CLI is fresh, else worker.ts through tsx. */
async function cliWorkerEntry(): Promise<{ launcher: ChildProcessLauncher; label: string }> {
  const { prebuiltEntry } = (await import(pathToFileURL(path.join(ROOT, 'bin', 'prebuilt.js')).href)) as { prebuiltEntry(): string | null };
  const entry = prebuiltEntry();
  if (!entry) return { launcher: new ChildProcessLauncher(), label: 'worker.ts through tsx (the prebuilt CLI is stale or missing)' };
  const file = path.join(path.dirname(fileURLToPath(entry)), 'worker.js');
  return { launcher: new ChildProcessLauncher({ workerPath: file }), label: `the prebuilt ${path.relative(ROOT, file)}` };
}

/** Builds the prebuilt CLI when stale (as `npm install` does), so the figures are of the bundle the app runs; a failed build leaves the sources (said in the notes). */
async function freshPrebuilt(notes: string[]): Promise<void> {
  try {
    const { buildCli } = (await import(pathToFileURL(path.join(ROOT, 'scripts', 'build-cli.mjs')).href)) as { buildCli(o: object): Promise<unknown> };
    await buildCli({ quiet: true, ifStale: true });
  } catch (e) {
    notes.push(`The prebuilt CLI could not be built (${(e as Error).message.split('\n')[0]}): every process ran the TypeScript sources through tsx.`);
  }
}

function startWorkers(url: string, keyFile: string, n: number, dir: string): ChildProcess[] {
  return Array.from({ length: n }, (_, i) => spawn(process.execPath, [DRMM, 'worker', '--key-file', keyFile, '--dir', path.join(dir, `w${i}`), '--name', `bench-${i}`], {
    stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, DRMM_QUEUE_URL: url },
  }));
}

async function stopWorkers(ws: ChildProcess[]): Promise<void> {
  await Promise.all(ws.map((w) => new Promise<void>((r) => { if (w.exitCode !== null) { r(); return; } w.once('exit', () => r()); w.kill('SIGINT'); })));
}

/** Wall time per cell of the diagnostic job (start-up and bookkeeping only): local queue vs lab queue. */
async function perCellOverhead(redis: TestRedis, work: string, cells: number): Promise<{ local: number[]; lab: number[]; transit: number[]; entry: string }> {
  const config = { method: 'erm', diagnostic: { epochs: 1, stepsPerEpoch: 1, stepMs: 1 } };
  const bytes = Buffer.from('bench dataset'); // not a dataset: the diagnostic job evaluates nothing
  const { launcher, label } = await cliWorkerEntry();
  const out = { local: [] as number[], lab: [] as number[], transit: [] as number[], entry: label };
  // Local: the JobQueue as the app uses it (a spare process started ahead of the next run), training processes from the entry `drmm worker` uses.
  {
    const store = Store.open(path.join(work, 'ovh-local'));
    const ds = store.importDataset({ name: 'b', spec: {}, files: [], cache: bytes }).dataset;
    const q = new JobQueue({ store, job: 'diagnostic', keepWarm: true, launcher }); // as the app runs it: a process kept ready
    await q.warmUp('diagnostic');
    for (let i = 0; i < cells; i++) {
      const t0 = performance.now();
      await q.waitFor(q.enqueue({ datasetId: ds.id, config }).id);
      out.local.push(performance.now() - t0);
    }
    await q.shutdown();
    store.close();
  }
  // Lab queue: one `drmm worker` (which keeps a training process started ahead, the same way).
  {
    const keyFile = path.join(work, 'ovh.key');
    const key = generateLabKey();
    writeKeyFile(keyFile, key);
    const dir = path.join(work, 'ovh-lab');
    const store = Store.open(dir);
    const ds = store.importDataset({ name: 'b', spec: {}, files: [], cache: bytes }).dataset;
    const q = new JobQueue({ store, job: 'diagnostic', prelaunch: false });
    const lab = await LabQueue.connect({ address: parseQueueUrl(redis.url), key, hostId: labHostId(dir), store, queue: q, log: () => undefined });
    const ws = startWorkers(redis.url, keyFile, 1, path.join(work, 'ovh-workers'));
    await q.waitFor(q.enqueue({ datasetId: ds.id, config, remote: lab }).id); // the worker is up and has the dataset
    for (let i = 0; i < cells; i++) {
      const t0 = performance.now();
      const run = await q.waitFor(q.enqueue({ datasetId: ds.id, config, remote: lab }).id);
      out.lab.push(performance.now() - t0);
      // The queue's own part: the host's dispatch → recorded, minus the worker's taken → outcome.
      if (run.timings?.labMs !== undefined && run.timings.labCellMs !== undefined) out.transit.push(run.timings.labMs - run.timings.labCellMs);
    }
    await q.shutdown();
    await lab.close();
    store.close();
    await stopWorkers(ws);
  }
  return out;
}

interface ThroughputRun { label: string; seconds: number; cells: number; cellsPerMinute: number; ok: boolean; cpuPerCell: number }

function experimentSeconds(dataDir: string): { seconds: number; ok: boolean; cells: number; cpuPerCell: number } {
  const db = new Database(path.join(dataDir, 'history.sqlite'), { readonly: true });
  try {
    const r = db.prepare(`SELECT MIN(created_at) AS t0, MAX(finished_at) AS t1, COUNT(*) AS n, SUM(status = 'succeeded') AS ok FROM runs`).get() as { t0: number; t1: number; n: number; ok: number };
    // CPU of each cell's training process from its `start` (robust to the machine's other load).
    const cpu = (db.prepare('SELECT timings FROM runs').all() as { timings: string | null }[]).map((x) => Number((JSON.parse(x.timings ?? '{}') as { runCpuMs?: number }).runCpuMs)).filter(Number.isFinite);
    return { seconds: (r.t1 - r.t0) / 1000, ok: r.ok === r.n, cells: r.n, cpuPerCell: cpu.length ? cpu.reduce((a, b) => a + b, 0) / cpu.length / 1000 : NaN };
  } finally {
    db.close();
  }
}

async function throughput(redis: TestRedis, work: string, seeds: number, workers: number[]): Promise<ThroughputRun[]> {
  const sim = path.join(work, 'sim');
  const s = spawnSync(process.execPath, [DRMM, 'simulate', '--out', sim, '--seed', '3', '--rows', '300'], { encoding: 'utf8' });
  if (s.status !== 0) throw new Error(`drmm simulate failed: ${s.stderr}`);
  const grid = ['experiment', '--spec', path.join(sim, 'spec.json'), '--methods', 'erm:early,erm:intermediate,mm-dro:intermediate', '--seeds', String(seeds),
    '--epochs', '2', '--min-steps', '10', '--backend', 'cpu', '--json'];
  const runs: ThroughputRun[] = [];
  const record = (label: string, dataDir: string) => {
    const e = experimentSeconds(dataDir);
    runs.push({ label, seconds: e.seconds, cells: e.cells, cellsPerMinute: (e.cells / e.seconds) * 60, ok: e.ok, cpuPerCell: e.cpuPerCell });
  };
  // Locally before and after the lab runs: the machine is shared, and its other load drifts.
  const local = (label: string) => {
    const dataDir = path.join(work, `tp-${label}`);
    const r = spawnSync(process.execPath, [DRMM, ...grid, '--data-dir', dataDir], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`local experiment failed: ${r.stderr.slice(-500)}`);
    record(label, dataDir);
  };
  local('local, first');
  const keyFile = path.join(work, 'tp.key');
  writeKeyFile(keyFile, generateLabKey());
  for (const n of workers) {
    const ws = startWorkers(redis.url, keyFile, n, path.join(work, `tp-workers-${n}`));
    const dataDir = path.join(work, `tp-lab-${n}`);
    const r = await new Promise<number>((resolve) => {
      const c = spawn(process.execPath, [DRMM, ...grid, '--data-dir', dataDir, '--queue', redis.url, '--key-file', keyFile], { stdio: ['ignore', 'ignore', 'ignore'] });
      c.on('exit', (code) => resolve(code ?? -1));
    });
    await stopWorkers(ws);
    if (r !== 0) throw new Error(`lab experiment with ${n} worker(s) exited ${r}`);
    record(`lab queue, ${n} worker process${n > 1 ? 'es' : ''}`, dataDir);
  }
  local('local, last');
  return runs;
}

export async function run(): Promise<BenchSection> {
  const why = redisMissing();
  if (why) throw new Error(`${why}.`);
  const quick = process.argv.includes('--quick');
  const work = mkdtempSync(path.join(tmpdir(), 'drmm-bench-lab-'));
  const redis = await startRedis();
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  await freshPrebuilt(notes);
  try {
    const n = 300;
    const bull = await bullmqRoundTrip(redis, n);
    const lists = await listsRoundTrip(redis, n);
    rows.push({ name: `engine round trip, empty job (median of ${n})`, ours: median(bull), reference: median(lists), unit: 'ms', ratio: median(lists) / median(bull),
      note: `BullMQ (ours) vs raw Redis lists (reference); p95 ${quantile(bull, 0.95).toFixed(2)} vs ${quantile(lists, 0.95).toFixed(2)} ms` });

    const ovh = await perCellOverhead(redis, work, quick ? 5 : 10);
    const lm = median(ovh.local), qm = median(ovh.lab);
    rows.push({ name: 'one cell of near-zero work, wall time', ours: qm, reference: lm, unit: 'ms', ratio: lm / qm,
      note: `lab queue + 1 worker on this machine (ours) vs the local job queue kept warm (reference): ${qm - lm >= 0 ? '+' : ''}${(qm - lm).toFixed(0)} ms per cell; medians of ${ovh.lab.length}; training processes from ${ovh.entry} on both sides` });
    if (ovh.transit.length) {
      rows.push({ name: 'lab queue transit per cell (dispatch → worker, result → recorded)', ours: median(ovh.transit), unit: 'ms',
        note: `host's labMs − worker's labCellMs, median of ${ovh.transit.length}; p95 ${quantile(ovh.transit, 0.95).toFixed(0)} ms` });
    }

    const tp = await throughput(redis, work, quick ? 3 : 8, [1, 2, 3]);
    const locals = tp.filter((t) => t.label.startsWith('local'));
    // Reference: the local experiment, measured before and after the lab runs (the mean of its two rates).
    const base = locals.reduce((a, t) => a + t.cellsPerMinute, 0) / locals.length;
    const cells = tp[0].cells;
    rows.push({ name: `${cells}-cell experiment: local (1 training process)`, ours: base, reference: base, unit: 'cells/min', ratio: 1,
      note: `mean of two runs, before and after the lab runs: ${locals.map((t) => `${t.seconds.toFixed(0)} s (${t.cellsPerMinute.toFixed(1)}/min)`).join(' and ')}; training-process CPU ${locals.map((t) => t.cpuPerCell.toFixed(2)).join(' / ')} s per cell${locals.every((t) => t.ok) ? '' : '; NOT every cell succeeded'}` });
    for (const t of tp.filter((x) => !x.label.startsWith('local'))) {
      rows.push({ name: `${t.cells}-cell experiment: ${t.label}`, ours: t.cellsPerMinute, reference: base, unit: 'cells/min', ratio: t.cellsPerMinute / base,
        note: `${t.seconds.toFixed(0)} s from the first cell queued to the last recorded; training-process CPU ${t.cpuPerCell.toFixed(2)} s per cell${t.ok ? '' : '; NOT every cell succeeded'}` });
    }
    notes.push(
      `Machine: ${cpus().length} logical cores shared by every worker process, the host and Redis (load average ${loadavg()[0].toFixed(2)} at the end): more workers than cores cannot add throughput here; on separate machines each worker brings its own cores.`,
      'Cells per minute from the history: the first run\'s created_at to the last run\'s finished_at (the CLI\'s start-up and the dataset import are outside). The local experiment runs before and after the lab runs; its two rates show how much the machine\'s other load drifted meanwhile. Training-process CPU per cell (runCpuMs) does not depend on that load: it shows that a cell does the same work on a worker as here.',
      'Overhead per cell = (dispatch → sealed dataset check → worker takes it → training process → sealed result → host records it) minus the same run through the local queue; both keep a training process started ahead.',
    );
  } finally {
    await redis.stop();
    rmSync(work, { recursive: true, force: true });
  }
  return { title: 'Lab queue: engine round trip, per-cell overhead, throughput with 1–3 workers', rows, notes };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const s = await run();
  for (const r of s.rows) console.log(`${r.name}: ${r.ours.toFixed(2)} ${r.unit} (reference ${r.reference?.toFixed(2) ?? '—'}; ratio ${r.ratio?.toFixed(2) ?? '—'}) ${r.note ?? ''}`);
  for (const n of s.notes) console.log(`- ${n}`);
}

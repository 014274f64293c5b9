/**
 * An experiment spread over "machines" through the lab queue, end to end with the real commands:
 * a Redis server started for the test (loopback, ACL user + password), two `drmm worker` processes
 * with separate folders, and `drmm experiment --queue` as the host — on tiny simulated data
 * (`drmm simulate`, 300 rows; --epochs 2 --min-steps 10).
 *
 *  1. The 2 × 3 experiment (erm:early, mm-dro:intermediate × seeds 0–2) run locally, for reference.
 *  2. The same experiment on the lab queue while worker A is killed (SIGKILL) in the middle of a
 *     cell: that cell goes back to the queue after the stall timeout and completes on worker B; the
 *     results equal the local ones (same engine, cpu backend); one row per cell, no duplicate
 *     epoch/artifact rows; `PRAGMA integrity_check` ok.
 *  3. The host killed (SIGKILL) while cells run: the workers finish, the results wait in Redis,
 *     `drmm experiments collect ID` records them.
 *  4. A worker with another key: the cell fails with the reason; no value stored anywhere in Redis
 *     holds a feature value of the data (its float32 bytes, its decimal text).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLabKey, writeKeyFile } from '../../core/distributed/envelope';
import { resultsQueueName } from '../../core/distributed/layout';
import { redisMissing, startRedis, type TestRedis } from './redis-server';

const missing = redisMissing();
if (missing) console.warn(`tests/distributed/two-machines.test.ts skipped: ${missing}`);

const root = path.resolve(__dirname, '../..');
const DRMM = path.join(root, 'bin/drmm.js');
const work = mkdtempSync(path.join(tmpdir(), 'drmm-two-machines-'));
const spec = path.join(work, 'sim', 'spec.json');
const keyFile = path.join(work, 'lab.key');
const hostDir = path.join(work, 'host');
const grid = (methods = 'erm:early,mm-dro:intermediate', seeds = '3') => ['--spec', spec, '--methods', methods, '--seeds', seeds, '--epochs', '2', '--min-steps', '10', '--backend', 'cpu', '--json'];
const GRID = grid();
const STALL_S = 4;

let redis: TestRedis;
const children: ChildProcess[] = [];

interface Done { code: number; stdout: string; stderr: string }

function drmm(args: string[], env: NodeJS.ProcessEnv = {}): Done {
  const r = spawnSync(process.execPath, [DRMM, ...args], { encoding: 'utf8', timeout: 900_000, maxBuffer: 64 << 20, env: { ...process.env, ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function start(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess & { out: { stdout: string; stderr: string }; done: Promise<Done> } {
  const child = spawn(process.execPath, [DRMM, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  children.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d) => (out.stdout += d));
  child.stderr!.on('data', (d) => (out.stderr += d));
  const done = new Promise<Done>((resolve) => child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : -1), ...out })));
  return Object.assign(child, { out, done });
}

/** A `drmm worker` (the queue URL through the environment, as the help recommends, for worker A). */
function worker(name: string, opts: { key?: string; viaEnv?: boolean } = {}) {
  const dir = path.join(work, `worker-${name}`);
  const base = ['worker', '--key-file', opts.key ?? keyFile, '--dir', dir, '--name', name, '--stall-timeout', String(STALL_S)];
  const w = opts.viaEnv ? start(base, { DRMM_QUEUE_URL: redis.url }) : start([...base, '--queue', redis.url]);
  return Object.assign(w, { name, dir });
}

async function until<T>(what: string, probe: () => T | undefined | false, ms = 300_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A read-only look at a history (undefined while it does not exist yet). */
function query<T>(dataDir: string, sql: string, ...args: unknown[]): T[] | undefined {
  try {
    const db = new Database(path.join(dataDir, 'history.sqlite'), { readonly: true, fileMustExist: true });
    try { return db.prepare(sql).all(...args) as T[]; } finally { db.close(); }
  } catch {
    return undefined;
  }
}

function integrity(dataDir: string): string {
  const db = new Database(path.join(dataDir, 'history.sqlite'), { readonly: true });
  try { return db.pragma('integrity_check', { simple: true }) as string; } finally { db.close(); }
}

function metricValues(json: { configurations: { label: string; metrics: Record<string, { values: number[] }> }[] }) {
  return Object.fromEntries(json.configurations.map((c) => [c.label, Object.fromEntries(Object.entries(c.metrics).map(([k, v]) => [k, v.values]))]));
}

function expectClose(a: unknown, b: unknown, where = ''): void {
  if (typeof a === 'number' && typeof b === 'number') { expect(Math.abs(a - b), `${where}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(a))); return; }
  if (Array.isArray(a) && Array.isArray(b)) { expect(a.length, where).toBe(b.length); a.forEach((x, i) => expectClose(x, b[i], `${where}[${i}]`)); return; }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    expect(Object.keys(a).sort(), where).toEqual(Object.keys(b).sort());
    for (const k of Object.keys(a)) expectClose((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${where}.${k}`);
    return;
  }
  expect(a, where).toEqual(b);
}

describe.skipIf(missing !== undefined)('two lab workers, one host, through a Redis server (drmm worker, drmm experiment --queue)', () => {
  let local: { configurations: { label: string; metrics: Record<string, { values: number[] }> }[]; runs: { runId: number }[] };
  let a: ReturnType<typeof worker>;
  let b: ReturnType<typeof worker>;

  beforeAll(async () => {
    redis = await startRedis();
    const sim = drmm(['simulate', '--out', path.join(work, 'sim'), '--seed', '1', '--rows', '300']);
    expect(sim.code, sim.stderr).toBe(0);
    writeKeyFile(keyFile, generateLabKey()); // the host's key, "copied" to the workers
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await redis?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('runs the 2 × 3 experiment locally (the reference)', () => {
    const r = drmm(['experiment', ...GRID, '--data-dir', path.join(work, 'local')]);
    expect(r.code, r.stderr).toBe(0);
    local = JSON.parse(r.stdout);
    expect(local.runs).toHaveLength(6);
  }, 900_000);

  it('runs it on two workers, one killed mid-cell: its cell completes on the other; results equal the local run; no duplicate rows', async () => {
    a = worker('worker-a', { viaEnv: true });
    b = worker('worker-b');
    const host = start(['experiment', ...GRID, '--data-dir', hostDir, '--queue', redis.url, '--key-file', keyFile]);
    // Worker A, in the middle of a cell: at least one epoch of it recorded by the host.
    const victim = await until('worker A to be mid-cell', () => query<{ id: number }>(hostDir,
      `SELECT r.id FROM runs r WHERE r.status = 'running' AND r.worker_host = 'worker-a' AND EXISTS (SELECT 1 FROM run_epochs e WHERE e.run_id = r.id)`)?.[0]);
    a.kill('SIGKILL');
    const r = await host.done;
    expect(r.code, r.stderr).toBe(0);
    const remote = JSON.parse(r.stdout);
    expect(remote.status).toBe('succeeded');
    expect(remote.runs.map((x: { status: string }) => x.status)).toEqual(Array(6).fill('succeeded'));
    // The killed cell ran again on worker B, and only its run row exists.
    const rows = query<{ id: number; worker_host: string; lab_queue: string; backend: string; status: string }>(hostDir, 'SELECT id, worker_host, lab_queue, backend, status FROM runs ORDER BY id')!;
    expect(rows).toHaveLength(6);
    expect(rows.find((x) => x.id === victim.id)!.worker_host).toBe('worker-b');
    // Every cell was recorded as run by a worker (A may have finished some before it was killed).
    expect(rows.every((x) => x.worker_host === 'worker-a' || x.worker_host === 'worker-b')).toBe(true);
    for (const x of rows) {
      expect(x.lab_queue).toBe(`redis://drmm@127.0.0.1:${redis.port}/0`);
      expect(x.backend).toBe('cpu');
    }
    expect(r.stderr).toMatch(/@ worker-b/); // the progress lines name the machine
    // Results identical to the local run (to engine tolerance: the same cpu engine gives the same numbers).
    expectClose(metricValues(remote), metricValues(local), 'metrics');
    expectClose(remote.comparisons.map((c: { meanDiff: number }) => c.meanDiff), (local as unknown as { comparisons: { meanDiff: number }[] }).comparisons.map((c) => c.meanDiff), 'comparisons');
    // No duplicate rows: one result, one model and its two reports per run; epochs as many as locally.
    const arts = query<{ run_id: number; kind: string; n: number }>(hostDir, 'SELECT run_id, kind, COUNT(*) AS n FROM artifacts GROUP BY run_id, kind')!;
    expect(arts.every((x) => x.n === 1)).toBe(true);
    expect(arts.filter((x) => x.kind === 'model')).toHaveLength(6);
    // The evaluation came back whole: each run's report was stored from it, as for a local run.
    expect(arts.filter((x) => x.kind === 'report-html')).toHaveLength(6);
    expect(arts.filter((x) => x.kind === 'report-json')).toHaveLength(6);
    expect(query<{ n: number }>(hostDir, 'SELECT COUNT(*) AS n FROM run_results')![0].n).toBe(6);
    const epochs = (dir: string) => query<{ run_id: number; n: number }>(dir, 'SELECT run_id, COUNT(*) AS n FROM run_epochs GROUP BY run_id ORDER BY run_id')!.map((x) => x.n);
    expect(epochs(hostDir)).toEqual(epochs(path.join(work, 'local')));
    expect(integrity(hostDir)).toBe('ok');
    // The model files came back: the same files as the same cell's model trained here.
    const modelFiles = (dataDir: string) => readdirSync(path.join(dataDir, 'runs', String(victim.id), 'model')).sort();
    expect(modelFiles(hostDir)).toContain('model.json');
    expect(modelFiles(hostDir)).toEqual(modelFiles(path.join(work, 'local')));
  }, 900_000);

  it('collects the results after the host was killed while cells ran', async () => {
    a = worker('worker-a'); // back, with its dataset copy
    const host = start(['experiment', ...grid('erm:early', '2'), '--name', 'restart', '--data-dir', hostDir, '--queue', redis.url, '--key-file', keyFile]);
    const exp = await until('a cell of the new experiment to run', () => query<{ experiment_id: number }>(hostDir, `SELECT experiment_id FROM runs WHERE status = 'running' AND experiment_id = (SELECT MAX(id) FROM experiments)`)?.[0]);
    host.kill('SIGKILL');
    await host.done;
    // The workers go on; the results wait in Redis for the host.
    const hostId = readFileSync(path.join(hostDir, 'lab-host-id'), 'utf8').trim();
    const results = new Queue(resultsQueueName(hostId), { connection: { host: '127.0.0.1', port: redis.port, username: 'drmm', password: redis.password }, prefix: 'drmm' });
    try {
      const end = Date.now() + 300_000;
      for (;;) {
        const c = await results.getJobCounts('waiting');
        if ((c.waiting ?? 0) >= 2) break;
        if (Date.now() > end) throw new Error('the results did not arrive');
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      await results.close();
    }
    expect(query<{ status: string }>(hostDir, 'SELECT status FROM runs WHERE experiment_id = ?', exp.experiment_id)!.every((x) => x.status === 'running' || x.status === 'queued')).toBe(true);
    const r = drmm(['experiments', 'collect', String(exp.experiment_id), '--queue', redis.url, '--key-file', keyFile, '--json', '--data-dir', hostDir]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.runs.map((x: { status: string }) => x.status)).toEqual(['succeeded', 'succeeded']);
    const rows = query<{ worker_host: string | null }>(hostDir, 'SELECT worker_host FROM runs WHERE experiment_id = ?', exp.experiment_id)!;
    expect(rows).toHaveLength(2);
    expect(rows.every((x) => x.worker_host === 'worker-a' || x.worker_host === 'worker-b')).toBe(true);
    expect(query<{ n: number }>(hostDir, `SELECT COUNT(*) AS n FROM artifacts a JOIN runs r ON r.id = a.run_id WHERE r.experiment_id = ? AND a.kind = 'model'`, exp.experiment_id)![0].n).toBe(2);
    expect(integrity(hostDir)).toBe('ok');
  }, 900_000);

  it('a worker with another key fails the cell with the reason; Redis holds no feature value in clear', async () => {
    for (const w of [a, b]) w.kill('SIGINT'); // graceful: idle, they stop at once
    for (const w of [a, b]) expect((await w.done).code).toBe(0);
    const otherKey = path.join(work, 'other.key');
    writeKeyFile(otherKey, generateLabKey());
    const intruder = worker('intruder', { key: otherKey });
    const r = drmm(['experiment', ...grid('erm:early', '1,'), '--name', 'wrong key', '--data-dir', hostDir, '--queue', redis.url, '--key-file', keyFile]);
    expect(r.code, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.runs[0].status).toBe('failed');
    expect(out.runs[0].error).toMatch(/Lab worker intruder could not open this cell: this worker holds lab key [0-9a-f]{16}, but the cell was sealed with key [0-9a-f]{16}/);
    intruder.kill('SIGINT');
    await intruder.done;
    expect(intruder.out.stderr).toMatch(/refused/);

    // A known feature value: the first one of the data file, as text and as the float32 the cache holds.
    const csv = readFileSync(path.join(work, 'sim', 'data.csv'), 'utf8').split('\n');
    const text = csv[1].split(',')[1];
    expect(text).toMatch(/^-?\d+\.\d{4,}$/);
    const f32 = Buffer.from(new Float32Array([Number(text)]).buffer);
    const cacheDir = path.join(hostDir, 'cache');
    const cache = readFileSync(path.join(cacheDir, readdirSync(cacheDir).find((f) => f.endsWith('.bin'))!));
    expect(cache.includes(f32)).toBe(true); // the probe finds it where it is in clear
    const client = new Redis({ host: '127.0.0.1', port: redis.port, username: 'drmm', password: redis.password });
    try {
      const keys = await client.keys('*');
      expect(keys.some((k) => k.includes(':data:'))).toBe(true); // the dataset is there, sealed
      let scanned = 0;
      for (const k of keys) {
        const type = await client.type(k);
        const values: Buffer[] =
          type === 'string' ? [(await client.getBuffer(k))!]
          : type === 'hash' ? Object.values(await client.hgetallBuffer(k))
          : type === 'list' ? await client.lrangeBuffer(k, 0, -1)
          : type === 'set' ? await client.smembersBuffer(k)
          : type === 'zset' ? await client.zrangeBuffer(k, '0', '-1')
          : type === 'stream' ? (await client.xrangeBuffer(k, '-', '+')).flatMap(([, f]) => f)
          : [];
        for (const v of values) {
          scanned += v.length;
          expect(v.includes(f32), `${k} holds the float32 bytes of ${text}`).toBe(false);
          expect(v.includes(Buffer.from(text)), `${k} holds the text ${text}`).toBe(false);
        }
      }
      expect(scanned).toBeGreaterThan(cache.length);
    } finally {
      client.disconnect();
    }
  }, 900_000);
});

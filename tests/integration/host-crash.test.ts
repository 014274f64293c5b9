/**
 * The history survives a kill -9 of the host: during a write-heavy loop (every run the host
 * reported as committed is there, intact; integrity ok), and while a run trains (on restart the
 * run becomes `interrupted`, its training process has gone, the queue works again).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { JobQueue } from '../../core/jobs/queue';
import { isProcessAlive, Store } from '../../core/store/store';

const here = path.dirname(fileURLToPath(import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const dirs: string[] = [];
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'drmm-host-'));
  dirs.push(d);
  return d;
}

/** Starts a fixture host; `onLine` sees each stdout line; resolves when the host has died. */
function startHost(fixture: string, dataDir: string, onLine: (line: string, child: ChildProcess) => void): Promise<{ signal: string | null }> {
  const child = spawn(process.execPath, ['--import', tsx, path.join(here, 'fixtures', fixture), dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let buf = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => {
    buf += s;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      onLine(line, child);
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => { err += s; });
  return new Promise((resolve, reject) => {
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve({ signal }) : reject(new Error(`host exited ${code} ${signal}: ${err}`))));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('host killed with SIGKILL', () => {
  it('during a write-heavy loop: reopen, integrity ok, every committed run present and complete', async () => {
    const dataDir = tempDir();
    const committed: number[] = [];
    // Three kills at different points of the loop, on the same database.
    for (const killAfter of [25, 60, 97]) {
      const before = committed.length;
      await startHost('write-loop-host.ts', dataDir, (line, child) => {
        const m = /^committed (\d+) (\d+)$/.exec(line);
        if (m) committed.push(Number(m[1]));
        if (committed.length - before === killAfter) child.kill('SIGKILL');
      });
      expect(committed.length - before).toBeGreaterThanOrEqual(killAfter);

      const store = Store.open(dataDir);
      try {
        expect(store.integrityCheck()).toBe('ok');
        const runs = new Map(store.listRuns({ includeResults: true }).map((r) => [r.id, r]));
        for (const id of committed) {
          const r = runs.get(id);
          expect(r, `run ${id} reported committed`).toBeDefined();
          expect(r!.status).toBe('succeeded');
          expect(r!.tags).toContain('loop');
          expect((r!.results as { acc: number }).acc).toBeTypeOf('number');
          expect(store.getRunEpochs(id).map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        }
        // The store still takes writes after the crash.
        store.setNotes(committed[0], 'survived');
        expect(store.getRun(committed[0]).notes).toBe('survived');
      } finally {
        store.close();
      }
    }
  });

  it('while a run trains: on restart that run and the queued one are interrupted, the training process is gone', async () => {
    const dataDir = tempDir();
    let info: { runId: number; workerPid: number; waitingId: number } | undefined;
    await startHost('queue-host.ts', dataDir, (line, child) => {
      const m = /^running (\d+) (\d+) (\d+)$/.exec(line);
      if (m) {
        info = { runId: Number(m[1]), workerPid: Number(m[2]), waitingId: Number(m[3]) };
        child.kill('SIGKILL');
      }
    });
    expect(info).toBeDefined();
    // The orphaned training process notices the host's IPC channel closing and exits.
    for (let i = 0; i < 100 && isProcessAlive(info!.workerPid); i++) await sleep(50);
    expect(isProcessAlive(info!.workerPid)).toBe(false);

    const store = Store.open(dataDir);
    try {
      expect(store.getRun(info!.runId).status).toBe('running'); // as the dead host left it
      const queue = new JobQueue({ store, job: 'diagnostic' });
      expect(queue.interruptedOnStartup.sort()).toEqual([info!.runId, info!.waitingId].sort());
      const r = store.getRun(info!.runId);
      expect(r.status).toBe('interrupted');
      expect(r.error).toMatch(/stopped while this run was training/);
      expect(store.getRunEpochs(r.id).length).toBeGreaterThanOrEqual(1);
      expect(store.getRun(info!.waitingId).status).toBe('interrupted');
      expect(store.integrityCheck()).toBe('ok');
      const again = queue.enqueue({ datasetId: r.datasetId, config: { method: 'erm', diagnostic: { epochs: 1, stepsPerEpoch: 2, stepMs: 1 } } });
      expect((await queue.waitFor(again.id)).status).toBe('succeeded');
    } finally {
      store.close();
    }
  });
});

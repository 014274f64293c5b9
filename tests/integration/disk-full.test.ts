/**
 * A full disk must not corrupt the history, hang a run or leave litter (hardening issue,
 * finding 4). Faults are injected where the store writes — its file-system seam (StoreOptions.fs),
 * SQLite's own page limit (a genuine SQLITE_FULL), and the store's finishRun — not left to luck;
 * where this machine allows it (root, tmpfs), a really full file system is used too.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isDrmmError } from '../../core/errors';
import { JobQueue } from '../../core/jobs/queue';
import { Store } from '../../core/store/store';
import { NODE_FS, type StoreFs } from '../../core/store/write-errors';

const BIG_RESULT_JOB = path.resolve(__dirname, 'fixtures/big-result-job.ts');
const FILE = { path: 'data.csv', sha256: 'c'.repeat(64), bytes: 1234 };
const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 });
const sqliteFull = () => Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });

/** node:fs, except that writes fail with ENOSPC once `room` bytes have been written (partly, like a real disk). */
function diskWithRoom(room: number): StoreFs {
  let left = room;
  return {
    ...NODE_FS,
    writeSync(fd, data, offset, length) {
      if (left <= 0) throw enospc();
      const n = NODE_FS.writeSync(fd, data, offset, Math.min(length, left));
      left -= n;
      return n;
    },
  };
}

const tempFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.includes('.tmp-')) : []);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'drmm-full-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('a full disk during import', () => {
  it('says so in one plain error, stores nothing and leaves no temporary file', () => {
    const store = Store.open(dir, { fs: diskWithRoom(4096) });
    try {
      const err = (() => {
        try {
          store.importDataset({ name: 'big', spec: { x: 1 }, files: [FILE], cache: Buffer.alloc(200_000, 7) });
        } catch (e) {
          return e;
        }
      })();
      expect(isDrmmError(err) && err.code).toBe('DISK_FULL');
      expect((err as Error).message).toMatch(/^Disk full \(ENOSPC\) while writing the parsed data of 'big' \(cache\/[0-9a-f]+\.bin\)\.$/);
      expect(tempFiles(path.join(dir, 'cache'))).toEqual([]);
      expect(store.listDatasets()).toEqual([]);
      expect(store.integrityCheck()).toBe('ok');
    } finally {
      store.close();
    }
  });

  it('temporary files a killed writer left behind are removed at the next open (a live writer keeps its own)', () => {
    mkdirSync(path.join(dir, 'cache'), { recursive: true });
    const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    writeFileSync(path.join(dir, 'cache', `abc.bin.tmp-${dead}-0a1b2c3d`), 'half');
    writeFileSync(path.join(dir, 'cache', `def.bin.tmp-${process.pid}-0a1b2c3d`), 'in progress');
    Store.open(dir).close();
    expect(tempFiles(path.join(dir, 'cache'))).toEqual([`def.bin.tmp-${process.pid}-0a1b2c3d`]);
  });

  const canMount = process.getuid?.() === 0 && spawnSync('mount', ['--version']).status === 0;
  it.skipIf(!canMount)('on a really full file system (a 1 MiB tmpfs) too', () => {
    const mnt = path.join(dir, 'small');
    mkdirSync(mnt);
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]).status !== 0) {
      console.log('disk-full.test: cannot mount a tmpfs here — real full-disk case skipped');
      return;
    }
    try {
      const store = Store.open(mnt);
      try {
        expect(() => store.importDataset({ name: 'big', spec: { x: 1 }, files: [FILE], cache: Buffer.alloc(2_000_000, 7) })).toThrow(/^Disk full \(ENOSPC\)/);
        expect(tempFiles(path.join(mnt, 'cache'))).toEqual([]);
        expect(store.integrityCheck()).toBe('ok');
      } finally {
        store.close();
      }
    } finally {
      spawnSync('umount', [mnt]);
    }
  });
});

describe('a full disk when a run ends', () => {
  let store: Store;
  let queue: JobQueue | undefined;
  beforeEach(() => {
    store = Store.open(dir);
  });
  afterEach(async () => {
    await queue?.shutdown();
    queue = undefined;
    store.close();
  });

  const datasetId = () => store.importDataset({ name: 'd', spec: { x: 1 }, files: [FILE], cache: Buffer.from('cache') }).dataset.id;

  it('SQLite full when storing the results: the run is failed with the real reason and its orphan files are gone', async () => {
    const id = datasetId();
    queue = new JobQueue({ store, job: BIG_RESULT_JOB, prelaunch: false });
    const run = queue.enqueue({ datasetId: id, config: { method: 'erm' } });
    // No new database page from here on: the ≈300 KB results cannot be stored, a status update still can.
    const pages = store.db.pragma('page_count', { simple: true }) as number;
    store.db.pragma(`max_page_count = ${pages}`);
    const done = await queue.waitFor(run.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/Disk full \(SQLITE_FULL\) while writing the outcome of run #\d+/);
    const reread = Store.open(dir, { readonly: true });
    try {
      expect(reread.getRun(run.id)).toMatchObject({ status: 'failed', error: done.error });
      expect(reread.integrityCheck()).toBe('ok');
    } finally {
      reread.close();
    }
    expect(existsSync(store.runDir(run.id))).toBe(false); // the model no stored row points at
  });

  it('every write fails while the run’s files fill the disk: they are removed and the failure is recorded', async () => {
    const id = datasetId();
    queue = new JobQueue({ store, job: BIG_RESULT_JOB, prelaunch: false });
    const realFinish = store.finishRun.bind(store);
    store.finishRun = (runId, fin) => {
      if (existsSync(store.runDir(runId))) throw sqliteFull(); // the disk is full as long as the run's folder is there
      return realFinish(runId, fin);
    };
    const run = queue.enqueue({ datasetId: id, config: { method: 'erm' } });
    const done = await queue.waitFor(run.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/Disk full \(SQLITE_FULL\)/);
    expect(store.getRun(run.id)).toMatchObject({ status: 'failed', error: done.error });
  });

  it('nothing can be written at all: waiters still get the failure and its reason, never a run left “running”', async () => {
    const id = datasetId();
    queue = new JobQueue({ store, job: BIG_RESULT_JOB, prelaunch: false });
    const realFinish = store.finishRun.bind(store);
    store.finishRun = () => {
      throw sqliteFull();
    };
    const run = queue.enqueue({ datasetId: id, config: { method: 'erm' } });
    const done = await queue.waitFor(run.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/Disk full \(SQLITE_FULL\) while writing the outcome of run #\d+/);
    expect(await queue.waitFor(run.id)).toMatchObject({ status: 'failed' });
    // Space comes back before the host closes: the failure is written then, with its reason.
    store.finishRun = realFinish;
    await queue.shutdown();
    expect(store.getRun(run.id)).toMatchObject({ status: 'failed', error: done.error });
  });
});

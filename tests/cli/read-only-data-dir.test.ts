/**
 * A read-only data directory (hardening issue, finding 7): the read commands work — the history
 * is opened read-only, without migrations or WAL writes, even though SQLite cannot create the
 * `-shm` file there — and every writer refuses in one line that says the folder is read-only.
 *
 * Tests run as root here, and chmod does not stop root, so the folder is made read-only with a
 * read-only bind mount when this machine allows mounts (root), with chmod otherwise (non-root);
 * where neither applies the CLI part is skipped with a line saying so. The store's own fallback is
 * also exercised in-process through its file-system seam (a simulated EROFS).
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDrmmError } from '../../core/errors';
import { ChildProcessLauncher } from '../../core/jobs/launcher';
import { Store } from '../../core/store/store';
import { NODE_FS } from '../../core/store/write-errors';
import { createAppServices } from '../../main/services/app-services';
import { evaluationFor, nullHost } from '../hosts/fixtures';

const root = path.resolve(__dirname, '../..');
const work = mkdtempSync(path.join(tmpdir(), 'drmm-ro-'));
const source = path.join(work, 'data');
const READ_ONLY_LINE = /^drmm: error: The data directory .+ is read-only; /;

/** A history with one dataset and one succeeded run that has a readable evaluation, closed cleanly (no -wal, no -shm). */
async function makeHistory(dir: string): Promise<number> {
  const svc = await createAppServices({ dataDir: dir, launcher: new ChildProcessLauncher(), host: nullHost(), job: 'diagnostic' });
  try {
    writeFileSync(path.join(work, 'tiny.csv'), 'a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n');
    const ds = await svc.imports.save({ name: 'tiny', spec: { name: 'tiny', files: [{ path: 'tiny.csv' }], target: 'label' }, baseDir: work });
    const run = svc.store.createRun({ datasetId: ds.id, config: { method: 'erm' } });
    svc.store.finishRun(run.id, { status: 'succeeded', results: {}, evaluation: evaluationFor(ds) });
    return run.id;
  } finally {
    await svc.close();
  }
}

/** Makes `dir` read-only for this process; returns the path to use and how, or null when this machine cannot. */
function readOnlyView(dir: string): { path: string; how: string; undo: () => void } | null {
  if (process.getuid?.() !== 0) {
    chmodSync(dir, 0o555);
    for (const f of readdirSync(dir)) chmodSync(path.join(dir, f), 0o444);
    return { path: dir, how: 'chmod', undo: () => chmodSync(dir, 0o755) };
  }
  const mnt = path.join(work, 'ro');
  mkdirSync(mnt);
  if (spawnSync('mount', ['--bind', '-o', 'ro', dir, mnt]).status !== 0) return null;
  // Older kernels ignore "ro" on the first bind: remount to be sure, then check that it holds.
  spawnSync('mount', ['-o', 'remount,bind,ro', mnt]);
  const probe = spawnSync('touch', [path.join(mnt, 'probe')]);
  if (probe.status === 0) {
    spawnSync('umount', [mnt]);
    return null;
  }
  return { path: mnt, how: 'read-only bind mount', undo: () => spawnSync('umount', [mnt]) };
}

function drmm(dataDir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/drmm.js'), ...args, '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    // A writer that failed to refuse (serve) would wait forever: stop it, and the test fails on its exit code.
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

let runId = 0;
let view: ReturnType<typeof readOnlyView> = null;

beforeAll(async () => {
  mkdirSync(source);
  runId = await makeHistory(source);
  expect(readdirSync(source).filter((f) => f.startsWith('history.sqlite-'))).toEqual([]); // closed cleanly: no -shm to read with
  view = readOnlyView(source);
  if (!view) console.log('read-only-data-dir.test: cannot make a folder read-only here (root without mount) — CLI cases skipped');
}, 120_000);

afterAll(() => {
  view?.undo();
  rmSync(work, { recursive: true, force: true });
});

describe('a read-only data directory', () => {
  it('the CLI reads: runs, runs show, datasets and report work, and nothing is written', async () => {
    if (!view) return;
    const before = readdirSync(view.path).sort();
    const [runs, show, datasets] = await Promise.all([drmm(view.path, 'runs', '--json'), drmm(view.path, 'runs', 'show', String(runId)), drmm(view.path, 'datasets')]);
    expect(runs.code, `${view.how}: ${runs.stderr}`).toBe(0);
    expect((JSON.parse(runs.stdout) as { id: number; status: string }[]).map((r) => [r.id, r.status])).toEqual([[runId, 'succeeded']]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`run ${runId}`);
    expect(datasets.code, datasets.stderr).toBe(0);
    expect(datasets.stdout).toContain('tiny');
    const out = path.join(work, 'report.html');
    const report = await drmm(view.path, 'report', '--runs', String(runId), '--format', 'html', '--out', out);
    expect(report.code, report.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('<html');
    expect(readdirSync(view.path).sort()).toEqual(before);
  }, 180_000);

  it('the CLI writers refuse in one line naming the read-only folder (serve included)', async () => {
    if (!view) return;
    const spec = path.join(work, 'spec.json');
    writeFileSync(spec, JSON.stringify({ name: 'other', files: [{ path: 'tiny.csv' }], target: 'label' }));
    const results = await Promise.all([
      drmm(view.path, 'runs', 'delete', String(runId)),
      drmm(view.path, 'import', '--spec', spec),
      drmm(view.path, 'serve'),
    ]);
    for (const r of results) {
      expect(r.code, r.stderr).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(READ_ONLY_LINE);
      expect(lines[0]).toContain(view.path);
    }
  }, 180_000);
});

describe('the store on a folder it cannot write (simulated EROFS through its seam)', () => {
  it('opens read-only, reads, and refuses every write with the read-only error', () => {
    const dir = path.join(work, 'seam');
    mkdirSync(dir);
    Store.open(dir).close();
    const erofs = () => {
      throw Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' });
    };
    const store = Store.open(dir, { fs: { ...NODE_FS, accessSync: erofs } });
    try {
      expect(store.readonly).toBe(true);
      expect(store.listRuns()).toEqual([]);
      const err = (() => {
        try {
          store.importDataset({ name: 'x', spec: {}, files: [], cache: Buffer.from('x') });
        } catch (e) {
          return e;
        }
      })();
      expect(isDrmmError(err) && err.code).toBe('READ_ONLY');
      expect((err as Error).message).toContain(`The data directory ${dir} is read-only`);
      expect(existsSync(path.join(dir, 'cache'))).toBe(false);
    } finally {
      store.close();
    }
  });
});

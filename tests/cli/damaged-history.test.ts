/**
 * A history whose stored JSON was edited or damaged: every command that reads the row says which
 * run and what to do (exit 2), never "internal error"; the listing says why it is empty; the run
 * can still be deleted, and the rest of the history is untouched.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChildProcessLauncher } from '../../core/jobs/launcher';
import { createAppServices } from '../../main/services/app-services';
import { evaluationFor, nullHost } from '../hosts/fixtures';

const root = path.resolve(__dirname, '../..');
const work = mkdtempSync(path.join(tmpdir(), 'drmm-damaged-'));
const dataDir = path.join(work, 'data');
let damaged = 0, healthy = 0;

function drmm(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/drmm.js'), ...args, '--data-dir', dataDir], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  const svc = await createAppServices({ dataDir, launcher: new ChildProcessLauncher(), host: nullHost(), job: 'diagnostic' });
  try {
    writeFileSync(path.join(work, 'tiny.csv'), 'a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n');
    const ds = await svc.imports.save({ name: 'tiny', spec: { name: 'tiny', files: [{ path: 'tiny.csv' }], target: 'label' }, baseDir: work });
    for (const _ of [0, 1]) {
      const run = svc.store.createRun({ datasetId: ds.id, config: { method: 'erm' } });
      svc.store.finishRun(run.id, { status: 'succeeded', results: {}, evaluation: evaluationFor(ds) });
      if (!damaged) damaged = run.id; else healthy = run.id;
    }
  } finally {
    await svc.close();
  }
  const db = new Database(path.join(dataDir, 'history.sqlite'));
  db.prepare("UPDATE run_results SET results = '{not json' WHERE run_id = ?").run(damaged);
  db.close();
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

const WHAT = new RegExp(`Run #\\d+'s stored results cannot be read: it is not valid JSON`);

describe('a damaged row in the history', () => {
  it('runs show: the run, what is wrong and what to do, exit 2', () => {
    const r = drmm('runs', 'show', String(damaged));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(WHAT);
    expect(r.stderr).toContain(`drmm runs delete ${damaged}`);
    expect(r.stderr).not.toMatch(/internal error/i);
  });

  it('report: the same clear error, nothing written', () => {
    const out = path.join(work, 'r.html');
    const r = drmm('report', '--runs', String(damaged), '--format', 'html', '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(WHAT);
    expect(r.stderr).not.toMatch(/internal error/i);
    expect(existsSync(out)).toBe(false);
  });

  it('runs: the healthy run is listed, the damaged one left out with one warning', () => {
    const r = drmm('runs');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`(^|\\n)\\s*${healthy}\\b`));
    expect(r.stderr).toMatch(new RegExp(`run #${damaged} left out of the list: Run #${damaged}'s stored results cannot be read`));
  });

  it('the damaged run can be deleted; the other stays', () => {
    expect(drmm('runs', 'delete', String(damaged)).code).toBe(0);
    const r = drmm('runs', '--json');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { id: number }[]).map((x) => x.id)).toEqual([healthy]);
    expect(r.stderr).toBe('');
  });
});

/**
 * The CLI over the history (issue: experiment history): `drmm train` records its run — with its
 * report stored beside it —, `import` stores a dataset once per content, `runs`, `runs show`,
 * `runs delete`, `datasets`, `report`, and bad input exits 2 with a message naming what to fix.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const spec = path.join(root, 'resources/samples/dermatology/spec.json');
let dataDir: string;

function drmm(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/drmm.js'), ...args, '--data-dir', dataDir], { encoding: 'utf8', timeout: 180_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'drmm-cli-history-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('drmm history commands', () => {
  it('import stores a dataset once per content', () => {
    const a = drmm('import', '--spec', spec, '--json');
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ id: 1, name: 'dermatology', nRows: 366, created: true });
    const b = drmm('import', '--spec', spec, '--json');
    expect(JSON.parse(b.stdout)).toMatchObject({ id: 1, created: false });
  });

  it('train records the run with its model and its report; runs / runs show / report / delete read it back', () => {
    const t = drmm('train', '--spec', spec, '--method', 'mm-dro', '--epochs', '3', '--min-steps', '30', '--backend', 'cpu', '--json');
    expect(t.code, t.stderr).toBe(0);
    const res = JSON.parse(t.stdout);
    expect(res).toMatchObject({ runId: 1, datasetId: 1, method: 'mm-dro', backend: 'cpu' });
    expect(res.test.accuracy).toBeGreaterThan(0.5);

    const list = JSON.parse(drmm('runs', '--json').stdout);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: 1, status: 'succeeded', method: 'mm-dro', datasetName: 'dermatology' });

    const show = JSON.parse(drmm('runs', 'show', '1', '--json').stdout);
    expect(show.epochs.length).toBeGreaterThanOrEqual(1);
    expect(show.artifacts.map((a: { kind: string }) => a.kind).sort()).toEqual(['model', 'report-html', 'report-json']);
    expect(show.backend).toBe('cpu');

    const csv = path.join(dataDir, 'metrics.csv');
    expect(drmm('report', '--runs', '1', '--format', 'csv', '--out', csv).code).toBe(0);
    const header = readFileSync(csv, 'utf8').split('\n')[0];
    expect(header).toContain('metric');

    expect(drmm('datasets', 'delete', '1').code).toBe(2); // used by a run: needs --cascade
    expect(drmm('runs', 'delete', '1').code).toBe(0);
    expect(JSON.parse(drmm('runs', '--json').stdout)).toEqual([]);
  });

  it('bad input exits 2 with a message, unknown run ids too', () => {
    const missing = drmm('train', '--spec', path.join(dataDir, 'nope.json'), '--method', 'erm');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.json.*\n\s+What to do:/);
    const method = drmm('train', '--spec', spec, '--method', 'sgd');
    expect(method.code).toBe(2);
    expect(method.stderr).toMatch(/--method must be one of erm, chi2, cvar, kl, group-dro, mm-dro/);
    const rho = drmm('train', '--spec', spec, '--method', 'mm-dro', '--rho', 'clinical=-1');
    expect(rho.code).toBe(2);
    const run = drmm('runs', 'show', '99');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/No run with id 99/);
    expect(drmm('frobnicate').code).toBe(2);
    expect(drmm('train', '--help').code).toBe(0);
  });
});

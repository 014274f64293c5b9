/**
 * Experiments through the CLI, end to end on tiny simulated data (300 rows, 20 optimiser steps):
 * `drmm experiment` runs erm:early and mm-dro:intermediate × 2 seeds through the job queue while
 * the test kills one training process (that cell fails, the others do not), and prints the JSON
 * contract; `drmm experiments`, `experiments show`, `experiments retry` (only the failed cell runs
 * again) and `drmm report --experiment ID --format json|html|csv|pdf` read the stored experiment back.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '../../core/report/pdf';

const root = path.resolve(__dirname, '../..');
const DRMM = path.join(root, 'bin/drmm.js');
const work = mkdtempSync(path.join(tmpdir(), 'drmm-cli-experiment-'));
const dataDir = path.join(work, 'data');
const spec = path.join(work, 'sim', 'spec.json');
afterAll(() => rmSync(work, { recursive: true, force: true }));

function drmm(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [DRMM, ...args, '--data-dir', dataDir], { encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `drmm …` and, once the run with id `victim` is training, kills its training process (SIGKILL). */
function drmmKillingRun(victim: number, args: string[]): Promise<{ code: number; stdout: string; stderr: string; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DRMM, ...args, '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', killed = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const poll = setInterval(() => {
      if (killed) return;
      try {
        const db = new Database(path.join(dataDir, 'history.sqlite'), { readonly: true, fileMustExist: true });
        try {
          const row = db.prepare(`SELECT worker_pid AS pid FROM runs WHERE id = ? AND status = 'running' AND worker_pid IS NOT NULL`).get(victim) as { pid: number } | undefined;
          if (row) { process.kill(row.pid, 'SIGKILL'); killed = true; }
        } finally {
          db.close();
        }
      } catch { /* the database or the run does not exist yet */ }
    }, 50);
    child.on('error', reject);
    child.on('close', (code) => { clearInterval(poll); resolve({ code: code ?? -1, stdout, stderr, killed }); });
  });
}

const metricShape = { mean: expect.any(Number), sd: expect.any(Number), ci: [expect.any(Number), expect.any(Number)] };
let experimentId = 0;
let first: any;

beforeAll(() => {
  const sim = spawnSync(process.execPath, [DRMM, 'simulate', '--out', path.join(work, 'sim'), '--seed', '1', '--rows', '300'], { encoding: 'utf8' });
  expect(sim.status, sim.stderr).toBe(0);
});

describe('drmm experiment → experiments → retry → report', () => {
  it('runs the grid through the queue; a killed cell fails alone; --json prints the contract', async () => {
    // Run 2 is mm-dro:intermediate seed 0 (cells are queued seed-major).
    const r = await drmmKillingRun(2, ['experiment', '--spec', spec, '--methods', 'erm:early,mm-dro:intermediate', '--seeds', '2',
      '--epochs', '3', '--min-steps', '20', '--backend', 'cpu', '--json']);
    expect(r.killed, r.stderr).toBe(true);
    expect(r.code, r.stderr).toBe(1); // a cell failed
    expect(r.stderr).toMatch(/experiment 1 .*\d\/4 runs/); // the whole-grid bar
    expect(r.stderr).toMatch(/run 1 erm:early · seed 0/); // a bar per run
    first = JSON.parse(r.stdout);
    experimentId = first.experimentId;
    expect(experimentId).toBe(1);
    expect(first.runs.map((x: any) => [x.runId, x.method, x.fusion, x.seed, x.status])).toEqual([
      [1, 'erm', 'early', 0, 'succeeded'], [2, 'mm-dro', 'intermediate', 0, 'failed'],
      [3, 'erm', 'early', 1, 'succeeded'], [4, 'mm-dro', 'intermediate', 1, 'succeeded'],
    ]);
    expect(first.runs[1].error).toMatch(/SIGKILL|signal|ended/i);
    const [erm, mm] = first.configurations;
    expect(erm).toMatchObject({ method: 'erm', fusion: 'early', seeds: [0, 1] });
    expect(mm).toMatchObject({ method: 'mm-dro', fusion: 'intermediate', seeds: [1] });
    for (const m of ['accuracy', 'robustAccuracy', 'macroF1', 'logLoss', 'meanStressAccuracy']) expect(erm.metrics[m], m).toMatchObject(metricShape);
    expect(mm.metrics.accuracy).toMatchObject({ n: 1, mean: expect.any(Number), sd: null, ci: null });
    expect(erm.metrics.worstGroupAccuracy).toBeUndefined(); // the simulation has no groups
    expect(first.comparisons.map((c: any) => [c.a, c.b, c.metric, c.seeds])).toEqual([
      ['erm:early', 'mm-dro:intermediate', 'accuracy', [1]], ['erm:early', 'mm-dro:intermediate', 'robustAccuracy', [1]],
    ]);
    for (const c of first.comparisons) {
      expect(c.real).toBe(c.ci[0] > 0 || c.ci[1] < 0);
      expect(c.meanDiff).toBeGreaterThanOrEqual(c.ci[0] - 1e-12);
    }
    expect(first.references).toMatchObject({ splits: 2, majorityAccuracy: { n: 2 }, logisticRegression: { accuracy: { n: 2 } } });
  }, 900_000);

  it('lists the experiment and shows it', () => {
    const list = drmm('experiments', '--json');
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({
      id: experimentId, status: 'incomplete', cells: 4, statusCounts: { succeeded: 3, failed: 1 },
      configurations: ['erm:early', 'mm-dro:intermediate'], best: expect.objectContaining({ metric: 'robustAccuracy' }),
    })]);
    const show = drmm('experiments', 'show', String(experimentId), '--json');
    expect(show.code, show.stderr).toBe(0);
    const shown = JSON.parse(show.stdout);
    expect(shown.configurations).toEqual(first.configurations);
    expect(shown.comparisons).toEqual(first.comparisons);
    const text = drmm('experiments', 'show', String(experimentId));
    expect(text.stdout).toMatch(/mm-dro:intermediate/);
    expect(text.stdout).toMatch(/Retry them: drmm experiments retry 1/);
    const runs = JSON.parse(drmm('runs', '--json').stdout);
    expect(runs.map((x: any) => x.cell?.configuration).sort()).toEqual(['erm:early', 'erm:early', 'mm-dro:intermediate', 'mm-dro:intermediate']);
    expect(runs.every((x: any) => x.experimentId === experimentId)).toBe(true);
  });

  it('retries the failed cell only', () => {
    const r = drmm('experiments', 'retry', String(experimentId), '--json');
    expect(r.code, r.stderr).toBe(0);
    const after = JSON.parse(r.stdout);
    expect(after.status).toBe('succeeded');
    expect(after.runs.map((x: any) => [x.runId, x.status, x.attempts])).toEqual([
      [1, 'succeeded', 1], [5, 'succeeded', 2], [3, 'succeeded', 1], [4, 'succeeded', 1],
    ]);
    expect(after.runs[1].previousRunIds).toEqual([2]);
    expect(after.configurations[1].seeds).toEqual([0, 1]);
    expect(after.comparisons[0].seeds).toEqual([0, 1]);
    expect(drmm('runs', '--json').stdout).toContain('"status": "failed"'); // the failed attempt stays in the history
  }, 600_000);

  it('writes the experiment report as JSON (the model), HTML, CSV and PDF', () => {
    const r = drmm('report', '--experiment', String(experimentId), '--format', 'json');
    expect(r.code, r.stderr).toBe(0);
    const model = JSON.parse(r.stdout);
    expect(model).toMatchObject({ kind: 'experiment-report', version: 2, experiment: { id: experimentId }, statusCounts: { succeeded: 4 } });
    expect(model.aggregate.configurations.map((c: any) => c.label)).toEqual(['erm:early', 'mm-dro:intermediate']);
    expect(model.rows.map((x: any) => x.label)).toEqual(['erm:early', 'mm-dro:intermediate', 'Majority class', 'Logistic regression']);
    expect(model.runs.map((x: any) => x.runId).sort()).toEqual([1, 3, 4, 5]);
    expect(model.findings.length).toBe(model.aggregate.comparisons.length);
    expect(model.findings[0].text).toMatch(/^mm-dro:intermediate vs ERM \(early\): accuracy [+−]?\d\.\d{3}, 95% CI .* over 2 seeds — (a real difference|no real difference)/);
    const html = path.join(work, 'experiment.html');
    expect(drmm('report', '--experiment', String(experimentId), '--out', html).code).toBe(0);
    const text = readFileSync(html, 'utf8');
    expect(text).toContain('mm-dro:intermediate</span>');
    expect(text).not.toMatch(/<script/i);
    const csv = path.join(work, 'experiment.csv');
    expect(drmm('report', '--experiment', String(experimentId), '--out', csv).code).toBe(0);
    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    expect(rows[0]).toMatch(/^section,configuration,/);
    expect(new Set(rows.slice(1).map((l) => l.split(',')[0]))).toEqual(new Set(['configurations', 'seeds', 'references', 'comparisons', 'stress', 'missing', 'breaks', 'runs']));
    if (findChromium()) {
      const pdf = path.join(work, 'experiment.pdf');
      const p = drmm('report', '--experiment', String(experimentId), '--format', 'pdf', '--out', pdf);
      expect(p.code, p.stderr).toBe(0);
      expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    }
    expect(drmm('report', '--experiment', String(experimentId), '--format', 'pdf').code).toBe(2); // a PDF needs --out
    expect(drmm('report', '--experiment', '99', '--format', 'json').code).toBe(2);
  }, 300_000);

  it('says what is wrong with bad grid flags (exit 2)', () => {
    const bad = drmm('experiment', '--spec', spec, '--methods', 'sgd:early');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown method 'sgd'/);
    const held = drmm('experiment', '--spec', spec, '--methods', 'erm', '--held-out', 'all');
    expect(held.code).toBe(2);
    expect(held.stderr).toMatch(/needs a group column/);
  });
});

/**
 * Leave-one-environment-out through the CLI (issue "Robustness reports", METHOD.md §5): train ERM on
 * the heart-disease sample (4 hospital sites, group column `site`) once per held-out site with
 * `--split leave-one-group-out --held-out SITE`, then `drmm report` shows one LOEO table with the 4
 * sites, whose cells are the runs' test accuracies. Plain CPU backend, 5 epochs: ~10 s per run.
 * Also the flag mapping itself (`splitFromArgs`), without training.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { splitFromArgs } from '../../main/cli/commands/train';
import type { ParsedArgs } from '../../main/cli/command';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DRMM = join(ROOT, 'bin', 'drmm.js');
const SPEC = join(ROOT, 'resources', 'samples', 'heart-disease', 'spec.json');
const SITES = ['cleveland', 'hungarian', 'switzerland', 'va'];

const work = mkdtempSync(join(tmpdir(), 'drmm-loeo-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function drmm(args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [DRMM, ...args, '--data-dir', join(work, 'data')], {
    cwd: ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 60_000, env: { ...process.env, NO_COLOR: '1' },
  });
  return stdout;
}

const args = (values: Record<string, string>): ParsedArgs => ({ values, positionals: [] });

describe('--split / --held-out', () => {
  const spec = { kind: 'leave-one-group-out' as const, train: 0.7, validation: 0.15, heldOutGroup: 'va' };
  it('keeps the spec split by default and maps the flags onto config.split', () => {
    expect(splitFromArgs(args({}), spec)).toBe(spec);
    expect(splitFromArgs(args({}), undefined)).toBeUndefined();
    expect(splitFromArgs(args({ 'held-out': 'cleveland' }), spec)).toEqual({ ...spec, heldOutGroup: 'cleveland' });
    expect(splitFromArgs(args({ split: 'leave-one-group-out', 'held-out': 'x' }), undefined)).toEqual({ kind: 'leave-one-group-out', train: 0.7, validation: 0.15, heldOutGroup: 'x' });
    expect(splitFromArgs(args({ split: 'leave-one-group-out' }), spec)).toEqual(spec);
    expect(splitFromArgs(args({ split: 'stratified' }), spec)).toEqual({ kind: 'stratified', train: 0.7, validation: 0.15 });
    expect(splitFromArgs(args({ split: 'provided' }), undefined)).toEqual({ kind: 'provided', train: 0.7, validation: 0.15 });
  });
  it('says what is wrong', () => {
    expect(() => splitFromArgs(args({ split: 'leave-one-group-out' }), undefined)).toThrow(/needs --held-out/);
    expect(() => splitFromArgs(args({ split: 'stratified', 'held-out': 'va' }), spec)).toThrow(/--held-out needs --split leave-one-group-out/);
    expect(() => splitFromArgs(args({ split: 'random' }), spec)).toThrow(/--split must be one of/);
  });
});

describe('drmm train --held-out, once per site → drmm report', () => {
  it('reports a leave-one-environment-out table with the 4 sites', async () => {
    const results: { runId: number; acc: number; desc: string }[] = [];
    for (const site of SITES) {
      const r = JSON.parse(await drmm(['train', '--spec', SPEC, '--method', 'erm', '--split', 'leave-one-group-out', '--held-out', site,
        '--epochs', '5', '--min-steps', '50', '--backend', 'cpu', '--json'])) as { runId: number; test: { accuracy: number }; split: { description: string } };
      results.push({ runId: r.runId, acc: r.test.accuracy, desc: r.split.description });
    }
    results.forEach((r, i) => expect(r.desc).toContain(`leave out group '${SITES[i]}'`));

    const ids = results.map((r) => r.runId).join(',');
    const htmlFile = join(work, 'loeo.html'), csvFile = join(work, 'loeo.csv');
    await drmm(['report', '--runs', ids, '--format', 'html', '--out', htmlFile]);
    await drmm(['report', '--runs', ids, '--format', 'csv', '--out', csvFile]);
    const html = readFileSync(htmlFile, 'utf8');
    const loeo = html.slice(html.indexOf('<div class="keep" id="loeo">'));
    expect(loeo).toContain('<h3>Leave-one-environment-out</h3>');
    const head = loeo.slice(0, loeo.indexOf('</thead>'));
    expect([...head.matchAll(/<th>([a-z]+) held out/g)].map((m) => m[1])).toEqual(SITES);
    // the erm row: the four held-out test accuracies, then mean and worst
    const row = loeo.slice(loeo.indexOf('<tbody>'), loeo.indexOf('</tbody>'));
    const mean = results.reduce((a, r) => a + r.acc, 0) / 4;
    const worst = Math.min(...results.map((r) => r.acc));
    expect(row).toContain(results.map((r) => `<td>${r.acc.toFixed(3)}</td>`).join(''));
    expect(row).toContain(`<td><b>${mean.toFixed(3)}</b></td><td><b>${worst.toFixed(3)}</b> <span class="muted">(${SITES[results.findIndex((r) => r.acc === worst)]})</span>`);
    expect(html).toContain(`Leaving out va: erm accuracy ${results[3].acc.toFixed(2)}.`);

    const csv = readFileSync(csvFile, 'utf8').split('\n').filter((l) => l.includes(',loeo,heldOutAccuracy,'));
    expect(csv.map((l) => l.split(',')[8])).toEqual(SITES);
  }, 300_000); // four training runs and two reports: minutes on 2 busy cores
});

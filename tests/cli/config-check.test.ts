/**
 * A training configuration is checked against its dataset before anything is queued or stored
 * (hardening issue, finding 6): each configuration the training process used to refuse only once it
 * ran — stored as a failed run, `drmm train` exiting 1 — is now refused up front: exit 2 with the reason,
 * and the history unchanged (no run, no new dataset). The same through the API (experiments.start).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChildProcessLauncher } from '../../core/jobs/launcher';
import { Store } from '../../core/store/store';
import { backendProblem } from '../../core/train/check';
import { createAppServices } from '../../main/services/app-services';
import { nullHost } from '../hosts/fixtures';

const root = path.resolve(__dirname, '../..');
const DRMM = path.join(root, 'bin/drmm.js');
const work = mkdtempSync(path.join(tmpdir(), 'drmm-config-check-'));
const dataDir = path.join(work, 'data');
afterAll(() => rmSync(work, { recursive: true, force: true }));

function drmm(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [DRMM, ...args, '--data-dir', dataDir], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** 40 rows, modalities a (a1, a2) and b (b1, b2); `grouped` adds a site column (s1, s2) as the group. */
function dataset(name: string, grouped: boolean): string {
  const dir = path.join(work, name);
  mkdirSync(dir, { recursive: true });
  const rows = Array.from({ length: 40 }, (_, i) => `${(i * 1.3) % 5},${(i * 2.1) % 7},${(i * 0.7) % 3},${i % 4},${grouped ? `s${1 + (i % 2)},` : ''}${i % 3 === 0 ? 'yes' : 'no'}`);
  writeFileSync(path.join(dir, 'data.csv'), [`a1,a2,b1,b2,${grouped ? 'site,' : ''}y`, ...rows].join('\n') + '\n');
  writeFileSync(path.join(dir, 'spec.json'), JSON.stringify({
    name, files: [{ path: 'data.csv' }], target: 'y', ...(grouped ? { group: 'site' } : {}),
    modalities: [{ name: 'a', prefix: 'a' }, { name: 'b', prefix: 'b' }],
  }));
  return path.join(dir, 'spec.json');
}

let plain: string;
let grouped: string;
/** What the history holds (runs and datasets), to show that a refused command stored nothing. */
function history(): { runs: unknown; datasets: unknown; experiments: unknown } {
  const store = Store.open(dataDir, { readonly: true });
  try {
    return { runs: store.listRuns(), datasets: store.listDatasets(), experiments: store.db.prepare('SELECT * FROM experiments ORDER BY id').all() };
  } finally {
    store.close();
  }
}

beforeAll(() => {
  plain = dataset('plain', false);
  grouped = dataset('grouped', true);
  // Some history already: a dataset imported, so "nothing stored" is checked against something.
  expect(drmm('import', '--spec', grouped).code).toBe(0);
});

/** Fast if a refusal is missed (the run then trains a few steps, is stored, and the test fails on the exit code). */
const FAST = ['--epochs', '1', '--min-steps', '0', '--patience', '0'];

const CASES: { what: string; spec: () => string; args: string[]; message: RegExp }[] = [
  { what: 'duplicate modalities', spec: () => plain, args: ['--method', 'erm', '--modalities', 'a,a'], message: /Modality 'a' is listed twice/ },
  { what: 'an unknown held-out group', spec: () => grouped, args: ['--method', 'erm', '--held-out', 'mars'], message: /Group 'mars' is not a level of 'site' of dataset 'grouped'.*\n.*Choose one of: s1, s2/ },
  { what: 'the environment ρ rule without a group column', spec: () => plain, args: ['--method', 'chi2', '--rho-rule', 'environments'], message: /The environment rule for ρ needs a group column, and dataset 'plain' has none/ },
  { what: 'worst-group selection without a group column', spec: () => plain, args: ['--method', 'erm', '--selection', 'worst-group-accuracy'], message: /Model selection by worst-group accuracy needs a group column, and dataset 'plain' has none/ },
  { what: 'group-dro without a group column', spec: () => plain, args: ['--method', 'group-dro'], message: /Group DRO needs a group column/ },
  { what: 'an unknown modality', spec: () => plain, args: ['--method', 'erm', '--modalities', 'a,zz'], message: /Dataset 'plain' has no modality 'zz'/ },
  { what: '--rho 1e308', spec: () => plain, args: ['--method', 'chi2', '--rho', '1e308'], message: /--rho takes a number from 0 to 100/ },
  { what: '--rho per modality 1e308', spec: () => plain, args: ['--method', 'mm-dro', '--rho', 'a=0.1,b=1e308'], message: /--rho takes a number from 0 to 100/ },
  { what: '--lr 1e308', spec: () => plain, args: ['--method', 'erm', '--lr', '1e308'], message: /--lr must be a number ≥ 1e-8 ≤ 10, got '1e308'/ },
  { what: '--cvar-alpha 1e-300', spec: () => plain, args: ['--method', 'cvar', '--cvar-alpha', '1e-300'], message: /--cvar-alpha must be a number ≥ 0.0001 ≤ 1, got '1e-300'/ },
  { what: '--batch-size 1e9', spec: () => plain, args: ['--method', 'erm', '--batch-size', '1000000000'], message: /--batch-size must be a whole number between 1 and 1000000/ },
  { what: 'lr × weight decay ≥ 1', spec: () => plain, args: ['--method', 'erm', '--lr', '5', '--weight-decay', '0.5'], message: /learningRate × weightDecay = 2\.5 is 1 or more/ },
  { what: 'a missing --report folder', spec: () => plain, args: ['--method', 'erm', '--report', path.join(work, 'no', 'such', 'report.html')], message: /The folder .*no\/such of --report does not exist/ },
  { what: 'a --report that is a folder', spec: () => plain, args: ['--method', 'erm', '--report', path.join(work, 'plain')+'.html'], message: /--report .*plain\.html is a folder, not a file/ },
];
if (backendProblem('tensorflow')) {
  CASES.push({ what: 'an unavailable backend', spec: () => plain, args: ['--method', 'erm', '--backend', 'tensorflow'], message: /The tensorflow backend cannot run here: neither @tensorflow\/tfjs-node/ });
}

describe('drmm train refuses a configuration its dataset cannot train: exit 2, nothing stored', () => {
  beforeAll(() => mkdirSync(path.join(work, 'plain.html'), { recursive: true }));
  for (const c of CASES) {
    it(c.what, () => {
      const before = history();
      const r = drmm('train', '--spec', c.spec(), ...c.args, ...FAST);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^drmm: error: /m);
      expect(r.stderr).toMatch(c.message);
      expect(r.stderr).not.toMatch(/non-finite|ZodError|at .*\.ts:\d+/);
      expect(history()).toEqual(before);
    });
  }
});

describe('drmm experiment refuses the same before storing anything', () => {
  for (const [what, spec, args, message] of [
    ['an unknown held-out group', () => grouped, ['--methods', 'erm:early', '--held-out', 'mars'], /'mars'/],
    ['a radius of 1e308', () => plain, ['--methods', 'chi2:early', '--radii', '1e308'], /(--radii|rho).*100/],
    ['worst-group selection without groups', () => plain, ['--methods', 'erm:early', '--selection', 'worst-group-accuracy'], /worst-group accuracy needs a group column/],
    ['an unwritable --report', () => plain, ['--methods', 'erm:early', '--report', path.join(work, 'no', 'such', 'x.json')], /of --report does not exist/],
  ] as [string, () => string, string[], RegExp][]) {
    it(what, () => {
      const before = history();
      const r = drmm('experiment', '--spec', spec(), '--seeds', '1', ...args, ...FAST);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(history()).toEqual(before);
    });
  }
});

describe('the API refuses them too (experiments.start), with nothing queued', () => {
  it('answers INVALID_CONFIG naming the problem; the runs list is unchanged', async () => {
    const svc = await createAppServices({ dataDir: path.join(work, 'api'), launcher: new ChildProcessLauncher(), host: nullHost(), job: 'diagnostic', warn: () => undefined });
    try {
      const ds = await svc.imports.save({ name: 'plain', spec: { name: 'plain', files: [{ path: 'data.csv' }], target: 'y', modalities: [{ name: 'a', prefix: 'a' }, { name: 'b', prefix: 'b' }] }, baseDir: path.join(work, 'plain') });
      const bad: [Record<string, unknown>, RegExp, string][] = [
        [{ method: 'erm', modalities: ['a', 'a'] }, /listed twice/, 'INVALID_CONFIG'],
        [{ method: 'erm', selectionRule: 'worst-group-accuracy' }, /worst-group accuracy needs a group column/, 'INVALID_CONFIG'],
        [{ method: 'erm', rhoRule: 'environments' }, /environment rule/, 'INVALID_CONFIG'],
        [{ method: 'erm', split: { kind: 'leave-one-group-out', heldOutGroup: 'x' } }, /needs a group column/, 'INVALID_CONFIG'],
        [{ method: 'erm', split: { kind: 'provided' } }, /has no split of its own/, 'INVALID_CONFIG'],
        [{ method: 'erm', split: { kind: 'stratified', train: 0.01, validation: 0.01 } }, /leaves no training rows/, 'INVALID_CONFIG'],
        [{ method: 'mm-dro', gammaMode: 'manual', gammaMatrix: [[1]] }, /gammaMatrix must be 2×2/, 'INVALID_CONFIG'],
      ];
      for (const [config, message, code] of bad) {
        const r = await svc.dispatch('experiments.start', { datasetId: ds.id, configs: [config] });
        expect(r.ok, JSON.stringify(config)).toBe(false);
        if (!r.ok) {
          expect(r.error.code, JSON.stringify(config)).toBe(code);
          expect(r.error.message, JSON.stringify(config)).toMatch(message);
        }
      }
      // Out-of-range numbers are refused by the request schema itself, naming the field.
      for (const config of [{ method: 'chi2', rho: 1e308 }, { method: 'erm', learningRate: 1e308 }, { method: 'cvar', cvarAlpha: 1e-300 }, { method: 'erm', seed: 2 ** 40 }]) {
        const r = await svc.dispatch('experiments.start', { datasetId: ds.id, configs: [config] });
        expect(r.ok, JSON.stringify(config)).toBe(false);
        if (!r.ok) expect(r.error.code).toBe('INVALID_ARGUMENT');
      }
      expect(svc.runs.list({})).toEqual([]);
    } finally {
      await svc.close();
    }
  });
});

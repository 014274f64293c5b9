/**
 * CLI end to end (issue 2, "Tests that must exist"): `drmm simulate` → `drmm train` for every
 * method, determinism of `--json` metrics, and the paper's claim reproduced on the shifted test
 * split: modality-aware DRO with intermediate fusion has robust accuracy ≥ ERM with early fusion,
 * averaged over seeds 1, 2, 3 (METHOD.md §5; the simulator's design is explained in
 * core/simulate/simulate.ts).
 *
 * Everything goes through `node bin/drmm.js` as a user would run it; the backend is forced to wasm
 * so that the numbers are the same on every machine (tfjs-node would otherwise be picked when installed).
 * Measured (wasm, training defaults): robust accuracy ERM early / mm-dro intermediate
 * seed 1: 0.472 / 0.558, seed 2: 0.519 / 0.581, seed 3: 0.514 / 0.567.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DRMM = join(ROOT, 'bin', 'drmm.js');
const METHODS = ['erm', 'chi2', 'cvar', 'kl', 'group-dro', 'mm-dro'] as const;
const SEEDS = [1, 2, 3];

const work = mkdtempSync(join(tmpdir(), 'drmm-paper-claim-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function drmm(args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [DRMM, ...args], {
    cwd: ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 120_000,
    env: { ...process.env, DRMM_BACKEND: 'wasm', NO_COLOR: '1' },
  });
  return stdout;
}

async function simulate(name: string, seed: number, extra: string[] = []): Promise<string> {
  const out = join(work, name);
  await drmm(['simulate', '--out', out, '--seed', String(seed), ...extra]);
  return join(out, 'spec.json');
}

type Results = Record<string, any>;

async function train(spec: string, method: string, fusion: string, seed: number, extra: string[] = []): Promise<Results> {
  const stdout = await drmm(['train', '--spec', spec, '--method', method, '--fusion', fusion, '--seed', String(seed),
    '--json', '--no-save', '--backend', 'wasm', ...extra]);
  return JSON.parse(stdout) as Results;
}

const finite = (x: unknown) => typeof x === 'number' && Number.isFinite(x);

describe('drmm CLI end to end', () => {
  it('simulate → train every method: each run succeeds and prints the documented JSON fields', async () => {
    // An environment column, so that Group DRO has groups.
    const spec = await simulate('all-methods', 1, ['--environments', '3']);
    for (const method of METHODS) {
      const r = await train(spec, method, 'intermediate', 1, ['--epochs', '8']);
      expect(r.method).toBe(method);
      expect(r.fusion).toBe('intermediate');
      expect(r.backend).toBe('wasm');
      expect(r.seed).toBe(1);
      expect(r.rho).toBeDefined();
      for (const k of ['accuracy', 'macroF1', 'logLoss']) expect(finite(r.test[k]), `${method} test.${k}`).toBe(true);
      expect(r.test.accuracy).toBeGreaterThan(0.5); // better than chance on 2 balanced classes
      expect(finite(r.test.worstGroupAccuracy)).toBe(true);
      for (const k of ['chi2Exact', 'chi2ClosedForm', 'robustAccuracy']) expect(finite(r.robust[k]), `${method} robust.${k}`).toBe(true);
      // Closed form ≥ exact dual (METHOD.md §2), robust accuracy ≤ accuracy.
      expect(r.robust.chi2ClosedForm).toBeGreaterThanOrEqual(r.robust.chi2Exact - 1e-9);
      expect(r.robust.robustAccuracy).toBeLessThanOrEqual(r.test.accuracy + 1e-12);
      expect(r.timing.trainSeconds).toBeGreaterThan(0);
      expect(r.timing.samplesPerSecond).toBeGreaterThan(0);
      if (method === 'mm-dro') {
        expect(r.B).toBeGreaterThan(0);
        expect(r.gamma).toHaveLength(3);
        // B = Σρ_k + 2Σ|γ_ij|√(ρ_iρ_j) with ρ_k = 0.1 (METHOD.md §3).
        const g: number[][] = r.gamma;
        const expected = 0.3 + 2 * 0.1 * (Math.abs(g[0][1]) + Math.abs(g[0][2]) + Math.abs(g[1][2]));
        expect(r.B).toBeCloseTo(expected, 10);
      } else {
        expect(r.B).toBeUndefined();
      }
    }
  }, 180_000);

  it('is deterministic: the same train command twice gives identical JSON metrics (timing aside)', async () => {
    const spec = await simulate('determinism', 4);
    const a = await train(spec, 'mm-dro', 'intermediate', 4, ['--epochs', '6']);
    const b = await train(spec, 'mm-dro', 'intermediate', 4, ['--epochs', '6']);
    delete a.timing; delete b.timing;
    expect(b).toEqual(a);
    // …and another seed gives different metrics (the comparison can fail).
    const c = await train(spec, 'mm-dro', 'intermediate', 5, ['--epochs', '6']);
    delete c.timing;
    expect(c).not.toEqual(a);
  }, 120_000);

  it("reproduces the paper's claim: mm-dro (intermediate) robust accuracy ≥ ERM (early) on the shifted test split, mean over seeds 1–3", async () => {
    const rows: { seed: number; erm: number; mm: number; ermAcc: number; mmAcc: number; bEval: [number, number] }[] = [];
    for (const seed of SEEDS) {
      const spec = await simulate(`claim-${seed}`, seed);
      const erm = await train(spec, 'erm', 'early', seed);
      const mm = await train(spec, 'mm-dro', 'intermediate', seed);
      rows.push({
        seed, erm: erm.robust.robustAccuracy, mm: mm.robust.robustAccuracy,
        ermAcc: erm.test.accuracy, mmAcc: mm.test.accuracy, bEval: [erm.bEval, mm.bEval],
      });
    }
    console.log('seed  ERM early (robust acc / acc)  mm-dro intermediate (robust acc / acc)\n' +
      rows.map((r) => `${r.seed}     ${r.erm.toFixed(3)} / ${r.ermAcc.toFixed(3)}              ${r.mm.toFixed(3)} / ${r.mmAcc.toFixed(3)}`).join('\n'));
    // Both runs of a seed are judged at the same evaluation radius (METHOD.md §5).
    for (const r of rows) expect(r.bEval[0]).toBeCloseTo(r.bEval[1], 12);
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const ermMean = mean(rows.map((r) => r.erm));
    const mmMean = mean(rows.map((r) => r.mm));
    expect(mmMean).toBeGreaterThanOrEqual(ermMean);
    // The same holds for plain accuracy under the shift.
    expect(mean(rows.map((r) => r.mmAcc))).toBeGreaterThanOrEqual(mean(rows.map((r) => r.ermAcc)));
  }, 180_000);
});

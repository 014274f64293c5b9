/**
 * CLI end to end: `drmm simulate` → `drmm train` for every method (with the reference rows of every
 * run), determinism of `--json` metrics, and the paper's claim on the shifted test split, stated
 * honestly (issue "Trustworthy answers"): modality-aware DRO (intermediate fusion) is compared both
 * with ERM-early — the paper's foil — and with ERM at the same fusion, so that a gain that comes from
 * the fusion choice alone is not credited to the objective. Seeds 1, 2, 3; METHOD.md §5 v2 metrics
 * (robust accuracy = accuracy under the worst-case χ² reweighting of the log-losses at B_eval).
 *
 * Everything goes through `node bin/drmm.js` as a user would run it; the backend is forced to wasm
 * so that the numbers are the same on every machine.
 * Measured (wasm, defaults: 300-step floor, per-batch duals), accuracy / robust accuracy:
 *   seed   ERM early       ERM intermediate   mm-dro intermediate
 *   1      0.722 / 0.531   0.767 / 0.578      0.788 / 0.603
 *   2      0.757 / 0.581   0.773 / 0.592      0.802 / 0.621
 *   3      0.757 / 0.564   0.738 / 0.544      0.795 / 0.605
 * On this simulator (a modality-specific test shift, core/simulate/simulate.ts) both comparisons
 * hold. On the bundled real samples they need not: `npm run quality` shows mm-dro and ERM at the
 * same fusion within noise of each other there.
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
const METHODS = ['erm', 'chi2', 'cvar', 'kl', 'group-dro', 'mm-dro', 'logreg'] as const;
const SEEDS = [1, 2, 3];

const work = mkdtempSync(join(tmpdir(), 'drmm-paper-claim-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function drmm(args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [DRMM, ...args], {
    cwd: ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 300_000,
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
      // A short run (the 300-step floor lowered): this test is about the CLI contract, not quality.
      const r = await train(spec, method, 'intermediate', 1, ['--epochs', '8', '--min-steps', '60']);
      expect(r.method).toBe(method);
      expect(r.fusion).toBe(method === 'logreg' ? 'early' : 'intermediate');
      // The reference rows of every run (METHOD.md §5).
      expect(finite(r.references.majorityAccuracy)).toBe(true);
      expect(finite(r.references.logisticRegression.accuracy)).toBe(true);
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
  }, 600_000);

  it('is deterministic: the same train command twice gives identical JSON metrics (timing aside)', async () => {
    const spec = await simulate('determinism', 4);
    const short = ['--epochs', '6', '--min-steps', '40'];
    const a = await train(spec, 'mm-dro', 'intermediate', 4, short);
    const b = await train(spec, 'mm-dro', 'intermediate', 4, short);
    delete a.timing; delete b.timing;
    expect(b).toEqual(a);
    // …and another seed gives different metrics (the comparison can fail).
    const c = await train(spec, 'mm-dro', 'intermediate', 5, short);
    delete c.timing;
    expect(c).not.toEqual(a);
  }, 300_000);

  it("the paper's claim, stated honestly: mm-dro against ERM-early and against ERM at the same fusion, seeds 1–3", async () => {
    type Row = { seed: number; ermEarly: Results; ermInter: Results; mm: Results };
    const rows: Row[] = [];
    for (const seed of SEEDS) {
      const spec = await simulate(`claim-${seed}`, seed);
      rows.push({
        seed,
        ermEarly: await train(spec, 'erm', 'early', seed),
        ermInter: await train(spec, 'erm', 'intermediate', seed),
        mm: await train(spec, 'mm-dro', 'intermediate', seed),
      });
    }
    const cell = (r: Results) => `${r.test.accuracy.toFixed(3)} / ${r.robust.robustAccuracy.toFixed(3)}`;
    console.log('seed  accuracy / robust accuracy on the shifted test split\n      ERM early      ERM intermediate   mm-dro intermediate\n' +
      rows.map((r) => `${r.seed}     ${cell(r.ermEarly)}  ${cell(r.ermInter)}      ${cell(r.mm)}`).join('\n'));
    // Every run of a seed is judged at the same evaluation radius (METHOD.md §5).
    for (const r of rows) {
      expect(r.mm.bEval).toBeCloseTo(r.ermEarly.bEval, 12);
      expect(r.mm.bEval).toBeCloseTo(r.ermInter.bEval, 12);
    }
    const mean = (pick: (r: Row) => number) => rows.reduce((s, r) => s + pick(r), 0) / rows.length;
    const acc = { early: mean((r) => r.ermEarly.test.accuracy), inter: mean((r) => r.ermInter.test.accuracy), mm: mean((r) => r.mm.test.accuracy) };
    const rob = { early: mean((r) => r.ermEarly.robust.robustAccuracy), inter: mean((r) => r.ermInter.robust.robustAccuracy), mm: mean((r) => r.mm.robust.robustAccuracy) };
    console.log(`means: accuracy ${JSON.stringify(acc)}, robust accuracy ${JSON.stringify(rob)}`);
    // What holds on this simulator (measured, wasm, defaults; see the header): mm-dro beats ERM-early —
    // the paper's foil — and ALSO ERM with the same (intermediate) fusion, so its gain is not only the
    // fusion choice. Both by more than 0.01 on the means of accuracy and robust accuracy under the shift.
    expect(acc.mm - acc.early).toBeGreaterThan(0.01);
    expect(rob.mm - rob.early).toBeGreaterThan(0.01);
    expect(acc.mm - acc.inter).toBeGreaterThan(0.01);
    expect(rob.mm - rob.inter).toBeGreaterThan(0.01);
  }, 900_000);
});

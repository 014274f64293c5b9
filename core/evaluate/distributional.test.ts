/**
 * Robust accuracy, METHOD.md §5 (version 2): accuracy under the worst-case χ² reweighting of the
 * per-sample log-losses at B_eval, checked against an independent brute-force search over the simplex.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { chi2WorstCaseExact } from '../objectives/worstcase';
import { robustAccuracy } from './distributional';
import { argmaxRows, correctFlags, sampleLosses } from './metrics';

/**
 * max over q on the simplex grid {k/N} with n·Σ(q − 1/n)² ≤ ρ (i.e. E[(w − 1)²] ≤ ρ for w = n·q)
 * of Σ qᵢ ℓᵢ; returns that value and Σ qᵢ cᵢ at the maximiser. No dual, no sorting: plain enumeration.
 */
function bruteForceWorstCase(l: number[], c: number[], rho: number, N: number): { value: number; accuracy: number } {
  const n = l.length, q = new Array<number>(n).fill(0);
  let best = -Infinity, accuracy = NaN;
  const visit = (i: number, left: number): void => {
    if (i === n - 1) {
      q[i] = left;
      let v = 0, a = 0, d = 0;
      for (let j = 0; j < n; j++) { const w = (n * q[j]) / N; v += w * l[j]; a += w * c[j]; d += (w - 1) ** 2; }
      if (d / n <= rho + 1e-12 && v > best) { best = v; accuracy = a / n; }
      return;
    }
    for (let k = 0; k <= left; k++) { q[i] = k; visit(i + 1, left - k); }
  };
  visit(0, N);
  return { value: best / n, accuracy };
}

/** The version-1 quantity, 1 − worst-case 0-1 loss: a function of the error rate alone. */
const oldRobustAccuracy = (c: number[], rho: number) => 1 - chi2WorstCaseExact(c.map((v) => 1 - v), rho);

describe('robust accuracy (METHOD.md §5, v2)', () => {
  it('equals accuracy at B = 0', () => {
    const rng = new Rng(3);
    const l = Array.from({ length: 200 }, () => -Math.log(rng.next() * 0.98 + 0.01));
    const c = l.map((v): number => (v < 0.7 ? 1 : 0));
    expect(robustAccuracy(l, c, 0)).toBeCloseTo(c.reduce((s, v) => s + v, 0) / c.length, 14);
  });

  it('equals a brute-force worst-case reweighting over the simplex (n = 5)', () => {
    const l = [0.1, 0.5, 1.2, 2.0, 0.9], c = [1, 1, 1, 0, 0];
    for (const rho of [0.2, 1, 3]) { // ρ = 1 and 3: the optimum puts zero weight on some rows
      const bf = bruteForceWorstCase(l, c, rho, 100);
      const exact = chi2WorstCaseExact(l, rho);
      expect(bf.value, `value at ρ = ${rho}`).toBeLessThanOrEqual(exact + 1e-12); // every grid point is feasible
      expect(exact - bf.value, `value at ρ = ${rho}`).toBeLessThan(0.01);
      expect(Math.abs(robustAccuracy(l, c, rho) - bf.accuracy), `robust accuracy at ρ = ${rho}`).toBeLessThan(0.015);
      // …and it is not the version-1 quantity (which the brute force would fail against).
      expect(Math.abs(oldRobustAccuracy(c, rho) - bf.accuracy)).toBeGreaterThan(0.05);
    }
  });

  it('separates two prediction sets of equal accuracy whose losses fall differently', () => {
    // Two classes, 10 rows, label 0 for all; both sets get 7 right.
    const y = new Array<number>(10).fill(0);
    // A: confident hits, confident errors (high loss on the errors).
    const pA = [0.95, 0.95, 0.9, 0.9, 0.9, 0.85, 0.85, 0.05, 0.1, 0.1];
    // B: unsure hits, near-miss errors (the largest losses are on hits as much as on errors).
    const pB = [0.9, 0.9, 0.9, 0.8, 0.55, 0.52, 0.51, 0.49, 0.48, 0.45];
    const score = (p0: number[]) => {
      const probs = p0.flatMap((p) => [p, 1 - p]);
      const correct = correctFlags(argmaxRows(probs, 10, 2), y);
      return { correct: Array.from(correct), ra: robustAccuracy(sampleLosses(probs, y, 2), correct, 0.3) };
    };
    const a = score(pA), b = score(pB);
    expect(a.correct.reduce((s, v) => s + v, 0)).toBe(7);
    expect(b.correct.reduce((s, v) => s + v, 0)).toBe(7);
    expect(b.ra - a.ra).toBeGreaterThan(0.05);
    // The version-1 definition cannot tell them apart.
    expect(oldRobustAccuracy(a.correct, 0.3)).toBeCloseTo(oldRobustAccuracy(b.correct, 0.3), 12);
  });

  it('rejects mismatched lengths', () => {
    expect(() => robustAccuracy([1, 2], [1], 0.1)).toThrow(/2 losses but 1/);
  });
});

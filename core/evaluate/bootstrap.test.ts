import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { accuracyStatistic, pairedBootstrap, robustAccuracyStatistic, worstGroupAccuracyStatistic } from './bootstrap';
import { robustAccuracy } from './distributional';
import { worstGroupAccuracy } from './groups';

function fakeRun(seed: number, n: number, pCorrect: number, y: Int32Array): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from(y, (v) => (rng.next() < pCorrect ? v : (v + 1) % 3));
}

describe('paired bootstrap', () => {
  const n = 400;
  const rng = new Rng(1);
  const y = Int32Array.from({ length: n }, () => rng.int(3));
  const group = Int32Array.from({ length: n }, () => rng.int(4));
  const a = fakeRun(2, n, 0.7, y), b = fakeRun(3, n, 0.85, y);
  // per-sample log-losses of run a: small on hits, large on errors, with some spread
  const lossA = Float64Array.from(y, (v, i) => (a[i] === v ? 0.2 : 1.5) + 0.5 * rng.next());

  it('is deterministic for a seed and changes with it', () => {
    const s1 = pairedBootstrap(n, accuracyStatistic(a, y), accuracyStatistic(b, y), { seed: 5, resamples: 300 });
    const s2 = pairedBootstrap(n, accuracyStatistic(a, y), accuracyStatistic(b, y), { seed: 5, resamples: 300 });
    const s3 = pairedBootstrap(n, accuracyStatistic(a, y), accuracyStatistic(b, y), { seed: 6, resamples: 300 });
    expect(s1).toEqual(s2);
    expect([s3.lo, s3.hi]).not.toEqual([s1.lo, s1.hi]);
  });

  it('identical runs give a zero-width interval at 0', () => {
    for (const [sa, sb] of [
      [accuracyStatistic(a, y), accuracyStatistic(a, y)],
      [worstGroupAccuracyStatistic(a, y, group, 4), worstGroupAccuracyStatistic(a, y, group, 4)],
      [robustAccuracyStatistic(lossA, a, y, 0.3), robustAccuracyStatistic(lossA, a, y, 0.3)],
    ]) {
      const r = pairedBootstrap(n, sa, sb, { resamples: 200 });
      expect(r.difference).toBe(0);
      expect(r.lo).toBe(0);
      expect(r.hi).toBe(0);
    }
  });

  it('covers the true difference and its full-sample estimate; width ≈ 2·1.96·sd of paired differences', () => {
    const r = pairedBootstrap(n, accuracyStatistic(a, y), accuracyStatistic(b, y), { resamples: 1000 });
    let accA = 0, accB = 0;
    const d = Array.from(y, (v, i) => { accA += +(a[i] === v); accB += +(b[i] === v); return +(b[i] === v) - +(a[i] === v); });
    expect(r.difference).toBeCloseTo((accB - accA) / n, 12);
    expect(r.lo).toBeLessThan(r.difference);
    expect(r.hi).toBeGreaterThan(r.difference);
    expect(r.lo).toBeLessThan(0.15);
    expect(r.hi).toBeGreaterThan(0.15 * 0.5);
    const m = d.reduce((s, v) => s + v, 0) / n;
    const se = Math.sqrt(d.reduce((s, v) => s + (v - m) ** 2, 0) / n / n);
    expect((r.hi - r.lo) / (2 * 1.96 * se)).toBeGreaterThan(0.85);
    expect((r.hi - r.lo) / (2 * 1.96 * se)).toBeLessThan(1.15);
  });

  it('statistics on the full sample equal the direct metrics', () => {
    const all = Int32Array.from({ length: n }, (_, i) => i);
    expect(worstGroupAccuracyStatistic(a, y, group, 4)(all)).toBe(worstGroupAccuracy(a, y, group, 4));
    const correct = Float64Array.from(y, (v, i) => +(a[i] === v));
    expect(robustAccuracyStatistic(lossA, a, y, 0.2)(all)).toBeCloseTo(robustAccuracy(lossA, correct, 0.2), 12);
  });

  it('worst-group statistic ranks the groups of the full split on every resample', () => {
    // group 4 has 3 rows (below max(10, 2% of 403) = 10): never ranked, even when a resample repeats its rows
    const y2 = Int32Array.from([...y, 0, 0, 0]), a2 = Int32Array.from([...a, 1, 1, 1]), g2 = Int32Array.from([...group, 4, 4, 4]);
    const stat = worstGroupAccuracyStatistic(a2, y2, g2, 5);
    const all = Int32Array.from({ length: y2.length }, (_, i) => i);
    expect(stat(all)).toBe(worstGroupAccuracy(a2, y2, g2, 5));
    const heavy = Int32Array.from({ length: y2.length }, (_, i) => (i < 30 ? 400 + (i % 3) : i)); // 30 copies of the small group
    expect(stat(heavy)).toBeGreaterThan(0);
  });
});

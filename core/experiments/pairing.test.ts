/**
 * The seed-paired bootstrap: equal to a brute-force loop written from METHOD.md's words on a tiny
 * example, equal to the single-test-set paired bootstrap when there is one seed, deterministic
 * with a fixed seed.
 */
import { describe, expect, it } from 'vitest';
import { accuracyStatistic, pairedBootstrap } from '../evaluate/bootstrap';
import { Rng } from '../rng';
import { seedPairedBootstrap, type SeedPair } from './pairing';

/** Per-seed correctness of runs a and b on the same test rows (1 = right). */
const seeds = [
  { seed: 0, a: [1, 0, 1, 1, 0], b: [1, 1, 1, 1, 0] },
  { seed: 3, a: [0, 1, 1, 0], b: [1, 1, 1, 0] },
];
const y = (n: number) => new Array<number>(n).fill(1);
const pairs: SeedPair[] = seeds.map((s) => ({
  seed: s.seed, n: s.a.length, statA: accuracyStatistic(s.a, y(s.a.length)), statB: accuracyStatistic(s.b, y(s.b.length)),
}));

/** numpy's default (linear) quantile, written out. */
function quantile(sorted: number[], q: number): number {
  const h = (sorted.length - 1) * q;
  return sorted[Math.floor(h)] + (h - Math.floor(h)) * (sorted[Math.ceil(h)] - sorted[Math.floor(h)]);
}

describe('seed-paired bootstrap', () => {
  it('equals a brute-force loop: resample rows within each seed, average the per-seed differences', () => {
    const resamples = 200, bootSeed = 99;
    const rng = new Rng(bootSeed);
    const reps: number[] = [];
    for (let r = 0; r < resamples; r++) {
      let total = 0;
      for (const s of seeds) {
        let da = 0, db = 0;
        for (let i = 0; i < s.a.length; i++) { const j = rng.int(s.a.length); da += s.a[j]; db += s.b[j]; }
        total += (db - da) / s.a.length;
      }
      reps.push(total / seeds.length);
    }
    reps.sort((p, q) => p - q);
    const got = seedPairedBootstrap(pairs, { resamples, seed: bootSeed });
    // mean of per-seed differences: seed 0 (4 − 3)/5 = 0.2, seed 3 (3 − 2)/4 = 0.25
    expect(got.meanDiff).toBeCloseTo(0.225, 12);
    expect(got.perSeed).toEqual([{ seed: 0, diff: expect.closeTo(0.2, 12) }, { seed: 3, diff: expect.closeTo(0.25, 12) }]);
    expect(got.lo).toBeCloseTo(quantile(reps, 0.025), 12);
    expect(got.hi).toBeCloseTo(quantile(reps, 0.975), 12);
    expect(got).toMatchObject({ resamples, seed: bootSeed, skipped: 0 });
  });

  it('with one seed is the paired bootstrap of core/evaluate/bootstrap.ts, draw for draw', () => {
    const one = seedPairedBootstrap([pairs[0]], { seed: 7 });
    const ref = pairedBootstrap(pairs[0].n, pairs[0].statA, pairs[0].statB, { seed: 7 });
    expect([one.meanDiff, one.lo, one.hi]).toEqual([ref.difference, ref.lo, ref.hi]);
  });

  it('is deterministic for a fixed seed (default 1000 resamples) and changes with it', () => {
    const a = seedPairedBootstrap(pairs);
    expect(seedPairedBootstrap(pairs)).toEqual(a);
    expect(a.resamples).toBe(1000);
    // A continuous statistic (a mean of real values), whose quantiles move with every draw.
    const values = Array.from({ length: 30 }, (_, i) => Math.sin(i * 1.7));
    const mean = (idx: Int32Array) => idx.reduce((s, i) => s + values[i], 0) / idx.length;
    const continuous: SeedPair[] = [{ seed: 0, n: 30, statA: () => 0, statB: mean }];
    const c1 = seedPairedBootstrap(continuous, { seed: 1 }), c2 = seedPairedBootstrap(continuous, { seed: 2 });
    expect(seedPairedBootstrap(continuous, { seed: 1 })).toEqual(c1);
    expect(c2.lo).not.toBe(c1.lo);
    expect(a.lo).toBeLessThanOrEqual(a.meanDiff);
    expect(a.hi).toBeGreaterThanOrEqual(a.meanDiff);
  });

  it('leaves out replicates where a statistic is undefined', () => {
    const undefinedSometimes: SeedPair = { seed: 1, n: 3, statA: () => 0, statB: (idx) => (idx[0] === 0 ? NaN : 1) };
    const r = seedPairedBootstrap([undefinedSometimes], { resamples: 300 });
    expect(r.skipped).toBeGreaterThan(50);
    expect(r.skipped).toBeLessThan(200);
    expect(r.lo).toBe(1);
  });
});

/** Worst-group accuracy over groups of a minimum size (METHOD.md §5, version 2). */
import { describe, expect, it } from 'vitest';
import { groupMetrics, minGroupSize, partitionGroups, SMALL_GROUPS_LABEL, worstGroupAccuracy } from './groups';

/** Rows for groups given as [size, correct]: label 0 everywhere, prediction 0 for the first `correct` rows of each group. */
function rows(spec: [number, number][]) {
  const y: number[] = [], pred: number[] = [], group: number[] = [], probs: number[] = [];
  spec.forEach(([size, ok], g) => {
    for (let i = 0; i < size; i++) {
      const hit = i < ok;
      y.push(0); pred.push(hit ? 0 : 1); group.push(g); probs.push(hit ? 0.8 : 0.2, hit ? 0.2 : 0.8);
    }
  });
  return { y, pred, group, probs, levels: spec.map((_, g) => `g${g}`) };
}

describe('minimum group size', () => {
  it('is max(10, 2% of the test rows), as a row count', () => {
    expect(minGroupSize(100)).toBe(10);
    expect(minGroupSize(500)).toBe(10);
    expect(minGroupSize(501)).toBe(11); // 10.02 rows → 11
    expect(minGroupSize(1000)).toBe(20);
    expect(minGroupSize(1001)).toBe(21);
  });

  it('a single-row group no longer pins worst-group accuracy to 0', () => {
    const r = rows([[50, 40], [50, 35], [1, 0]]); // accuracies 0.8, 0.7, 0
    const rep = groupMetrics(r.probs, r.y, r.group, r.levels, 2);
    expect(rep.minGroupSize).toBe(10);
    expect(rep.worstGroupAccuracy).toBeCloseTo(0.7, 12);
    expect(rep.worstGroup).toBe('g1');
    expect(rep.pooled).toMatchObject({ levels: ['g2'], n: 1, ranked: false, accuracy: 0 });
    expect(rep.groups.map((g) => g.small)).toEqual([false, false, true]);
    expect(worstGroupAccuracy(r.pred, r.y, r.group, 3)).toBeCloseTo(0.7, 12);
  });

  it('follows the rule by hand: 1000 rows → 20; a 19-row group is pooled, a 20-row one ranked; a pool of ≥ 20 is ranked', () => {
    // sizes 900 (acc 0.9), 20 (acc 0.75), 19 (acc 14/19), 5 (acc 0), 56 (acc 0.5) → 1000 rows.
    const r = rows([[900, 810], [20, 15], [19, 14], [5, 0], [56, 28]]);
    const p = partitionGroups([900, 20, 19, 5, 56], 1000);
    expect(p).toEqual({ minSize: 20, big: [0, 1, 4], small: [2, 3], poolRanked: true });
    const rep = groupMetrics(r.probs, r.y, r.group, r.levels, 2);
    // Pool: 24 rows, 14 right → 0.583…; ranked units 0.9, 0.75, 0.5, 0.583 → worst 0.5 (g4).
    expect(rep.pooled!.n).toBe(24);
    expect(rep.pooled!.accuracy).toBeCloseTo(14 / 24, 12);
    expect(rep.worstGroupAccuracy).toBeCloseTo(0.5, 12);
    expect(rep.worstGroup).toBe('g4');
    // Without g4 the pool is the worst ranked unit.
    const r2 = rows([[900, 810], [20, 15], [19, 14], [5, 0], [56, 50]]);
    const rep2 = groupMetrics(r2.probs, r2.y, r2.group, r2.levels, 2);
    expect(rep2.worstGroupAccuracy).toBeCloseTo(14 / 24, 12);
    expect(rep2.worstGroup).toBe(SMALL_GROUPS_LABEL);
  });

  it('is undefined (NaN) when no group reaches the minimum size', () => {
    const r = rows([[3, 3], [4, 0]]);
    const rep = groupMetrics(r.probs, r.y, r.group, r.levels, 2);
    expect(rep.worstGroupAccuracy).toBeNaN();
    expect(rep.worstGroup).toBe('');
    expect(rep.pooled).toMatchObject({ n: 7, ranked: false });
  });
});

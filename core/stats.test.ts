import { describe, expect, it } from 'vitest';
import { chiSquare1Quantile, mean, normalCdf, normalQuantile, pearson, quantile, ranks, variance } from './stats';

describe('stats', () => {
  it('normalQuantile matches reference values to 1e-9', () => {
    // Reference values from scipy.stats.norm.ppf.
    const cases: [number, number][] = [
      [0.5, 0], [0.975, 1.959963984540054], [0.025, -1.959963984540054], [0.9, 1.2815515655446004],
      [1e-10, -6.361340902404056], [0.999999, 4.753424308822899], [0.3, -0.5244005127080407],
    ];
    for (const [p, z] of cases) expect(Math.abs(normalQuantile(p) - z)).toBeLessThan(1e-9);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
  });
  it('normalCdf inverts normalQuantile', () => {
    for (const p of [1e-8, 0.001, 0.2, 0.5, 0.77, 0.999]) expect(Math.abs(normalCdf(normalQuantile(p)) - p) / p).toBeLessThan(1e-12);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 14);
  });
  it('chiSquare1Quantile(0.95) = 3.841458820694124', () => {
    expect(chiSquare1Quantile(0.95)).toBeCloseTo(3.841458820694124, 10);
  });
  it('ranks average ties', () => {
    expect(Array.from(ranks([10, 20, 20, 5]))).toEqual([2, 3.5, 3.5, 1]);
  });
  it('pearson, mean, variance, quantile', () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(pearson([1, 2, 3, 4], [1, -1, -1, 1])).toBeCloseTo(0, 12);
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(variance([1, 2, 3, 4])).toBe(1.25);
    expect(variance([1, 2, 3, 4], 1)).toBeCloseTo(5 / 3, 12);
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4], 0.25)).toBe(1.75); // numpy default (linear)
  });
});

/**
 * Per-configuration statistics over seeds against hand-checked numbers: Student-t quantiles against
 * published tables, mean / sample sd / 95% t-interval of small samples computed by hand.
 */
import { describe, expect, it } from 'vitest';
import { studentTCdf, studentTQuantile } from '../stats';
import { summarize } from './statistics';

describe('Student t', () => {
  // t_{0.975, df} and t_{0.995, df} from standard tables (e.g. NIST/SEMATECH e-Handbook, Table 1.3.6.7.2).
  const table: [number, number, number][] = [
    [1, 12.706204736174703, 63.65674116287399], [2, 4.302652729749464, 9.924843200918276], [3, 3.182446305284263, 5.840909309733352],
    [4, 2.7764451051977987, 4.604094871415897], [5, 2.5705818366147395, 4.032142983557536], [9, 2.2621571627409915, 3.2498355415921263],
    [10, 2.2281388519649385, 3.169272672616951], [30, 2.0422724563012373, 2.749995653567219], [100, 1.983971518523552, 2.6258905214380157],
  ];
  it.each(table)('quantiles at df = %i match the tables', (df, q975, q995) => {
    expect(studentTQuantile(0.975, df)).toBeCloseTo(q975, 8);
    expect(studentTQuantile(0.995, df)).toBeCloseTo(q995, 8);
    expect(studentTQuantile(0.025, df)).toBeCloseTo(-q975, 8);
  });
  it('has the closed forms at df 1 and 2, tends to the normal, and inverts the CDF', () => {
    for (const p of [0.6, 0.9, 0.99]) {
      expect(studentTQuantile(p, 1)).toBeCloseTo(Math.tan(Math.PI * (p - 0.5)), 9);
      expect(studentTQuantile(p, 2)).toBeCloseTo((2 * p - 1) / Math.sqrt(2 * p * (1 - p)), 9);
      expect(studentTCdf(studentTQuantile(p, 7), 7)).toBeCloseTo(p, 12);
    }
    expect(studentTQuantile(0.975, 1e7)).toBeCloseTo(1.959963984540054, 5);
    expect(studentTQuantile(0.5, 4)).toBe(0);
    expect(studentTCdf(-2, 5)).toBeCloseTo(0.05096973941492914, 12);
  });
});

describe('summarize (mean ± sd, 95% t-interval over seeds)', () => {
  it('three seeds: 0.80, 0.90, 0.85', () => {
    // mean 0.85; sd = √((0.05² + 0.05² + 0) / 2) = 0.05; half-width = t_{0.975,2} · 0.05 / √3 = 4.3026527 · 0.0288675 = 0.1242069
    const s = summarize([0.8, 0.9, 0.85]);
    expect(s.n).toBe(3);
    expect(s.mean).toBeCloseTo(0.85, 12);
    expect(s.sd).toBeCloseTo(0.05, 12);
    expect(s.ci![0]).toBeCloseTo(0.85 - 0.1242069, 6);
    expect(s.ci![1]).toBeCloseTo(0.85 + 0.1242069, 6);
    expect(s.values).toEqual([0.8, 0.9, 0.85]);
  });
  it('five seeds: 1, 2, 3, 4, 10', () => {
    // mean 4; deviations −3 −2 −1 0 6 → Σd² = 50, sd = √(50/4) = 3.5355339; half = 2.7764451 · 3.5355339 / √5 = 9.8162660 / 2.2360680 = 4.3899452
    const s = summarize([1, 2, 3, 4, 10]);
    expect(s.mean).toBe(4);
    expect(s.sd).toBeCloseTo(3.5355339, 6);
    expect(s.ci![1] - 4).toBeCloseTo(4.3899452, 6);
  });
  it('keeps undefined values in place but out of the statistics; one value has no sd or interval', () => {
    const s = summarize([0.5, null, Number.NaN, 0.7]);
    expect(s).toMatchObject({ n: 2, values: [0.5, null, null, 0.7] });
    expect(s.mean).toBeCloseTo(0.6, 12);
    expect(summarize([0.4])).toEqual({ n: 1, mean: 0.4, sd: null, ci: null, values: [0.4] });
    expect(summarize([])).toEqual({ n: 0, mean: null, sd: null, ci: null, values: [] });
  });
});

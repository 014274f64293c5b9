import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { copulaGamma, fixedGamma } from './copula';
import { earlyFusionRadius, effectiveRadius, environmentRadius, statisticalRadius } from './radius';
import { normalCdf } from '../stats';

describe('effective radius B (METHOD.md §3)', () => {
  it('K = 1 gives ρ; independent gives Σρ; coupled gives (Σ√ρ)²', () => {
    expect(effectiveRadius([0.3], [[1]])).toBeCloseTo(0.3, 12);
    const rho = [0.1, 0.4, 0.9];
    expect(effectiveRadius(rho, fixedGamma('independent', 3))).toBeCloseTo(1.4, 12);
    expect(effectiveRadius(rho, fixedGamma('coupled', 3))).toBeCloseTo((Math.sqrt(0.1) + Math.sqrt(0.4) + Math.sqrt(0.9)) ** 2, 12);
    // |γ| is used: a negative correlation counts like a positive one.
    expect(effectiveRadius([0.1, 0.4], [[1, -0.5], [-0.5, 1]])).toBeCloseTo(0.5 + 2 * 0.5 * Math.sqrt(0.04), 12);
  });
  it('early fusion radius Π(1+ρ)−1 ≥ Σρ', () => {
    const rho = [0.1, 0.4, 0.9];
    expect(earlyFusionRadius(rho)).toBeCloseTo(1.1 * 1.4 * 1.9 - 1, 12);
    expect(earlyFusionRadius(rho)).toBeGreaterThanOrEqual(rho.reduce((a, b) => a + b, 0));
    expect(earlyFusionRadius([0.2])).toBeCloseTo(0.2, 12);
  });
  it('statistical radius χ²_{1,1−α}/n', () => {
    expect(statisticalRadius(1000, 0.05)).toBeCloseTo(3.841458820694124 / 1000, 12);
  });
});

describe('γ from the Gaussian copula (METHOD.md §3)', () => {
  it('recovers the latent correlation, invariant to monotone transforms', () => {
    const rng = new Rng(7);
    const n = 4000, r = 0.6;
    const a = new Float64Array(n), b = new Float64Array(n), c = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const z1 = rng.normal(), z2 = r * z1 + Math.sqrt(1 - r * r) * rng.normal();
      a[i] = z1; b[i] = z2; c[i] = rng.normal();
    }
    const g = copulaGamma([a, b, c]);
    expect(g[0][1]).toBeGreaterThan(r - 0.04);
    expect(g[0][1]).toBeLessThan(r + 0.04);
    expect(Math.abs(g[0][2])).toBeLessThan(0.05);
    expect(g[1][0]).toBe(g[0][1]);
    // Monotone transforms (exp, Φ, cube) leave the copula, hence γ, unchanged.
    const g2 = copulaGamma([a.map(Math.exp), b.map((x) => normalCdf(x) ** 3), c]);
    expect(g2[0][1]).toBeCloseTo(g[0][1], 12);
  });
});

describe('environment radius (METHOD.md §3)', () => {
  it('is near 0 when environments share a distribution and grows with a shift', () => {
    const rng = new Rng(3);
    const n = 1200, d = 4;
    const groups = new Int32Array(n).map((_, i) => i % 2);
    const same = new Float32Array(n * d).map(() => rng.normal());
    const shifted = same.map((v, j) => v + (groups[Math.floor(j / d)] === 1 && j % d === 0 ? 1.0 : 0));
    const r0 = environmentRadius(same, n, d, groups, 2, 1);
    const r1 = environmentRadius(shifted, n, d, groups, 2, 1);
    expect(r0.pairs).toHaveLength(2);
    expect(r0.rho).toBeLessThan(0.05);
    // A unit mean shift of one Gaussian feature: χ²(N(1,1)‖N(0,1)) = e − 1 ≈ 1.72 (the fitted ratio is close).
    expect(r1.rho).toBeGreaterThan(1.0);
    expect(r1.rho).toBeLessThan(2.6);
    expect(r1.rho).toBe(Math.max(...r1.pairs.map((p) => p.rho)));
  });
});

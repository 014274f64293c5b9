/**
 * Modality shift sensitivity (METHOD.md §5, ours): cross-fitted ridge of the per-sample loss on each
 * modality's inputs; the share sd(m̂_k)/sd(ℓ) must single out the modality the loss depends on.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { evaluateRun } from './evaluate-run';
import { crossFittedRidge, foldsOf, ridgeFit, shiftSensitivity, type ModalityRegressors } from './shift-sensitivity';
import { choleskySolve } from '../stats';
import { LinearSoftmaxPredictor, makePreparedData } from './test-fixtures';

/** n rows, three modalities of widths 4, 6, 3 (standard normal); the loss depends on modality `k` only. */
function synthetic(k: number, seed: number, n = 300): { loss: number[]; regressors: ModalityRegressors[] } {
  const rng = new Rng(seed);
  const widths = [4, 6, 3];
  const x = widths.map((w) => Float64Array.from({ length: n * w }, () => rng.normal()));
  const loss = Array.from({ length: n }, (_, i) => {
    const xi = x[k].subarray(i * widths[k], (i + 1) * widths[k]);
    // a softplus of a linear score of modality k, plus noise independent of every modality
    return Math.log1p(Math.exp(1.5 * xi[0] - xi[1])) + 0.3 * Math.abs(rng.normal());
  });
  return { loss, regressors: widths.map((w, j) => ({ modality: `m${j}`, x: x[j], width: w, kind: 'inputs' as const })) };
}

describe('modality shift sensitivity', () => {
  it.each([0, 1, 2])('singles out the modality the loss depends on (modality %i)', (k) => {
    const { loss, regressors } = synthetic(k, 11 + k);
    const s = shiftSensitivity(loss, regressors, { seed: 5 });
    if (!s.available) throw new Error(s.reason);
    const shares = s.modalities.map((m) => m.share);
    expect(shares[k]).toBeGreaterThan(0.7);
    shares.forEach((v, j) => { if (j !== k) expect(v, `share of m${j}`).toBeLessThan(0.1); });
    // R_k = E[ℓ] + √0.1 · sd(m̂_k)
    s.modalities.forEach((m) => expect(m.risk).toBeCloseTo(s.meanLoss + Math.sqrt(0.1) * m.sdConditional, 12));
  });

  it('follows a loss that moves non-linearly (V-shaped) with its modality', () => {
    const rng = new Rng(21);
    const n = 400, x = [Float64Array.from({ length: n * 2 }, () => rng.normal()), Float64Array.from({ length: n * 3 }, () => rng.normal())];
    const loss = Array.from({ length: n }, (_, i) => Math.abs(x[1][i * 3]) + 0.2 * rng.next()); // no linear trend in modality 1
    const s = shiftSensitivity(loss, x.map((v, j) => ({ modality: `m${j}`, x: v, width: j + 2, kind: 'inputs' as const })), { seed: 1 });
    if (!s.available) throw new Error(s.reason);
    expect(s.modalities[1].share).toBeGreaterThan(0.6);
    expect(s.modalities[0].share).toBeLessThan(0.1);
  });

  it('is deterministic for a seed', () => {
    const { loss, regressors } = synthetic(1, 3, 100);
    expect(shiftSensitivity(loss, regressors, { seed: 9 })).toEqual(shiftSensitivity(loss, regressors, { seed: 9 }));
  });

  it('cross-fits: a row’s estimate does not depend on its own loss', () => {
    const { loss, regressors } = synthetic(0, 4, 120);
    const folds = foldsOf(120, 5, 1);
    const a = crossFittedRidge(regressors[0].x, 4, loss, folds);
    const changed = loss.slice(); changed[7] += 50;
    const b = crossFittedRidge(regressors[0].x, 4, changed, folds);
    expect(b.deviation[7]).toBe(a.deviation[7]);
    expect(Array.from(b.deviation).some((v, i) => v !== a.deviation[i])).toBe(true); // the other folds' fits did see it
  });

  it('ridge matches the one-feature closed form β = Sxy / (Sxx + λ), λ = α·Sxx', () => {
    const x = [0.5, -1, 2, 0.25, 1.5, -0.75], l = [1, 0.2, 2.5, 0.9, 1.9, 0.1];
    const xm = x.reduce((s, v) => s + v, 0) / 6, lm = l.reduce((s, v) => s + v, 0) / 6;
    const sxx = x.reduce((s, v) => s + (v - xm) ** 2, 0), sxy = x.reduce((s, v, i) => s + (v - xm) * (l[i] - lm), 0);
    const f = ridgeFit(x, 1, l, [0, 1, 2, 3, 4, 5], 0.1);
    expect(f.lambda).toBeCloseTo(0.1 * sxx, 12);
    expect(f.beta[0]).toBeCloseTo(sxy / (sxx * 1.1), 12);
    expect(f.lbar).toBeCloseTo(lm, 12);
  });

  it('Cholesky solve agrees with a hand-checked 3 × 3 system', () => {
    const a = Float64Array.from([4, 2, 0.4, 2, 5, 1, 0.4, 1, 3]);
    const x = [1, -2, 0.5];
    const b = Float64Array.from([0, 1, 2].map((i) => a[i * 3] * x[0] + a[i * 3 + 1] * x[1] + a[i * 3 + 2] * x[2]));
    Array.from(choleskySolve(a, b, 3)).forEach((v, i) => expect(v).toBeCloseTo(x[i], 12));
    expect(() => choleskySolve(Float64Array.from([1, 2, 2, 1]), Float64Array.from([1, 1]), 2)).toThrow(/positive definite/);
  });

  it('is part of the evaluation: on embeddings where the model has them, on inputs otherwise', () => {
    const data = makePreparedData({ n: 300, widths: [3, 4], signal: [1, 0.2] });
    const opts = { bEval: 0.2, seed: 2, repeats: 1, severities: [0, 0.5] };
    const ev = evaluateRun(new LinearSoftmaxPredictor(data), data, opts);
    const early = evaluateRun(new LinearSoftmaxPredictor(data, { early: true }), data, opts);
    if (!ev.shiftSensitivity?.available || !early.shiftSensitivity?.available) throw new Error('expected a shift sensitivity');
    expect(ev.shiftSensitivity.modalities.map((m) => [m.modality, m.input, m.width, m.projected])).toEqual([['text', 'embedding', 3, false], ['image', 'embedding', 3, false]]);
    expect(early.shiftSensitivity.modalities.map((m) => [m.input, m.width])).toEqual([['inputs', 3], ['inputs', 4]]);
    // the modality with the stronger signal moves the loss more
    expect(ev.shiftSensitivity.modalities[0].share!).toBeGreaterThan(ev.shiftSensitivity.modalities[1].share!);
    expect(ev.shiftSensitivity.rho).toBe(0.1);
    expect(ev.shiftSensitivity.meanLoss).toBeCloseTo(ev.distributional.meanLoss!, 12);
  });

  it('needs enough rows', () => {
    expect(shiftSensitivity([1, 2, 3], [], { seed: 1 })).toMatchObject({ available: false });
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend';
import { Rng } from '../rng';
import { METHODS } from '../train/config';
import { createObjective } from './registry';
import type { ObjectiveOptions, TrainingObjective } from './objective';
import { chi2WorstCaseClosedForm, chi2WorstCaseExact, cvar, klWorstCase } from './worstcase';

const base: ObjectiveOptions = { rho: 0.5, B: 0.8, form: 'closed-form', cvarAlpha: 0.3, groupStep: 0.1, groupSizeAdjust: 0, nGroups: 2, groupCounts: [3, 3] };
const losses = [0.3, 1.2, 0.05, 2.2, 0.7, 0.9];
const groups = [0, 1, 0, 1, 0, 1];

beforeAll(async () => { await initBackend('cpu'); });

function groupOneHot(): tf.Tensor2D { return tf.oneHot(tf.tensor1d(groups, 'int32'), 2).toFloat() as tf.Tensor2D; }

/** Cross-entropy-like batch losses: mostly small, a heavy right tail; rounded to float32 as the trainer's are. */
function randomBatch(n: number, seed: number): number[] {
  const r = new Rng(seed);
  return Array.from(Float32Array.from({ length: n }, () => -Math.log(1 - r.next()) * (r.next() < 0.1 ? 4 : 0.5)));
}

/** The objective's value and tf.grad on a batch (the way the trainer differentiates it). */
function valueAndGrad(obj: TrainingObjective, l: number[]): { value: number; grad: Float32Array } {
  return tf.tidy(() => {
    const x = tf.tensor1d(l);
    const value = obj.loss(x, { training: false }).dataSync()[0];
    const grad = tf.grad((t: tf.Tensor) => obj.loss(t as tf.Tensor1D, { training: false }))(x).dataSync() as Float32Array;
    return { value, grad };
  });
}

/** Central finite differences of a plain-number function of the losses (float64). */
function finiteDiff(f: (l: number[]) => number, l: number[], h = 1e-6): number[] {
  return l.map((_, i) => {
    const up = l.slice(), dn = l.slice();
    up[i] += h; dn[i] -= h;
    return (f(up) - f(dn)) / (2 * h);
  });
}

describe('training objectives', () => {
  it('one Group DRO weight update matches a hand computation', () => {
    const obj = createObjective('group-dro', base);
    const oh = groupOneHot();
    const value = obj.loss(tf.tensor1d(losses), { training: true, groupOneHot: oh }).dataSync()[0];
    const L = [(0.3 + 0.05 + 0.7) / 3, (1.2 + 2.2 + 0.9) / 3];
    const q = L.map((l) => 0.5 * Math.exp(0.1 * l));
    const z = q[0] + q[1];
    expect(obj.state!().groupWeights![0]).toBeCloseTo(q[0] / z, 6);
    expect(obj.state!().groupWeights![1]).toBeCloseTo(q[1] / z, 6);
    expect(value).toBeCloseTo((q[0] * L[0] + q[1] * L[1]) / z, 6);
    obj.dispose(); oh.dispose();
  });

  it('closed forms equal the plain-number closed form', () => {
    const l = tf.tensor1d(losses);
    const closed = createObjective('chi2', base);
    expect(closed.loss(l, { training: false }).dataSync()[0]).toBeCloseTo(chi2WorstCaseClosedForm(losses, 0.5), 4);
    const mm = createObjective('mm-dro', base);
    expect(mm.loss(l, { training: false }).dataSync()[0]).toBeCloseTo(chi2WorstCaseClosedForm(losses, 0.8), 4);
    closed.dispose(); mm.dispose(); l.dispose();
  });

  // METHOD.md §3–§4: every dual is solved on the batch. The objective's value must be the exact
  // worst case, and its gradient (w*/n through the solved weights) must be the derivative of that
  // value — checked against finite differences of the plain-number solver, which never sees w*.
  const n = 53; // α·n non-integer for α = 0.1, 0.25, 0.37
  const duals: { label: string; method: 'chi2' | 'mm-dro' | 'cvar' | 'kl'; o: Partial<ObjectiveOptions>; plain: (l: number[]) => number }[] = [
    ...[0.05, 0.5, 2, 60].map((rho) => ({ label: `χ² exact ρ=${rho}`, method: 'chi2' as const, o: { rho, form: 'exact' as const }, plain: (l: number[]) => chi2WorstCaseExact(l, rho) })),
    { label: 'mm-dro exact B=1.3', method: 'mm-dro', o: { B: 1.3, form: 'exact' }, plain: (l) => chi2WorstCaseExact(l, 1.3) },
    ...[0.1, 0.25, 0.37, 1].map((alpha) => ({ label: `CVaR α=${alpha}`, method: 'cvar' as const, o: { cvarAlpha: alpha }, plain: (l: number[]) => cvar(l, alpha) })),
    // The last ρ is past log(n) = 3.97: λ* → 0, the worst case is the maximum loss.
    ...[0.02, 0.3, 1.5, Math.log(n) + 0.5].map((rho) => ({ label: `KL ρ=${rho.toFixed(2)}`, method: 'kl' as const, o: { rho }, plain: (l: number[]) => klWorstCase(l, rho) })),
  ];
  for (const d of duals) {
    it(`${d.label}: value = the exact worst case, gradient = finite differences of it`, () => {
      const obj = createObjective(d.method, { ...base, ...d.o });
      for (const seed of [1, 2, 3]) {
        const l = randomBatch(n, seed);
        const { value, grad } = valueAndGrad(obj, l);
        const exact = d.plain(l);
        expect(Math.abs(value - exact) / Math.abs(exact), `${d.label} seed ${seed} value`).toBeLessThan(1e-6);
        const fd = finiteDiff(d.plain, l);
        fd.forEach((g, i) => expect(Math.abs(grad[i] - g), `${d.label} seed ${seed} ∂/∂ℓ_${i}`).toBeLessThan(1e-6 + 1e-5 * Math.abs(g)));
        expect(grad.reduce((s, g) => s + g, 0)).toBeCloseTo(1, 5); // a distribution over the batch
      }
      obj.dispose();
    });
  }

  it('the solved duals differ from ERM: CVaR puts all its gradient on the worst α-fraction', () => {
    const obj = createObjective('cvar', { ...base, cvarAlpha: 0.3 });
    const { value, grad } = valueAndGrad(obj, losses); // αn = 1.8: the worst loss, 0.8 of the second worst
    expect(value).toBeCloseTo((2.2 + 0.8 * 1.2) / 1.8, 6);
    expect(Array.from(grad)).toEqual(Array.from(Float32Array.from([0, 0.8 / 1.8, 0, 1 / 1.8, 0, 0])));
    obj.dispose();
  });

  it('gradients match finite differences of the objective itself, for every method and form', () => {
    for (const method of METHODS) {
      for (const form of ['closed-form', 'exact'] as const) {
        if (form === 'exact' && method !== 'chi2' && method !== 'mm-dro') continue;
        const obj = createObjective(method, { ...base, form });
        const oh = groupOneHot();
        const f = (x: tf.Tensor) => obj.loss(x as tf.Tensor1D, { training: false, groupOneHot: oh });
        const g = tf.grad(f)(tf.tensor1d(losses)).dataSync();
        const h = 1e-2;
        for (let i = 0; i < losses.length; i++) {
          const up = losses.slice(), dn = losses.slice();
          up[i] += h; dn[i] -= h;
          const fd = (f(tf.tensor1d(up)).dataSync()[0] - f(tf.tensor1d(dn)).dataSync()[0]) / (2 * h);
          expect(Math.abs(g[i] - fd), `${method} ${form} ∂/∂ℓ_${i}`).toBeLessThan(2e-3);
        }
        obj.dispose(); oh.dispose();
      }
    }
  });

  it('mm-dro follows setRadius (γ re-estimated during training)', () => {
    const obj = createObjective('mm-dro', { ...base, form: 'exact' });
    obj.setRadius!(2.5);
    expect(valueAndGrad(obj, losses).value).toBeCloseTo(chi2WorstCaseExact(losses, 2.5), 5);
    obj.dispose();
  });

  it('a diverged batch (non-finite loss) is a typed error, not a solver failure', () => {
    const obj = createObjective('cvar', base);
    expect(() => obj.loss(tf.tensor1d([0.2, NaN, 1]), { training: true })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
    obj.dispose();
  });

  it('solving a dual leaves no tensors behind, with or without backprop', () => {
    const obj = createObjective('kl', base);
    const l = tf.tensor1d(losses);
    const before = tf.memory().numTensors;
    obj.loss(l, { training: true }).dispose();
    tf.grad((t: tf.Tensor) => obj.loss(t as tf.Tensor1D, { training: true }))(l).dispose();
    expect(tf.memory().numTensors).toBe(before);
    l.dispose(); obj.dispose();
  });

  it('valueAndGradient (the plain-number path of native engines) = loss and its tf.grad, and finite differences', () => {
    let covered = 0;
    for (const method of METHODS) {
      for (const form of ['closed-form', 'exact'] as const) {
        const obj = createObjective(method === 'logreg' ? 'erm' : method, { ...base, form, rho: 0.7, B: 1.3, cvarAlpha: 0.25 });
        if (!obj.valueAndGradient) { obj.dispose(); continue; }
        covered++;
        for (const seed of [1, 2, 3]) {
          const l = randomBatch(40, seed);
          const ref = valueAndGrad(obj, l);
          const got = obj.valueAndGradient(Float32Array.from(l));
          expect(got.value, `${method} ${form}`).toBeCloseTo(ref.value, 5);
          got.gradient.forEach((g, i) => expect(Math.abs(g - ref.grad[i]), `${method} ${form} ∂/∂ℓ_${i}`).toBeLessThan(1e-6));
          const fd = finiteDiff((x) => obj.valueAndGradient!(Float32Array.from(x)).value, l, 1e-4);
          // float32 losses in the solver: compare with a tolerance that a wrong slope (≥ 1/n = 0.025 here) exceeds
          got.gradient.forEach((g, i) => expect(Math.abs(g - fd[i]), `${method} ${form} FD ∂/∂ℓ_${i}`).toBeLessThan(2e-3));
        }
        obj.dispose();
      }
    }
    // erm, chi2, cvar, kl, mm-dro (each form); only Group DRO (state on the device) goes through tf.grad
    expect(covered).toBeGreaterThanOrEqual(9);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend';
import { METHODS } from '../train/config';
import { createObjective } from './registry';
import type { ObjectiveOptions } from './objective';
import { chi2WorstCaseClosedForm, chi2WorstCaseExact, cvar, klWorstCase } from './worstcase';

const base: ObjectiveOptions = { rho: 0.5, B: 0.8, form: 'closed-form', cvarAlpha: 0.3, groupStep: 0.1, groupSizeAdjust: 0, nGroups: 2, groupCounts: [3, 3] };
const losses = [0.3, 1.2, 0.05, 2.2, 0.7, 0.9];
const groups = [0, 1, 0, 1, 0, 1];

beforeAll(async () => { await initBackend('cpu'); });

function groupOneHot(): tf.Tensor2D { return tf.oneHot(tf.tensor1d(groups, 'int32'), 2).toFloat() as tf.Tensor2D; }

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

  it('objectives at their optimal extra parameters equal the exact plain-number values', () => {
    const l = tf.tensor1d(losses);
    const closed = createObjective('chi2', base);
    expect(closed.loss(l, { training: false }).dataSync()[0]).toBeCloseTo(chi2WorstCaseClosedForm(losses, 0.5), 4);
    const mm = createObjective('mm-dro', base);
    expect(mm.loss(l, { training: false }).dataSync()[0]).toBeCloseTo(chi2WorstCaseClosedForm(losses, 0.8), 4);
    // Minimise the dual over its extra parameter by plain gradient descent; it must reach the exact value.
    for (const [method, exact] of [['chi2', chi2WorstCaseExact(losses, 0.5)], ['cvar', cvar(losses, 0.3)], ['kl', klWorstCase(losses, 0.5)]] as const) {
      const obj = createObjective(method, { ...base, form: 'exact' });
      const opt = tf.train.adam(0.05);
      for (let i = 0; i < 1500; i++) opt.minimize(() => obj.loss(l, { training: true }), false, obj.variables);
      expect(obj.loss(l, { training: false }).dataSync()[0]).toBeCloseTo(exact, 2);
      opt.dispose(); obj.dispose();
    }
    closed.dispose(); mm.dispose(); l.dispose();
  });

  it('gradients match finite differences for every objective', () => {
    for (const method of METHODS) {
      for (const form of ['closed-form', 'exact'] as const) {
        if (form === 'exact' && method !== 'chi2' && method !== 'mm-dro') continue;
        const obj = createObjective(method, { ...base, form });
        for (const v of obj.variables) v.assign(tf.scalar(0.4)); // move η/θ off 0 so relu kinks are not hit
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
        // And with respect to the objective's own parameters.
        for (const v of obj.variables) {
          const gv = tf.variableGrads(() => f(tf.tensor1d(losses)), [v]).grads[v.name].dataSync()[0];
          const v0 = v.dataSync()[0];
          v.assign(tf.scalar(v0 + h)); const fu = f(tf.tensor1d(losses)).dataSync()[0];
          v.assign(tf.scalar(v0 - h)); const fdn = f(tf.tensor1d(losses)).dataSync()[0];
          v.assign(tf.scalar(v0));
          expect(Math.abs(gv - (fu - fdn) / (2 * h)), `${method} ∂/∂${v.name}`).toBeLessThan(2e-3);
        }
        obj.dispose(); oh.dispose();
      }
    }
  });
});

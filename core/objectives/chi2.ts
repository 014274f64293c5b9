/**
 * χ²-DRO training objectives (METHOD.md §2–§3), shared by `chi2` (radius ρ) and `mm-dro` (radius B):
 *  closed-form: mean(ℓ) + √r · sqrt(var(ℓ) + 1e-8)       (population variance of the batch);
 *  exact:       R_χ²(r) = min_η η + √(1+r) · √(mean((ℓ − η)₊²)) with η solved exactly on every batch,
 *               gradient wᵢ*·(1/n), wᵢ* = (ℓᵢ − η*)₊ / mean((ℓ − η*)₊) (dual.ts, worstcase.ts solveChi2Dual).
 */
import * as tf from '@tensorflow/tfjs-core';
import { solvedDualObjective } from './dual';
import type { ObjectiveOptions, TrainingObjective } from './objective';
import { solveChi2Dual } from './worstcase';

export function createChi2Objective(name: string, radius: number, form: 'closed-form' | 'exact'): TrainingObjective {
  let r = radius;
  return {
    name,
    loss(l) {
      if (form === 'exact') return solvedDualObjective(l, (x) => solveChi2Dual(x, r));
      return tf.tidy(() => {
        const { mean, variance } = tf.moments(l);
        return tf.add(mean, tf.mul(Math.sqrt(r), tf.sqrt(tf.add(variance, 1e-8)))) as tf.Scalar;
      });
    },
    setRadius(v: number) { r = v; },
    dispose() {},
  };
}

export function createChi2(o: ObjectiveOptions): TrainingObjective {
  return createChi2Objective('chi2', o.rho, o.form);
}

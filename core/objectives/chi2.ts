/**
 * χ²-DRO training objectives (METHOD.md §2–§3), shared by `chi2` (radius ρ) and `mm-dro` (radius B):
 *  closed-form: mean(ℓ) + √r · sqrt(var(ℓ) + 1e-8)       (population variance of the batch);
 *  exact:       R_χ²(r) = min_η η + √(1+r) · √(mean((ℓ − η)₊²)) with η solved exactly on every batch,
 *               gradient wᵢ*·(1/n), wᵢ* = (ℓᵢ − η*)₊ / mean((ℓ − η*)₊) (dual.ts, worstcase.ts solveChi2Dual).
 */
import * as tf from '@tensorflow/tfjs-core';
import { solvedDualGradient, solvedDualObjective } from './dual';
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
    valueAndGradient(l) {
      if (form === 'exact') return solvedDualGradient(l, (x) => solveChi2Dual(x, r));
      // mean + √r·√(var + 1e-8):  ∂/∂ℓᵢ = 1/n + √r·(ℓᵢ − mean) / (n·√(var + 1e-8))
      const n = l.length;
      let mean = 0;
      for (let i = 0; i < n; i++) mean += l[i];
      mean /= n;
      let v = 0;
      for (let i = 0; i < n; i++) v += (l[i] - mean) ** 2;
      const sd = Math.sqrt(v / n + 1e-8);
      const gradient = new Float32Array(n);
      for (let i = 0; i < n; i++) gradient[i] = 1 / n + (Math.sqrt(r) * (l[i] - mean)) / (n * sd);
      return { value: mean + Math.sqrt(r) * sd, gradient };
    },
    setRadius(v: number) { r = v; },
    dispose() {},
  };
}

export function createChi2(o: ObjectiveOptions): TrainingObjective {
  return createChi2Objective('chi2', o.rho, o.form);
}

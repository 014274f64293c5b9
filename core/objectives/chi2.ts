/**
 * χ²-DRO training objectives (METHOD.md §2–§3), shared by `chi2` (radius ρ) and `mm-dro` (radius B):
 *  closed-form: mean(ℓ) + √r · sqrt(var(ℓ) + 1e-8)       (population variance of the batch)
 *  exact:       η + √(1+r) · sqrt(mean(relu(ℓ − η)²) + 1e-12), η trainable.
 */
import * as tf from '@tensorflow/tfjs-core';
import { scalarVariable } from './objective';
import type { ObjectiveOptions, TrainingObjective } from './objective';

let counter = 0;

export function createChi2Objective(name: string, radius: number, form: 'closed-form' | 'exact'): TrainingObjective {
  const r = scalarVariable(tf.scalar(radius), false, `${name}_radius_${counter++}`);
  const eta = form === 'exact' ? scalarVariable(tf.scalar(0), true, `${name}_eta_${counter++}`) : null;
  return {
    name,
    variables: eta ? [eta] : [],
    loss(l) {
      return tf.tidy(() => {
        if (!eta) {
          const { mean, variance } = tf.moments(l);
          return tf.add(mean, tf.mul(tf.sqrt(r), tf.sqrt(tf.add(variance, 1e-8)))) as tf.Scalar;
        }
        const excess = tf.relu(tf.sub(l, eta));
        const rms = tf.sqrt(tf.add(tf.mean(tf.square(excess)), 1e-12));
        return tf.add(eta, tf.mul(tf.sqrt(tf.add(r, 1)), rms)) as tf.Scalar;
      });
    },
    setRadius(v: number) { const t = tf.scalar(v); r.assign(t); t.dispose(); },
    dispose() { r.dispose(); eta?.dispose(); },
  };
}

export function createChi2(o: ObjectiveOptions): TrainingObjective {
  return createChi2Objective('chi2', o.rho, o.form);
}

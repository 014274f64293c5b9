/**
 * KL-DRO: min_{λ>0} λρ + λ log mean(exp(ℓ/λ)) (METHOD.md §4), λ = softplus(θ) + 1e-3 with θ
 * trainable; log-mean-exp via logSumExp (max-shifted, stable).
 */
import * as tf from '@tensorflow/tfjs-core';
import { scalarVariable } from './objective';
import type { ObjectiveOptions, TrainingObjective } from './objective';

let counter = 0;

export function createKl(o: ObjectiveOptions): TrainingObjective {
  const theta = scalarVariable(tf.scalar(Math.log(Math.expm1(1))), true, `kl_theta_${counter++}`); // λ starts at ≈ 1
  const rho = o.rho;
  return {
    name: 'kl',
    variables: [theta],
    loss: (l) =>
      tf.tidy(() => {
        const lambda = tf.add(tf.softplus(theta), 1e-3);
        const lme = tf.sub(tf.logSumExp(tf.div(l, lambda)), Math.log(l.shape[0]));
        return tf.mul(lambda, tf.add(lme, rho)) as tf.Scalar;
      }),
    dispose() { theta.dispose(); },
  };
}

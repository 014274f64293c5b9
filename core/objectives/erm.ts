/** Empirical risk minimisation: mean(ℓ) (METHOD.md §4). */
import * as tf from '@tensorflow/tfjs-core';
import type { TrainingObjective } from './objective';

export function createErm(): TrainingObjective {
  return {
    name: 'erm',
    uniformWeights: true,
    loss: (l) => tf.mean(l) as tf.Scalar,
    valueAndGradient(l) {
      const n = l.length;
      let s = 0;
      for (let i = 0; i < n; i++) s += l[i];
      return { value: s / n, gradient: new Float32Array(n).fill(1 / n) };
    },
    dispose() {},
  };
}

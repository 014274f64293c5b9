/** Empirical risk minimisation: mean(ℓ) (METHOD.md §4). */
import * as tf from '@tensorflow/tfjs-core';
import type { TrainingObjective } from './objective';

export function createErm(): TrainingObjective {
  return {
    name: 'erm',
    loss: (l) => tf.mean(l) as tf.Scalar,
    dispose() {},
  };
}

/** CVaR-DRO: min_η η + mean(relu(ℓ − η))/α, η trainable (METHOD.md §4). */
import * as tf from '@tensorflow/tfjs-core';
import { scalarVariable } from './objective';
import type { ObjectiveOptions, TrainingObjective } from './objective';

let counter = 0;

export function createCvar(o: ObjectiveOptions): TrainingObjective {
  const eta = scalarVariable(tf.scalar(0), true, `cvar_eta_${counter++}`);
  const alpha = o.cvarAlpha;
  return {
    name: 'cvar',
    variables: [eta],
    loss: (l) => tf.tidy(() => tf.add(eta, tf.div(tf.mean(tf.relu(tf.sub(l, eta))), alpha)) as tf.Scalar),
    dispose() { eta.dispose(); },
  };
}

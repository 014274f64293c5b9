/**
 * Group DRO (Sagawa et al. 2020; METHOD.md §4). Per step, with batch group losses L_g (mean loss of
 * the batch rows in g; 0 for groups absent from the batch) and optional adjustment C/√n_g:
 *   q_g ← q_g · exp(η_q · (L_g + C/√n_g)),  q ← q / Σq;   objective Σ_g q_g L_g.
 * q lives on the device (no readback per step) and is not differentiated.
 */
import * as tf from '@tensorflow/tfjs-core';
import { scalarVariable } from './objective';
import type { ObjectiveOptions, TrainingObjective } from './objective';

let counter = 0;

export function createGroupDro(o: ObjectiveOptions): TrainingObjective {
  const G = o.nGroups ?? 0;
  if (G < 1) throw new Error('group-dro needs a group column');
  const q = scalarVariable(tf.fill([G], 1 / G), false, `groupdro_q_${counter++}`);
  const adjust = tf.tensor1d(
    Array.from({ length: G }, (_, g) => (o.groupSizeAdjust > 0 ? o.groupSizeAdjust / Math.sqrt(Math.max(1, o.groupCounts?.[g] ?? 1)) : 0)),
  );
  return {
    name: 'group-dro',
    loss(l, ctx) {
      if (!ctx.groupOneHot) throw new Error('group-dro needs group labels for the batch');
      const oneHot = ctx.groupOneHot;
      return tf.tidy(() => {
        const sums = tf.reshape(tf.matMul(tf.reshape(l, [1, -1]), oneHot), [G]);
        const counts = tf.sum(oneHot, 0);
        const groupLoss = tf.div(sums, tf.maximum(counts, 1));
        if (ctx.training) {
          // q is a non-trainable variable: assigning it records no gradient path back to the losses.
          const present = tf.cast(tf.greater(counts, 0), 'float32');
          const step = tf.mul(tf.mul(tf.add(groupLoss, adjust), present), o.groupStep);
          const next = tf.mul(q, tf.exp(step));
          q.assign(tf.div(next, tf.sum(next)));
        }
        return tf.sum(tf.mul(q, groupLoss)) as tf.Scalar; // q is a non-trainable variable: a constant for gradients
      });
    },
    state: () => ({ groupWeights: Array.from(q.dataSync()) }),
    dispose() { q.dispose(); adjust.dispose(); },
  };
}

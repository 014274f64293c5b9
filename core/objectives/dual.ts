/**
 * The training objective of a dual solved exactly on every minibatch (METHOD.md §3 "exact", §4;
 * Levy, Carmon, Duchi & Sidford, NeurIPS 2020). The batch losses are read back once, the 1-D dual
 * (χ²'s η, CVaR's η, KL's λ) is solved in plain numbers by core/objectives/worstcase.ts, and the
 * objective is
 *   value     R(ℓ) = sup_Q E_Q[ℓ], the exact dual value of the batch;
 *   gradient  ∂R/∂ℓᵢ = wᵢ* · 1/n, w* the optimal likelihood ratios —
 * i.e. mean(stopGradient(w*)·ℓ) for the gradient (envelope theorem: the dual variable sits at its
 * optimum, so it contributes nothing to first order) with the exact dual value reported.
 * Why not train η/λ with the model: a dual variable that lags behind the losses optimises a
 * different objective (measured: CVaR's η, started at 0, never left the regime where the objective
 * is mean(ℓ)/α + const, and CVaR-DRO trained exactly like ERM; METHOD.md "Changes in version 2").
 */
import * as tf from '@tensorflow/tfjs-core';
import { DrmmError } from '../errors';
import type { DualSolution } from './worstcase';

/** A batch whose losses are not all finite: training diverged (said in words, not as a solver failure). */
export function divergedError(): DrmmError {
  return new DrmmError('INVALID_CONFIG', 'Training diverged: a per-sample loss is not finite.', { hint: 'Lower the learning rate (or the radius) and start the run again.' });
}

/** The solved dual on plain numbers: value R(ℓ) and gradient w* ⁄ n (see the header). */
export function solvedDualGradient(values: Float32Array, solve: (losses: ArrayLike<number>) => DualSolution): { value: number; gradient: Float32Array } {
  if (!values.every(Number.isFinite)) {
    throw divergedError();
  }
  const { value, weights } = solve(values);
  const n = values.length;
  return { value, gradient: Float32Array.from(weights, (w) => w / n) };
}

export function solvedDualObjective(losses: tf.Tensor1D, solve: (losses: ArrayLike<number>) => DualSolution): tf.Scalar {
  const values = losses.dataSync();
  // A worst case of non-finite losses is undefined: say what happened instead of failing inside the solver.
  if (!values.every(Number.isFinite)) {
    throw divergedError();
  }
  const { value, weights } = solve(values);
  const n = losses.shape[0];
  const slope = Float32Array.from(weights, (w) => w / n);
  // customGrad states value and gradient exactly; the gradient tensor is built only if backprop runs.
  const objective = tf.customGrad(() => ({
    value: tf.scalar(value),
    gradFunc: (dy: tf.Tensor) => tf.mul(dy, tf.tensor1d(slope)),
  }));
  return objective(losses) as tf.Scalar;
}

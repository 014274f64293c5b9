/**
 * The one interface every training objective implements (METHOD.md §3–§4). An objective turns the
 * per-sample losses of a minibatch into the scalar that is minimised; it may keep per-step state
 * (Group DRO's q). It trains no parameters of its own: dual variables (η of the χ²/CVaR duals, λ of
 * KL) are solved exactly on each batch (dual.ts).
 * Adding a method = one file here + one line in registry.ts.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface ObjectiveContext {
  /** One-hot group membership of the batch rows (B × nGroups, float32), when the data has groups. */
  groupOneHot?: tf.Tensor2D;
  /** True inside a training step (state such as Group DRO's q may be updated), false for evaluation. */
  training: boolean;
}

export interface ObjectiveOptions {
  /** χ² / KL radius (chi2, kl). For mm-dro use `B`. */
  rho: number;
  /** Effective radius of modality-aware DRO (METHOD.md §3). */
  B?: number;
  form: 'closed-form' | 'exact';
  cvarAlpha: number;
  groupStep: number;
  groupSizeAdjust: number;
  nGroups?: number;
  /** Training rows per group (for the C/√n_g adjustment). */
  groupCounts?: number[];
}

export interface TrainingObjective {
  readonly name: string;
  /** Differentiable scalar objective of the per-sample losses. May update state when ctx.training. */
  loss(perSampleLosses: tf.Tensor1D, ctx: ObjectiveContext): tf.Scalar;
  /**
   * The same objective on plain numbers: its value and ∂R/∂ℓ on the batch's losses, for engines
   * outside TF.js (core/engine/onnx). Optional: without it an engine differentiates `loss` with TF.js.
   * Must agree with `loss` and its gradient (core/objectives/objectives.test.ts checks every one).
   */
  valueAndGradient?(losses: Float32Array): { value: number; gradient: Float32Array };
  /** ∂R/∂ℓᵢ = 1/n whatever the losses (ERM): an engine may then take the whole step in one go. */
  readonly uniformWeights?: boolean;
  /** Readable state for progress/report (reads back; call once per epoch at most). */
  state?(): { groupWeights?: number[] };
  /** Change the radius (mm-dro when γ is refreshed). */
  setRadius?(radius: number): void;
  dispose(): void;
}

/** A variable from an initial tensor, disposing the initial tensor (tf.variable keeps its own copy). */
export function scalarVariable(init: tf.Tensor, trainable: boolean, name: string): tf.Variable {
  const v = tf.variable(init, trainable, name);
  init.dispose();
  return v;
}

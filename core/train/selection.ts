/**
 * Model selection and early stopping (METHOD.md §6): at each epoch end the selection rule's score
 * (lower is better) decides whether the epoch is the best so far — its weights are then kept —
 * and training stops once `patienceSteps` optimiser steps have passed without a better epoch.
 * Patience is counted in steps so that it means the same amount of optimisation at every data size.
 */
import * as tf from '@tensorflow/tfjs-core';

export class ModelSelection {
  /** 1-based epoch of the kept weights; 0 before the first scored epoch. */
  bestEpoch = 0;
  private bestScore = Infinity;
  private stepsSinceBest = 0;
  private snapshot: tf.Tensor[] | null = null;

  /** `patienceSteps` 0 = never stop early. */
  constructor(private readonly variables: tf.Variable[], private readonly patienceSteps: number) {}

  /** Scores the end of `epoch`, which took `steps` optimiser steps. The first scored epoch is always kept. */
  score(epoch: number, score: number, steps: number): void {
    if (score < this.bestScore || this.bestEpoch === 0) {
      this.bestScore = score;
      this.bestEpoch = epoch;
      this.stepsSinceBest = 0;
      if (this.snapshot) tf.dispose(this.snapshot);
      this.snapshot = this.variables.map((v) => tf.clone(v));
    } else {
      this.stepsSinceBest += steps;
    }
  }

  get patienceSpent(): boolean {
    return this.patienceSteps > 0 && this.stepsSinceBest >= this.patienceSteps;
  }

  /** Puts the kept weights back into the model. */
  restoreBest(): void {
    const snap = this.snapshot;
    if (snap) this.variables.forEach((v, i) => v.assign(snap[i]));
  }

  dispose(): void {
    if (this.snapshot) tf.dispose(this.snapshot);
    this.snapshot = null;
  }
}

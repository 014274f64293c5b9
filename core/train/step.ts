/**
 * One optimiser step (METHOD.md §3–§4): forward pass, per-sample cross-entropy ℓ, the objective of
 * ℓ (plain ERM during the γ warm-up), plus the auxiliary γ heads while they train; Adam on the
 * network, decoupled weight decay on its kernels. The objectives train no parameters of their own:
 * their dual variables are solved on the batch inside `objective.loss` (objectives/dual.ts).
 * Training loss and objective are summed on the device and read back once per epoch.
 */
import * as tf from '@tensorflow/tfjs-core';
import { softmaxCrossEntropy } from '../model/dense';
import type { MultimodalNetwork } from '../model/network';
import { createErm } from '../objectives/erm';
import type { ObjectiveContext, TrainingObjective } from '../objectives/objective';
import type { AuxHeads } from './aux-heads';
import type { EpochBatches } from './batches';
import type { TrainConfig } from './config';

/**
 * One optimiser step, whatever engine runs it: the TF.js engine (`StepRunner`, below) or the native
 * one (core/engine/onnx/onnx-step.ts). The network's variables hold the weights between epochs:
 * an engine that keeps its own copy writes it back in `syncToNetwork`.
 */
export interface TrainingStep {
  startEpoch(): void;
  /** Σ training losses and Σ batch objectives since `startEpoch`. */
  epochSums(): { loss: number; objective: number };
  /** One step on batch `b`; `warm`: the γ warm-up (ERM); `withAux`: the γ heads train too. */
  run(batches: EpochBatches, b: number, warm: boolean, withAux: boolean): void | Promise<void>;
  /** Makes the network's variables hold the current weights (before validation, selection, saving). */
  syncToNetwork(): void;
  dispose(): void;
}

export class StepRunner implements TrainingStep {
  // One Adam per variable family: tfjs's Adam keys its moments by position in the gradient list,
  // so each optimiser must always see the same variables in the same order.
  private readonly optimizer: tf.Optimizer;
  private readonly auxOptimizer: tf.Optimizer;
  private readonly warmupObjective = createErm();
  private readonly decayed: tf.Variable[];
  private readonly decayFactor: number;
  private readonly zero = tf.scalar(0);
  private readonly lossSum = tf.variable(this.zero, false);
  private readonly objectiveSum = tf.variable(this.zero, false);

  constructor(
    private readonly net: MultimodalNetwork, private readonly objective: TrainingObjective, private readonly aux: AuxHeads | null,
    config: Pick<TrainConfig, 'learningRate' | 'weightDecay'>,
  ) {
    this.optimizer = tf.train.adam(config.learningRate);
    this.auxOptimizer = tf.train.adam(config.learningRate);
    this.decayed = config.weightDecay > 0 ? net.named.filter((x) => x.name.includes('kernel')).map((x) => x.v) : [];
    this.decayFactor = 1 - config.learningRate * config.weightDecay;
  }

  startEpoch(): void {
    this.lossSum.assign(this.zero);
    this.objectiveSum.assign(this.zero);
  }

  /** Σ training losses and Σ batch objectives since `startEpoch` (reads back). */
  epochSums(): { loss: number; objective: number } {
    return { loss: this.lossSum.dataSync()[0], objective: this.objectiveSum.dataSync()[0] };
  }

  /** The variables are the weights: nothing to copy. */
  syncToNetwork(): void {}

  /** One step on batch `b`; `warm`: the γ warm-up (ERM); `withAux`: the γ heads train too. */
  run(batches: EpochBatches, b: number, warm: boolean, withAux: boolean): void {
    const { net, aux } = this;
    tf.tidy(() => {
      const batch = batches.tensors(b);
      const ctx: ObjectiveContext = { training: true, ...(batch.groupOneHot ? { groupOneHot: batch.groupOneHot } : {}) };
      let lossSum: tf.Scalar | null = null;
      let objValue: tf.Scalar | null = null;
      const auxVars = withAux && aux ? aux.variables : [];
      const { grads } = tf.variableGrads(() => {
        const { logits, z } = net.forward(batch.inputs);
        const l = softmaxCrossEntropy(logits, batch.oneHot);
        lossSum = tf.keep(tf.sum(l)) as tf.Scalar;
        const obj = (warm ? this.warmupObjective : this.objective).loss(l, ctx);
        objValue = tf.keep(obj);
        return auxVars.length ? aux!.addLoss(obj, batch, z) : obj;
      }, [...net.variables, ...auxVars]);
      const pick = (vs: tf.Variable[]) => {
        const m: tf.NamedTensorMap = {};
        for (const v of vs) if (grads[v.name]) m[v.name] = grads[v.name];
        return m;
      };
      this.optimizer.applyGradients(pick(net.variables) as never);
      if (auxVars.length) this.auxOptimizer.applyGradients(pick(auxVars) as never);
      for (const v of this.decayed) v.assign(tf.mul(v, this.decayFactor));
      this.lossSum.assign(tf.add(this.lossSum, lossSum!));
      this.objectiveSum.assign(tf.add(this.objectiveSum, objValue!));
      tf.dispose([lossSum!, objValue!]);
    });
  }

  dispose(): void {
    this.optimizer.dispose();
    this.auxOptimizer.dispose();
    this.warmupObjective.dispose();
    tf.dispose([this.lossSum, this.objectiveSum, this.zero]);
  }
}

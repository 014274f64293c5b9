/**
 * The native engine's optimiser step (docs/engine.md): the same step as core/train/step.ts —
 * forward, per-sample cross-entropy ℓ, the objective of ℓ (ERM during the γ warm-up), backward,
 * Adam, decoupled weight decay on the kernels, the γ heads beside — with the network's forward and
 * backward + Adam each one ONNX Runtime session run. The objective runs in between, in the same
 * code as the TF.js engine (its value and ∂/∂ℓ on the batch's losses), so every method trains here
 * unchanged. Weights and Adam moments live here as flat float32 vectors during training and are
 * written back to the network's variables by `syncToNetwork` (once per epoch).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as Ort from 'onnxruntime-node';
import type { MultimodalNetwork } from '../../model/network';
import { divergedError } from '../../objectives/dual';
import { createErm } from '../../objectives/erm';
import type { ObjectiveContext, TrainingObjective } from '../../objectives/objective';
import type { AuxHeads } from '../../train/aux-heads';
import type { EpochBatches, PackedBatch } from '../../train/batches';
import type { TrainConfig } from '../../train/config';
import type { TrainingStep } from '../../train/step';
import { buildTrainingGraphs, inputName, paramOffsets, TRAIN_IO, type TrainingGraphs } from './network-graphs';
import { createSession, type OrtModule } from './runtime';

/** TF.js's Adam defaults (tf.train.adam(lr): β1 0.9, β2 0.999, ε = the float32 backend's epsilon). */
const BETA1 = 0.9, BETA2 = 0.999, EPSILON = 1e-7;

export class OnnxStep implements TrainingStep {
  private params: Float32Array;
  private m: Float32Array;
  private v: Float32Array;
  /** β1^t and β2^t, multiplied in float32 step by step as TF.js does. */
  private acc1 = Math.fround(BETA1);
  private acc2 = Math.fround(BETA2);
  private lossSum = 0;
  private objectiveSum = 0;
  private readonly auxOptimizer: tf.Optimizer;
  private readonly offsets: number[];
  private readonly warmup = createErm();
  /** The other half of double-buffered parameters and moments: a step reads one half and writes the other. */
  private spare: { params: Float32Array; m: Float32Array; v: Float32Array };
  /** The forward pass's outputs, written in place (no allocation per step), and ERM's ∂R/∂ℓ = 1/n (`uniform`); by batch size. */
  private readonly forwardOut = new Map<number, Record<string, Float32Array>>();

  private constructor(
    private readonly ort: OrtModule, private readonly net: MultimodalNetwork, private readonly objective: TrainingObjective,
    private readonly aux: AuxHeads | null, private readonly graphs: TrainingGraphs,
    private readonly forward: Ort.InferenceSession, private readonly backward: Ort.InferenceSession,
    private readonly fused: Ort.InferenceSession, private readonly learningRate: number,
  ) {
    this.offsets = paramOffsets(net.layout()).offsets;
    this.params = new Float32Array(graphs.nParams);
    net.named.forEach(({ v }, i) => this.params.set(v.dataSync() as Float32Array, this.offsets[i]));
    this.m = new Float32Array(graphs.nParams);
    this.v = new Float32Array(graphs.nParams);
    this.spare = { params: new Float32Array(graphs.nParams), m: new Float32Array(graphs.nParams), v: new Float32Array(graphs.nParams) };
    this.auxOptimizer = tf.train.adam(learningRate);
  }

  static async create(
    ort: OrtModule, threads: number, net: MultimodalNetwork, objective: TrainingObjective, aux: AuxHeads | null,
    config: Pick<TrainConfig, 'learningRate' | 'weightDecay'>,
  ): Promise<OnnxStep> {
    const layout = net.layout();
    const decayed = net.named.map((x, i) => (x.name.includes('kernel') ? i : -1)).filter((i) => i >= 0);
    const graphs = buildTrainingGraphs(layout, net.spec.nClasses, {
      learningRate: config.learningRate, beta1: BETA1, beta2: BETA2, epsilon: EPSILON, weightDecay: config.weightDecay, decayed,
    });
    const [forward, backward, fused] = await Promise.all([graphs.forward, graphs.backward, graphs.fused].map((g) => createSession(ort, g, threads)));
    return new OnnxStep(ort, net, objective, aux, graphs, forward, backward, fused, config.learningRate);
  }

  startEpoch(): void { this.lossSum = 0; this.objectiveSum = 0; }
  epochSums(): { loss: number; objective: number } { return { loss: this.lossSum, objective: this.objectiveSum }; }

  async run(batches: EpochBatches, b: number, warm: boolean, withAux: boolean): Promise<void> {
    const { ort, net } = this;
    const batch = batches.packed(b);
    const n = batch.n, C = net.spec.nClasses;
    const f32 = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);
    const data: Record<string, Ort.Tensor> = { [TRAIN_IO.oneHot]: f32(batch.oneHot, [n, C]) };
    batch.inputs.forEach((x, e) => { data[inputName(e)] = f32(x, [n, net.inputWidths[e]]); });
    const params = f32(this.params, [this.params.length]);
    // Adam's bias corrections c1 = 1 − β1^t, c2 = 1 − β2^t folded into the step size and ε (network-graphs.ts).
    const c1 = 1 - this.acc1, c2 = 1 - this.acc2;
    const k1 = (this.learningRate * Math.sqrt(c2)) / c1, k2 = EPSILON * Math.sqrt(c2);
    this.acc1 = Math.fround(this.acc1 * BETA1);
    this.acc2 = Math.fround(this.acc2 * BETA2);
    const state = {
      [TRAIN_IO.params]: params, [TRAIN_IO.m]: f32(this.m, [this.m.length]), [TRAIN_IO.v]: f32(this.v, [this.v.length]),
      [TRAIN_IO.k1]: f32(Float32Array.of(k1), [1]), [TRAIN_IO.k2]: f32(Float32Array.of(k2), [1]),
    };
    const objective = warm ? this.warmup : this.objective;
    // The γ heads read the encoders' outputs: those come out of the two-run path only.
    const needsEmbeddings = withAux && !!this.aux && !this.aux.onRaw;
    const P = this.params.length, next = this.spare;
    const updated = {
      [`${TRAIN_IO.params}_out`]: f32(next.params, [P]), [`${TRAIN_IO.m}_out`]: f32(next.m, [P]), [`${TRAIN_IO.v}_out`]: f32(next.v, [P]),
    };
    const fo = this.forwardBuffers(n);
    const losses = fo[TRAIN_IO.losses];
    let value: number;
    if (objective.uniformWeights && !needsEmbeddings) {
      // ERM (and the warm-up): ∂R/∂ℓ = 1/n is known before the losses, so the whole step is one run.
      await this.fused.run({ ...data, ...state, [TRAIN_IO.dLoss]: f32(fo.uniform, [n]) }, { ...updated, [TRAIN_IO.losses]: f32(losses, [n]) });
      if (!losses.every(Number.isFinite)) throw divergedError();
      value = sum(losses) / n;
    } else {
      const fetches: Record<string, Ort.Tensor> = { [TRAIN_IO.losses]: f32(losses, [n]), [TRAIN_IO.probs]: f32(fo[TRAIN_IO.probs], [n, C]) };
      for (const s of this.graphs.saved) fetches[s.name] = f32(fo[s.name], [n, s.width]);
      await this.forward.run({ ...data, [TRAIN_IO.params]: params }, fetches);
      const g = this.objectiveGradient(objective, losses, batch);
      value = g.value;
      const { [TRAIN_IO.losses]: _l, ...activations } = fetches;
      await this.backward.run({ ...data, ...state, ...activations, [TRAIN_IO.dLoss]: f32(g.dLoss, [n]) }, updated);
    }
    this.spare = { params: this.params, m: this.m, v: this.v };
    this.params = next.params; this.m = next.m; this.v = next.v;
    if (withAux && this.aux) this.auxStep(batch, fo);
    this.lossSum += sum(losses);
    this.objectiveSum += value;
  }

  private forwardBuffers(n: number): Record<string, Float32Array> {
    let b = this.forwardOut.get(n);
    if (!b) {
      b = { [TRAIN_IO.losses]: new Float32Array(n), [TRAIN_IO.probs]: new Float32Array(n * this.net.spec.nClasses), uniform: new Float32Array(n).fill(1 / n) };
      for (const s of this.graphs.saved) b[s.name] = new Float32Array(n * s.width);
      this.forwardOut.set(n, b);
    }
    return b;
  }

  /** The objective's value on the batch losses and its gradient ∂R/∂ℓ, by the objective's own code. */
  private objectiveGradient(objective: TrainingObjective, losses: Float32Array, batch: PackedBatch): { value: number; dLoss: Float32Array } {
    if (!losses.every(Number.isFinite)) throw divergedError();
    if (objective.valueAndGradient) {
      const { value, gradient } = objective.valueAndGradient(losses);
      return { value, dLoss: gradient };
    }
    // An objective written for TF.js only (Group DRO: its q lives on the device): differentiate `loss`.
    const n = losses.length, G = batch.groupOneHot ? batch.groupOneHot.length / n : 0;
    return tf.tidy(() => {
      const ctx: ObjectiveContext = { training: true, ...(batch.groupOneHot ? { groupOneHot: tf.tensor2d(batch.groupOneHot, [n, G]) } : {}) };
      const { value, grad } = tf.valueAndGrad((l: tf.Tensor1D) => objective.loss(l, ctx))(tf.tensor1d(losses));
      return { value: value.dataSync()[0], dLoss: grad.dataSync() as Float32Array };
    });
  }

  /** The γ heads' own Adam step on the encoder outputs of this batch (detached), or its raw modalities. */
  private auxStep(batch: PackedBatch, fwd: Record<string, Float32Array>): void {
    const aux = this.aux!;
    const n = batch.n, C = this.net.spec.nClasses;
    tf.tidy(() => {
      const oneHot = tf.tensor2d(batch.oneHot, [n, C]);
      const features = aux.onRaw
        ? this.net.spec.widths.map((w, k) => tf.tensor2d(batch.raw(k), [n, w]))
        : this.graphs.z.map((name, k) => tf.tensor2d(fwd[name], [n, this.net.embeddingWidth(k)]));
      const { grads } = tf.variableGrads(() => aux.loss(features, oneHot), aux.variables);
      this.auxOptimizer.applyGradients(grads as never);
    });
  }

  syncToNetwork(): void {
    tf.tidy(() => {
      this.net.named.forEach(({ v }, i) => {
        v.assign(tf.tensor(this.params.subarray(this.offsets[i], this.offsets[i] + v.size), v.shape));
      });
    });
  }

  dispose(): void {
    this.auxOptimizer.dispose();
    for (const s of [this.forward, this.backward, this.fused]) void s.release();
  }
}

function sum(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s;
}

/**
 * Auxiliary unimodal heads for estimating γ (METHOD.md §3 "Estimating γ_ij", step 1): one linear
 * softmax head per modality, trained jointly with the model during the warm-up (and while γ is
 * refreshed) on the encoder outputs — detached: the heads' gradient does not reach the encoders —
 * or on the raw modality for early fusion, which has no per-modality embedding.
 */
import * as tf from '@tensorflow/tfjs-core';
import { dense, softmaxCrossEntropy } from '../model/dense';
import type { MultimodalNetwork } from '../model/network';
import { Rng } from '../rng';
import type { BatchTensors, TrainPart } from './batches';

interface Head { W: tf.Variable; b: tf.Variable }

export class AuxHeads {
  readonly variables: tf.Variable[];
  private readonly heads: Head[];

  /** Glorot-uniform weights drawn from a generator derived from the model's initialisation seed. */
  constructor(private readonly net: MultimodalNetwork, private readonly widths: number[], private readonly nClasses: number, initSeed: number, readonly onRaw: boolean) {
    const rng = new Rng(initSeed ^ 0x5bd1e995);
    const C = nClasses;
    this.heads = widths.map((_, k) => {
      const inW = onRaw ? widths[k] : net.embeddingWidth(k);
      const lim = Math.sqrt(6 / (inW + C));
      const vals = new Float32Array(inW * C).map(() => (2 * rng.next() - 1) * lim);
      const w0 = tf.tensor2d(vals, [inW, C]), b0 = tf.zeros([C]) as tf.Tensor1D;
      const head = { W: tf.variable(w0, true), b: tf.variable(b0, true) };
      tf.dispose([w0, b0]);
      return head;
    });
    this.variables = this.heads.flatMap((h) => [h.W, h.b]);
  }

  /** `objective` + Σ_k mean cross-entropy of head k on the batch (embeddings `z`, or the raw modalities). */
  addLoss(objective: tf.Scalar, batch: BatchTensors, z: tf.Tensor2D[]): tf.Scalar {
    return tf.add(objective, this.loss(this.widths.map((_, k) => (this.onRaw ? batch.raw(k) : z[k])), batch.oneHot)) as tf.Scalar;
  }

  /** Σ_k mean cross-entropy of head k on `features[k]` (modality k's embeddings, or its raw values when `onRaw`). */
  loss(features: tf.Tensor2D[], oneHot: tf.Tensor2D): tf.Scalar {
    return tf.addN(this.heads.map((_, k) => tf.mean(softmaxCrossEntropy(this.logits(k, features[k]), oneHot)))) as tf.Scalar;
  }

  /** Unimodal losses u_k,i of each head on the training split, in row order (for γ). */
  unimodalLosses(train: TrainPart): Float32Array[] {
    const { widths, nClasses: C } = this;
    const out = this.heads.map(() => new Float32Array(train.n));
    const CHUNK = 4096;
    for (let s = 0; s < train.n; s += CHUNK) {
      const c = Math.min(CHUNK, train.n - s);
      const losses = tf.tidy(() => {
        const oneHot = tf.cast(tf.oneHot(tf.tensor1d(train.y.subarray(s, s + c), 'int32'), C), 'float32') as tf.Tensor2D;
        return this.heads.map((_, k) => {
          const xk = tf.tensor2d(train.x[k].subarray(s * widths[k], (s + c) * widths[k]), [c, widths[k]]);
          return softmaxCrossEntropy(this.logits(k, this.onRaw ? xk : this.net.encode(k, { x: xk })), oneHot);
        });
      });
      losses.forEach((t, k) => { out[k].set(t.dataSync(), s); t.dispose(); });
    }
    return out;
  }

  dispose(): void { tf.dispose(this.variables); }

  private logits(k: number, features: tf.Tensor2D): tf.Tensor2D {
    const h = this.heads[k];
    return dense([{ x: features }], [h.W as tf.Tensor2D], h.b as tf.Tensor1D, { relu: false, inputGrad: false });
  }
}

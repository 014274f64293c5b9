/**
 * A trained multimodal model as evaluation sees it (the `Predictor` contract), plus save/dispose.
 */
import * as tf from '@tensorflow/tfjs-core';
import '../backend'; // registers gradients and backends
import { packRows } from './batch';
import { MultimodalNetwork, type NetworkSpec } from './network';
import type { Predictor } from './predictor';
import { saveNetwork } from './io';

const CHUNK = 4096;

export interface TrainedModel extends Predictor {
  readonly network: MultimodalNetwork;
  readonly classes: string[];
  save(dir: string): Promise<void>;
  dispose(): void;
}

export class MultimodalModel implements TrainedModel {
  readonly network: MultimodalNetwork;
  readonly classes: string[];
  readonly modalityNames: string[];
  readonly widths: number[];
  readonly nClasses: number;
  embed?: (k: number, xk: Float32Array, n: number) => Float32Array;
  embeddingWidth?: (k: number) => number;
  predictFromEmbeddings?: (z: Float32Array[], n: number) => Float32Array;
  predictFromSharedEmbeddings?: (z: Float32Array[], n: number, passes: number) => Float32Array;
  embeddingGradNorms?: (x: Float32Array[], y: Int32Array, n: number) => Float32Array[];

  constructor(network: MultimodalNetwork, classes: string[]) {
    this.network = network;
    this.classes = classes;
    this.modalityNames = network.spec.modalityNames;
    this.widths = network.spec.widths;
    this.nClasses = network.spec.nClasses;
    if (network.spec.fusion !== 'early') {
      this.embed = (k, xk, n) => this.embedImpl(k, xk, n);
      this.embeddingWidth = (k) => network.embeddingWidth(k);
      this.predictFromEmbeddings = (z, n) => this.headProbaImpl(z, n);
      this.predictFromSharedEmbeddings = (z, n, passes) => this.headSharedImpl(z, n, passes);
      this.embeddingGradNorms = (x, y, n) => this.gradNormsImpl(x, y, n);
    }
  }

  /** Network inputs for rows [start, start+count) of x. */
  private inputs(x: Float32Array[], start: number, count: number): tf.Tensor2D[] {
    return this.network.inputGroups.map((g, e) => {
      const buf = new Float32Array(count * this.network.inputWidths[e]);
      packRows(x, this.widths, g, null, start, count, buf);
      return tf.tensor2d(buf, [count, this.network.inputWidths[e]]);
    });
  }

  predictProba(x: Float32Array[], n: number): Float32Array {
    const out = new Float32Array(n * this.nClasses);
    for (let s = 0; s < n; s += CHUNK) {
      const c = Math.min(CHUNK, n - s);
      const p = tf.tidy(() => tf.softmax(this.network.forward(this.inputs(x, s, c).map((t) => ({ x: t }))).logits));
      out.set(p.dataSync(), s * this.nClasses);
      p.dispose();
    }
    return out;
  }

  /** Per-sample losses and probabilities in one pass (used by the trainer's validation). */
  lossesAndProba(x: Float32Array[], y: Int32Array, n: number): { losses: Float32Array; proba: Float32Array } {
    const losses = new Float32Array(n);
    const proba = new Float32Array(n * this.nClasses);
    for (let s = 0; s < n; s += CHUNK) {
      const c = Math.min(CHUNK, n - s);
      const [l, p] = tf.tidy(() => {
        const logits = this.network.forward(this.inputs(x, s, c).map((t) => ({ x: t }))).logits;
        const oh = tf.cast(tf.oneHot(tf.tensor1d(y.subarray(s, s + c), 'int32'), this.nClasses), 'float32') as tf.Tensor2D;
        return [MultimodalNetwork.losses(logits, oh), tf.softmax(logits)];
      });
      losses.set(l.dataSync(), s);
      proba.set(p.dataSync(), s * this.nClasses);
      l.dispose(); p.dispose();
    }
    return { losses, proba };
  }

  private embedImpl(k: number, xk: Float32Array, n: number): Float32Array {
    const w = this.network.embeddingWidth(k);
    const out = new Float32Array(n * w);
    for (let s = 0; s < n; s += CHUNK) {
      const c = Math.min(CHUNK, n - s);
      const z = tf.tidy(() => this.network.encode(k, { x: tf.tensor2d(xk.subarray(s * this.widths[k], (s + c) * this.widths[k]), [c, this.widths[k]]) }));
      out.set(z.dataSync(), s * w);
      z.dispose();
    }
    return out;
  }

  /** softmax(f(z)) chunk by chunk: the fusion head on given embeddings. */
  private headProbaImpl(z: Float32Array[], n: number): Float32Array {
    const K = this.network.encoderCount;
    if (z.length !== K) throw new Error(`predictFromEmbeddings: expected ${K} embeddings, got ${z.length}`);
    const ws = z.map((_, k) => this.network.embeddingWidth(k));
    z.forEach((zk, k) => {
      if (zk.length !== n * ws[k]) throw new Error(`predictFromEmbeddings: z[${k}] has ${zk.length} values, expected ${n} × ${ws[k]}`);
    });
    const out = new Float32Array(n * this.nClasses);
    for (let s = 0; s < n; s += CHUNK) {
      const c = Math.min(CHUNK, n - s);
      const p = tf.tidy(() => tf.softmax(this.network.headLogits(
        z.map((zk, k) => tf.tensor2d(zk.subarray(s * ws[k], (s + c) * ws[k]), [c, ws[k]])), false)));
      out.set(p.dataSync(), s * this.nClasses);
      p.dispose();
    }
    return out;
  }

  /** softmax(f(z)) for `passes` stacked variants, n-row blocks of z shared by all of them (see Predictor). */
  private headSharedImpl(z: Float32Array[], n: number, passes: number): Float32Array {
    const K = this.network.encoderCount;
    if (z.length !== K) throw new Error(`predictFromSharedEmbeddings: expected ${K} embeddings, got ${z.length}`);
    const ws = z.map((_, k) => this.network.embeddingWidth(k));
    const shared = z.map((zk, k) => {
      if (zk.length === passes * n * ws[k]) return false;
      if (zk.length === n * ws[k]) return true;
      throw new Error(`predictFromSharedEmbeddings: z[${k}] has ${zk.length} values, expected ${passes} × ${n} × ${ws[k]} or ${n} × ${ws[k]}`);
    });
    if (passes === 1 || shared.every((s) => !s)) return this.headProbaImpl(z, passes * n);
    const C = this.nClasses;
    const out = new Float32Array(passes * n * C);
    const sharedT = z.map((zk, k) => (shared[k] ? tf.tensor2d(zk, [n, ws[k]]) : null));
    try {
      const per = Math.max(1, Math.floor(CHUNK / n)); // variants per call
      for (let p0 = 0; p0 < passes; p0 += per) {
        const c = Math.min(per, passes - p0);
        const p = tf.tidy(() => tf.softmax(this.network.headLogitsShared(
          z.map((zk, k) => sharedT[k] ?? tf.tensor2d(zk.subarray(p0 * n * ws[k], (p0 + c) * n * ws[k]), [c * n, ws[k]])), shared, c)));
        out.set(p.dataSync(), p0 * n * C);
        p.dispose();
      }
    } finally {
      for (const t of sharedT) t?.dispose();
    }
    return out;
  }

  /** ‖∂ℓ_i/∂z_k,i‖ per sample and modality (METHOD.md §3 encoder-error term). */
  private gradNormsImpl(x: Float32Array[], y: Int32Array, n: number): Float32Array[] {
    const K = this.network.encoderCount;
    const out = Array.from({ length: K }, () => new Float32Array(n));
    for (let s = 0; s < n; s += CHUNK) {
      const c = Math.min(CHUNK, n - s);
      const norms = tf.tidy(() => {
        const z = this.inputs(x, s, c).map((t, e) => this.network.encode(e, { x: t }));
        const oh = tf.cast(tf.oneHot(tf.tensor1d(y.subarray(s, s + c), 'int32'), this.nClasses), 'float32') as tf.Tensor2D;
        // Each row of z only affects its own sample's loss, so ∂(Σℓ)/∂z row i = ∂ℓ_i/∂z_i.
        const grads = tf.grads((...zs: tf.Tensor[]) => tf.sum(MultimodalNetwork.losses(this.network.headLogits(zs as tf.Tensor2D[]), oh)))(z);
        return grads.map((g) => tf.sqrt(tf.sum(tf.square(g), 1)));
      });
      norms.forEach((t, k) => { out[k].set(t.dataSync(), s); t.dispose(); });
    }
    return out;
  }

  async save(dir: string): Promise<void> { await saveNetwork(this.network, this.classes, dir); }
  dispose(): void { this.network.dispose(); }
}

export function createModel(spec: NetworkSpec, classes: string[], seed: number): MultimodalModel {
  return new MultimodalModel(new MultimodalNetwork(spec, seed), classes);
}

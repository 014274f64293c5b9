/**
 * Adam with decoupled weight decay (METHOD.md §4) as one JavaScript loop over all parameters, for the
 * backends whose tensors live in host memory (wasm, cpu).
 *
 * Why: tfjs's Adam runs ~10 tensor ops per variable per step (each ≈ 8–15 µs of kernel plus engine
 * bookkeeping on wasm) — with 12 variables that is ~2–3 ms per step, as much as half the matMul time
 * of the bench model. Here each step reads the gradients (a memcpy out of the wasm heap), updates a
 * host-side master copy of the weights and the moments in one pass, and uploads the new weights
 * (a memcpy in). The maths is tfjs's Adam exactly:
 *   m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  w ← w − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)
 * followed, for the decayed variables, by w ← (1 − lr·λ)·w. ε defaults to the backend's epsilon
 * (1e-7 in float32), as tf.train.adam does. Values are stored as float32 like the tensors.
 *
 * The master copy is authoritative between steps: assign to the variables from outside only after
 * training (snapshot restore) or call `resync()`.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface FusedAdamOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Variables that get decoupled weight decay w ← factor·w after the Adam step. */
  decayed?: tf.Variable[];
  /** 1 − lr·λ. */
  decayFactor?: number;
}

export class FusedAdam {
  private readonly vars: tf.Variable[];
  private readonly w: Float32Array[];
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private readonly decay: boolean[];
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private readonly decayFactor: number;
  private accBeta1: number;
  private accBeta2: number;

  constructor(vars: tf.Variable[], private readonly learningRate: number, opts: FusedAdamOptions = {}) {
    this.vars = vars;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.epsilon = opts.epsilon ?? tf.backend().epsilon();
    this.decayFactor = opts.decayFactor ?? 1;
    const decayed = new Set(opts.decayed ?? []);
    this.decay = vars.map((x) => decayed.has(x));
    this.w = vars.map((x) => Float32Array.from(x.dataSync() as Float32Array));
    this.m = vars.map((x) => new Float32Array(x.size));
    this.v = vars.map((x) => new Float32Array(x.size));
    this.accBeta1 = this.beta1;
    this.accBeta2 = this.beta2;
  }

  /** Re-reads the variables' current values into the master copy. */
  resync(): void { this.vars.forEach((x, i) => this.w[i].set(x.dataSync() as Float32Array)); }

  /**
   * One step. `grads` is keyed by variable name (what tf.variableGrads returns); variables without a
   * gradient are left alone, as tf.train.adam does. Does not dispose the gradients.
   */
  applyGradients(grads: tf.NamedTensorMap): void {
    const b1 = this.beta1, b2 = this.beta2, eps = this.epsilon;
    const c1 = 1 - b1, c2 = 1 - b2;
    const bc1 = 1 - this.accBeta1, bc2 = 1 - this.accBeta2;
    const lr = this.learningRate;
    const fresh: tf.Tensor[] = [];
    this.vars.forEach((x, i) => {
      const gt = grads[x.name];
      if (!gt) return;
      const g = gt.dataSync() as Float32Array;
      const w = this.w[i], m = this.m[i], v = this.v[i];
      for (let j = 0; j < w.length; j++) {
        const gj = g[j];
        const mj = b1 * m[j] + c1 * gj;
        const vj = b2 * v[j] + c2 * gj * gj;
        m[j] = mj; v[j] = vj;
        w[j] = w[j] - lr * ((mj / bc1) / (Math.sqrt(vj / bc2) + eps));
      }
      if (this.decay[i]) { const f = this.decayFactor; for (let j = 0; j < w.length; j++) w[j] *= f; }
      // A copy: the cpu backend keeps the array it is given (the master copy must stay private).
      const t = tf.tensor(w.slice(), x.shape, 'float32');
      x.assign(t);
      fresh.push(t);
    });
    tf.dispose(fresh);
    this.accBeta1 *= b1;
    this.accBeta2 *= b2;
  }

  dispose(): void { /* host memory only */ }
}

/** Whether the fused host-side Adam is the fast path on this backend (tensors in host memory). */
export function hostMemoryBackend(): boolean {
  const b = tf.getBackend();
  return b === 'wasm' || b === 'cpu';
}

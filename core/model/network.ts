/**
 * The multimodal network (METHOD.md §1): per-modality encoders g_k and a fusion head f.
 *  - early:        concatenated raw features → one encoder (same shape rules) → head MLP;
 *  - intermediate: encoders → (concatenated) embeddings → head MLP (hidden `headWidth`, ReLU) → logits;
 *  - late:         encoders → one linear head per modality → logits averaged with softmax(α) weights.
 * Encoders: `linear` = one dense layer (no activation); `mlp` = dense+ReLU, then `depth` more
 * width→width dense+ReLU layers. Raw tf variables, seeded initialisation from core/rng.
 * The head's first layer keeps one weight block per modality (Σ_k z_k·W_k = concat(z)·W, no concat op).
 *  - linear (`spec.linear`, the logistic-regression reference of METHOD.md §4): early fusion with no
 *    encoder layer and a single dense layer to the logits — softmax(concat(x)·W + b), nothing hidden.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../rng';
import type { EncoderConfig, Fusion } from '../train/config';
import { dense, softmaxCrossEntropy, type DenseInput } from './dense';

export interface NetworkSpec {
  fusion: Fusion;
  modalityNames: string[];
  /** Input width per modality. */
  widths: number[];
  nClasses: number;
  /** One per modality (early fusion uses encoders[0] for the concatenated input). */
  encoders: EncoderConfig[];
  headWidth: number;
  /** Logistic regression: concatenated inputs → logits, one dense layer (implies early fusion; `encoders` unused). */
  linear?: boolean;
}

interface DenseLayer { W: tf.Variable<tf.Rank.R2>[]; b: tf.Variable<tf.Rank.R1>; relu: boolean }

/** A dense layer by the positions of its variables in `named` (what other engines build from). */
export interface DenseLayout { W: number[]; b: number; relu: boolean }

/** The network's structure, its variables referred to by position in `named` (save order). */
export interface NetworkLayout {
  /** Per network input: its encoder layers (none for a linear model). */
  encoders: DenseLayout[][];
  /** intermediate / early: head0 (ReLU) then head1; linear: one layer; late: none. */
  head: DenseLayout[];
  /** late: one output layer per modality, and the position of the mixing logits α. */
  lateHeads: DenseLayout[];
  lateAlpha: number | null;
  inputWidths: number[];
  /** Shape of each variable, in `named` order. */
  shapes: number[][];
}

export interface ForwardResult {
  logits: tf.Tensor2D;
  /** Encoder outputs per encoder (one for early fusion). */
  z: tf.Tensor2D[];
}

let instance = 0;

export class MultimodalNetwork {
  readonly spec: NetworkSpec;
  /** Input groups: which modalities are concatenated into each network input (early: one group of all). */
  readonly inputGroups: number[][];
  readonly inputWidths: number[];
  private readonly encoders: DenseLayer[][];
  private readonly head: DenseLayer[];
  /** Late fusion: per-modality output layers and mixing logits α. */
  private readonly lateHeads: DenseLayer[];
  private readonly lateAlpha: tf.Variable<tf.Rank.R1> | null;
  /** All variables in a fixed order with stable names (save format). */
  readonly named: { name: string; v: tf.Variable }[] = [];
  private readonly id = instance++;

  constructor(spec: NetworkSpec, seed: number) {
    this.spec = spec;
    const rng = new Rng(seed);
    const K = spec.widths.length;
    this.inputGroups = spec.fusion === 'early' || spec.linear ? [Array.from({ length: K }, (_, k) => k)] : spec.widths.map((_, k) => [k]);
    this.inputWidths = this.inputGroups.map((g) => g.reduce((s, k) => s + spec.widths[k], 0));
    // A linear model has no encoder: its "embedding" is the input itself.
    this.encoders = this.inputGroups.map((_, e) => (spec.linear ? [] : this.makeEncoder(`enc${e}`, this.inputWidths[e], spec.encoders[e] ?? spec.encoders[0], rng)));
    const zWidths = this.encoders.map((_, e) => this.embeddingWidth(e));
    this.head = [];
    this.lateHeads = [];
    this.lateAlpha = null;
    if (spec.linear) {
      this.head.push(this.makeDense('head0', zWidths, spec.nClasses, false, rng));
    } else if (spec.fusion === 'late') {
      zWidths.forEach((w, k) => this.lateHeads.push(this.makeDense(`late${k}`, [w], spec.nClasses, false, rng)));
      this.lateAlpha = this.variable('late/alpha', tf.zeros([K]) as tf.Tensor1D) as tf.Variable<tf.Rank.R1>;
    } else {
      this.head.push(this.makeDense('head0', zWidths, spec.headWidth, true, rng));
      this.head.push(this.makeDense('head1', [spec.headWidth], spec.nClasses, false, rng));
    }
  }

  get variables(): tf.Variable[] { return this.named.map((n) => n.v); }

  /** The structure as plain data (core/engine/onnx builds its graphs from it). */
  layout(): NetworkLayout {
    const at = (v: tf.Variable) => this.named.findIndex((n) => n.v === v);
    const layer = (l: DenseLayer): DenseLayout => ({ W: l.W.map(at), b: at(l.b), relu: l.relu });
    return {
      encoders: this.encoders.map((e) => e.map(layer)), head: this.head.map(layer), lateHeads: this.lateHeads.map(layer),
      lateAlpha: this.lateAlpha ? at(this.lateAlpha) : null, inputWidths: this.inputWidths.slice(), shapes: this.named.map((n) => n.v.shape.slice()),
    };
  }
  /** Number of encoders (K for intermediate/late, 1 for early). */
  get encoderCount(): number { return this.encoders.length; }
  embeddingWidth(e: number): number {
    const l = this.encoders[e];
    return l.length === 0 ? this.inputWidths[e] : l[l.length - 1].W[0].shape[1];
  }

  private variable(name: string, init: tf.Tensor): tf.Variable {
    const v = tf.variable(init, true, `net${this.id}/${name}`);
    init.dispose();
    this.named.push({ name, v });
    return v;
  }

  private makeDense(name: string, inWidths: number[], out: number, relu: boolean, rng: Rng): DenseLayer {
    const fanIn = inWidths.reduce((a, b) => a + b, 0);
    // He-uniform for ReLU layers, Glorot-uniform otherwise.
    const limit = relu ? Math.sqrt(6 / fanIn) : Math.sqrt(6 / (fanIn + out));
    const W = inWidths.map((w, j) => {
      const vals = new Float32Array(w * out);
      for (let i = 0; i < vals.length; i++) vals[i] = (2 * rng.next() - 1) * limit;
      return this.variable(`${name}/kernel${inWidths.length > 1 ? `_${j}` : ''}`, tf.tensor2d(vals, [w, out])) as tf.Variable<tf.Rank.R2>;
    });
    const b = this.variable(`${name}/bias`, tf.zeros([out])) as tf.Variable<tf.Rank.R1>;
    return { W, b, relu };
  }

  private makeEncoder(name: string, inWidth: number, cfg: EncoderConfig, rng: Rng): DenseLayer[] {
    if (cfg.kind === 'linear') return [this.makeDense(`${name}/dense0`, [inWidth], cfg.width, false, rng)];
    const layers = [this.makeDense(`${name}/dense0`, [inWidth], cfg.width, true, rng)];
    for (let d = 0; d < cfg.depth; d++) layers.push(this.makeDense(`${name}/dense${d + 1}`, [cfg.width], cfg.width, true, rng));
    return layers;
  }

  /** z_e = g_e(x_e). `input` may carry xᵀ (training batches) to speed up the weight gradient. */
  encode(e: number, input: DenseInput): tf.Tensor2D {
    let h: DenseInput = input;
    let out: tf.Tensor2D = input.x;
    this.encoders[e].forEach((layer, i) => {
      out = dense([h], layer.W, layer.b, { relu: layer.relu, inputGrad: i > 0 });
      h = { x: out };
    });
    return out;
  }

  /** Logits from embeddings (the fusion head f). */
  headLogits(z: tf.Tensor2D[], zNeedGrad = true): tf.Tensor2D {
    if (this.spec.fusion === 'late') {
      const weights = tf.softmax(this.lateAlpha!);
      let acc: tf.Tensor2D | null = null;
      z.forEach((zk, k) => {
        const lk = dense([{ x: zk }], this.lateHeads[k].W, this.lateHeads[k].b, { relu: false, inputGrad: zNeedGrad });
        const term = tf.mul(lk, tf.slice(weights, [k], [1])) as tf.Tensor2D;
        acc = acc === null ? term : (tf.add(acc, term) as tf.Tensor2D);
      });
      return acc!;
    }
    if (this.spec.linear) return dense(z.map((x) => ({ x })), this.head[0].W, this.head[0].b, { relu: false, inputGrad: zNeedGrad });
    const h = dense(z.map((x) => ({ x })), this.head[0].W, this.head[0].b, { relu: true, inputGrad: zNeedGrad });
    return dense([{ x: h }], this.head[1].W, this.head[1].b, { relu: false, inputGrad: true });
  }

  /**
   * Logits of `passes` stacked variants of n rows from embeddings some of which every variant shares:
   * `z[k]` has passes·n rows, or n rows where `shared[k]` (the same block for every variant). The
   * head's first layer is a sum of one product per modality, so a shared block is multiplied once
   * and added to every variant by broadcasting; the sum keeps the order of `headLogits` (modality 0
   * first, its bias fused). Inference only (no gradient).
   */
  headLogitsShared(z: tf.Tensor2D[], shared: boolean[], passes: number): tf.Tensor2D {
    if (passes === 1 || shared.every((s) => !s) || z.length === 1) {
      return this.headLogits(z.map((zk, k) => (shared[k] && passes > 1 ? tf.tile(zk, [passes, 1]) : zk)), false);
    }
    const n = z[shared.indexOf(true)].shape[0];
    /** Sum in modality order; a varying term is viewed as [passes, n, width] so that a shared one broadcasts. */
    const sum = (terms: tf.Tensor2D[]): tf.Tensor2D => {
      let acc: tf.Tensor | null = null;
      terms.forEach((t, k) => {
        const v = shared[k] ? t : tf.reshape(t, [passes, n, t.shape[1]]);
        acc = acc === null ? v : tf.add(acc, v);
      });
      const a = acc as unknown as tf.Tensor;
      return (a.rank === 2 ? tf.tile(a as tf.Tensor2D, [passes, 1]) : tf.reshape(a, [passes * n, a.shape[a.rank - 1]])) as tf.Tensor2D;
    };
    if (this.spec.fusion === 'late') {
      const weights = tf.softmax(this.lateAlpha!);
      return sum(z.map((zk, k) => {
        const lk = dense([{ x: zk }], this.lateHeads[k].W, this.lateHeads[k].b, { relu: false, inputGrad: false });
        return tf.mul(lk, tf.slice(weights, [k], [1])) as tf.Tensor2D;
      }));
    }
    const { W, b } = this.head[0];
    const pre = sum(z.map((zk, k) => (k === 0 ? (tf.fused.matMul({ a: zk, b: W[0], bias: b }) as tf.Tensor2D) : tf.matMul(zk, W[k]))));
    if (this.spec.linear) return pre;
    return dense([{ x: tf.relu(pre) }], this.head[1].W, this.head[1].b, { relu: false, inputGrad: false });
  }

  forward(inputs: DenseInput[]): ForwardResult {
    if (this.spec.linear) {
      // z = x: hand the inputs (with their xᵀ) straight to the one layer; no gradient w.r.t. the data.
      const logits = dense(inputs, this.head[0].W, this.head[0].b, { relu: false, inputGrad: false });
      return { logits, z: inputs.map((inp) => inp.x) };
    }
    const z = inputs.map((inp, e) => this.encode(e, inp));
    return { logits: this.headLogits(z), z };
  }

  /** Per-sample cross-entropy of a forward pass. */
  static losses(logits: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Tensor1D {
    return softmaxCrossEntropy(logits, oneHot);
  }

  /** Late fusion mixing weights softmax(α) (reads back), else undefined. */
  lateWeights(): number[] | undefined {
    if (!this.lateAlpha) return undefined;
    const w = tf.softmax(this.lateAlpha);
    const out = Array.from(w.dataSync());
    w.dispose();
    return out;
  }

  dispose(): void { for (const n of this.named) n.v.dispose(); }
}

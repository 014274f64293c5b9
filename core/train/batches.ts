/**
 * Minibatches of one epoch (METHOD.md §3: batch 256 by default, the full batch when n is smaller).
 * Speed (bench/train.ts): each batch is packed in JavaScript from a seeded permutation of the
 * training rows and uploaded in both layouts (x and xᵀ, for the hand-written dense gradients of
 * model/dense.ts) — on wasm that is ~10 µs against ~800 µs for tf.gather.
 * Memory: a batch is packed when its step asks for it, into buffers of one batch reused step after
 * step (the tensors made from them live inside the step's tf.tidy), so training holds the prepared
 * data once, not an epoch's copy of it in each layout (bench/loop.ts measures the peak).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { PreparedPart } from '../data/dataset';
import { packRows } from '../model/batch';
import type { DenseInput } from '../model/dense';

export type TrainPart = Pick<PreparedPart, 'n' | 'x' | 'y' | 'group'>;

/** How the network reads its inputs: which modalities each input concatenates, and its width. */
export interface InputLayout {
  inputGroups: number[][];
  inputWidths: number[];
}

export interface BatchTensors {
  inputs: DenseInput[];
  oneHot: tf.Tensor2D;
  /** One-hot group membership (Group DRO only). */
  groupOneHot?: tf.Tensor2D;
  /** Modality k of the batch as it is in the data (auxiliary γ heads under early fusion). */
  raw(k: number): tf.Tensor2D;
}

export interface PackedBatch {
  n: number;
  /** One row-major n × width array per network input. */
  inputs: Float32Array[];
  oneHot: Float32Array;
  groupOneHot?: Float32Array;
  /** Modality k on its own (when packed `withRaw`). */
  raw(k: number): Float32Array;
}

export class EpochBatches {
  readonly size: number;
  /** Batches per epoch = optimiser steps per epoch. */
  readonly count: number;
  /** One batch (the largest) per network input, in both layouts; per modality on its own (`withRaw`). */
  private readonly x: Float32Array[];
  private readonly xT: Float32Array[];
  private readonly rawX: Float32Array[];
  /** The epoch's row order (`fill`). */
  private order: Int32Array = new Int32Array(0);
  private readonly oneHot: Float32Array;
  private readonly groupOneHot: Float32Array | null;
  private readonly nGroups: number;

  /**
   * `withRaw`: also pack each modality on its own; `nGroups` > 0: also the one-hot groups.
   * A last batch under half the batch size is folded into the previous one, so that no step
   * sees a tiny batch (the batch worst case and variance are biased on small batches, §3).
   */
  constructor(
    private readonly train: TrainPart, private readonly widths: number[], private readonly layout: InputLayout,
    private readonly nClasses: number, batchSize: number, options: { withRaw: boolean; nGroups: number },
  ) {
    const n = train.n;
    this.size = Math.min(batchSize, n);
    let count = Math.ceil(n / this.size);
    if (count > 1 && n - (count - 1) * this.size < this.size / 2) count--;
    this.count = count;
    const rows = Math.max(this.size, n - (count - 1) * this.size); // the last batch may hold the folded remainder
    this.x = layout.inputWidths.map((w) => new Float32Array(rows * w));
    this.xT = layout.inputWidths.map((w) => new Float32Array(rows * w));
    this.rawX = options.withRaw ? widths.map((w) => new Float32Array(rows * w)) : [];
    this.oneHot = new Float32Array(n * nClasses);
    this.nGroups = options.nGroups;
    this.groupOneHot = options.nGroups > 0 ? new Float32Array(n * options.nGroups) : null;
  }

  start(b: number): number { return b * this.size; }
  length(b: number): number { return b === this.count - 1 ? this.train.n - b * this.size : this.size; }

  /** Sets the epoch's row order `order` (a permutation of the training rows); batches are packed from it step by step. */
  fill(order: Int32Array): void {
    const { train } = this;
    this.order = order;
    const C = this.nClasses, G = this.nGroups;
    this.oneHot.fill(0);
    this.groupOneHot?.fill(0);
    for (let i = 0; i < train.n; i++) {
      const row = order[i];
      this.oneHot[i * C + train.y[row]] = 1;
      if (this.groupOneHot) this.groupOneHot[i * G + train.group![row]] = 1;
    }
  }

  /**
   * Batch `b` packed as plain arrays (row-major; no transposed copy): what an engine outside TF.js
   * feeds to its graphs. The arrays are views into buffers the next batch refills.
   */
  packed(b: number): PackedBatch {
    const { train, widths, layout, order } = this;
    const s = this.start(b), c = this.length(b), C = this.nClasses, G = this.nGroups;
    return {
      n: c,
      inputs: layout.inputWidths.map((w, e) => {
        const x = this.x[e].subarray(0, c * w);
        packRows(train.x, widths, layout.inputGroups[e], order, s, c, x);
        return x;
      }),
      oneHot: this.oneHot.subarray(s * C, (s + c) * C),
      ...(this.groupOneHot ? { groupOneHot: this.groupOneHot.subarray(s * G, (s + c) * G) } : {}),
      raw: (k) => {
        const x = this.rawX[k].subarray(0, c * widths[k]);
        packRows(train.x, widths, [k], order, s, c, x);
        return x;
      },
    };
  }

  /**
   * Packs and uploads batch `b`. Call inside a tf.tidy, and let its tensors go with it: they may
   * share the packing buffers (a backend may keep the array it is given), which the next batch refills.
   */
  tensors(b: number): BatchTensors {
    const { train, widths, layout, order } = this;
    const s = this.start(b), c = this.length(b), C = this.nClasses, G = this.nGroups;
    const rows = (buf: Float32Array, w: number) => buf.subarray(s * w, (s + c) * w);
    return {
      inputs: layout.inputWidths.map((w, e) => {
        const x = this.x[e].subarray(0, c * w), xT = this.xT[e].subarray(0, c * w);
        packRows(train.x, widths, layout.inputGroups[e], order, s, c, x, xT);
        return { x: tf.tensor2d(x, [c, w]), xT: tf.tensor2d(xT, [w, c]) };
      }),
      oneHot: tf.tensor2d(rows(this.oneHot, C), [c, C]),
      ...(this.groupOneHot ? { groupOneHot: tf.tensor2d(rows(this.groupOneHot, G), [c, G]) } : {}),
      raw: (k) => {
        const x = this.rawX[k].subarray(0, c * widths[k]);
        packRows(train.x, widths, [k], order, s, c, x);
        return tf.tensor2d(x, [c, widths[k]]);
      },
    };
  }
}

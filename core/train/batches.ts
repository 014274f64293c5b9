/**
 * Minibatches of one epoch (METHOD.md §3: batch 256 by default, the full batch when n is smaller).
 * Speed (bench/train.ts): an epoch's batches are packed in JavaScript from a seeded permutation of
 * the training rows and uploaded per step in both layouts (x and xᵀ, for the hand-written dense
 * gradients of model/dense.ts) — on wasm that is ~10 µs against ~800 µs for tf.gather.
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

export class EpochBatches {
  readonly size: number;
  /** Batches per epoch = optimiser steps per epoch. */
  readonly count: number;
  private readonly x: Float32Array[];
  private readonly xT: Float32Array[];
  private readonly rawX: Float32Array[];
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
    this.x = layout.inputWidths.map((w) => new Float32Array(n * w));
    this.xT = layout.inputWidths.map((w) => new Float32Array(n * w));
    this.rawX = options.withRaw ? widths.map((w) => new Float32Array(n * w)) : [];
    this.oneHot = new Float32Array(n * nClasses);
    this.nGroups = options.nGroups;
    this.groupOneHot = options.nGroups > 0 ? new Float32Array(n * options.nGroups) : null;
  }

  start(b: number): number { return b * this.size; }
  length(b: number): number { return b === this.count - 1 ? this.train.n - b * this.size : this.size; }

  /** Packs the epoch's batches in the row order `order` (a permutation of the training rows). */
  fill(order: Int32Array): void {
    const { train, widths, layout } = this;
    for (let b = 0; b < this.count; b++) {
      const s = this.start(b), c = this.length(b);
      layout.inputGroups.forEach((g, e) => {
        const w = layout.inputWidths[e];
        packRows(train.x, widths, g, order, s, c, this.x[e].subarray(s * w, (s + c) * w), this.xT[e].subarray(s * w, (s + c) * w));
      });
      if (this.rawX.length) widths.forEach((w, k) => packRows(train.x, widths, [k], order, s, c, this.rawX[k].subarray(s * w, (s + c) * w)));
    }
    const C = this.nClasses, G = this.nGroups;
    this.oneHot.fill(0);
    this.groupOneHot?.fill(0);
    for (let i = 0; i < train.n; i++) {
      const row = order[i];
      this.oneHot[i * C + train.y[row]] = 1;
      if (this.groupOneHot) this.groupOneHot[i * G + train.group![row]] = 1;
    }
  }

  /** Uploads batch `b` (call inside a tf.tidy). */
  tensors(b: number): BatchTensors {
    const s = this.start(b), c = this.length(b), C = this.nClasses, G = this.nGroups;
    const rows = (buf: Float32Array, w: number) => buf.subarray(s * w, (s + c) * w);
    return {
      inputs: this.layout.inputWidths.map((w, e) => ({ x: tf.tensor2d(rows(this.x[e], w), [c, w]), xT: tf.tensor2d(rows(this.xT[e], w), [w, c]) })),
      oneHot: tf.tensor2d(rows(this.oneHot, C), [c, C]),
      ...(this.groupOneHot ? { groupOneHot: tf.tensor2d(rows(this.groupOneHot, G), [c, G]) } : {}),
      raw: (k) => tf.tensor2d(rows(this.rawX[k], this.widths[k]), [c, this.widths[k]]),
    };
  }
}

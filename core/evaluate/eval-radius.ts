/**
 * The evaluation radius B_eval (METHOD.md §5): a property of the data and the report, not of the
 * method. Every run on the same dataset and split gets the same value, so methods meet on equal
 * terms: B from ρ_k = 0.1 per modality and γ estimated on the dataset itself.
 *
 * γ here follows METHOD.md §3 (Gaussian copula of unimodal losses) with unimodal models that do not
 * depend on any run: one multinomial logistic regression per modality, fit on the training split by
 * a fixed number of full-batch gradient steps in plain JS (deterministic, backend-independent).
 */
import type { PreparedData } from '../data/dataset';
import { copulaGamma } from '../objectives/copula';
import { bytesToCopy, mapOnThreads } from '../parallel/threads';
import { defaultEvalRadius } from './distributional';

/** Full-batch gradient steps, step size and L2 penalty of each unimodal logistic regression (the report cites them). */
export const GAMMA_FIT_STEPS = 60;
const LEARNING_RATE = 0.5;
export const GAMMA_FIT_L2 = 1e-3;
/** At most this many training rows enter the estimate (evenly spaced, so it stays deterministic). */
export const GAMMA_MAX_ROWS = 4000;

/** Per-sample cross-entropy of a softmax regression on one modality, after fitting it on the same rows. */
export function unimodalLosses(x: Float32Array, width: number, y: Int32Array, nClasses: number, rows: Int32Array): Float64Array {
  const n = rows.length;
  const W = new Float64Array(width * nClasses);
  const b = new Float64Array(nClasses);
  const gW = new Float64Array(width * nClasses);
  const gb = new Float64Array(nClasses);
  const p = new Float64Array(nClasses);
  // Loops run over W's rows (contiguous) and skip zero inputs (one-hot and sparse columns); each
  // class's sum still adds its terms in column order, so the numbers are those of the plain loop.
  const logits = (i: number): void => {
    const off = rows[i] * width;
    for (let c = 0; c < nClasses; c++) p[c] = b[c];
    for (let j = 0; j < width; j++) {
      const xv = x[off + j];
      if (xv === 0) continue;
      const wo = j * nClasses;
      for (let c = 0; c < nClasses; c++) p[c] += xv * W[wo + c];
    }
    let max = -Infinity;
    for (let c = 0; c < nClasses; c++) if (p[c] > max) max = p[c];
    let z = 0;
    for (let c = 0; c < nClasses; c++) { p[c] = Math.exp(p[c] - max); z += p[c]; }
    for (let c = 0; c < nClasses; c++) p[c] /= z;
  };
  for (let step = 0; step < GAMMA_FIT_STEPS; step++) {
    gW.fill(0); gb.fill(0);
    for (let i = 0; i < n; i++) {
      logits(i);
      p[y[rows[i]]] -= 1;
      const off = rows[i] * width;
      for (let j = 0; j < width; j++) {
        const xv = x[off + j];
        if (xv === 0) continue;
        const wo = j * nClasses;
        for (let c = 0; c < nClasses; c++) gW[wo + c] += xv * p[c];
      }
      for (let c = 0; c < nClasses; c++) gb[c] += p[c];
    }
    for (let k = 0; k < W.length; k++) W[k] -= LEARNING_RATE * (gW[k] / n + GAMMA_FIT_L2 * W[k]);
    for (let c = 0; c < nClasses; c++) b[c] -= LEARNING_RATE * (gb[c] / n);
  }
  const losses = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    logits(i);
    losses[i] = -Math.log(Math.max(p[y[rows[i]]], 1e-12));
  }
  return losses;
}

/** One modality's unimodal fit (any thread can compute it: see `unimodalLossesTask`). */
export interface UnimodalInput { x: Float32Array; width: number; y: Int32Array; nClasses: number; rows: Int32Array }

export function unimodalLossesTask(t: UnimodalInput): Float64Array {
  return unimodalLosses(t.x, t.width, t.y, t.nClasses, t.rows);
}

/**
 * γ between the included modalities, estimated on the training split (METHOD.md §3, data-level).
 * The unimodal fits are independent: they run on the process's compute threads
 * (core/parallel/threads.ts), with the numbers of a single thread.
 */
export function datasetGamma(data: PreparedData): number[][] {
  const { train } = data;
  const K = data.modalityNames.length;
  if (K < 2) return [[1]];
  const n = Math.min(train.n, GAMMA_MAX_ROWS);
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = Math.floor((i * train.n) / n);
  const inputs = data.widths.map((width, k): UnimodalInput => ({ x: train.x[k], width, y: train.y, nClasses: data.classes.length, rows }));
  const bytes = bytesToCopy(inputs.map((t) => t.x));
  return copulaGamma(mapOnThreads('unimodal-losses', inputs, unimodalLossesTask, { bytes }));
}

/** Default B_eval for a prepared dataset, with the γ it came from. */
export function datasetEvalRadius(data: PreparedData): { bEval: number; gamma: number[][] } {
  const gamma = datasetGamma(data);
  return { bEval: defaultEvalRadius(data.modalityNames.length, gamma), gamma };
}

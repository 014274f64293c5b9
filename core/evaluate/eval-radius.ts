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
  const logits = (i: number): void => {
    const off = rows[i] * width;
    let max = -Infinity;
    for (let c = 0; c < nClasses; c++) {
      let s = b[c];
      for (let j = 0; j < width; j++) s += x[off + j] * W[j * nClasses + c];
      p[c] = s;
      if (s > max) max = s;
    }
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
        for (let c = 0; c < nClasses; c++) gW[j * nClasses + c] += xv * p[c];
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

/** γ between the included modalities, estimated on the training split (METHOD.md §3, data-level). */
export function datasetGamma(data: PreparedData): number[][] {
  const { train } = data;
  const K = data.modalityNames.length;
  if (K < 2) return [[1]];
  const n = Math.min(train.n, GAMMA_MAX_ROWS);
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = Math.floor((i * train.n) / n);
  const losses = data.widths.map((w, k) => unimodalLosses(train.x[k], w, train.y, data.classes.length, rows));
  return copulaGamma(losses);
}

/** Default B_eval for a prepared dataset, with the γ it came from. */
export function datasetEvalRadius(data: PreparedData): { bEval: number; gamma: number[][] } {
  const gamma = datasetGamma(data);
  return { bEval: defaultEvalRadius(data.modalityNames.length, gamma), gamma };
}

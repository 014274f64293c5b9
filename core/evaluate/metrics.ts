/**
 * Nominal classification metrics (METHOD.md §5 "Nominal"). One `Metric` interface, one registry:
 * adding a metric is one object here plus one `registerMetric` line.
 *
 * Inputs are class probabilities (row-major n × C) and integer labels; predictions are the argmax
 * (first maximum on ties).
 */
import { ranks } from '../stats';

/** What every metric sees. `pred` is the argmax of `probs`, computed once by `metricInput`. */
export interface MetricInput {
  n: number;
  nClasses: number;
  probs: ArrayLike<number>;
  y: ArrayLike<number>;
  pred: Int32Array;
}

export interface Metric {
  /** Stable key used in JSON/CSV ("accuracy", "auroc", …). */
  readonly name: string;
  /** Human label for tables. */
  readonly label: string;
  readonly higherIsBetter: boolean;
  compute(input: MetricInput): number;
}

const registry = new Map<string, Metric>();

export function registerMetric(m: Metric): void {
  if (registry.has(m.name)) throw new Error(`metric '${m.name}' registered twice`);
  registry.set(m.name, m);
}
export function getMetric(name: string): Metric {
  const m = registry.get(name);
  if (!m) throw new Error(`unknown metric '${name}'`);
  return m;
}
export function listMetrics(): Metric[] {
  return [...registry.values()];
}

/** Row-wise argmax of a row-major n × C matrix. */
export function argmaxRows(probs: ArrayLike<number>, n: number, c: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0, bv = probs[i * c];
    for (let j = 1; j < c; j++) { const v = probs[i * c + j]; if (v > bv) { bv = v; best = j; } }
    out[i] = best;
  }
  return out;
}

export function metricInput(probs: ArrayLike<number>, y: ArrayLike<number>, nClasses: number): MetricInput {
  const n = y.length;
  if (probs.length !== n * nClasses) throw new Error(`metricInput: probs has ${probs.length} values, expected ${n}×${nClasses}`);
  return { n, nClasses, probs, y, pred: argmaxRows(probs, n, nClasses) };
}

// ---- the metrics as plain functions (also used directly by groups / stress / bootstrap) ----

export function accuracy(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = y.length;
  if (n === 0) return NaN;
  let ok = 0;
  for (let i = 0; i < n; i++) if (pred[i] === y[i]) ok++;
  return ok / n;
}

/** Confusion matrix: rows = true class, columns = predicted class. */
export function confusionMatrix(pred: ArrayLike<number>, y: ArrayLike<number>, nClasses: number): number[][] {
  const m = Array.from({ length: nClasses }, () => new Array<number>(nClasses).fill(0));
  for (let i = 0; i < y.length; i++) m[y[i]][pred[i]]++;
  return m;
}

/** Mean per-class recall over the classes present in `y` (as scikit-learn). */
export function balancedAccuracy(pred: ArrayLike<number>, y: ArrayLike<number>, nClasses: number): number {
  const cm = confusionMatrix(pred, y, nClasses);
  let s = 0, k = 0;
  for (let c = 0; c < nClasses; c++) {
    const support = cm[c].reduce((a, b) => a + b, 0);
    if (support > 0) { s += cm[c][c] / support; k++; }
  }
  return k ? s / k : NaN;
}

/**
 * Unweighted mean of per-class F1 over the classes present in `y` or in `pred`
 * (scikit-learn's label set); a class with no true and no predicted positive is skipped,
 * one with tp = 0 scores 0.
 */
export function macroF1(pred: ArrayLike<number>, y: ArrayLike<number>, nClasses: number): number {
  const cm = confusionMatrix(pred, y, nClasses);
  let s = 0, k = 0;
  for (let c = 0; c < nClasses; c++) {
    let rowSum = 0, colSum = 0;
    for (let j = 0; j < nClasses; j++) { rowSum += cm[c][j]; colSum += cm[j][c]; }
    if (rowSum === 0 && colSum === 0) continue;
    const tp = cm[c][c];
    s += (2 * tp) / (rowSum + colSum);
    k++;
  }
  return k ? s / k : NaN;
}

/**
 * Area under the ROC curve of `scores` for `positive` labels, by the Mann–Whitney statistic with
 * mid-ranks (ties count ½). NaN when one side is empty.
 */
export function binaryAuroc(scores: ArrayLike<number>, positive: ArrayLike<boolean | number>): number {
  const n = scores.length;
  const r = ranks(scores);
  let nPos = 0, rankSum = 0;
  for (let i = 0; i < n; i++) if (positive[i]) { nPos++; rankSum += r[i]; }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/**
 * AUROC: binary → score p(class 1); > 2 classes → unweighted mean of one-vs-rest AUROCs over the
 * classes that have both positives and negatives in `y`.
 */
export function auroc(probs: ArrayLike<number>, y: ArrayLike<number>, nClasses: number): number {
  const n = y.length;
  const scores = new Float64Array(n);
  const pos = new Uint8Array(n);
  const column = (c: number) => {
    for (let i = 0; i < n; i++) { scores[i] = probs[i * nClasses + c]; pos[i] = y[i] === c ? 1 : 0; }
    return binaryAuroc(scores, pos);
  };
  if (nClasses === 2) return column(1);
  let s = 0, k = 0;
  for (let c = 0; c < nClasses; c++) { const a = column(c); if (!Number.isNaN(a)) { s += a; k++; } }
  return k ? s / k : NaN;
}

/** Probability clip for log-loss and per-sample cross-entropy (as scikit-learn's eps for float32). */
export const PROB_CLIP = 1e-7;

/** Per-sample cross-entropy −log p_y, with p clipped to [PROB_CLIP, 1]. */
export function sampleLosses(probs: ArrayLike<number>, y: ArrayLike<number>, nClasses: number): Float64Array {
  const n = y.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = -Math.log(Math.min(1, Math.max(PROB_CLIP, probs[i * nClasses + y[i]])));
  return out;
}

/** Per-sample correctness (1 = classified correctly, 0 = misclassified). */
export function correctFlags(pred: ArrayLike<number>, y: ArrayLike<number>): Float64Array {
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = pred[i] === y[i] ? 1 : 0;
  return out;
}

export function logLoss(probs: ArrayLike<number>, y: ArrayLike<number>, nClasses: number): number {
  const l = sampleLosses(probs, y, nClasses);
  let s = 0;
  for (let i = 0; i < l.length; i++) s += l[i];
  return l.length ? s / l.length : NaN;
}

export const ECE_BINS = 15;

export interface ReliabilityBin {
  lo: number;
  hi: number;
  count: number;
  /** Mean max-probability in the bin (NaN when empty). */
  confidence: number;
  /** Accuracy in the bin (NaN when empty). */
  accuracy: number;
}

/**
 * Reliability bins on the max probability: `bins` equal-width bins over [0, 1], right-closed
 * ((lo, hi], the first one [0, hi]).
 */
export function reliabilityBins(probs: ArrayLike<number>, y: ArrayLike<number>, nClasses: number, bins = ECE_BINS): ReliabilityBin[] {
  const n = y.length;
  const count = new Float64Array(bins), conf = new Float64Array(bins), ok = new Float64Array(bins);
  const pred = argmaxRows(probs, n, nClasses);
  for (let i = 0; i < n; i++) {
    const p = probs[i * nClasses + pred[i]];
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(p * bins) - 1));
    count[b]++; conf[b] += p; if (pred[i] === y[i]) ok[b]++;
  }
  return Array.from({ length: bins }, (_, b) => ({
    lo: b / bins, hi: (b + 1) / bins, count: count[b],
    confidence: count[b] ? conf[b] / count[b] : NaN,
    accuracy: count[b] ? ok[b] / count[b] : NaN,
  }));
}

/** Expected calibration error: Σ_b (|b|/n) |acc(b) − conf(b)| over 15 equal-width bins of the max probability. */
export function expectedCalibrationError(probs: ArrayLike<number>, y: ArrayLike<number>, nClasses: number, bins = ECE_BINS): number {
  const n = y.length;
  if (n === 0) return NaN;
  let e = 0;
  for (const b of reliabilityBins(probs, y, nClasses, bins)) if (b.count) e += (b.count / n) * Math.abs(b.accuracy - b.confidence);
  return e;
}

// ---- registry ----

registerMetric({ name: 'accuracy', label: 'Accuracy', higherIsBetter: true, compute: (m) => accuracy(m.pred, m.y) });
registerMetric({ name: 'balancedAccuracy', label: 'Balanced accuracy', higherIsBetter: true, compute: (m) => balancedAccuracy(m.pred, m.y, m.nClasses) });
registerMetric({ name: 'macroF1', label: 'Macro-F1', higherIsBetter: true, compute: (m) => macroF1(m.pred, m.y, m.nClasses) });
registerMetric({ name: 'auroc', label: 'AUROC', higherIsBetter: true, compute: (m) => auroc(m.probs, m.y, m.nClasses) });
registerMetric({ name: 'logLoss', label: 'Log-loss', higherIsBetter: false, compute: (m) => logLoss(m.probs, m.y, m.nClasses) });
registerMetric({ name: 'ece', label: 'ECE (15 bins)', higherIsBetter: false, compute: (m) => expectedCalibrationError(m.probs, m.y, m.nClasses) });

/** Every registered scalar metric, plus the confusion matrix and reliability bins. */
export interface NominalMetrics {
  values: Record<string, number>;
  confusion: number[][];
  reliability: ReliabilityBin[];
}

export function computeNominal(probs: ArrayLike<number>, y: ArrayLike<number>, nClasses: number): NominalMetrics {
  const input = metricInput(probs, y, nClasses);
  const values: Record<string, number> = {};
  for (const m of listMetrics()) values[m.name] = m.compute(input);
  return {
    values,
    confusion: confusionMatrix(input.pred, y, nClasses),
    reliability: reliabilityBins(probs, y, nClasses),
  };
}

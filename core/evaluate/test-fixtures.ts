/**
 * Hand-made data and predictors for evaluation/report tests (no training code involved).
 * `makePreparedData` draws class-dependent Gaussian features per modality; `LinearSoftmaxPredictor`
 * is a fixed intermediate-fusion model: z_k = x^k W_k (W_k = class means of modality k, scaled),
 * logits = Σ_k z_k V_k, softmax — with an analytic ∂ℓ/∂z_k = (p − e_y) V_kᵀ.
 */
import type { PreparedData, PreparedPart } from '../data/dataset';
import type { Predictor } from '../model/predictor';
import { Rng } from '../rng';

export interface FixtureOptions {
  n?: number;
  widths?: number[];
  nClasses?: number;
  /** Class separation per modality (signal strength). */
  signal?: number[];
  seed?: number;
  groups?: string[];
}

function makePart(rows: number[], x: Float32Array[], y: Int32Array, widths: number[], group?: Int32Array): PreparedPart {
  const n = rows.length;
  return {
    n,
    x: widths.map((w, k) => {
      const out = new Float32Array(n * w);
      rows.forEach((r, i) => out.set(x[k].subarray(r * w, r * w + w), i * w));
      return out;
    }),
    y: Int32Array.from(rows, (r) => y[r]),
    group: group ? Int32Array.from(rows, (r) => group[r]) : undefined,
    rows: Int32Array.from(rows),
  };
}

export function makePreparedData(o: FixtureOptions = {}): PreparedData {
  const n = o.n ?? 600, widths = o.widths ?? [4, 6], C = o.nClasses ?? 3, seed = o.seed ?? 1;
  const signal = o.signal ?? widths.map(() => 1);
  const rng = new Rng(seed);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = rng.int(C);
  const group = o.groups ? Int32Array.from({ length: n }, () => rng.int(o.groups!.length)) : undefined;
  const centers = widths.map((w) => Array.from({ length: C }, () => Float32Array.from({ length: w }, () => rng.normal())));
  const x = widths.map((w, k) => {
    const m = new Float32Array(n * w);
    for (let i = 0; i < n; i++) for (let f = 0; f < w; f++) m[i * w + f] = signal[k] * centers[k][y[i]][f] + rng.normal();
    return m;
  });
  // standardise with training moments, as data preparation does
  const idx = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const nTr = Math.floor(n * 0.6), nVa = Math.floor(n * 0.2);
  const train = idx.slice(0, nTr), val = idx.slice(nTr, nTr + nVa), test = idx.slice(nTr + nVa);
  const scalers = widths.map((w, k) => {
    const mean = new Float32Array(w), std = new Float32Array(w);
    for (let f = 0; f < w; f++) {
      let s = 0, s2 = 0;
      for (const r of train) { const v = x[k][r * w + f]; s += v; s2 += v * v; }
      mean[f] = s / nTr; std[f] = Math.sqrt(Math.max(1e-12, s2 / nTr - mean[f] ** 2));
    }
    for (let i = 0; i < n; i++) for (let f = 0; f < w; f++) x[k][i * w + f] = (x[k][i * w + f] - mean[f]) / std[f];
    return { name: `m${k}`, mean, std, missingIndicator: false };
  });
  return {
    datasetName: 'fixture',
    modalityNames: widths.map((_, k) => ['text', 'image', 'tabular', 'audio'][k] ?? `m${k}`),
    widths,
    classes: Array.from({ length: C }, (_, c) => `class${c}`),
    groupLevels: o.groups,
    scalers,
    train: makePart(train, x, y, widths, group),
    validation: makePart(val, x, y, widths, group),
    test: makePart(test, x, y, widths, group),
    split: { train: Int32Array.from(train), validation: Int32Array.from(val), test: Int32Array.from(test), description: `fixture random 0.6/0.2/0.2 seed ${seed}` },
  };
}

export interface LinearPredictorOptions {
  /** Expose `predictFromEmbeddings` (the embedding-head path). Default true. */
  head?: boolean;
  /** Behave like early fusion: no embed / embeddingGradNorms. */
  early?: boolean;
  /** Scale of the logits (sharper or flatter probabilities). */
  scale?: number;
  /** Weight of each modality in the head (default 1 each). */
  weights?: number[];
}

/** Fixed linear intermediate-fusion softmax model fitted by class means on the training split. */
export class LinearSoftmaxPredictor implements Predictor {
  readonly modalityNames: string[];
  readonly widths: number[];
  readonly nClasses: number;
  /** W_k: width_k × C, row-major. */
  readonly W: Float32Array[];
  readonly calls = { embed: 0, embedRows: 0, predictProba: 0, predictFromEmbeddings: 0 };
  embed?: (k: number, xk: Float32Array, n: number) => Float32Array;
  embeddingWidth?: (k: number) => number;
  embeddingGradNorms?: (x: Float32Array[], y: Int32Array, n: number) => Float32Array[];
  predictFromEmbeddings?: (z: Float32Array[], n: number) => Float32Array;
  private readonly scale: number;
  private readonly weights: number[];

  constructor(data: PreparedData, o: LinearPredictorOptions = {}) {
    this.modalityNames = data.modalityNames; this.widths = data.widths; this.nClasses = data.classes.length;
    this.scale = o.scale ?? 0.5;
    this.weights = o.weights ?? data.widths.map(() => 1);
    const C = this.nClasses, { train } = data;
    this.W = data.widths.map((w, k) => {
      const sums = new Float64Array(w * C), counts = new Float64Array(C);
      for (let i = 0; i < train.n; i++) { counts[train.y[i]]++; for (let f = 0; f < w; f++) sums[f * C + train.y[i]] += train.x[k][i * w + f]; }
      return Float32Array.from(sums, (s, j) => s / Math.max(1, counts[j % C]));
    });
    if (!o.early) {
      this.embed = (k, xk, n) => { this.calls.embed++; this.calls.embedRows += n; return this.embedRaw(k, xk, n); };
      this.embeddingWidth = () => C;
      this.embeddingGradNorms = (x, y, n) => {
        const p = this.headProbs(x.map((xk, k) => this.embedRaw(k, xk, n)), n);
        // ∂ℓ/∂z_k = scale·w_k·(p − e_y) (V_k = scale·w_k·I)
        return x.map((_, k) => Float32Array.from({ length: n }, (_, i) => {
          let s = 0;
          for (let c = 0; c < C; c++) { const g = this.scale * this.weights[k] * (p[i * C + c] - (c === y[i] ? 1 : 0)); s += g * g; }
          return Math.sqrt(s);
        }));
      };
      if (o.head ?? true) this.predictFromEmbeddings = (z, n) => { this.calls.predictFromEmbeddings++; return this.headProbs(z, n); };
    }
  }

  embedRaw(k: number, xk: Float32Array, n: number): Float32Array {
    const w = this.widths[k], C = this.nClasses, W = this.W[k];
    const z = new Float32Array(n * C);
    for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) {
      let s = 0;
      for (let f = 0; f < w; f++) s += xk[i * w + f] * W[f * C + c];
      z[i * C + c] = s;
    }
    return z;
  }

  headProbs(z: Float32Array[], n: number): Float32Array {
    const C = this.nClasses, out = new Float32Array(n * C);
    for (let i = 0; i < n; i++) {
      let mx = -Infinity;
      const l = new Float64Array(C);
      for (let c = 0; c < C; c++) { let s = 0; for (let k = 0; k < z.length; k++) s += this.weights[k] * z[k][i * C + c]; l[c] = this.scale * s; mx = Math.max(mx, l[c]); }
      let tot = 0;
      for (let c = 0; c < C; c++) { l[c] = Math.exp(l[c] - mx); tot += l[c]; }
      for (let c = 0; c < C; c++) out[i * C + c] = l[c] / tot;
    }
    return out;
  }

  predictProba(x: Float32Array[], n: number): Float32Array {
    this.calls.predictProba++;
    return this.headProbs(x.map((xk, k) => this.embedRaw(k, xk, n)), n);
  }
}

/** The same prepared data restricted to some modalities (a run trained on a subset). */
export function selectModalities(data: PreparedData, names: string[]): PreparedData {
  const idx = names.map((n) => data.modalityNames.indexOf(n));
  const part = (p: PreparedPart): PreparedPart => ({ ...p, x: idx.map((k) => p.x[k]) });
  return {
    ...data, modalityNames: names, widths: idx.map((k) => data.widths[k]), scalers: idx.map((k) => data.scalers[k]),
    train: part(data.train), validation: part(data.validation), test: part(data.test),
  };
}

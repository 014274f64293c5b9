/**
 * Preprocessing fit on the TRAINING rows only, applied identically to every split part.
 * First, for each TF-IDF block of a modality (`ModalityMatrix.tfidf`, raw term counts of a `tfidf`
 * text column): the smoothed IDF `log((1 + n) / (1 + df)) + 1` over the n non-missing training rows
 * (df: how many of them have a count > 0 in the bucket); every row's block ← counts × idf,
 * L2-normalised. Then, per feature, mean and (population) standard deviation over the non-missing
 * training values; x ← (x − mean) / std; a missing value becomes the training mean, i.e. 0 after standardising.
 * Constant (or all-missing) training features get std 1. Optionally one missing-indicator
 * feature per modality (1 when any feature of the modality is missing in that row), appended last
 * and left unstandardised.
 */
import { DrmmError } from '../errors';
import type { Dataset, FeatureBlock, ModalityMatrix, ModalityScaler, PreparedData, PreparedPart, SplitIndices, TfidfWeights } from './dataset';
import { makeSplit, type SplitConfig } from './split';

export interface PrepareOptions {
  split: SplitConfig | SplitIndices;
  /** Modality names to include (default all), in this order. */
  modalities?: string[];
  missingIndicator: boolean;
  seed: number;
}

/** A row's block is missing when all of its cells are NaN (a missing text cell). */
function blockMissing(v: Float32Array, o: number, size: number): boolean {
  for (let j = 0; j < size; j++) if (v[o + j] === v[o + j]) return false;
  return true;
}

/** Smoothed IDF of one block of term counts, over the given (training) rows; missing rows are skipped. */
export function fitIdf(m: ModalityMatrix, block: FeatureBlock, rows: Int32Array): Float64Array {
  const { start, size } = block;
  const df = new Float64Array(size);
  let n = 0;
  for (let i = 0; i < rows.length; i++) {
    const o = rows[i] * m.width + start;
    if (blockMissing(m.values, o, size)) continue;
    n++;
    for (let j = 0; j < size; j++) if (m.values[o + j] > 0) df[j]++;
  }
  return df.map((d) => Math.log((1 + n) / (1 + d)) + 1);
}

/**
 * The given rows of a modality with TF-IDF weighting applied to its blocks: row-major
 * `rows.length × width` (row i is `rows[i]`). Each block ← counts × idf, L2-normalised within the block;
 * missing blocks stay NaN; features outside the blocks are copied.
 */
export function applyTfidf(m: ModalityMatrix, weights: TfidfWeights[], rows: Int32Array): Float32Array {
  const w = m.width;
  const v = m.values;
  const out = new Float32Array(rows.length * w);
  for (let i = 0; i < rows.length; i++) out.set(v.subarray(rows[i] * w, rows[i] * w + w), i * w);
  const tmp = new Float64Array(Math.max(0, ...weights.map((b) => b.size)));
  for (const { start, size, idf } of weights) {
    for (let i = 0; i < rows.length; i++) {
      const o = i * w + start;
      if (blockMissing(out, o, size)) continue;
      let norm = 0;
      for (let j = 0; j < size; j++) { const x = out[o + j] * idf[j]; tmp[j] = x; if (x === x) norm += x * x; }
      const inv = norm > 0 ? 1 / Math.sqrt(norm) : 1;
      for (let j = 0; j < size; j++) out[o + j] = tmp[j] * inv;
    }
  }
  return out;
}

/**
 * Fit a scaler on the given rows of a modality: the TF-IDF weights of its blocks (if any), then the mean
 * and standard deviation of the (weighted) values.
 */
export function fitScaler(m: ModalityMatrix, rows: Int32Array, missingIndicator: boolean): ModalityScaler {
  const w = m.width;
  const sum = new Float64Array(w), sumSq = new Float64Array(w), count = new Float64Array(w);
  const tfidf = m.tfidf && m.tfidf.length > 0 ? m.tfidf.map((b): TfidfWeights => ({ start: b.start, size: b.size, idf: fitIdf(m, b, rows) })) : undefined;
  // With TF-IDF, the statistics are those of the weighted training rows (a compact copy, row i at i*w).
  const v = tfidf ? applyTfidf(m, tfidf, rows) : m.values;
  const at = (i: number): number => (tfidf ? i : rows[i]) * w;
  // Two passes (mean, then squared deviations) for accuracy.
  for (let i = 0; i < rows.length; i++) {
    const o = at(i);
    for (let j = 0; j < w; j++) { const x = v[o + j]; if (x === x) { sum[j] += x; count[j]++; } }
  }
  const mean = new Float32Array(w);
  const meanD = new Float64Array(w);
  for (let j = 0; j < w; j++) { meanD[j] = count[j] > 0 ? sum[j] / count[j] : 0; mean[j] = meanD[j]; }
  for (let i = 0; i < rows.length; i++) {
    const o = at(i);
    for (let j = 0; j < w; j++) { const x = v[o + j]; if (x === x) { const d = x - meanD[j]; sumSq[j] += d * d; } }
  }
  const std = new Float32Array(w);
  for (let j = 0; j < w; j++) {
    const s = count[j] > 0 ? Math.sqrt(sumSq[j] / count[j]) : 0;
    std[j] = s > 1e-12 && Number.isFinite(s) ? s : 1;
  }
  return tfidf ? { name: m.name, mean, std, missingIndicator, tfidf } : { name: m.name, mean, std, missingIndicator };
}

/**
 * Transform the given rows of a modality with a scaler (its TF-IDF weighting, if any, then
 * standardisation): row-major `rows.length × (width + indicator)`.
 * Used for every split part and for new data scored by a trained model.
 */
export function applyScaler(m: ModalityMatrix, scaler: ModalityScaler, rows: Int32Array): Float32Array {
  const w = m.width;
  const outW = w + (scaler.missingIndicator ? 1 : 0);
  const out = new Float32Array(rows.length * outW);
  const tfidf = scaler.tfidf && scaler.tfidf.length > 0 ? scaler.tfidf : undefined;
  const v = tfidf ? applyTfidf(m, tfidf, rows) : m.values;
  const mean = scaler.mean, inv = new Float32Array(w);
  for (let j = 0; j < w; j++) inv[j] = 1 / scaler.std[j];
  for (let i = 0; i < rows.length; i++) {
    const src = (tfidf ? i : rows[i]) * w, dst = i * outW;
    let anyMissing = 0;
    for (let j = 0; j < w; j++) {
      const x = v[src + j];
      if (x === x) out[dst + j] = (x - mean[j]) * inv[j];
      else { out[dst + j] = 0; anyMissing = 1; }
    }
    if (scaler.missingIndicator) out[dst + w] = anyMissing;
  }
  return out;
}

function isSplitIndices(s: SplitConfig | SplitIndices): s is SplitIndices {
  return (s as SplitIndices).train instanceof Int32Array;
}

export function prepareData(dataset: Dataset, opts: PrepareOptions): PreparedData {
  const split = isSplitIndices(opts.split) ? opts.split : makeSplit(dataset, opts.split, opts.seed);
  const byName = new Map(dataset.modalities.map((m) => [m.name, m]));
  const names = opts.modalities && opts.modalities.length > 0 ? opts.modalities : dataset.modalities.map((m) => m.name);
  const chosen = names.map((n) => {
    const m = byName.get(n);
    if (!m) throw new DrmmError('INVALID_CONFIG', `dataset '${dataset.name}' has no modality '${n}'`, { hint: `Choose from: ${dataset.modalities.map((x) => x.name).join(', ')}.` });
    return m;
  });
  if (new Set(names).size !== names.length) throw new DrmmError('INVALID_CONFIG', 'a modality is listed twice', { hint: 'List each modality once.' });
  const scalers = chosen.map((m) => fitScaler(m, split.train, opts.missingIndicator));
  const part = (rows: Int32Array): PreparedPart => ({
    n: rows.length,
    x: chosen.map((m, k) => applyScaler(m, scalers[k], rows)),
    y: Int32Array.from(rows, (r) => dataset.target.codes[r]),
    group: dataset.groups ? Int32Array.from(rows, (r) => dataset.groups!.codes[r]) : undefined,
    rows,
  });
  return {
    datasetName: dataset.name,
    modalityNames: chosen.map((m) => m.name),
    widths: chosen.map((m) => m.width + (opts.missingIndicator ? 1 : 0)),
    classes: dataset.target.classes.slice(),
    groupLevels: dataset.groups?.levels.slice(),
    scalers,
    train: part(split.train),
    validation: part(split.validation),
    test: part(split.test),
    split,
  };
}

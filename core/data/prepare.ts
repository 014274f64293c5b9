/**
 * Preprocessing, version 2 (METHOD.md §1): fit on the TRAINING rows only, applied identically to every
 * split part and to new data scored later. What a feature gets depends on its kind
 * (`ModalityMatrix.blocks`, set by the encoders; absent = all numeric):
 * - numeric: x ← (x − mean) / sd, with the mean and population sd of the non-missing training values;
 *   missing → the training mean, i.e. 0. A constant (or all-missing) training feature gets sd 1, so it
 *   is 0 on the training rows.
 * - indicator (a one-hot or multi-hot level): kept 0/1, never centred nor divided by its sd. Standardised,
 *   a level seen in 1 of n training rows becomes ≈ √n (≈ 55 for n = 3,000) on its rows, and early fusion
 *   fitted those few huge inputs and collapsed below the majority class (METHOD.md "Changes in
 *   version 2"). A missing categorical cell → all its indicators 0, as for a level the model never saw.
 * - text (hashed term counts): each row's block L2-normalised, so a document's length does not set its
 *   scale. tfidf: counts × the smoothed IDF `log((1 + n) / (1 + df)) + 1` over the n non-missing
 *   training rows (df: how many of them have a count > 0 in the bucket), then L2-normalised. Neither is
 *   standardised afterwards: that would undo the normalisation and blow rare buckets up like rare levels.
 *   A missing text cell → all 0, like an empty one.
 * Optionally one missing-indicator feature per modality (1 when any feature of the modality is missing
 * in the row), appended last, 0/1. Prepared data holds no NaN.
 * A `ModalityScaler` records every step (`applyScaler` is the one transform): a row step on the text
 * blocks, then a per-feature affine step whose mean/sd are 0/1 on all but numeric features.
 */
import { DrmmError } from '../errors';
import type { Dataset, FeatureBlock, ModalityMatrix, ModalityScaler, PreparedData, PreparedPart, SplitIndices, TfidfWeights } from './dataset';
import { blocksProblem, modalityBlocks } from './blocks';
import { makeSplit, type SplitConfig } from './split';

/**
 * Version of the preprocessing rules above (METHOD.md §1 version 2: by feature kind). Anything cached from
 * prepared data (e.g. a reference run's predictions) should carry it in its key.
 */
export const PREPROCESSING_VERSION = 2;

export interface PrepareOptions {
  split: SplitConfig | SplitIndices;
  /** Modality names to include (default all), in this order. */
  modalities?: string[];
  missingIndicator: boolean;
  seed: number;
}

/** One text column's block in the row step: L2-normalised, after weighting by `idf` when given. */
interface TextRowBlock { start: number; size: number; idf?: Float64Array }

/** A row's block is missing when all of its cells are NaN (a missing text cell). */
function blockMissing(v: Float32Array, o: number, size: number): boolean {
  for (let j = 0; j < size; j++) if (v[o + j] === v[o + j]) return false;
  return true;
}

/** Smoothed IDF of one block of term counts, over the given (training) rows; missing rows are skipped. */
export function fitIdf(m: ModalityMatrix, block: { start: number; size: number }, rows: Int32Array): Float64Array {
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
 * The given rows of a modality with its text blocks normalised: row-major `rows.length × width` (row i
 * is `rows[i]`). Each block ← counts (× idf), L2-normalised within the block; an all-zero block stays 0,
 * a missing block stays NaN; features outside the blocks are copied.
 */
export function normaliseTextRows(m: ModalityMatrix, blocks: readonly TextRowBlock[], rows: Int32Array): Float32Array {
  const w = m.width;
  const v = m.values;
  const out = new Float32Array(rows.length * w);
  for (let i = 0; i < rows.length; i++) out.set(v.subarray(rows[i] * w, rows[i] * w + w), i * w);
  const tmp = new Float64Array(Math.max(0, ...blocks.map((b) => b.size)));
  for (const { start, size, idf } of blocks) {
    for (let i = 0; i < rows.length; i++) {
      const o = i * w + start;
      if (blockMissing(out, o, size)) continue;
      let norm = 0;
      for (let j = 0; j < size; j++) { const x = idf ? out[o + j] * idf[j] : out[o + j]; tmp[j] = x; if (x === x) norm += x * x; }
      const inv = norm > 0 ? 1 / Math.sqrt(norm) : 1;
      for (let j = 0; j < size; j++) out[o + j] = tmp[j] * inv;
    }
  }
  return out;
}

/** The scaler's row step: its TF-IDF blocks (with their IDF) and, since version 2, its plain text blocks. */
function textRowBlocks(scaler: ModalityScaler): TextRowBlock[] {
  return [...(scaler.tfidf ?? []), ...(scaler.blocks ?? []).filter((b) => b.kind === 'text')];
}

/**
 * The affine step's mean and sd: over the non-missing training values of each `numeric` feature (sd 1 when
 * constant); 0 and 1 for every other feature, which the step then leaves exactly as it is. Numeric features
 * are untouched by the row step, so their moments are those of the raw values.
 */
function fitMoments(m: ModalityMatrix, blocks: readonly FeatureBlock[], rows: Int32Array): { mean: Float32Array; std: Float32Array } {
  const w = m.width, v = m.values;
  const numeric: number[] = [];
  for (const b of blocks) if (b.kind === 'numeric') for (let j = b.start; j < b.start + b.size; j++) numeric.push(j);
  const sum = new Float64Array(w), sumSq = new Float64Array(w), count = new Float64Array(w);
  // Two passes (mean, then squared deviations) for accuracy.
  for (let i = 0; i < rows.length; i++) {
    const o = rows[i] * w;
    for (const j of numeric) { const x = v[o + j]; if (x === x) { sum[j] += x; count[j]++; } }
  }
  const meanD = sum.map((s, j) => (count[j] > 0 ? s / count[j] : 0));
  for (let i = 0; i < rows.length; i++) {
    const o = rows[i] * w;
    for (const j of numeric) { const x = v[o + j]; if (x === x) { const d = x - meanD[j]; sumSq[j] += d * d; } }
  }
  const std = new Float32Array(w).fill(1);
  for (const j of numeric) {
    const s = count[j] > 0 ? Math.sqrt(sumSq[j] / count[j]) : 0;
    if (s > 1e-12 && Number.isFinite(s)) std[j] = s;
  }
  return { mean: Float32Array.from(meanD), std };
}

/** Fit a scaler on the given rows of a modality: the IDF of its TF-IDF blocks, the moments of its numeric features. */
export function fitScaler(m: ModalityMatrix, rows: Int32Array, missingIndicator: boolean): ModalityScaler {
  const blocks = modalityBlocks(m).map((b) => ({ ...b }));
  const why = blocksProblem(blocks, m.width);
  if (why) throw new DrmmError('INVALID_ARGUMENT', `modality '${m.name}' has inconsistent feature kinds: ${why}`, { hint: 'Give blocks that cover its features in order, or none (all numeric).' });
  const tfidf = blocks.filter((b) => b.kind === 'tfidf').map((b): TfidfWeights => ({ start: b.start, size: b.size, idf: fitIdf(m, b, rows) }));
  const { mean, std } = fitMoments(m, blocks, rows);
  return { name: m.name, mean, std, missingIndicator, blocks, ...(tfidf.length > 0 ? { tfidf } : {}) };
}

/**
 * Transform the given rows of a modality with a scaler: the row step of its text blocks, then
 * `(x − mean) / std` per feature with a missing cell → 0, then the missing indicator if any:
 * row-major `rows.length × (width + indicator)`. Used for every split part and for new data scored by
 * a trained model. A scaler from before version 2 (no `blocks`) standardises every feature, as its model
 * was trained.
 */
export function applyScaler(m: ModalityMatrix, scaler: ModalityScaler, rows: Int32Array): Float32Array {
  const w = m.width;
  if (scaler.mean.length !== w) {
    throw new DrmmError('INVALID_ARGUMENT', `modality '${m.name}' has ${w} features, but its preprocessing was fit on ${scaler.mean.length}`, { hint: 'Encode the new data with the dataset spec the model was trained on.' });
  }
  const outW = w + (scaler.missingIndicator ? 1 : 0);
  const out = new Float32Array(rows.length * outW);
  const text = textRowBlocks(scaler);
  const v = text.length > 0 ? normaliseTextRows(m, text, rows) : m.values;
  const mean = scaler.mean, inv = new Float32Array(w);
  for (let j = 0; j < w; j++) inv[j] = 1 / scaler.std[j];
  for (let i = 0; i < rows.length; i++) {
    const src = (text.length > 0 ? i : rows[i]) * w, dst = i * outW;
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

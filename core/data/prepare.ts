/**
 * Preprocessing fit on the TRAINING rows only, applied identically to every split part:
 * per feature, mean and (population) standard deviation over the non-missing training values;
 * x ← (x − mean) / std; a missing value becomes the training mean, i.e. 0 after standardising.
 * Constant (or all-missing) training features get std 1. Optionally one missing-indicator
 * feature per modality (1 when any feature of the modality is missing in that row), appended last
 * and left unstandardised.
 */
import { DrmmError } from '../errors';
import type { Dataset, ModalityMatrix, ModalityScaler, PreparedData, PreparedPart, SplitIndices } from './dataset';
import { makeSplit, type SplitConfig } from './split';

export interface PrepareOptions {
  split: SplitConfig | SplitIndices;
  /** Modality names to include (default all), in this order. */
  modalities?: string[];
  missingIndicator: boolean;
  seed: number;
}

/** Fit a scaler on the given rows of a modality. */
export function fitScaler(m: ModalityMatrix, rows: Int32Array, missingIndicator: boolean): ModalityScaler {
  const w = m.width;
  const sum = new Float64Array(w), sumSq = new Float64Array(w), count = new Float64Array(w);
  const v = m.values;
  // Two passes (mean, then squared deviations) for accuracy.
  for (let i = 0; i < rows.length; i++) {
    const o = rows[i] * w;
    for (let j = 0; j < w; j++) { const x = v[o + j]; if (x === x) { sum[j] += x; count[j]++; } }
  }
  const mean = new Float32Array(w);
  const meanD = new Float64Array(w);
  for (let j = 0; j < w; j++) { meanD[j] = count[j] > 0 ? sum[j] / count[j] : 0; mean[j] = meanD[j]; }
  for (let i = 0; i < rows.length; i++) {
    const o = rows[i] * w;
    for (let j = 0; j < w; j++) { const x = v[o + j]; if (x === x) { const d = x - meanD[j]; sumSq[j] += d * d; } }
  }
  const std = new Float32Array(w);
  for (let j = 0; j < w; j++) {
    const s = count[j] > 0 ? Math.sqrt(sumSq[j] / count[j]) : 0;
    std[j] = s > 1e-12 && Number.isFinite(s) ? s : 1;
  }
  return { name: m.name, mean, std, missingIndicator };
}

/**
 * Standardise the given rows of a modality with a scaler: row-major `rows.length × (width + indicator)`.
 * Used for every split part and for new data scored by a trained model.
 */
export function applyScaler(m: ModalityMatrix, scaler: ModalityScaler, rows: Int32Array): Float32Array {
  const w = m.width;
  const outW = w + (scaler.missingIndicator ? 1 : 0);
  const out = new Float32Array(rows.length * outW);
  const v = m.values;
  const mean = scaler.mean, inv = new Float32Array(w);
  for (let j = 0; j < w; j++) inv[j] = 1 / scaler.std[j];
  for (let i = 0; i < rows.length; i++) {
    const src = rows[i] * w, dst = i * outW;
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

/**
 * The in-memory multimodal dataset: typed, columnar, no per-row objects.
 *
 * `Dataset` is what parsing a spec yields (raw values, all rows, each feature's kind). `PreparedData` is a
 * dataset after the split and after preprocessing fit on the training rows only (METHOD.md §1: numeric
 * features standardised, indicators kept 0/1, text rows L2-normalised, optional missing-indicator per
 * modality): it is what models train on.
 */

/**
 * What a feature is, which decides how it is preprocessed (METHOD.md §1, prepare.ts):
 * - `numeric` — a measured value: standardised with the training mean and sd;
 * - `indicator` — a 0/1 level (one-hot or multi-hot level of a categorical): kept 0/1, never centred nor
 *   divided by its sd (a rare level would otherwise become a value of ~100);
 * - `text` — hashed term counts of a text column: each row's block L2-normalised;
 * - `tfidf` — hashed term counts of a `tfidf` text column: weighted by an IDF fit on the training rows,
 *   then each row's block L2-normalised.
 * `text` and `tfidf` are row-wise transforms: a block of either kind is one text column.
 */
export type FeatureKind = 'numeric' | 'indicator' | 'text' | 'tfidf';

/** A contiguous range `[start, start + size)` of a modality's features, all of one kind. */
export interface FeatureBlock { start: number; size: number; kind: FeatureKind }

/** One feature group. `values` is row-major `nRows × width` (row i at `values[i*width … i*width+width)`). */
export interface ModalityMatrix {
  name: string;
  /** Output feature names after encoding (one-hot levels, hashed text buckets, …), `width` of them. */
  features: string[];
  width: number;
  /** Raw (pre-standardisation) numeric values; NaN marks a missing cell. Text blocks hold raw term counts. */
  values: Float32Array;
  /**
   * The kinds of the features, as blocks that tile `[0, width)` in order (set by the encoders, read.ts).
   * Absent: every feature is `numeric` (datasets built in code, e.g. simulations and test fixtures).
   */
  blocks?: FeatureBlock[];
}

/** IDF weights of one TF-IDF block, learnt on the training rows. */
export interface TfidfWeights {
  start: number;
  size: number;
  /** One weight per feature of the block, `size` of them. */
  idf: Float64Array;
}

export interface Target {
  name: string;
  /** Class labels as strings, index = class code. At least 2. */
  classes: string[];
  /** Class code per row, 0 … classes.length-1. */
  codes: Int32Array;
}

export interface GroupColumn {
  name: string;
  levels: string[];
  codes: Int32Array;
}

export interface Dataset {
  name: string;
  nRows: number;
  modalities: ModalityMatrix[];
  target: Target;
  groups?: GroupColumn;
  /** Row identifiers when the spec has an id column (or the join key). */
  ids?: string[];
  /** A split given by the data itself (spec split kind `column` or `files`): 0 train, 1 validation, 2 test. */
  providedSplit?: Int8Array;
}

export const SPLIT_TRAIN = 0;
export const SPLIT_VALIDATION = 1;
export const SPLIT_TEST = 2;

/** Row indices of each part of a split. */
export interface SplitIndices {
  train: Int32Array;
  validation: Int32Array;
  test: Int32Array;
  /** How the split was made, for the report ("stratified 0.7/0.15/0.15 seed 1", "leave out group 'va'"). */
  description: string;
}

/**
 * Per-modality preprocessing learnt on the training rows (applied identically to every split, and to new
 * data scored later). Two steps (prepare.ts `applyScaler`): first the row-wise step of the text blocks
 * (`tfidf`: counts × idf, then L2; `text` blocks of `blocks`: L2), then per feature `(x − mean) / std`, a
 * missing cell → 0.
 */
export interface ModalityScaler {
  name: string;
  /** Per feature. Indicator and text features get mean 0, std 1: the affine step leaves them as they are. */
  mean: Float32Array;
  std: Float32Array;
  /** True when a missing-indicator feature was appended to this modality. */
  missingIndicator: boolean;
  /**
   * The feature kinds the scaler was fit with (since preprocessing v2, METHOD.md §1). Absent in a scaler
   * made before: every feature was standardised (after the `tfidf` weighting), which `mean`/`std` record,
   * so such a scaler still transforms data exactly as the model it belongs to was trained.
   */
  blocks?: FeatureBlock[];
  /** IDF weights of the modality's `tfidf` blocks. Absent when the modality has none. */
  tfidf?: TfidfWeights[];
}

/** One split part, ready for a model: one preprocessed row-major matrix per modality. */
export interface PreparedPart {
  n: number;
  /** One matrix per included modality, row-major `n × widths[k]`, preprocessed, no NaN. */
  x: Float32Array[];
  y: Int32Array;
  /** Group code per row, or undefined when the dataset has no group column. */
  group?: Int32Array;
  /** Indices into the original dataset rows. */
  rows: Int32Array;
}

export interface PreparedData {
  datasetName: string;
  modalityNames: string[];
  widths: number[];
  classes: string[];
  groupLevels?: string[];
  scalers: ModalityScaler[];
  train: PreparedPart;
  validation: PreparedPart;
  test: PreparedPart;
  split: SplitIndices;
}

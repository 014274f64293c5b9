/**
 * The in-memory multimodal dataset: typed, columnar, no per-row objects.
 *
 * `Dataset` is what parsing a spec yields (raw values, all rows). `PreparedData` is a dataset
 * after the split and after preprocessing fit on the training rows only (standardise, impute with
 * the training mean, optional missing-indicator per modality): it is what models train on.
 */

/** One feature group. `values` is row-major `nRows × width` (row i at `values[i*width … i*width+width)`). */
export interface ModalityMatrix {
  name: string;
  /** Output feature names after encoding (one-hot levels, hashed text buckets, …), `width` of them. */
  features: string[];
  width: number;
  /** Raw (pre-standardisation) numeric values; NaN marks a missing cell. */
  values: Float32Array;
  /**
   * Feature ranges `[start, start + size)` holding raw hashed term counts of a `tfidf` text column.
   * The IDF weighting is not applied at import: it is fit on the training rows only when the data is
   * prepared (prepare.ts), then each row's block is multiplied by it and L2-normalised. Absent: none.
   */
  tfidf?: FeatureBlock[];
}

/** A contiguous range of a modality's features. */
export interface FeatureBlock { start: number; size: number }

/** IDF weights of one TF-IDF block, learnt on the training rows. */
export interface TfidfWeights extends FeatureBlock {
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

/** Per-modality preprocessing learnt on the training rows (applied identically to every split). */
export interface ModalityScaler {
  name: string;
  mean: Float32Array;
  std: Float32Array;
  /** True when a missing-indicator feature was appended to this modality. */
  missingIndicator: boolean;
  /**
   * TF-IDF weighting of the modality's `tfidf` blocks, applied before `mean`/`std` (which are the
   * statistics of the weighted values). Absent when the modality has no TF-IDF block.
   */
  tfidf?: TfidfWeights[];
}

/** One split part, ready for a model: one standardised row-major matrix per modality. */
export interface PreparedPart {
  n: number;
  /** One matrix per included modality, row-major `n × widths[k]`, standardised, no NaN. */
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

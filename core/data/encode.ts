/**
 * Column encoders: how one raw column becomes one or more numeric features of a modality.
 * One interface, one registry (numeric, categorical → one-hot, text → hashed bag-of-words counts).
 * Each encoder says what kind of features it writes (`FeatureKind`), which decides their preprocessing
 * (METHOD.md §1). Encoders are unsupervised and use no labels; everything fit on data (standardisation,
 * the TF-IDF weighting of `tfidf` text columns) is fit later on the training rows only (prepare.ts).
 * Missing cells become NaN in every output feature of the column.
 */
import type { FeatureKind } from './dataset';
import { isNumberText, sortLevels } from './infer';

export type RawColumn =
  | { kind: 'number'; values: Float32Array }
  | { kind: 'string'; values: ReadonlyArray<string | null> };

export interface EncodedColumn {
  features: string[];
  /** Write row `r`'s features into `out[offset … offset + features.length)`. */
  write(r: number, out: Float32Array, offset: number): void;
  /** The kind of every feature of the column (`ModalityMatrix.blocks`). */
  kind: FeatureKind;
}

export interface TextEncodingOptions { method: 'hashed' | 'tfidf'; size: number }

export interface ColumnEncoder {
  readonly type: 'numeric' | 'categorical' | 'text';
  /** Fit on the given rows (all rows of the dataset; no labels) and return the writer. */
  encode(name: string, col: RawColumn, rows: Int32Array, text: TextEncodingOptions): EncodedColumn;
}

const numericEncoder: ColumnEncoder = {
  type: 'numeric',
  encode(name, col) {
    if (col.kind === 'number') {
      const v = col.values;
      return { features: [name], kind: 'numeric', write: (r, out, o) => { out[o] = v[r]; } };
    }
    // A numeric column that was read as strings (it only happens for role-less edge cases).
    const s = col.values;
    return { features: [name], kind: 'numeric', write: (r, out, o) => { const x = s[r]; out[o] = x === null ? NaN : Number(x); } };
  },
};

const categoricalEncoder: ColumnEncoder = {
  type: 'categorical',
  encode(name, col, rows) {
    const str = (r: number): string | null => {
      if (col.kind === 'string') return col.values[r];
      const x = col.values[r];
      return Number.isNaN(x) ? null : String(x);
    };
    let levelSet = new Set<string>();
    for (let i = 0; i < rows.length; i++) { const s = str(rows[i]); if (s !== null) levelSet.add(s); }
    // Numeric codes written two ways ("1" and "1.0") are one level.
    const numericCodes = levelSet.size > 0 && [...levelSet].every(isNumberText);
    if (numericCodes) levelSet = new Set([...levelSet].map((l) => String(Number(l))));
    const levels = sortLevels(levelSet);
    const index = new Map(levels.map((l, i) => [l, i]));
    const k = levels.length;
    return {
      features: levels.map((l) => `${name}=${l}`),
      kind: 'indicator',
      write: (r, out, o) => {
        const s = str(r);
        if (s === null) { for (let j = 0; j < k; j++) out[o + j] = NaN; return; }
        for (let j = 0; j < k; j++) out[o + j] = 0;
        const j = index.get(numericCodes ? String(Number(s)) : s);
        if (j !== undefined) out[o + j] = 1;
      },
    };
  },
};

/** Lower-cased word tokens (letters and digits). */
export function tokenize(s: string): string[] {
  return s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** 32-bit FNV-1a of a string's UTF-16 code units: stable across platforms. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193); }
  return h >>> 0;
}

const textEncoder: ColumnEncoder = {
  type: 'text',
  encode(name, col, rows, text) {
    const size = text.size;
    const cell = (r: number): string | null => (col.kind === 'string' ? col.values[r] : Number.isNaN(col.values[r]) ? null : String(col.values[r]));
    const features = Array.from({ length: size }, (_, b) => `${name}#${b}`);
    return {
      features,
      // Counts either way: TF-IDF needs document frequencies, which must come from the training rows only,
      // so its weighting is fit when the data is prepared (prepare.ts), like the L2 normalisation of both.
      kind: text.method === 'tfidf' ? 'tfidf' : 'text',
      write: (r, out, o) => {
        const s = cell(r);
        if (s === null) { for (let j = 0; j < size; j++) out[o + j] = NaN; return; }
        for (let j = 0; j < size; j++) out[o + j] = 0;
        for (const t of tokenize(s)) out[o + (fnv1a(t) % size)] += 1;
      },
    };
  },
};

export const COLUMN_ENCODERS: Record<ColumnEncoder['type'], ColumnEncoder> = {
  numeric: numericEncoder,
  categorical: categoricalEncoder,
  text: textEncoder,
};

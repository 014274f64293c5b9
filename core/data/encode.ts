/**
 * Column encoders: how one raw column becomes one or more numeric features of a modality.
 * One interface, one registry (numeric; categorical → one-hot, multi-hot of a multi-valued column, top
 * levels plus "(other)", or hashed indicators above a level threshold; text → hashed bag-of-words counts).
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

/** How one categorical column is encoded (spec `encoding`, `categorical`). */
export interface CategoricalOptions {
  /** Multi-valued cells: split on this; a multi-hot of the levels. */
  separator?: string;
  /** Keep the N most frequent levels; the rest is one `(other)` indicator. */
  top?: number;
  /** Hash the levels into this many indicators. */
  hash?: number;
  /** More levels than this: hashed into `hashSize` indicators. */
  maxLevels: number;
  hashSize: number;
}

export interface EncodeOptions {
  text: TextEncodingOptions;
  categorical: CategoricalOptions;
}

export interface EncodedColumn {
  features: string[];
  /** Write row `r`'s features into `out[offset … offset + features.length)`. */
  write(r: number, out: Float32Array, offset: number): void;
  /** The kind of every feature of the column (`ModalityMatrix.blocks`). */
  kind: FeatureKind;
  /** What the encoder decided that a user should know (a wide column hashed, levels folded into "other"). */
  note?: { code: 'HASHED_LEVELS' | 'OTHER_LEVELS'; levels: number; message: string };
}

export interface ColumnEncoder {
  readonly type: 'numeric' | 'categorical' | 'text';
  /** Fit on the given rows (all rows of the dataset; no labels) and return the writer. */
  encode(name: string, col: RawColumn, rows: Int32Array, opts: EncodeOptions): EncodedColumn;
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

/** The label of the indicator that collects levels outside the top N. */
export const OTHER_LEVEL = '(other)';

const categoricalEncoder: ColumnEncoder = {
  type: 'categorical',
  encode(name, col, rows, opts) {
    const o = opts.categorical;
    const cellOf = (r: number): string | null => {
      if (col.kind === 'string') return col.values[r];
      const x = col.values[r];
      return Number.isNaN(x) ? null : String(x);
    };
    const sep = o.separator;
    /** The levels of one cell (a multi-valued cell: its distinct trimmed parts). */
    const levelsOf = (s: string): string[] => {
      if (sep === undefined) return [s];
      const parts = s.split(sep).map((x) => x.trim()).filter((x) => x !== '');
      return parts.length > 1 ? [...new Set(parts)] : parts;
    };
    // Count levels (a Map: any string is a level, "__proto__" included).
    const counts = new Map<string, number>();
    for (let i = 0; i < rows.length; i++) {
      const s = cellOf(rows[i]);
      if (s === null) continue;
      for (const l of levelsOf(s)) counts.set(l, (counts.get(l) ?? 0) + 1);
    }
    // Numeric codes written two ways ("1" and "1.0") are one level.
    const numericCodes = sep === undefined && counts.size > 0 && [...counts.keys()].every(isNumberText);
    let canon = (l: string): string => l;
    if (numericCodes) {
      canon = (l) => String(Number(l));
      const merged = new Map<string, number>();
      for (const [l, c] of counts) merged.set(canon(l), (merged.get(canon(l)) ?? 0) + c);
      counts.clear();
      for (const [l, c] of merged) counts.set(l, c);
    }
    const nLevels = counts.size;
    const hashWidth = o.hash ?? (o.top === undefined && sep === undefined && nLevels > o.maxLevels ? o.hashSize : undefined);
    if (hashWidth !== undefined) {
      const k = hashWidth;
      const note = o.hash === undefined
        ? { code: 'HASHED_LEVELS' as const, levels: nLevels, message: `column '${name}' has ${nLevels.toLocaleString('en')} levels (more than ${o.maxLevels.toLocaleString('en')}), so they are hashed into ${k} indicator features` }
        : undefined;
      return {
        features: Array.from({ length: k }, (_, b) => `${name}=#${b}`),
        kind: 'indicator',
        note,
        write: (r, out, off) => {
          const s = cellOf(r);
          if (s === null) { for (let j = 0; j < k; j++) out[off + j] = NaN; return; }
          for (let j = 0; j < k; j++) out[off + j] = 0;
          for (const l of levelsOf(s)) out[off + (fnv1a(canon(l)) % k)] = 1;
        },
      };
    }
    const top = o.top ?? (sep !== undefined ? DEFAULT_TOP : undefined);
    let kept: string[];
    let other = false;
    if (top !== undefined && nLevels > top) {
      // Most frequent first; ties by level order, so the choice does not depend on row order.
      const ordered = sortLevels(counts.keys());
      const rank = new Map(ordered.map((l, i) => [l, i]));
      kept = sortLevels([...counts.entries()].sort((a, b) => b[1] - a[1] || rank.get(a[0])! - rank.get(b[0])!).slice(0, top).map(([l]) => l));
      other = true;
    } else kept = sortLevels(counts.keys());
    const index = new Map(kept.map((l, i) => [l, i]));
    const k = kept.length + (other ? 1 : 0);
    const otherAt = kept.length;
    const features = kept.map((l) => `${name}=${l}`);
    if (other) features.push(`${name}=${OTHER_LEVEL}`);
    const note = other ? { code: 'OTHER_LEVELS' as const, levels: nLevels, message: `column '${name}': the ${top} most frequent of its ${nLevels.toLocaleString('en')} levels are kept, the rest is "${OTHER_LEVEL}"` } : undefined;
    return {
      features,
      kind: 'indicator',
      note,
      write: (r, out, off) => {
        const s = cellOf(r);
        if (s === null) { for (let j = 0; j < k; j++) out[off + j] = NaN; return; }
        for (let j = 0; j < k; j++) out[off + j] = 0;
        for (const l of levelsOf(s)) {
          const j = index.get(canon(l));
          if (j !== undefined) out[off + j] = 1;
          else if (other) out[off + otherAt] = 1;
        }
      },
    };
  },
};

/** Levels kept by a multi-valued column without `top` (spec DEFAULT_MULTI_TOP). */
const DEFAULT_TOP = 50;

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
  encode(name, col, rows, opts) {
    const text = opts.text;
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

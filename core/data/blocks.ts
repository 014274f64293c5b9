/**
 * Feature kinds of a modality (`ModalityMatrix.blocks`): building them as columns are encoded, checking
 * them, and deriving them for datasets cached before the kinds were stored. The kinds decide the
 * preprocessing (METHOD.md §1, prepare.ts).
 */
import type { FeatureBlock, FeatureKind, ModalityMatrix } from './dataset';

export const FEATURE_KINDS: readonly FeatureKind[] = ['numeric', 'indicator', 'text', 'tfidf'];

/**
 * Kinds transformed row by row over their whole block (L2 norm of a text column's buckets): a block of
 * one of these kinds is exactly one text column, so it must never be merged with its neighbour.
 */
export function isRowKind(kind: FeatureKind): boolean {
  return kind === 'text' || kind === 'tfidf';
}

/** A modality's blocks: its own, else one `numeric` block over every feature (a dataset built in code). */
export function modalityBlocks(m: Pick<ModalityMatrix, 'width' | 'blocks'>): FeatureBlock[] {
  if (m.blocks) return m.blocks;
  return m.width > 0 ? [{ start: 0, size: m.width, kind: 'numeric' }] : [];
}

/**
 * Appends `size` features of `kind` after the last block. Per-feature kinds (numeric, indicator) join a
 * preceding block of the same kind, which keeps the list (and the cache header) short on wide tables.
 */
export function appendBlock(blocks: FeatureBlock[], kind: FeatureKind, size: number): void {
  if (size <= 0) return;
  const last = blocks[blocks.length - 1];
  const start = last ? last.start + last.size : 0;
  if (last && last.kind === kind && !isRowKind(kind)) last.size += size;
  else blocks.push({ start, size, kind });
}

/** Why `blocks` do not tile `[0, width)` in order with known kinds, or undefined when they do. */
export function blocksProblem(blocks: readonly FeatureBlock[], width: number): string | undefined {
  let next = 0;
  for (const b of blocks) {
    if (!FEATURE_KINDS.includes(b.kind)) return `unknown feature kind '${String(b.kind)}'`;
    if (!(Number.isInteger(b.start) && Number.isInteger(b.size) && b.size > 0)) return `bad block ${JSON.stringify(b)}`;
    if (b.start !== next) return `block at ${b.start} does not follow the previous one (expected ${next})`;
    next += b.size;
  }
  return next === width ? undefined : `blocks cover ${next} of ${width} features`;
}

/** Feature f's values are all 0, 1 or missing. */
function isZeroOne(m: ModalityMatrix, f: number): boolean {
  for (let o = f; o < m.values.length; o += m.width) { const x = m.values[o]; if (x !== 0 && x !== 1 && x === x) return false; }
  return true;
}

/** Features `[start, start + size)` hold counts-like values: ≥ 0, and each row missing in all of them or none. */
function isCountsBlock(m: ModalityMatrix, start: number, size: number): boolean {
  for (let row = 0; row < m.values.length; row += m.width) {
    const missing = m.values[row + start] !== m.values[row + start];
    for (let j = 0; j < size; j++) {
      const x = m.values[row + start + j];
      if ((x !== x) !== missing || x < 0) return false;
    }
  }
  return true;
}

/** Length of the run `P#0, P#1, …` of hashed-text feature names starting at feature `f` (0: none). */
function hashedRunLength(features: readonly string[], f: number): number {
  const first = /^(.*)#0$/s.exec(features[f]);
  if (!first) return 0;
  let size = 1;
  while (f + size < features.length && features[f + size] === `${first[1]}#${size}`) size++;
  return size;
}

/**
 * Kinds of a modality read from a cache written before the kinds were stored (format versions 1 and 2),
 * derived from the names the encoders give features (encode.ts) and checked against the values:
 * - the `tfidf` blocks version 2 recorded → `tfidf` (raw counts);
 * - a run `note#0 … note#(s−1)` (a hashed text column) whose values are ≥ 0, each row missing in all or
 *   none → `text` (counts; in version 1 a `tfidf` column was stored already weighted and L2-normalised,
 *   which the `text` transform, an L2 normalisation, leaves unchanged);
 * - a feature named `column=level` (a one-hot level) whose values are all 0, 1 or missing → `indicator`;
 * - anything else → `numeric`.
 * A fresh import of the same files gives the same kinds, except for numeric columns whose own names look
 * like these (a 0/1 column named with `=` is then kept 0/1, which is harmless).
 */
export function deriveBlocks(m: ModalityMatrix, tfidf: readonly { start: number; size: number }[] = []): FeatureBlock[] {
  const blocks: FeatureBlock[] = [];
  const tfidfAt = new Map(tfidf.map((b) => [b.start, b.size]));
  for (let f = 0; f < m.width;) {
    const tfidfSize = tfidfAt.get(f);
    if (tfidfSize !== undefined) { appendBlock(blocks, 'tfidf', tfidfSize); f += tfidfSize; continue; }
    const run = hashedRunLength(m.features, f);
    if (run > 0 && isCountsBlock(m, f, run)) { appendBlock(blocks, 'text', run); f += run; continue; }
    appendBlock(blocks, m.features[f].includes('=') && isZeroOne(m, f) ? 'indicator' : 'numeric', 1);
    f++;
  }
  return blocks;
}

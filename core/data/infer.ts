/**
 * Column type inference where the spec is silent, from a sample of cell strings.
 *   numeric      every non-missing cell is a number (or ≥ 95% are, with ≥ 20 cells: the rest are
 *                then reported as "text in a numeric column" rather than silently one-hot encoded);
 *   text         free text: on average ≥ 3 words or ≥ 40 characters per cell;
 *   id           every cell distinct (and more than 20 of them): an identifier, not a feature;
 *   categorical  anything else.
 */
export type InferredType = 'numeric' | 'categorical' | 'text' | 'id';

export function isNumberText(s: string): boolean {
  return s.trim() !== '' && !Number.isNaN(Number(s));
}

export function inferColumnType(cells: ReadonlyArray<string | null>, missing: ReadonlySet<string>): InferredType {
  let nonMissing = 0, numeric = 0, words = 0, chars = 0;
  const distinct = new Set<string>();
  for (const c of cells) {
    if (c === null || missing.has(c)) continue;
    nonMissing++;
    if (isNumberText(c)) numeric++;
    distinct.add(c);
    chars += c.length;
    const w = c.trim().split(/\s+/).length;
    words += w;
  }
  if (nonMissing === 0 || numeric === nonMissing) return 'numeric';
  if (nonMissing >= 20 && numeric >= 0.95 * nonMissing) return 'numeric';
  if (words / nonMissing >= 3 || chars / nonMissing >= 40) return 'text';
  if (distinct.size === nonMissing && nonMissing > 20) return 'id';
  return 'categorical';
}

/** Sort labels numerically when they all look like numbers, else as strings. */
export function sortLevels(levels: Iterable<string>): string[] {
  const a = [...levels];
  if (a.every(isNumberText)) return a.sort((x, y) => Number(x) - Number(y) || (x < y ? -1 : x > y ? 1 : 0));
  return a.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
}

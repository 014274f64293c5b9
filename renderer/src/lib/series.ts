/** One line of a chart. */
export interface Series {
  label: string;
  color: string;
  points: { x: number; y: number }[];
  dashed?: boolean;
}

/** A vertical line on a chart at `x`, with a label (e.g. the selected epoch). */
export interface ChartMarker {
  x: number;
  label: string;
}

/**
 * The marker of a run's selected epoch — the epoch whose weights were kept by model selection
 * (`results.training.bestEpoch`, stored with the run; METHOD.md §6) — once the run has results.
 */
export function selectedEpochMarker(results: unknown): ChartMarker | undefined {
  const epoch = (results as { training?: { bestEpoch?: unknown } } | null)?.training?.bestEpoch;
  return typeof epoch === 'number' && epoch >= 1 ? { x: epoch, label: `selected epoch ${epoch}` } : undefined;
}

/** A sort over table rows by a key accessor; stable, nulls last. */
export function sortBy<T>(rows: T[], get: (row: T) => unknown, dir: 1 | -1): T[] {
  return rows
    .map((row, i) => ({ row, i, v: get(row) }))
    .sort((a, b) => {
      const av = a.v, bv = b.v;
      if (av === bv) return a.i - b.i;
      if (av === null || av === undefined) return 1;
      if (bv === null || bv === undefined) return -1;
      const c = typeof av === 'number' && typeof bv === 'number' ? av - bv : String(av).localeCompare(String(bv), undefined, { numeric: true });
      return c * dir || a.i - b.i;
    })
    .map((x) => x.row);
}

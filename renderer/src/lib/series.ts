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

/**
 * At most `max` points of a line (x ascending) for drawing: the points are cut into buckets of
 * equal count and each bucket keeps its lowest and highest point, in x order, so spikes survive.
 * The first and last points are always kept. A long, fast run has thousands of epochs; drawing
 * them all on every update starves the page (the monitor froze for seconds at 3,000 epochs).
 */
export function decimate<P extends { x: number; y: number }>(points: P[], max: number): P[] {
  if (points.length <= max || max < 4) return points;
  const inner = points.length - 2;
  const buckets = Math.floor((max - 2) / 2);
  const out: P[] = [points[0]!];
  for (let b = 0; b < buckets; b++) {
    const from = 1 + Math.floor((b * inner) / buckets);
    const to = 1 + Math.floor(((b + 1) * inner) / buckets);
    let lo = from, hi = from;
    for (let i = from + 1; i < to; i++) {
      if (points[i]!.y < points[lo]!.y) lo = i;
      if (points[i]!.y > points[hi]!.y) hi = i;
    }
    if (lo === hi) out.push(points[lo]!);
    else out.push(points[Math.min(lo, hi)]!, points[Math.max(lo, hi)]!);
  }
  out.push(points[points.length - 1]!);
  return out;
}

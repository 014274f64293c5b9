/** One line of a chart. */
export interface Series {
  label: string;
  color: string;
  points: { x: number; y: number }[];
  dashed?: boolean;
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

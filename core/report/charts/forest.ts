/**
 * A forest plot: one row per estimate, a dot at the estimate and a line for its interval, with a
 * vertical line at 0. The experiment report draws its seed-paired differences this way, so a
 * reader sees at once which intervals exclude 0 (a real difference) and which do not.
 */
import { chartTitle, esc, type Frame, linearScale, marker, type MarkerShape, niceTicks, r2, svgOpen, tickLabel } from './svg';

export interface ForestRow {
  label: string;
  estimate: number | null;
  interval: [number, number] | null;
  color: string;
  marker?: MarkerShape;
  /** Drawn solid when the interval excludes 0, hollow otherwise. */
  real: boolean;
}

export interface ForestOptions {
  kind?: string;
  title: string;
  xLabel: string;
  rows: ForestRow[];
  width?: number;
  /** Symmetric domain around 0 by default. */
  xDomain?: [number, number];
}

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

export function forestPlot(o: ForestOptions): string {
  const longest = Math.max(8, ...o.rows.map((r) => Math.min(48, r.label.length)));
  const left = Math.min(290, 12 + longest * 5.3);
  const rowH = 16;
  const width = Math.max(o.width ?? 460, left + 200);
  const f: Frame = { width, height: 22 + 8 + o.rows.length * rowH + 34, left, right: 14, top: 28, bottom: 34 };
  const ends = o.rows.flatMap((r) => [...(r.interval ?? []), ...(finite(r.estimate) ? [r.estimate] : [])]).filter(finite);
  const m = Math.max(1e-3, ...ends.map(Math.abs)) * 1.1;
  const [d0, d1] = o.xDomain ?? [-m, m];
  const x = linearScale(d0, d1, f.left, f.width - f.right);
  const y0 = f.top, y1 = f.height - f.bottom;
  const parts: string[] = [svgOpen(o.kind ?? 'forest', f, o.title), chartTitle(o.title, { ...f, left: 4 })];
  for (const t of niceTicks(d0, d1, 5).filter((t) => t >= d0 - 1e-12 && t <= d1 + 1e-12)) {
    const xx = r2(x(t));
    parts.push(`<line x1="${xx}" y1="${y0}" x2="${xx}" y2="${y1}" class="grid"/><text x="${xx}" y="${y1 + 13}" class="tk" text-anchor="middle">${esc(tickLabel(t))}</text>`);
  }
  parts.push(`<line x1="${r2(x(0))}" y1="${y0 - 4}" x2="${r2(x(0))}" y2="${y1}" class="ax zero"/>`);
  parts.push(`<line x1="${f.left}" y1="${y1}" x2="${f.width - f.right}" y2="${y1}" class="ax"/>`);
  parts.push(`<text x="${r2((f.left + f.width - f.right) / 2)}" y="${y1 + 27}" class="al" text-anchor="middle">${esc(o.xLabel)}</text>`);
  o.rows.forEach((r, i) => {
    const yy = r2(y0 + 8 + i * rowH + rowH / 2 - 4);
    const label = r.label.length > 48 ? r.label.slice(0, 47) + '…' : r.label;
    parts.push(`<text x="${r2(f.left - 6)}" y="${r2(yy + 3)}" class="tk" text-anchor="end">${esc(label)}</text>`);
    if (r.interval) {
      const a = Math.max(d0, r.interval[0]), b = Math.min(d1, r.interval[1]);
      parts.push(`<line x1="${r2(x(a))}" y1="${yy}" x2="${r2(x(b))}" y2="${yy}" stroke="${r.color}" stroke-width="2"/>`);
      parts.push(`<path d="M${r2(x(a))} ${yy - 3}v6M${r2(x(b))} ${yy - 3}v6" stroke="${r.color}" stroke-width="1.2"/>`);
    }
    if (finite(r.estimate)) {
      const tip = `${r.label}: ${r.estimate.toFixed(3)}${r.interval ? ` [${r.interval[0].toFixed(3)}, ${r.interval[1].toFixed(3)}]` : ''}${r.real ? ' (interval excludes 0)' : ''}`;
      if (r.real) parts.push(marker(r.marker ?? 'circle', x(r.estimate), yy, 3.6, r.color, tip));
      else parts.push(`<circle cx="${r2(x(r.estimate))}" cy="${yy}" r="3.2" fill="#fff" stroke="${r.color}" stroke-width="1.6" class="hollow"><title>${esc(tip)}</title></circle>`);
    }
  });
  parts.push('</svg>');
  return parts.join('');
}

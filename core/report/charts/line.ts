/** Line chart with optional ±sd bands (robustness curves, training curves, reliability diagrams). */
import { axes, chartTitle, colorAt, esc, extent, type Frame, legend, legendRows, linearScale, marker, type MarkerShape, niceTicks, r2, svgOpen, widthForTitle } from './svg';

export interface LineSeries {
  label: string;
  x: number[];
  y: (number | null)[];
  /** Half-width of the band around y (e.g. one sd). */
  band?: (number | null)[];
  color?: string;
  dashed?: boolean;
  /** A stroke-dasharray for the line (overrides `dashed`). */
  dash?: string;
  /** Marker shape of the points (default a circle). */
  marker?: MarkerShape;
  /** Draw point markers (default true when ≤ 20 points). */
  markers?: boolean;
}

export interface LineChartOptions {
  kind?: string;
  title: string;
  xLabel?: string;
  yLabel?: string;
  series: LineSeries[];
  yDomain?: [number, number];
  xDomain?: [number, number];
  width?: number;
  height?: number;
  /** A reference diagonal y = x (reliability diagram). */
  diagonal?: boolean;
  /** Labelled vertical lines (e.g. the selected epoch of a training curve). */
  marks?: { x: number; label: string }[];
  /** Draw the legend under the chart (default true; small multiples share one legend outside). */
  legend?: boolean;
  /** Opacity of the ± bands (default 0.16; lower when many bands overlap). */
  bandOpacity?: number;
}

/** A dashed vertical line at x with its label at the top, on the side with room. */
function verticalMark(xv: number, label: string, x: (v: number) => number, f: Frame): string {
  const xx = r2(x(xv));
  const right = xx + 4 + label.length * 5 < f.width - f.right;
  return `<g class="mark"><line x1="${xx}" y1="${f.top}" x2="${xx}" y2="${f.height - f.bottom}" stroke="#555" stroke-width="1" stroke-dasharray="3 3"/>`
    + `<text x="${r2(right ? xx + 3 : xx - 3)}" y="${f.top + 9}" class="vl" text-anchor="${right ? 'start' : 'end'}" stroke="#fff" stroke-width="3" paint-order="stroke">${esc(label)}</text></g>`;
}

export function lineChart(o: LineChartOptions): string {
  const width = widthForTitle(o.width ?? 340, o.title);
  const nLegend = o.legend === false ? 0 : legendRows(o.series, { width, height: 0, left: 44, right: 10, top: 0, bottom: 0 });
  const f: Frame = { width, height: (o.height ?? 210) + nLegend * 14, left: 44, right: 10, top: 22, bottom: 36 + nLegend * 14 };
  const xs = o.series.flatMap((s) => s.x);
  const ys = o.series.flatMap((s) => s.y.flatMap((v, i) => (v === null ? [] : [v - (s.band?.[i] ?? 0), v + (s.band?.[i] ?? 0)])));
  const [xd0, xd1] = o.xDomain ?? extent(xs, [], 0);
  const [yd0, yd1] = o.yDomain ?? extent(ys);
  const x = linearScale(xd0, xd1, f.left, f.width - f.right);
  const y = linearScale(yd0, yd1, f.height - f.bottom, f.top);
  const clampY = (v: number) => y(Math.min(yd1, Math.max(yd0, v)));
  const parts: string[] = [svgOpen(o.kind ?? 'line', f, o.title), chartTitle(o.title, f)];
  parts.push(axes(f, y, niceTicks(yd0, yd1, 5).filter((t) => t >= yd0 - 1e-9 && t <= yd1 + 1e-9), { x, xTicks: niceTicks(xd0, xd1, 5).filter((t) => t >= xd0 - 1e-9 && t <= xd1 + 1e-9), xLabel: o.xLabel, yLabel: o.yLabel }));
  if (o.diagonal) parts.push(`<line x1="${r2(x(xd0))}" y1="${r2(y(xd0))}" x2="${r2(x(xd1))}" y2="${r2(y(xd1))}" class="diag"/>`);
  o.series.forEach((s, si) => {
    const color = s.color ?? colorAt(si);
    const pts = s.x.map((xv, i) => ({ xv, yv: s.y[i], b: s.band?.[i] ?? 0 })).filter((p) => typeof p.yv === 'number' && Number.isFinite(p.yv));
    if (s.band && pts.some((p) => (p.b ?? 0) > 0)) {
      const up = pts.map((p) => `${r2(x(p.xv))},${r2(clampY(p.yv! + (p.b ?? 0)))}`);
      const dn = pts.slice().reverse().map((p) => `${r2(x(p.xv))},${r2(clampY(p.yv! - (p.b ?? 0)))}`);
      parts.push(`<polygon points="${[...up, ...dn].join(' ')}" fill="${color}" fill-opacity="${o.bandOpacity ?? 0.16}" stroke="none" class="band"/>`);
    }
    const dash = s.dash ?? (s.dashed ? '5 3' : undefined);
    if (pts.length > 1) parts.push(`<polyline points="${pts.map((p) => `${r2(x(p.xv))},${r2(clampY(p.yv!))}`).join(' ')}" fill="none" stroke="${color}" stroke-width="1.8"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    const tip = (p: (typeof pts)[number]) => `${s.label}: ${p.xv} → ${p.yv!.toFixed(3)}${p.b ? ` ± ${p.b.toFixed(3)}` : ''}`;
    if (s.markers ?? pts.length <= 20) {
      for (const p of pts) {
        parts.push(s.marker ? marker(s.marker, x(p.xv), clampY(p.yv!), 2.6, color, tip(p))
          : `<circle cx="${r2(x(p.xv))}" cy="${r2(clampY(p.yv!))}" r="2.4" fill="${color}"><title>${esc(tip(p))}</title></circle>`);
      }
    }
  });
  // Marks last, so their labels stay legible above the curves.
  for (const mk of o.marks ?? []) if (mk.x >= xd0 && mk.x <= xd1) parts.push(verticalMark(mk.x, mk.label, x, f));
  if (o.legend !== false) parts.push(legend(o.series.map((s, i) => ({ label: s.label, color: s.color ?? colorAt(i), dashed: s.dashed, dash: s.dash, marker: s.marker })), f, f.height - f.bottom + 40));
  parts.push('</svg>');
  return parts.join('');
}

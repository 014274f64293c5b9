/**
 * A two-metric chart: each path is a sequence of points (x, y) with ± sd crosses, joined in order,
 * each point with its own colour, marker and a short label. The radius frontier (METHOD.md §5)
 * draws nominal accuracy (x) against a robustness measure (y), one path per method, the points
 * ordered by training radius from ERM (B = 0).
 */
import { axes, chartTitle, esc, extent, type Frame, legend, type LegendItem, legendRows, linearScale, marker, type MarkerShape, niceTicks, r2, svgOpen, widthForTitle } from './svg';

export interface XYPoint {
  x: number | null;
  y: number | null;
  /** Half-widths of the cross (e.g. one sd over seeds); null or 0 = none. */
  sdX?: number | null;
  sdY?: number | null;
  color: string;
  marker?: MarkerShape;
  /** A short label drawn beside the point ("B = 0", "ρ = 0.2"). */
  label?: string;
  /** Tooltip. */
  title?: string;
}

export interface XYPath {
  label: string;
  points: XYPoint[];
  /** Colour of the joining line (default a neutral grey: the points carry the colours). */
  color?: string;
  dash?: string;
}

export interface XYChartOptions {
  kind?: string;
  title: string;
  xLabel: string;
  yLabel: string;
  paths: XYPath[];
  xDomain?: [number, number];
  yDomain?: [number, number];
  width?: number;
  height?: number;
  /** Legend items under the chart (default: one per path, its line style). */
  legend?: LegendItem[] | false;
}

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

export function xyChart(o: XYChartOptions): string {
  const width = widthForTitle(o.width ?? 340, o.title);
  const items: LegendItem[] = o.legend === false ? [] : o.legend ?? o.paths.map((p) => ({ label: p.label, color: p.color ?? '#8a8f98', dash: p.dash }));
  const nLegend = items.length ? legendRows(items, { width, height: 0, left: 44, right: 10, top: 0, bottom: 0 }) : 0;
  const f: Frame = { width, height: (o.height ?? 230) + nLegend * 14, left: 44, right: 12, top: 22, bottom: 36 + nLegend * 14 };
  const pts = o.paths.flatMap((p) => p.points).filter((p) => finite(p.x) && finite(p.y));
  const xs = pts.flatMap((p) => [p.x! - (p.sdX ?? 0), p.x! + (p.sdX ?? 0)]);
  const ys = pts.flatMap((p) => [p.y! - (p.sdY ?? 0), p.y! + (p.sdY ?? 0)]);
  const [xd0, xd1] = o.xDomain ?? extent(xs, [], 0.08);
  const [yd0, yd1] = o.yDomain ?? extent(ys, [], 0.08);
  const x = linearScale(xd0, xd1, f.left, f.width - f.right);
  const y = linearScale(yd0, yd1, f.height - f.bottom, f.top);
  const inX = (t: number) => t >= xd0 - 1e-9 && t <= xd1 + 1e-9;
  const inY = (t: number) => t >= yd0 - 1e-9 && t <= yd1 + 1e-9;
  const parts: string[] = [svgOpen(o.kind ?? 'xy', f, o.title), chartTitle(o.title, f)];
  parts.push(axes(f, y, niceTicks(yd0, yd1, 5).filter(inY), { x, xTicks: niceTicks(xd0, xd1, 4).filter(inX), xLabel: o.xLabel, yLabel: o.yLabel }));
  for (const p of o.paths) {
    const ok = p.points.filter((q) => finite(q.x) && finite(q.y));
    if (ok.length > 1) {
      parts.push(`<polyline points="${ok.map((q) => `${r2(x(q.x!))},${r2(y(q.y!))}`).join(' ')}" fill="none" stroke="${p.color ?? '#8a8f98'}" stroke-width="1.4"${p.dash ? ` stroke-dasharray="${p.dash}"` : ''} class="path"/>`);
    }
  }
  for (const p of o.paths) {
    for (const q of p.points) {
      if (!finite(q.x) || !finite(q.y)) continue;
      const cx = x(q.x), cy = y(q.y);
      if (finite(q.sdX) && q.sdX > 0) parts.push(`<line x1="${r2(x(q.x - q.sdX))}" y1="${r2(cy)}" x2="${r2(x(q.x + q.sdX))}" y2="${r2(cy)}" stroke="${q.color}" stroke-width="1.2" stroke-opacity="0.55" class="sd"/>`);
      if (finite(q.sdY) && q.sdY > 0) parts.push(`<line x1="${r2(cx)}" y1="${r2(y(q.y - q.sdY))}" x2="${r2(cx)}" y2="${r2(y(q.y + q.sdY))}" stroke="${q.color}" stroke-width="1.2" stroke-opacity="0.55" class="sd"/>`);
      parts.push(marker(q.marker ?? 'circle', cx, cy, 3.4, q.color, q.title));
      if (q.label) {
        const right = cx + 6 + q.label.length * 4.8 < f.width - f.right;
        parts.push(`<text x="${r2(right ? cx + 6 : cx - 6)}" y="${r2(cy - 5)}" class="vl" text-anchor="${right ? 'start' : 'end'}">${esc(q.label)}</text>`);
      }
    }
  }
  if (items.length) parts.push(legend(items, f, f.height - f.bottom + 40));
  parts.push('</svg>');
  return parts.join('');
}

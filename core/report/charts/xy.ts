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

interface Box { x0: number; x1: number; y0: number; y1: number }
const overlap = (a: Box, b: Box) => Math.max(0, Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0)) * Math.max(0, Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0));

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
  const drawn = o.paths.flatMap((p) => p.points).filter((q) => finite(q.x) && finite(q.y));
  // Crosses first, markers over them, labels last (placed where they overlap no other label or marker).
  for (const q of drawn) {
    const cx = x(q.x!), cy = y(q.y!);
    if (finite(q.sdX) && q.sdX > 0) parts.push(`<line x1="${r2(x(q.x! - q.sdX))}" y1="${r2(cy)}" x2="${r2(x(q.x! + q.sdX))}" y2="${r2(cy)}" stroke="${q.color}" stroke-width="1" stroke-opacity="0.4" class="sd"/>`);
    if (finite(q.sdY) && q.sdY > 0) parts.push(`<line x1="${r2(cx)}" y1="${r2(y(q.y! - q.sdY))}" x2="${r2(cx)}" y2="${r2(y(q.y! + q.sdY))}" stroke="${q.color}" stroke-width="1" stroke-opacity="0.4" class="sd"/>`);
  }
  for (const q of drawn) parts.push(marker(q.marker ?? 'circle', x(q.x!), y(q.y!), 3.4, q.color, q.title));
  const boxes: Box[] = drawn.map((q) => ({ x0: x(q.x!) - 4, x1: x(q.x!) + 4, y0: y(q.y!) - 4, y1: y(q.y!) + 4 }));
  for (const q of drawn) {
    if (!q.label) continue;
    const cx = x(q.x!), cy = y(q.y!), w = q.label.length * 4.9 + 2, h = 10;
    const candidates = [[6, -4], [6, 10], [-6 - w, -4], [-6 - w, 10], [-w / 2, -8], [-w / 2, 16], [8, 3], [-8 - w, 3]];
    let best: { box: Box; score: number } | undefined;
    for (const [dx, dy] of candidates) {
      const box = { x0: cx + dx, x1: cx + dx + w, y0: cy + dy - h + 2, y1: cy + dy + 2 };
      const outside = box.x0 < f.left || box.x1 > f.width - f.right || box.y0 < f.top - 2 || box.y1 > f.height - f.bottom;
      const score = boxes.reduce((s, b) => s + overlap(box, b), 0) + (outside ? 1e4 : 0);
      if (!best || score < best.score) best = { box, score };
      if (score === 0) break;
    }
    boxes.push(best!.box);
    parts.push(`<text x="${r2(best!.box.x0)}" y="${r2(best!.box.y1 - 2)}" class="vl">${esc(q.label)}</text>`);
  }
  if (items.length) parts.push(legend(items, f, f.height - f.bottom + 40));
  parts.push('</svg>');
  return parts.join('');
}

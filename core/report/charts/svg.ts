/**
 * SVG building blocks for the report charts: escaping, number formatting, linear scales, "nice"
 * ticks, a colour-blind-safe palette (Okabe–Ito). Every chart is a pure function returning an SVG
 * string with no external reference (no fonts, no images, no URLs) so the HTML stays self-contained.
 */

/** Escape text for HTML/SVG content and attribute values. */
export function esc(s: unknown): string {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#7f7f7f', '#000000', '#F0E442'];
export const colorAt = (i: number) => PALETTE[i % PALETTE.length];

export function fmt(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) return v.toExponential(2);
  return v.toFixed(digits);
}

/** Round a number for SVG coordinates (keeps the markup small and stable). */
export const r2 = (v: number) => Math.round(v * 100) / 100;

export function linearScale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0 || 1;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi === lo) { hi = lo + 1; }
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
  return out;
}

export function tickLabel(v: number): string {
  const s = Math.abs(v) < 1e-12 ? '0' : Number(v.toPrecision(4)).toString();
  return s;
}

/** Domain [lo, hi] of finite values, padded; `include` forces values in (e.g. 0). */
export function extent(values: (number | null | undefined)[], include: number[] = [], pad = 0.05): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const v of [...values, ...include]) if (typeof v === 'number' && Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (!Number.isFinite(lo)) return [0, 1];
  if (lo === hi) { lo -= 0.5; hi += 0.5; }
  const p = (hi - lo) * pad;
  return [include.includes(lo) ? lo : lo - p, hi + p];
}

export interface Frame { width: number; height: number; left: number; right: number; top: number; bottom: number }

export function svgOpen(kind: string, f: Frame, title: string): string {
  return `<svg class="chart" data-chart="${esc(kind)}" viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" role="img" aria-label="${esc(title)}"><title>${esc(title)}</title>`;
}

/** Title text at the top-left of a chart. */
export function chartTitle(title: string, f: Frame): string {
  return title ? `<text x="${f.left}" y="14" class="ct">${esc(title)}</text>` : '';
}

/** Point marker shapes: the second cue (after colour) that tells series apart beyond eight colours. */
export type MarkerShape = 'circle' | 'square' | 'triangle' | 'diamond';

/** A marker of `shape` centred at (cx, cy) with "radius" r, filled with `color`. */
export function marker(shape: MarkerShape, cx: number, cy: number, r: number, color: string, title?: string): string {
  const t = title ? `<title>${esc(title)}</title>` : '';
  const close = t ? `>${t}</` : '/>';
  const end = (tag: string) => (t ? `${close}${tag}>` : close);
  switch (shape) {
    case 'square': return `<rect x="${r2(cx - r * 0.9)}" y="${r2(cy - r * 0.9)}" width="${r2(r * 1.8)}" height="${r2(r * 1.8)}" fill="${color}"${end('rect')}`;
    case 'triangle': return `<path d="M${r2(cx)} ${r2(cy - r * 1.15)}L${r2(cx + r * 1.1)} ${r2(cy + r * 0.8)}H${r2(cx - r * 1.1)}Z" fill="${color}"${end('path')}`;
    case 'diamond': return `<path d="M${r2(cx)} ${r2(cy - r * 1.25)}L${r2(cx + r * 1.05)} ${r2(cy)}L${r2(cx)} ${r2(cy + r * 1.25)}L${r2(cx - r * 1.05)} ${r2(cy)}Z" fill="${color}"${end('path')}`;
    default: return `<circle cx="${r2(cx)}" cy="${r2(cy)}" r="${r2(r)}" fill="${color}"${end('circle')}`;
  }
}

export interface LegendItem {
  label: string;
  color: string;
  dashed?: boolean;
  /** A stroke-dasharray (overrides `dashed`). */
  dash?: string;
  /** A marker drawn on the legend line. */
  marker?: MarkerShape;
}

/** Horizontal legend under the plotting area, wrapping. */
export function legend(items: LegendItem[], f: Frame, y: number): string {
  let x = f.left, row = 0;
  const parts: string[] = [];
  for (const it of items) {
    const w = 22 + Math.min(44, it.label.length) * 5.6 + 10;
    if (x + w > f.width - 4 && x > f.left) { x = f.left; row++; }
    const yy = y + row * 14;
    const dash = it.dash ?? (it.dashed ? '4 3' : undefined);
    parts.push(`<line x1="${r2(x)}" y1="${yy - 4}" x2="${r2(x + 16)}" y2="${yy - 4}" stroke="${it.color}" stroke-width="${it.marker ? 2 : 3}"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    if (it.marker) parts.push(marker(it.marker, x + 8, yy - 4, 3, it.color));
    parts.push(`<text x="${r2(x + 20)}" y="${yy}" class="lg">${esc(it.label.length > 44 ? it.label.slice(0, 43) + '…' : it.label)}</text>`);
    x += w;
  }
  return parts.join('');
}

export function legendRows(items: { label: string }[], f: Frame): number {
  let x = f.left, rows = items.length ? 1 : 0;
  for (const it of items) { const w = 22 + Math.min(44, it.label.length) * 5.6 + 10; if (x + w > f.width - 4 && x > f.left) { x = f.left; rows++; } x += w; }
  return rows;
}

/** Axes with ticks and grid for a numeric y and (optionally numeric) x. */
export function axes(f: Frame, y: (v: number) => number, yTicks: number[], opts: { x?: (v: number) => number; xTicks?: number[]; xLabel?: string; yLabel?: string }): string {
  const parts: string[] = [];
  const x0 = f.left, x1 = f.width - f.right, y0 = f.height - f.bottom, y1 = f.top;
  for (const t of yTicks) {
    const yy = r2(y(t));
    parts.push(`<line x1="${x0}" y1="${yy}" x2="${x1}" y2="${yy}" class="grid"/><text x="${x0 - 4}" y="${yy + 3}" class="tk" text-anchor="end">${esc(tickLabel(t))}</text>`);
  }
  if (opts.x && opts.xTicks) for (const t of opts.xTicks) {
    const xx = r2(opts.x(t));
    parts.push(`<line x1="${xx}" y1="${y0}" x2="${xx}" y2="${y0 + 4}" class="ax"/><text x="${xx}" y="${y0 + 14}" class="tk" text-anchor="middle">${esc(tickLabel(t))}</text>`);
  }
  parts.push(`<line x1="${x0}" y1="${y0}" x2="${x1}" y2="${y0}" class="ax"/><line x1="${x0}" y1="${y0}" x2="${x0}" y2="${y1}" class="ax"/>`);
  if (opts.xLabel) parts.push(`<text x="${r2((x0 + x1) / 2)}" y="${y0 + 27}" class="al" text-anchor="middle">${esc(opts.xLabel)}</text>`);
  if (opts.yLabel) parts.push(`<text x="12" y="${r2((y0 + y1) / 2)}" class="al" text-anchor="middle" transform="rotate(-90 12 ${r2((y0 + y1) / 2)})">${esc(opts.yLabel)}</text>`);
  return parts.join('');
}

/** Width wide enough for the chart title (11.5px bold ≈ 6.6px per character). */
export function widthForTitle(width: number, title: string, left = 44): number {
  return Math.max(width, Math.ceil(left + title.length * 7.2 + 10));
}

/** Grouped bar chart with optional interval whiskers (per-group accuracy, bound panel, encoder terms). */
import { axes, chartTitle, colorAt, esc, extent, type Frame, legend, legendRows, linearScale, niceTicks, r2, svgOpen, widthForTitle } from './svg';

export interface BarSeries {
  label: string;
  values: (number | null)[];
  /** Optional [lo, hi] per category (whiskers). */
  intervals?: ([number, number] | null)[];
  color?: string;
}

export interface BarChartOptions {
  kind?: string;
  title: string;
  categories: string[];
  series: BarSeries[];
  yLabel?: string;
  yDomain?: [number, number];
  width?: number;
  height?: number;
  /** Print values above bars. */
  valueLabels?: boolean;
}

export function barChart(o: BarChartOptions): string {
  const width = widthForTitle(o.width ?? Math.max(340, Math.min(700, 90 + o.categories.length * (18 + 16 * o.series.length))), o.title);
  const nLegend = o.series.length > 1 ? legendRows(o.series, { width, height: 0, left: 44, right: 10, top: 0, bottom: 0 }) : 0;
  const all = o.series.flatMap((s) => [...s.values, ...(s.intervals ?? []).flatMap((iv) => (iv ? iv : []))]);
  const offScale = o.yDomain !== undefined && all.some((v) => typeof v === 'number' && v > o.yDomain![1]);
  const f: Frame = { width, height: (o.height ?? 220) + nLegend * 14, left: 44, right: 10, top: offScale ? 36 : 22, bottom: 40 + nLegend * 14 };
  const [d0, d1] = o.yDomain ?? extent(all, [0]);
  const y = linearScale(d0, d1, f.height - f.bottom, f.top);
  const plotW = f.width - f.left - f.right;
  const band = plotW / Math.max(1, o.categories.length);
  const barW = Math.max(3, Math.min(26, (band * 0.8) / Math.max(1, o.series.length)));
  const parts: string[] = [svgOpen(o.kind ?? 'bar', f, o.title), chartTitle(o.title, f)];
  parts.push(axes(f, y, niceTicks(d0, d1, 5).filter((t) => t >= d0 - 1e-9 && t <= d1 + 1e-9), { yLabel: o.yLabel }));
  o.categories.forEach((cat, ci) => {
    const cx = f.left + band * ci + band / 2;
    const x0 = cx - (barW * o.series.length) / 2;
    o.series.forEach((s, si) => {
      const v = s.values[ci];
      const color = s.color ?? colorAt(si);
      const bx = x0 + si * barW;
      if (typeof v === 'number' && Number.isFinite(v)) {
        const yv = y(Math.max(d0, Math.min(d1, v))), yz = y(Math.max(d0, Math.min(d1, 0)));
        parts.push(`<rect x="${r2(bx)}" y="${r2(Math.min(yv, yz))}" width="${r2(barW - 1)}" height="${r2(Math.abs(yz - yv))}" fill="${color}"><title>${esc(`${s.label} · ${cat}: ${v.toFixed(3)}`)}</title></rect>`);
        if (v > d1) {
          // Off the scale (yDomain chosen for the other bars): a break mark and the value on top.
          const yb = r2(f.top + 8);
          parts.push(`<path d="M${r2(bx - 1)} ${yb}l${r2(barW / 2)} -4l${r2(barW / 2)} 4" stroke="#fff" stroke-width="2" fill="none"/>`);
          parts.push(`<text x="${r2(bx + barW / 2)}" y="${r2(f.top - 3)}" class="vl" text-anchor="middle">${esc(v.toFixed(2))} ↑</text>`);
        } else if (o.valueLabels) parts.push(`<text x="${r2(bx + barW / 2)}" y="${r2(Math.min(yv, yz) - 3)}" class="vl" text-anchor="middle">${esc(v.toFixed(2))}</text>`);
      }
      const iv = s.intervals?.[ci];
      if (iv) {
        const xm = r2(bx + barW / 2 - 0.5);
        parts.push(`<path d="M${xm} ${r2(y(iv[0]))}V${r2(y(iv[1]))}M${xm - 3} ${r2(y(iv[0]))}h6M${xm - 3} ${r2(y(iv[1]))}h6" stroke="#222" stroke-width="1" fill="none"/>`);
      }
    });
    const maxChars = Math.max(4, Math.min(24, Math.floor(band / 5.6)));
    const label = cat.length > maxChars ? cat.slice(0, maxChars - 1) + '…' : cat;
    parts.push(`<text x="${r2(cx)}" y="${f.height - f.bottom + 14}" class="tk" text-anchor="middle">${esc(label)}</text>`);
  });
  if (o.series.length > 1) parts.push(legend(o.series.map((s, i) => ({ label: s.label, color: s.color ?? colorAt(i) })), f, f.height - f.bottom + 32));
  parts.push('</svg>');
  return parts.join('');
}

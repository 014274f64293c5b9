/** Matrix heatmap with value labels (γ matrix: diverging on [−1, 1]; confusion matrix: sequential counts). */
import { chartTitle, esc, type Frame, r2, svgOpen } from './svg';

export interface HeatmapOptions {
  kind?: string;
  title: string;
  rowLabels: string[];
  colLabels: string[];
  values: (number | null)[][];
  /** 'diverging' maps [−max, max] blue–white–red; 'sequential' maps [0, max] white–blue. */
  scale: 'diverging' | 'sequential';
  max?: number;
  rowTitle?: string;
  colTitle?: string;
  digits?: number;
  cell?: number;
}

const lerp = (a: number, b: number, t: number) => Math.round(a + (b - a) * t);
function mix(c0: [number, number, number], c1: [number, number, number], t: number): string {
  return `rgb(${lerp(c0[0], c1[0], t)},${lerp(c0[1], c1[1], t)},${lerp(c0[2], c1[2], t)})`;
}
const WHITE: [number, number, number] = [255, 255, 255];
const BLUE: [number, number, number] = [33, 102, 172];
const RED: [number, number, number] = [178, 24, 43];

export function heatColor(v: number, scale: 'diverging' | 'sequential', max: number): { fill: string; dark: boolean } {
  if (!Number.isFinite(v)) return { fill: '#eee', dark: false };
  const t = Math.min(1, Math.abs(v) / (max || 1));
  if (scale === 'sequential') return { fill: mix(WHITE, BLUE, t), dark: t > 0.55 };
  return { fill: mix(WHITE, v < 0 ? BLUE : RED, t), dark: t > 0.55 };
}

export function heatmap(o: HeatmapOptions): string {
  const nR = o.rowLabels.length, nC = o.colLabels.length;
  const longest = Math.max(4, ...o.rowLabels.map((s) => Math.min(18, s.length)));
  const cell = o.cell ?? Math.max(22, Math.min(48, Math.floor(300 / Math.max(nR, nC))));
  const colLong = Math.max(...o.colLabels.map((s) => Math.min(18, s.length)));
  const rotate = colLong * 6 > cell;
  const left = 16 + longest * 6.2 + (o.rowTitle ? 14 : 0);
  const top = 22 + (rotate ? colLong * 5.2 + 6 : 16) + (o.colTitle ? 14 : 0);
  const f: Frame = { width: Math.max(220, r2(left + nC * cell + 10), Math.ceil(12 + o.title.length * 7.2)), height: r2(top + nR * cell + 10), left, right: 10, top, bottom: 10 };
  const max = o.max ?? Math.max(1e-12, ...o.values.flat().filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).map(Math.abs));
  const digits = o.digits ?? 2;
  const parts: string[] = [svgOpen(o.kind ?? 'heatmap', f, o.title), chartTitle(o.title, { ...f, left: 4 })];
  if (o.colTitle) parts.push(`<text x="${r2(left + (nC * cell) / 2)}" y="34" class="al" text-anchor="middle">${esc(o.colTitle)}</text>`);
  if (o.rowTitle) parts.push(`<text x="10" y="${r2(top + (nR * cell) / 2)}" class="al" text-anchor="middle" transform="rotate(-90 10 ${r2(top + (nR * cell) / 2)})">${esc(o.rowTitle)}</text>`);
  o.colLabels.forEach((c, j) => {
    const x = r2(left + j * cell + cell / 2), lab = esc(c.length > 18 ? c.slice(0, 17) + '…' : c);
    parts.push(rotate
      ? `<text x="${x}" y="${top - 4}" class="tk" transform="rotate(-45 ${x} ${top - 4})">${lab}</text>`
      : `<text x="${x}" y="${top - 5}" class="tk" text-anchor="middle">${lab}</text>`);
  });
  o.rowLabels.forEach((rl, i) => {
    parts.push(`<text x="${r2(left - 4)}" y="${r2(top + i * cell + cell / 2 + 3)}" class="tk" text-anchor="end">${esc(rl.length > 18 ? rl.slice(0, 17) + '…' : rl)}</text>`);
    o.colLabels.forEach((_, j) => {
      const v = o.values[i]?.[j];
      const num = typeof v === 'number' ? v : NaN;
      const { fill, dark } = heatColor(num, o.scale, max);
      const x = r2(left + j * cell), y = r2(top + i * cell);
      parts.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${fill}" stroke="#fff"><title>${esc(`${rl} · ${o.colLabels[j]}: ${Number.isFinite(num) ? num : 'n/a'}`)}</title></rect>`);
      if (cell >= 20) parts.push(`<text x="${r2(x + cell / 2)}" y="${r2(y + cell / 2 + 3)}" class="hv" text-anchor="middle" fill="${dark ? '#fff' : '#222'}">${Number.isFinite(num) ? esc(Number.isInteger(num) ? String(num) : num.toFixed(digits)) : '–'}</text>`);
    });
  });
  parts.push('</svg>');
  return parts.join('');
}

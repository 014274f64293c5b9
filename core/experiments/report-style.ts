/**
 * How the experiment report draws each configuration: one colour, line dash and marker per
 * configuration, the same in every chart and table. The first eight get the eight colours of the
 * report palette (Okabe–Ito, colour-blind safe) with solid lines and round markers; beyond eight no
 * colour is ever used twice: the next configurations get darker, then lighter, shades — told apart
 * from the first eight by a dash pattern and a marker shape as well, not by a shade alone.
 */
import { PALETTE } from '../report/charts/svg';
import type { MarkerShape } from '../report/charts/svg';

export const MARKERS: readonly MarkerShape[] = ['circle', 'square', 'triangle', 'diamond'];
/** The dash of each tier of eight (null = solid). */
export const DASHES: readonly (string | null)[] = [null, '6 3', '2 2', '8 3 2 3'];
/** Lines drawn in one chart at most; more configurations are split over several charts. */
export const MAX_LINES_PER_CHART = 8;

/** Tier 1: the report palette; tiers 2 and 3: darker and lighter shades of the same hues (distinct colours). */
const TIERS: readonly (readonly string[])[] = [
  PALETTE.slice(0, 8),
  ['#00466E', '#8A3C00', '#005C43', '#8C4A73', '#946600', '#2A7DB0', '#474747', '#5C3D2E'],
  ['#66AADD', '#F2A272', '#5FC9AA', '#E5B3D0', '#F5C85C', '#A6D7F5', '#B0B0B0', '#C9B800'],
];

export interface ConfigurationStyle {
  configuration: string;
  color: string;
  /** stroke-dasharray; null = solid. */
  dash: string | null;
  marker: MarkerShape;
}

const hex = (v: number) => Math.round(Math.max(0, Math.min(255, v))).toString(16).padStart(2, '0');
function hsl(h: number, s: number, l: number): string {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => { const k = (n + h / 30) % 12; return l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1)); };
  return `#${hex(f(0) * 255)}${hex(f(8) * 255)}${hex(f(4) * 255)}`.toUpperCase();
}

/** The style of the i-th configuration (0-based); `used` holds the colours already given, so none repeats. */
function styleAt(i: number, used: Set<string>): Omit<ConfigurationStyle, 'configuration'> {
  const tier = Math.floor(i / MAX_LINES_PER_CHART);
  let color = TIERS[tier]?.[i % MAX_LINES_PER_CHART];
  // Beyond the three tiers: hues around the wheel (golden angle), nudged until unused.
  for (let k = 0; !color || used.has(color.toUpperCase()); k++) color = hsl((i * 137.508 + k * 7) % 360, 0.55, 0.32 + ((i + k) % 4) * 0.1);
  used.add(color.toUpperCase());
  return { color, dash: DASHES[tier % DASHES.length], marker: MARKERS[tier % MARKERS.length] };
}

/** One style per configuration, in the order given (the report's configuration order). */
export function configurationStyles(labels: readonly string[]): ConfigurationStyle[] {
  const used = new Set<string>();
  return labels.map((configuration, i) => ({ configuration, ...styleAt(i, used) }));
}

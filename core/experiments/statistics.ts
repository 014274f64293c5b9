/**
 * A metric over seeds (METHOD.md §5 "Seeds and experiments"): mean ± sample sd with the 95%
 * Student-t interval of the mean, mean ± t_{0.975, n−1} · sd / √n. Seeds are few (3–10), so the
 * normal quantile would understate the interval badly (1.96 against 4.30 at n = 3).
 */
import { mean, std, studentTQuantile } from '../stats';
import type { MetricSummary } from './schema';

export const CONFIDENCE_LEVEL = 0.95;

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** Mean, sd and t-interval of the finite values; `values` are kept as given (null where undefined). */
export function summarize(values: readonly (number | null | undefined)[], level = CONFIDENCE_LEVEL): MetricSummary {
  const x = values.filter(finite);
  const n = x.length;
  const m = n > 0 ? mean(x) : null;
  const sd = n > 1 ? std(x, 1) : null;
  let ci: [number, number] | null = null;
  if (m !== null && sd !== null) {
    const half = studentTQuantile(1 - (1 - level) / 2, n - 1) * sd / Math.sqrt(n);
    ci = [m - half, m + half];
  }
  return { n, mean: m, sd, ci, values: values.map((v) => (finite(v) ? v : null)) };
}

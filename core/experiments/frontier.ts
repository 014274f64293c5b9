/**
 * The radius frontier (METHOD.md §5): for χ²-DRO and modality-aware DRO trained over a grid of
 * training radii, nominal accuracy against each robustness measure — robust accuracy at B_eval,
 * mean accuracy under stress, worst-group accuracy — with ERM as the B = 0 point. It answers, on
 * the user's data: at equal total radius, does splitting it by modality buy robustness?
 *
 * The points are the configurations' aggregates as they are (each metric's mean, sd, t-interval and
 * per-seed values — the seed bands); this module only selects and orders them.
 */
import { ermConfiguration } from './aggregate';
import type { ConfigurationAggregate, ExperimentAggregate, FrontierPoint, FrontierSeries } from './schema';

/** The methods METHOD.md draws on the frontier; pass others (kl, cvar) through `methods`. */
export const FRONTIER_METHODS: readonly string[] = ['chi2', 'mm-dro'];

function point(c: ConfigurationAggregate, radius: number, isErm: boolean): FrontierPoint {
  return {
    configuration: c.label, method: c.method, radius, isErm, trainingB: c.trainingB,
    accuracy: c.metrics.accuracy, robustAccuracy: c.metrics.robustAccuracy, meanStressAccuracy: c.metrics.meanStressAccuracy,
    ...(c.metrics.worstGroupAccuracy ? { worstGroupAccuracy: c.metrics.worstGroupAccuracy } : {}),
  };
}

/**
 * One series per method × fusion × held-out group among the configurations with a training radius,
 * points by radius ascending, led by ERM at radius 0 (ERM at the series' fusion, else ERM-early).
 */
export function radiusFrontier(aggregate: Pick<ExperimentAggregate, 'configurations'>, opts: { methods?: readonly string[] } = {}): FrontierSeries[] {
  const methods = opts.methods ?? FRONTIER_METHODS;
  const configs = aggregate.configurations;
  const series = new Map<string, FrontierSeries>();
  for (const c of configs) {
    if (c.radius === undefined || !methods.includes(c.method)) continue;
    const key = `${c.method}\u0000${c.fusion}\u0000${c.heldOut ?? ''}`;
    let s = series.get(key);
    if (!s) {
      const erm = ermConfiguration(configs, c.fusion, c.heldOut) ?? ermConfiguration(configs, 'early', c.heldOut);
      s = { method: c.method, fusion: c.fusion, ...(c.heldOut !== undefined ? { heldOut: c.heldOut } : {}), erm: erm?.label ?? null, points: erm ? [point(erm, 0, true)] : [] };
      series.set(key, s);
    }
    s.points.push(point(c, c.radius, false));
  }
  for (const s of series.values()) s.points.sort((p, q) => p.radius - q.radius || Number(q.isErm) - Number(p.isErm));
  return [...series.values()];
}

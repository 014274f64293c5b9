/**
 * The label of a configuration within an experiment — its identity there (runs with the same label
 * are seeds of one configuration) and what the report and the UI show:
 * `mm-dro:intermediate ρ=0.2 · held out va`. Kept apart (no dependencies) because the store uses it
 * too, for runs that become one-run experiments.
 */

/** How a radius is written: ρ (chi2, kl, mm-dro), a scale of the given ρ_k (mm-dro with per-modality radii), α (cvar). */
export type RadiusKind = 'rho' | 'rho-scale' | 'alpha';

export interface LabelParts {
  method: string;
  fusion: string | null;
  radius?: number;
  radiusKind?: RadiusKind;
  heldOut?: string;
  /** 2, 3, … when configurations would otherwise share a label (a list of configs differing in other settings). */
  variant?: number;
}

const RADIUS_PREFIX: Record<RadiusKind, string> = { rho: 'ρ=', 'rho-scale': 'ρ×', alpha: 'α=' };

export function configurationLabel(p: LabelParts): string {
  let s = `${p.method}${p.fusion ? `:${p.fusion}` : ''}`;
  if (p.radius !== undefined) s += ` ${RADIUS_PREFIX[p.radiusKind ?? 'rho']}${p.radius}`;
  if (p.heldOut !== undefined) s += ` · held out ${p.heldOut}`;
  if (p.variant !== undefined) s += ` (variant ${p.variant})`;
  return s;
}

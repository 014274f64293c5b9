/**
 * Grid expansion: an experiment's grid → its cells, each a run's TrainConfig and its RunCell.
 *
 * A product grid is methods (each with its fusion) × held-out groups × training radii × seeds over
 * shared settings. Only the grid's dimensions differ between cells: the seed alone fixes the split
 * and the initial draw (core/train/init.ts), so cells of one seed are paired across configurations.
 * Methods without a radius (erm, group-dro, logreg) get one cell per seed and group — the B = 0
 * point. Cells are ordered seed-major, so the runs of seed 0 finish first and can be compared early.
 */
import { DrmmError } from '../errors';
import { canonicalJson } from '../store/store';
import type { RunCell } from '../store/types';
import { FUSIONS, METHODS, parseTrainConfig, type Fusion, type MethodName, type TrainConfig, type TrainConfigInput } from '../train/config';
import { configurationLabel, type LabelParts, type RadiusKind } from './label';
import type { ExperimentGrid, GridMethod, ListGrid, ProductGrid, TrainSettings } from './schema';

/** One cell of a grid: the run to train and where it sits. */
export interface GridCell {
  cell: RunCell;
  config: TrainConfig;
}

/** Methods whose objective has a training radius (or, for cvar, a level) the grid can sweep. */
export const RADIUS_METHODS: readonly MethodName[] = ['chi2', 'kl', 'mm-dro', 'cvar'];
export const hasRadius = (method: string): boolean => (RADIUS_METHODS as readonly string[]).includes(method);

/** The dataset facts a grid needs: its group levels (held-out groups). */
export interface GridContext {
  groupLevels?: string[];
}

const invalid = (message: string, hint: string) => new DrmmError('INVALID_CONFIG', message, { hint });

/**
 * The grid as it is stored: `heldOut: 'all'` becomes the dataset's groups, repeated seeds, methods
 * and radii are dropped, and every named group must exist.
 */
export function resolveGrid<G extends ExperimentGrid>(grid: G, ctx: GridContext): G {
  if (grid.kind === 'list') return grid;
  const seeds = [...new Set(grid.seeds)];
  const radii = grid.radii ? [...new Set(grid.radii)] : undefined;
  const methods = grid.methods.filter((m, i) => grid.methods.findIndex((o) => o.method === m.method && o.fusion === m.fusion) === i);
  let heldOut = grid.heldOut;
  if (heldOut !== undefined) {
    const levels = ctx.groupLevels ?? [];
    if (levels.length === 0) throw invalid('Leave-one-environment-out needs a group column, and this dataset has none.', 'Drop --held-out, or re-import the dataset with a group/environment column.');
    if (heldOut === 'all') heldOut = [...levels];
    const unknown = heldOut.filter((g) => !levels.includes(g));
    if (unknown.length) throw invalid(`No group ${unknown.map((g) => `'${g}'`).join(', ')} in this dataset.`, `Its groups are: ${levels.join(', ')}.`);
    heldOut = [...new Set(heldOut)];
  }
  return { ...grid, seeds, methods, ...(radii ? { radii } : {}), ...(heldOut ? { heldOut } : {}) } as G;
}

/** Every cell of a (resolved) grid, in queue order; cells that turn out identical (logreg ignores fusion) appear once. */
export function expandGrid(grid: ExperimentGrid, ctx: GridContext = {}): GridCell[] {
  const cells = grid.kind === 'list' ? expandList(grid) : expandProduct(resolveGrid(grid, ctx));
  const seen = new Set<string>();
  return cells.filter(({ cell }) => {
    const key = `${cell.configuration}\u0000${cell.seed}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function expandProduct(grid: ProductGrid): GridCell[] {
  const { method: _m, fusion: _f, seed: _s, ...settings } = grid.settings as TrainSettings & Record<string, unknown>;
  const out: GridCell[] = [];
  for (const seed of grid.seeds) {
    for (const heldOut of grid.heldOut === undefined ? [undefined] : (grid.heldOut as string[])) {
      for (const m of grid.methods) {
        const radii = hasRadius(m.method) ? (m.radii ?? grid.radii) : undefined;
        for (const radius of radii ?? [undefined]) out.push(productCell(m, settings, seed, radius, heldOut));
      }
    }
  }
  return out;
}

function productCell(m: GridMethod, settings: TrainSettings, seed: number, radius: number | undefined, heldOut: string | undefined): GridCell {
  const input: TrainConfigInput = {
    ...settings,
    method: m.method,
    fusion: m.fusion,
    seed,
    ...(radius !== undefined ? radiusSettings(m.method, radius, settings) : {}),
    ...(heldOut !== undefined ? { split: { kind: 'leave-one-group-out', train: settings.split?.train ?? 0.7, validation: settings.split?.validation ?? 0.15, heldOutGroup: heldOut } } : {}),
  };
  const label = (fusion: string) => configurationLabel({ method: m.method, fusion, radius, radiusKind: radiusKind(m.method, settings), heldOut });
  const config = parseCellConfig(input, label(m.fusion));
  return {
    config,
    cell: {
      // Labelled by the fusion it trains with (logreg is early fusion whatever the grid says).
      configuration: label(config.fusion),
      method: config.method, fusion: config.fusion, ...(radius !== undefined ? { radius } : {}), ...(heldOut !== undefined ? { heldOut } : {}), seed,
    },
  };
}

export function radiusKind(method: string, settings: Pick<TrainSettings, 'rhoByModality'>): RadiusKind {
  if (method === 'cvar') return 'alpha';
  return method === 'mm-dro' && settings.rhoByModality && Object.keys(settings.rhoByModality).length > 0 ? 'rho-scale' : 'rho';
}

/** What a training radius sets in the config of a cell (see ProductGridSchema.radii). */
export function radiusSettings(method: MethodName, r: number, settings: TrainSettings): Partial<TrainConfigInput> {
  if (method === 'cvar') {
    if (!(r > 0 && r <= 1)) throw invalid(`CVaR's level α must be in (0, 1]; the grid gives it ${r}.`, 'Give CVaR its own radii (α values ≤ 1), or leave it out of a grid whose radii are ρ values above 1.');
    return { cvarAlpha: r };
  }
  if ((settings.rhoRule ?? 'manual') !== 'manual') {
    throw invalid(`A grid of training radii needs manual radii; the settings choose them by the '${settings.rhoRule}' rule.`, 'Drop the radii, or use the manual ρ rule.');
  }
  if (method === 'mm-dro' && settings.rhoByModality && Object.keys(settings.rhoByModality).length > 0) {
    const scaled = Object.fromEntries(Object.entries(settings.rhoByModality).map(([k, v]) => [k, v * r]));
    return { rho: (settings.rho ?? 0.1) * r, rhoByModality: scaled };
  }
  return { rho: r };
}

function parseCellConfig(input: TrainConfigInput, label: string): TrainConfig {
  try {
    return parseTrainConfig(input);
  } catch (e) {
    const issues = (e as { issues?: { path: PropertyKey[]; message: string }[] }).issues;
    if (!issues) throw e;
    const what = issues.map((i) => `${i.path.map(String).join('.') || 'config'}: ${i.message}`).join('; ');
    throw invalid(`Configuration ${label} is not valid — ${what}.`, 'Fix the settings of the grid.');
  }
}

/**
 * A list grid's cells. A configuration is labelled `method:fusion[ · held out G]`; configs that share
 * such a label but differ in other settings (not the seed) are told apart by their radius when that
 * suffices, else numbered as variants.
 */
function expandList(grid: ListGrid): GridCell[] {
  const base = (c: TrainConfig): LabelParts => {
    const heldOut = heldOutOf(c);
    return { method: c.method, fusion: c.fusion, ...(heldOut !== undefined ? { heldOut } : {}) };
  };
  const fingerprint = (c: TrainConfig) => canonicalJson({ ...c, seed: 0 });
  const byLabel = new Map<string, string[]>(); // base label → distinct fingerprints, in order
  for (const c of grid.configs) {
    const fps = byLabel.get(configurationLabel(base(c))) ?? [];
    if (!fps.includes(fingerprint(c))) fps.push(fingerprint(c));
    byLabel.set(configurationLabel(base(c)), fps);
  }
  return grid.configs.map((config) => {
    const fps = byLabel.get(configurationLabel(base(config)))!;
    let parts = base(config);
    if (fps.length > 1) {
      const radii = fps.map((fp) => listRadius(grid.configs.find((c) => fingerprint(c) === fp)!));
      const byRadius = radii.every((r) => r !== undefined) && new Set(radii).size === radii.length;
      parts = byRadius ? { ...parts, radius: listRadius(config), radiusKind: config.method === 'cvar' ? 'alpha' : 'rho' } : { ...parts, variant: fps.indexOf(fingerprint(config)) + 1 };
    }
    const { variant: _v, radiusKind: _k, ...cell } = parts;
    return { config, cell: { ...cell, configuration: configurationLabel(parts), seed: config.seed } as RunCell };
  });
}

function heldOutOf(c: TrainConfig): string | undefined {
  return c.split?.kind === 'leave-one-group-out' ? c.split.heldOutGroup : undefined;
}

/** The single radius of a listed config, when it has one. */
function listRadius(c: TrainConfig): number | undefined {
  if (c.method === 'cvar') return c.cvarAlpha;
  if (!hasRadius(c.method) || c.rhoRule !== 'manual' || (c.method === 'mm-dro' && c.rhoByModality && Object.keys(c.rhoByModality).length)) return undefined;
  return c.rho;
}

/** `erm:early,mm-dro:intermediate` → methods with their fusion (default intermediate). */
export function parseMethodList(value: string): { method: MethodName; fusion: Fusion }[] {
  const bad = (what: string) => new DrmmError('INVALID_ARGUMENT', `--methods: ${what}.`, {
    hint: `Give method:fusion pairs separated by commas, e.g. erm:early,mm-dro:intermediate. Methods: ${METHODS.join(', ')}; fusions: ${FUSIONS.join(', ')}.`,
  });
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw bad('no method given');
  return items.map((s) => {
    const [method, fusion = 'intermediate', extra] = s.split(':').map((p) => p.trim());
    if (extra !== undefined) throw bad(`'${s}' has more than one ':'`);
    if (!(METHODS as readonly string[]).includes(method)) throw bad(`unknown method '${method}'`);
    if (!(FUSIONS as readonly string[]).includes(fusion)) throw bad(`unknown fusion '${fusion}' in '${s}'`);
    return { method: method as MethodName, fusion: fusion as Fusion };
  });
}

/** `--seeds 3` = seeds 0, 1, 2; `--seeds 4,7` = those seeds (one seed alone: `--seeds 5,`). */
export function parseSeeds(value: string): number[] {
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) {
    const n = Number(trimmed);
    if (n < 1 || n > 100) throw new DrmmError('INVALID_ARGUMENT', `--seeds N takes a count from 1 to 100, got ${n}.`, { hint: 'Or list the seeds: --seeds 0,1,2.' });
    return Array.from({ length: n }, (_, i) => i);
  }
  const seeds = trimmed.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new DrmmError('INVALID_ARGUMENT', `--seeds takes a count or whole numbers ≥ 0 separated by commas, got '${value}'.`, { hint: 'E.g. --seeds 3 (seeds 0, 1, 2) or --seeds 1,5,9.' });
  }
  return seeds;
}

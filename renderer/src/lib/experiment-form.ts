/**
 * The experiment setup form and the train configs it produces (one per method × seed, and per
 * held-out group when leave-one-group-out runs "each group in turn": METHOD.md §5 leave-one-environment-out).
 * Field meanings: core/train/config.ts; the maths of ρ_k, γ and B: METHOD.md §3.
 */
import type { TrainConfigInput } from './api-types';

export interface ModalityChoice {
  name: string;
  width: number;
  include: boolean;
  encoder: 'linear' | 'mlp';
  encoderWidth: number;
  rho: number;
}

export interface MethodChoice {
  method: string;
  include: boolean;
  fusion: 'early' | 'intermediate' | 'late';
}

export interface ExperimentForm {
  datasetId: number | null;
  name: string;
  modalities: ModalityChoice[];
  methods: MethodChoice[];
  rhoRule: 'manual' | 'statistical' | 'environments';
  rhoAlpha: number;
  gammaMode: 'estimated' | 'independent' | 'coupled' | 'manual';
  gammaMatrix: number[][];
  split: { kind: 'stratified' | 'provided' | 'leave-one-group-out'; train: number; validation: number; heldOutGroup: string };
  /** The groups held out when `split.heldOutGroup` is CHOSEN_GROUPS (leave-one-environment-out over them). */
  heldOutChosen: string[];
  /** Seeds as a count (0…N−1) or as a list ("0, 3, 7" or "0-4"). */
  seedMode: 'count' | 'list';
  seedCount: number;
  seeds: string;
  /** Training radii of the grid ("0.05, 0.1, 0.2"; empty = the one radius of the Modalities panel): ρ for χ², KL and mm-dro. */
  radii: string;
  /** CVaR's levels α of the grid ("0.1, 0.2"; empty = the one α of Advanced). */
  cvarLevels: string;
  epochs: number;
  batchSize: number;
  learningRate: number;
  selectionRule: 'val-loss' | 'worst-group-accuracy' | 'robust-objective';
  // advanced
  objectiveForm: 'closed-form' | 'exact';
  warmupEpochs: number;
  gammaRefresh: boolean;
  cvarAlpha: number;
  groupStep: number;
  weightDecay: number;
  /** Early stopping, in optimiser steps without a better epoch (0 = off; METHOD.md §6). */
  patienceSteps: number;
  /** Floor on optimiser steps: small data gets more epochs (0 = off; METHOD.md §6). */
  minSteps: number;
  headWidth: number;
  missingIndicator: boolean;
  backend: 'auto' | 'onnx' | 'tensorflow' | 'wasm' | 'cpu';
  /** Where the cells train: this machine (the default), or the lab queue of Settings (docs/distributed.md). */
  runOn: 'local' | 'lab';
}

/** `split.heldOutGroup` value meaning "each group in turn": one run per group level. */
export const EACH_GROUP = '*each-group*';
/** `split.heldOutGroup` value meaning "the groups ticked in `heldOutChosen`, each in turn". */
export const CHOSEN_GROUPS = '*chosen-groups*';

/** The held-out groups the runs use: every level for EACH_GROUP, the ticked ones for CHOSEN_GROUPS, the one chosen otherwise, none for other splits. */
export function heldOutGroups(form: ExperimentForm, groupLevels: readonly string[] = []): (string | undefined)[] {
  if (form.split.kind !== 'leave-one-group-out') return [undefined];
  if (form.split.heldOutGroup === EACH_GROUP) return [...groupLevels];
  if (form.split.heldOutGroup === CHOSEN_GROUPS) return groupLevels.filter((g) => (form.heldOutChosen ?? []).includes(g));
  return [form.split.heldOutGroup || undefined];
}

/** How many runs the form starts: the grid's cells (configurations × seeds; see gridPreview). */
export function runCount(form: ExperimentForm, groupLevels: readonly string[] = []): number {
  return gridPreview(form, groupLevels).runs;
}

/** Methods whose objective has a training radius (or, for CVaR, a level α) a grid can sweep (core/experiments/grid.ts). */
export const RADIUS_METHODS = ['chi2', 'kl', 'mm-dro', 'cvar'] as const;
const hasRadius = (m: string) => (RADIUS_METHODS as readonly string[]).includes(m);

/** The seeds of the form: 0…N−1 for a count, else the list. */
export function formSeeds(form: ExperimentForm): { seeds: number[]; error?: string } {
  if (form.seedMode === 'count') {
    const n = form.seedCount;
    if (!(Number.isInteger(n) && n >= 1 && n <= 100)) return { seeds: [], error: 'The number of seeds must be a whole number from 1 to 100.' };
    return { seeds: Array.from({ length: n }, (_, i) => i) };
  }
  return parseSeeds(form.seeds);
}

/** "0.05, 0.1 0.2" → [0.05, 0.1, 0.2] (repeats dropped); empty text = no list. */
export function parseRadii(text: string, what: { name: string; max?: number; positive?: boolean } = { name: 'radius' }): { values: number[]; error?: string } {
  const values: number[] = [];
  for (const part of text.split(/[\s,;]+/).filter(Boolean)) {
    const v = Number(part);
    if (!Number.isFinite(v) || v < 0) return { values, error: `“${part}” is not a ${what.name}: give numbers such as 0.05, 0.1, 0.2.` };
    if (what.positive && v <= 0) return { values, error: `A ${what.name} must be above 0 (“${part}”).` };
    if (what.max !== undefined && v > what.max) return { values, error: `A ${what.name} must be at most ${what.max} (“${part}”).` };
    if (!values.includes(v)) values.push(v);
  }
  if (values.length > 50) return { values, error: `Give at most 50 values of ${what.name}.` };
  return { values };
}

/** The radii and CVaR levels of the form's grid (empty lists when not given). */
export function formRadii(form: ExperimentForm): { radii: number[]; cvarLevels: number[]; errors: string[] } {
  const r = parseRadii(form.radii ?? '', { name: 'training radius ρ', max: 100 });
  const c = parseRadii(form.cvarLevels ?? '', { name: 'CVaR level α', max: 1, positive: true });
  return { radii: r.values, cvarLevels: c.values, errors: [r.error, c.error].filter((e): e is string => !!e) };
}

/** Per-modality radii all the same (then a grid radius is ρ for every modality, not a scale of them). */
function uniformRho(form: ExperimentForm): boolean {
  const rhos = form.modalities.filter((m) => m.include).map((m) => m.rho);
  return rhos.every((r) => r === rhos[0]);
}

/** How an mm-dro radius of the grid is read: ρ for every modality, or a scale of the ρ_k of the Modalities panel (ρ×). */
export function mmDroRadiusKind(form: ExperimentForm): 'rho' | 'rho-scale' {
  return uniformRho(form) ? 'rho' : 'rho-scale';
}

/** A configuration's label, as core/experiments/label.ts writes it (the report and History show the same). */
export function configurationLabel(p: { method: string; fusion: string; radius?: number; radiusKind?: 'rho' | 'rho-scale' | 'alpha'; heldOut?: string }): string {
  let s = `${p.method}:${p.fusion}`;
  if (p.radius !== undefined) s += ` ${{ rho: 'ρ=', 'rho-scale': 'ρ×', alpha: 'α=' }[p.radiusKind ?? 'rho']}${p.radius}`;
  if (p.heldOut !== undefined) s += ` · held out ${p.heldOut}`;
  return s;
}

/**
 * The grid the form describes, before it is sent: its configuration labels (in grid order), seeds,
 * held-out groups and number of runs — what the Setup screen shows as "4 configurations × 3 seeds = 12 runs".
 */
export function gridPreview(form: ExperimentForm, groupLevels: readonly string[] = []): { configurations: string[]; seeds: number[]; heldOut: string[] | undefined; radii: number[]; runs: number } {
  const { seeds } = formSeeds(form);
  const { radii, cvarLevels } = formRadii(form);
  const held = heldOutGroups(form, groupLevels);
  const heldOut = form.split.kind === 'leave-one-group-out' ? held.filter((g): g is string => g !== undefined) : undefined;
  const labels: string[] = [];
  for (const g of heldOut ?? [undefined]) {
    for (const m of form.methods.filter((x) => x.include)) {
      const fusion = m.method === 'logreg' ? 'early' : m.fusion;
      const own = m.method === 'cvar' ? (cvarLevels.length ? cvarLevels : radii.length ? [form.cvarAlpha] : []) : hasRadius(m.method) ? radii : [];
      const kind = m.method === 'cvar' ? 'alpha' : m.method === 'mm-dro' ? mmDroRadiusKind(form) : 'rho';
      for (const r of own.length ? own : [undefined]) {
        const label = configurationLabel({ method: m.method, fusion, ...(r !== undefined ? { radius: r, radiusKind: kind } : {}), ...(g !== undefined ? { heldOut: g } : {}) });
        if (!labels.includes(label)) labels.push(label);
      }
    }
  }
  return { configurations: labels, seeds, heldOut, radii, runs: labels.length * seeds.length };
}

export const DEFAULT_FUSION: Record<string, MethodChoice['fusion']> = {
  erm: 'early',
  chi2: 'early',
  cvar: 'intermediate',
  kl: 'intermediate',
  'group-dro': 'intermediate',
  'mm-dro': 'intermediate',
  logreg: 'early', // the reference is one linear layer over the concatenated inputs, whatever is chosen
};

/** The networks' learning rate (core/train/config.ts default). */
export const DEFAULT_LEARNING_RATE = 0.001;

export function defaultForm(): ExperimentForm {
  return {
    datasetId: null,
    name: '',
    modalities: [],
    methods: ['erm', 'chi2', 'cvar', 'kl', 'group-dro', 'mm-dro', 'logreg'].map((m) => ({ method: m, include: m === 'erm' || m === 'mm-dro', fusion: DEFAULT_FUSION[m] })),
    rhoRule: 'manual',
    rhoAlpha: 0.05,
    gammaMode: 'estimated',
    gammaMatrix: [],
    split: { kind: 'stratified', train: 0.7, validation: 0.15, heldOutGroup: '' },
    heldOutChosen: [],
    seedMode: 'list',
    seedCount: 3,
    seeds: '0',
    radii: '',
    cvarLevels: '',
    epochs: 30,
    batchSize: 256,
    learningRate: DEFAULT_LEARNING_RATE,
    selectionRule: 'val-loss',
    objectiveForm: 'closed-form',
    warmupEpochs: 2,
    gammaRefresh: false,
    cvarAlpha: 0.2,
    groupStep: 0.01,
    weightDecay: 0,
    patienceSteps: 100,
    minSteps: 300,
    headWidth: 64,
    missingIndicator: false,
    backend: 'auto',
    runOn: 'local',
  };
}

/** What Setup knows of the lab queue (lab.get, without its password or key). */
export interface LabChoice { url: string | null; label: string | null; keyId: string | null; keyFile: string }

/**
 * Whether Setup offers "Run on: the lab queue", and what an experiments.create request says about
 * where its cells run: the lab queue only when one is configured (a queue URL saved in Settings) and
 * chosen; otherwise nothing, so the cells run here (the default; no socket is opened).
 */
export function runOnRequest(runOn: ExperimentForm['runOn'], lab: LabChoice | null | undefined): { runOn?: 'lab' } {
  return runOn === 'lab' && lab?.url ? { runOn: 'lab' } : {};
}

/** The line under the "Run on" choice: where the cells go and which key the workers need. */
export function labChoiceNote(lab: LabChoice): string {
  const where = `cells wait in ${lab.label ?? lab.url} for the lab's workers (drmm worker)`;
  return lab.keyId
    ? `${where} holding the lab key ${lab.keyId} (${lab.keyFile}); results are recorded here.`
    : `${where}; a lab key is made in ${lab.keyFile} when the experiment starts: copy it to each worker by hand.`;
}

/** The split kinds of a dataset spec that mean "the dataset says which rows are train / validation / test". */
const PROVIDED_SPLIT_KINDS = ['column', 'files', 'parts'];

function specSplitOf(spec: unknown): { kind?: unknown; train?: unknown; validation?: unknown; heldOutGroup?: unknown } | undefined {
  const split = (spec as { split?: unknown } | null | undefined)?.split;
  return split && typeof split === 'object' ? (split as Record<string, unknown>) : undefined;
}

/** True when the dataset spec carries its own split (a split column, per-file or per-part split). */
export function hasProvidedSplit(spec: unknown): boolean {
  const kind = specSplitOf(spec)?.kind;
  return typeof kind === 'string' && PROVIDED_SPLIT_KINDS.includes(kind);
}

/**
 * The form's default split for a dataset: the split its spec declares (METHOD.md §6: "the dataset
 * spec's split is the default split of every experiment on it") — provided, leave-one-group-out
 * with its held-out group, or stratified with its fractions — else stratified 0.7 / 0.15.
 */
export function splitFromSpec(spec: unknown, groupLevels: readonly string[] = []): ExperimentForm['split'] & { fromSpec: boolean } {
  const s = specSplitOf(spec);
  const firstGroup = groupLevels[0] ?? '';
  const base = { kind: 'stratified' as ExperimentForm['split']['kind'], train: 0.7, validation: 0.15, heldOutGroup: firstGroup, fromSpec: false };
  if (!s || typeof s.kind !== 'string') return base;
  if (PROVIDED_SPLIT_KINDS.includes(s.kind)) return { ...base, kind: 'provided', fromSpec: true };
  if (s.kind === 'leave-one-group-out') {
    if (!groupLevels.length) return base;
    const g = typeof s.heldOutGroup === 'string' && groupLevels.includes(s.heldOutGroup) ? s.heldOutGroup : firstGroup;
    return { ...base, kind: 'leave-one-group-out', heldOutGroup: g, fromSpec: true };
  }
  if (s.kind === 'stratified') {
    const train = typeof s.train === 'number' ? s.train : 0.7;
    const validation = typeof s.validation === 'number' ? s.validation : 0.15;
    return { ...base, train, validation, fromSpec: true };
  }
  return base;
}

/** Why a choice is unavailable for this dataset, in words (undefined = available). */
export function unavailableReasons(spec: unknown, groupLevels: readonly string[] = []): {
  providedSplit?: string;
  leaveOneGroupOut?: string;
  environments?: string;
  groupDro?: string;
  worstGroupSelection?: string;
} {
  const noGroups = groupLevels.length === 0;
  const why = 'this dataset has no group column (hospital, source, period…)';
  return {
    providedSplit: hasProvidedSplit(spec) ? undefined : 'this dataset’s spec has no split of its own (a split column, or a split per file)',
    leaveOneGroupOut: noGroups ? why : undefined,
    environments: noGroups ? 'needs groups (environments) to compare, and this dataset has no group column' : undefined,
    groupDro: noGroups ? why : undefined,
    worstGroupSelection: noGroups ? why : undefined,
  };
}

/** "0, 1, 2" or "0-4" → [0,1,2] / [0..4]; invalid parts are reported. */
export function parseSeeds(text: string): { seeds: number[]; error?: string } {
  const seeds: number[] = [];
  for (const part of text.split(/[\s,]+/).filter(Boolean)) {
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (range) {
      const a = Number(range[1]), b = Number(range[2]);
      if (b < a || b - a > 50) return { seeds, error: `Seed range “${part}” must go upwards and span at most 50 seeds.` };
      for (let s = a; s <= b; s++) seeds.push(s);
    } else if (/^\d+$/.test(part)) seeds.push(Number(part));
    else return { seeds, error: `“${part}” is not a seed: use whole numbers such as 0, 1, 2 or a range 0-4.` };
  }
  if (!seeds.length) return { seeds, error: 'Give at least one seed (for example 0).' };
  return { seeds: [...new Set(seeds)] };
}

/** Φ⁻¹(p): Acklam's rational approximation (|error| < 1.2e-9), enough for a displayed ρ. */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - pl) return -normalQuantile(1 - p);
  const q = p - 0.5, r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Statistical rule (METHOD §3): ρ = χ²_{1,1−α} / n, with χ²_{1,1−α} = Φ⁻¹(1−α/2)². */
export function statisticalRadius(alpha: number, nTrain: number): number {
  const z = normalQuantile(1 - alpha / 2);
  return (z * z) / Math.max(1, nTrain);
}

/** B = Σρ_k + 2 Σ_{i<j} |γ_ij| √(ρ_i ρ_j) (METHOD §3). */
export function effectiveRadius(rho: number[], gamma: (i: number, j: number) => number): number {
  let b = rho.reduce((s, r) => s + r, 0);
  for (let i = 0; i < rho.length; i++) for (let j = i + 1; j < rho.length; j++) b += 2 * Math.abs(gamma(i, j)) * Math.sqrt(rho[i] * rho[j]);
  return b;
}

export function identityMatrix(k: number): number[][] {
  return Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j ? 1 : 0)));
}

/** Problems that keep the form from starting (plain words, what to change). */
export function formIssues(form: ExperimentForm, groupLevels: readonly string[] = [], dataset: { providedSplit?: boolean } = {}): string[] {
  const out: string[] = [];
  if (form.split.kind === 'provided' && dataset.providedSplit === false) out.push('This dataset has no split of its own: choose a stratified random split or leave one group out.');
  if (form.split.kind === 'leave-one-group-out' && !groupLevels.length && form.datasetId !== null) out.push('This dataset has no groups to hold out: choose a stratified random split.');
  if (form.rhoRule === 'environments' && !groupLevels.length && form.datasetId !== null) out.push('Radii from environments need a group column: choose manual or statistical radii.');
  if (form.datasetId === null) out.push('Choose a dataset.');
  if (!form.modalities.some((m) => m.include)) out.push('Include at least one modality.');
  if (!form.methods.some((m) => m.include)) out.push('Choose at least one method.');
  const seeds = formSeeds(form);
  if (seeds.error) out.push(seeds.error);
  const radii = formRadii(form);
  out.push(...radii.errors);
  const sweeps = radii.radii.length > 0 && form.methods.some((m) => m.include && ['chi2', 'kl', 'mm-dro'].includes(m.method));
  if (sweeps && form.rhoRule !== 'manual') out.push('A list of training radii needs the manual radius rule: choose “manual”, or clear the radii.');
  if (form.split.kind === 'leave-one-group-out' && form.split.heldOutGroup === CHOSEN_GROUPS && heldOutGroups(form, groupLevels).length === 0 && groupLevels.length) out.push('Tick at least one group to hold out.');
  if (form.split.kind === 'stratified' && form.split.train + form.split.validation >= 1) out.push('Train + validation fractions must leave something for the test split (sum below 1).');
  if (!(form.epochs >= 1)) out.push('Epochs must be at least 1.');
  if (!(form.batchSize >= 1)) out.push('Batch size must be at least 1.');
  if (!(form.learningRate > 0)) out.push('Learning rate must be positive.');
  if (!(Number.isInteger(form.minSteps) && form.minSteps >= 0 && form.minSteps <= 100_000)) out.push('Min. steps must be a whole number from 0 (off) to 100 000.');
  if (!(Number.isInteger(form.patienceSteps) && form.patienceSteps >= 0)) out.push('Patience (steps) must be a whole number, 0 or more (0 = never stop early).');
  if (form.split.kind === 'leave-one-group-out' && form.split.heldOutGroup === EACH_GROUP && !groupLevels.length) out.push('This dataset has no groups to hold out in turn.');
  const n = runCount(form, groupLevels);
  if (n > 100) out.push(`That is ${n} runs; start at most 100 at once.`);
  return out;
}

/** The settings every run of the form shares, whichever way it is queued: radius rule, γ, warm-up, method levels, schedule. */
function radiusAndSchedule(form: ExperimentForm) {
  return {
    rhoRule: form.rhoRule,
    rhoAlpha: form.rhoAlpha,
    gammaMode: form.gammaMode,
    gammaMatrix: form.gammaMode === 'manual' ? form.gammaMatrix : undefined,
    gammaRefresh: form.gammaRefresh,
    warmupEpochs: form.warmupEpochs,
    cvarAlpha: form.cvarAlpha,
    groupStep: form.groupStep,
    epochs: form.epochs,
    batchSize: form.batchSize,
  };
}

/** One TrainConfig input per included method × seed (× held-out group for "each group in turn"; pass the dataset's levels). */
export function buildConfigs(form: ExperimentForm, groupLevels: readonly string[] = []): TrainConfigInput[] {
  const mods = form.modalities.filter((m) => m.include);
  const allIncluded = mods.length === form.modalities.length;
  const { seeds } = formSeeds(form);
  const rhoByModality = Object.fromEntries(mods.map((m) => [m.name, m.rho]));
  const encoders = Object.fromEntries(mods.map((m) => [m.name, { kind: m.encoder, width: m.encoderWidth, depth: 1 }]));
  const split =
    form.split.kind === 'stratified'
      ? { kind: 'stratified' as const, train: form.split.train, validation: form.split.validation }
      : form.split.kind === 'leave-one-group-out'
        ? { kind: 'leave-one-group-out' as const, train: 0.7, validation: 0.15 }
        : { kind: 'provided' as const, train: 0.7, validation: 0.15 };
  const configs: TrainConfigInput[] = [];
  for (const m of form.methods.filter((x) => x.include)) {
    for (const seed of seeds) for (const heldOutGroup of heldOutGroups(form, groupLevels)) {
      const cfg: TrainConfigInput = {
        method: m.method as TrainConfigInput['method'],
        fusion: m.fusion,
        modalities: allIncluded ? undefined : mods.map((x) => x.name),
        encoders,
        headWidth: form.headWidth,
        objectiveForm: form.objectiveForm,
        rho: mods.length ? mods[0].rho : 0.1,
        rhoByModality,
        ...radiusAndSchedule(form),
        // The logistic-regression reference keeps its own optimiser defaults unless the user changed the form's.
        ...(m.method === 'logreg' && form.learningRate === DEFAULT_LEARNING_RATE ? {} : { learningRate: form.learningRate }),
        ...(m.method === 'logreg' && form.weightDecay === 0 ? {} : { weightDecay: form.weightDecay }),
        selectionRule: form.selectionRule,
        patienceSteps: form.patienceSteps,
        minSteps: form.minSteps,
        split: heldOutGroup !== undefined ? { ...split, heldOutGroup } : split,
        missingIndicator: form.missingIndicator,
        seed,
        backend: form.backend,
      };
      configs.push(JSON.parse(JSON.stringify(cfg)));
    }
  }
  return configs;
}


/** The request of `experiments.create` (a product grid, main/api/contract.ts GridRequestSchema). */
export interface GridRequest {
  methods: { method: string; fusion: MethodChoice['fusion']; radii?: number[] }[];
  seeds: number[];
  radii?: number[];
  heldOut?: 'all' | string[];
  settings: Record<string, unknown>;
}

/**
 * The form as ONE experiment: methods (each with its fusion) × held-out groups × training radii ×
 * seeds over the shared settings (core/experiments/grid.ts expands it into runs, seed-major).
 * A radius list sweeps ρ for χ², KL and mm-dro (for mm-dro: ρ for every modality when the
 * Modalities panel gives them all the same ρ, else a scale of those ρ_k); CVaR sweeps its own
 * levels α (or keeps the one α of Advanced). Optimiser values left at their defaults are not sent,
 * so that logistic regression keeps its own.
 */
export function buildGrid(form: ExperimentForm, groupLevels: readonly string[] = []): GridRequest {
  const mods = form.modalities.filter((m) => m.include);
  const allIncluded = mods.length === form.modalities.length;
  const { seeds } = formSeeds(form);
  const { radii, cvarLevels } = formRadii(form);
  const held = heldOutGroups(form, groupLevels).filter((g): g is string => g !== undefined);
  const logo = form.split.kind === 'leave-one-group-out';
  const split =
    form.split.kind === 'stratified'
      ? { kind: 'stratified' as const, train: form.split.train, validation: form.split.validation }
      : form.split.kind === 'provided'
        ? { kind: 'provided' as const, train: 0.7, validation: 0.15 }
        : { kind: 'stratified' as const, train: 0.7, validation: 0.15 }; // each cell holds out its group (grid.heldOut)
  const sweepRho = radii.length > 0;
  const rhoByModality = Object.fromEntries(mods.map((m) => [m.name, m.rho]));
  const settings: Record<string, unknown> = {
    modalities: allIncluded ? undefined : mods.map((x) => x.name),
    encoders: Object.fromEntries(mods.map((m) => [m.name, { kind: m.encoder, width: m.encoderWidth, depth: 1 }])),
    headWidth: form.headWidth,
    objectiveForm: form.objectiveForm,
    rho: mods.length ? mods[0].rho : 0.1,
    // With a radius grid and one ρ for every modality, mm-dro's grid radius is that ρ (not a scale).
    rhoByModality: sweepRho && uniformRho(form) ? undefined : rhoByModality,
    ...radiusAndSchedule(form),
    learningRate: form.learningRate === DEFAULT_LEARNING_RATE ? undefined : form.learningRate,
    weightDecay: form.weightDecay === 0 ? undefined : form.weightDecay,
    selectionRule: form.selectionRule,
    patienceSteps: form.patienceSteps,
    minSteps: form.minSteps,
    split,
    missingIndicator: form.missingIndicator,
    backend: form.backend,
  };
  const methods = form.methods.filter((m) => m.include).map((m) => {
    // CVaR never sweeps the ρ values as α: its own levels, or the one α when only ρ is swept.
    const own = m.method === 'cvar' ? (cvarLevels.length ? cvarLevels : sweepRho ? [form.cvarAlpha] : undefined) : undefined;
    return { method: m.method, fusion: m.method === 'logreg' ? 'early' as const : m.fusion, ...(own ? { radii: own } : {}) };
  });
  const grid: GridRequest = {
    methods,
    seeds,
    ...(sweepRho ? { radii } : {}),
    ...(logo ? { heldOut: form.split.heldOutGroup === EACH_GROUP ? ('all' as const) : held } : {}),
    settings,
  };
  return JSON.parse(JSON.stringify(grid)) as GridRequest;
}

// ---------------------------------------------------------------- how long it takes

/** What a finished run of the dataset tells about speed (from runs.get: results.training, results.timing, config). */
export interface PastRunTiming {
  trainSeconds: number;
  steps: number;
  batchSize: number;
  /** Everything around training: preparing, evaluation, references, saving (seconds). */
  otherSeconds: number;
}

/** A past run's timing from its stored results and config, when they carry one. */
export function pastRunTiming(detail: { config?: unknown; results?: unknown }): PastRunTiming | null {
  const r = detail.results as { training?: { steps?: unknown }; timing?: Record<string, unknown> } | null | undefined;
  const c = detail.config as { batchSize?: unknown } | null | undefined;
  const steps = r?.training?.steps, train = r?.timing?.trainSeconds, batch = c?.batchSize;
  if (typeof steps !== 'number' || !(steps > 0) || typeof train !== 'number' || !(train > 0) || typeof batch !== 'number' || !(batch > 0)) return null;
  const other = ['evaluateSeconds', 'prepareSeconds', 'evalRadiusSeconds', 'referencesSeconds', 'saveSeconds']
    .map((k) => r?.timing?.[k]).reduce<number>((s, v) => s + (typeof v === 'number' && Number.isFinite(v) ? v : 0), 0);
  return { trainSeconds: train, steps, batchSize: batch, otherSeconds: other };
}

/** Optimiser steps a run plans: epochs × steps per epoch, raised to the step floor (METHOD.md §6; early stopping may end it sooner). */
export function plannedSteps(nTrain: number, batchSize: number, epochs: number, minSteps: number): number {
  const perEpoch = Math.max(1, Math.ceil(Math.max(1, nTrain) / Math.max(1, batchSize)));
  const floorEpochs = minSteps > 0 ? Math.ceil(minSteps / perEpoch) : 0;
  return perEpoch * Math.max(epochs, floorEpochs);
}

/**
 * Without past runs (measured on the bundled dermatology sample, wasm backend): seconds per
 * training sample-step; the fixed cost of a run (starting its process, loading, warming up,
 * saving); and the evaluation's cost per data row (stress grid, bootstrap, references).
 */
export const DEFAULT_SECONDS_PER_SAMPLE = 2e-4;
const DEFAULT_RUN_SECONDS = 11.5;
const DEFAULT_SECONDS_PER_ROW = 5e-3;
/** Starting a training process and loading its data: not in a run's stored timing. */
const PROCESS_START_SECONDS = 6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

/**
 * About how long the experiment takes: runs × (steps × batch × seconds per sample + the fixed
 * cost of a run), `concurrency` runs at a time. The speed comes from the dataset's past runs when
 * there are any (their training time per sample-step, and the rest of their time), else from the
 * rows and the steps. `source` says which.
 */
export function estimateSeconds(o: {
  runs: number; nRows: number; nTrain: number; batchSize: number; epochs: number; minSteps: number; concurrency: number; past: readonly PastRunTiming[];
}): { seconds: number; source: 'past-runs' | 'rows-and-steps' } {
  const steps = plannedSteps(o.nTrain, o.batchSize, o.epochs, o.minSteps);
  const samples = steps * Math.min(Math.max(1, o.batchSize), Math.max(1, o.nTrain));
  const past = o.past.filter((p) => p.steps > 0 && p.trainSeconds > 0);
  const perSample = past.length ? median(past.map((p) => p.trainSeconds / (p.steps * p.batchSize))) : DEFAULT_SECONDS_PER_SAMPLE;
  const fixed = past.length ? median(past.map((p) => p.otherSeconds)) + PROCESS_START_SECONDS : DEFAULT_RUN_SECONDS + o.nRows * DEFAULT_SECONDS_PER_ROW;
  const perRun = samples * perSample + fixed;
  const waves = Math.ceil(Math.max(0, o.runs) / Math.max(1, o.concurrency));
  return { seconds: waves * perRun, source: past.length ? 'past-runs' : 'rows-and-steps' };
}

/** "about 40 s", "about 2 min", "about 1 h 20 min". */
export function fmtAbout(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return 'under a minute';
  if (seconds < 55) return `about ${Math.max(5, Math.round(seconds / 5) * 5)} s`;
  const min = Math.round(seconds / 60);
  if (min < 60) return `about ${Math.max(1, min)} min`;
  const h = Math.floor(min / 60), m = Math.round((min % 60) / 5) * 5;
  return `about ${h} h${m ? ` ${m} min` : ''}`;
}

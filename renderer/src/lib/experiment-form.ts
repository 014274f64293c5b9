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
  seeds: string;
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
  backend: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
}

/** `split.heldOutGroup` value meaning "each group in turn": one run per group level. */
export const EACH_GROUP = '*each-group*';

/** The held-out groups the runs use: every level for EACH_GROUP, the one chosen otherwise, none for other splits. */
export function heldOutGroups(form: ExperimentForm, groupLevels: readonly string[] = []): (string | undefined)[] {
  if (form.split.kind !== 'leave-one-group-out') return [undefined];
  if (form.split.heldOutGroup === EACH_GROUP) return [...groupLevels];
  return [form.split.heldOutGroup || undefined];
}

/** How many runs the form starts: methods × seeds (× groups for "each group in turn"). */
export function runCount(form: ExperimentForm, groupLevels: readonly string[] = []): number {
  return form.methods.filter((m) => m.include).length * Math.max(1, parseSeeds(form.seeds).seeds.length) * heldOutGroups(form, groupLevels).length;
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
    seeds: '0',
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
  };
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
  const seeds = parseSeeds(form.seeds);
  if (seeds.error) out.push(seeds.error);
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

/** One TrainConfig input per included method × seed (× held-out group for "each group in turn"; pass the dataset's levels). */
export function buildConfigs(form: ExperimentForm, groupLevels: readonly string[] = []): TrainConfigInput[] {
  const mods = form.modalities.filter((m) => m.include);
  const allIncluded = mods.length === form.modalities.length;
  const { seeds } = parseSeeds(form.seeds);
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

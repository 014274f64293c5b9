/**
 * The training configuration: everything that defines a run, validated at the boundary
 * (CLI flags, API payloads, stored runs). Defaults are ones that work (METHOD.md §3).
 *
 * Every number has a finite range (`LIMITS`, also in the CLI help): wide enough for any sensible run,
 * narrow enough that training cannot overflow on the first step (ρ = 1e308, a learning rate of 1e308,
 * CVaR α = 1e-300 used to fail inside the training process with "non-finite loss at index 0") or run
 * for ever. What depends on the dataset as well (its modalities, groups, split) is checked by
 * `checkConfigForDataset` (core/train/check.ts) before a run is queued.
 */
import { z } from 'zod';

/**
 * The range of every number of a training configuration, inclusive unless said otherwise:
 * - `rho` ≤ 100: a χ²/KL/mm-dro radius; typical radii are 0.01–1, the worst case is extreme long before 100.
 * - `rhoAlpha` in [1e-6, 1): the statistical rule's level (ρ = χ²_{1,1−α}/n stays below 24/n).
 * - `cvarAlpha` in [1e-4, 1]: CVaR's tail fraction; below 1e-4 it is the single worst row of any batch.
 * - `learningRate` in [1e-8, 10]; `weightDecay` in [0, 1] (and learningRate × weightDecay < 1, checked per run:
 *   the decoupled decay multiplies weights by 1 − lr·wd every step).
 * - `groupStep` in [1e-6, 1], `groupSizeAdjust` in [0, 10]: Group DRO's exponentiated-gradient step and size
 *   correction (exp(step × loss) must stay finite in float32).
 * - `epochs`, `warmupEpochs` ≤ 10 000; `minSteps` ≤ 100 000; `patienceSteps` ≤ 1 000 000; `batchSize` in [1, 1 000 000].
 * - encoder `width` and `headWidth` in [1, 4096], encoder `depth` in [0, 8]; `gammaMatrix` entries in [−1, 1].
 * - `seed` in [0, 2³² − 1] (the generators use 32 bits: larger seeds would repeat smaller ones).
 * - split fractions: train in (0, 1), validation in [0, 1), and train + validation < 1 (checked per run).
 */
export const LIMITS = {
  rho: { min: 0, max: 100 },
  rhoAlpha: { min: 1e-6, max: 1 },
  cvarAlpha: { min: 1e-4, max: 1 },
  learningRate: { min: 1e-8, max: 10 },
  weightDecay: { min: 0, max: 1 },
  groupStep: { min: 1e-6, max: 1 },
  groupSizeAdjust: { min: 0, max: 10 },
  epochs: { min: 1, max: 10_000 },
  warmupEpochs: { min: 0, max: 10_000 },
  batchSize: { min: 1, max: 1_000_000 },
  minSteps: { min: 0, max: 100_000 },
  patienceSteps: { min: 0, max: 1_000_000 },
  width: { min: 1, max: 4096 },
  depth: { min: 0, max: 8 },
  seed: { min: 0, max: 2 ** 32 - 1 },
} as const;

export const METHODS = ['erm', 'chi2', 'cvar', 'kl', 'group-dro', 'mm-dro', 'logreg'] as const;
export type MethodName = (typeof METHODS)[number];

/** The method names a reader sees, the same on every surface (renderer/src/lib/api-types.ts mirrors them; a test checks). */
export const METHOD_LABELS: Record<MethodName, string> = {
  erm: 'ERM',
  chi2: 'χ²-DRO',
  cvar: 'CVaR-DRO',
  kl: 'KL-DRO',
  'group-dro': 'Group DRO',
  'mm-dro': 'Modality-aware DRO',
  logreg: 'Logistic regression',
};

/** A method's label; an unknown name (an old or foreign record) as it is. */
export function methodLabel(method: string): string {
  return (METHOD_LABELS as Record<string, string>)[method] ?? method;
}

export const FUSIONS = ['early', 'intermediate', 'late'] as const;
export type Fusion = (typeof FUSIONS)[number];

/** `onnx`: the native engine (docs/engine.md); the others: TF.js backends. */
export const BACKENDS = ['auto', 'onnx', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

export const SELECTION_RULES = ['val-loss', 'worst-group-accuracy', 'robust-objective'] as const;
export type SelectionRule = (typeof SELECTION_RULES)[number];

export const EncoderSchema = z.object({
  kind: z.enum(['linear', 'mlp']).default('mlp'),
  /** Embedding width (output of the encoder). */
  width: z.number().int().min(LIMITS.width.min).max(LIMITS.width.max).default(64),
  /** Hidden layers for `mlp` (0 = a single dense layer + activation). */
  depth: z.number().int().min(LIMITS.depth.min).max(LIMITS.depth.max).default(1),
});
export type EncoderConfig = z.infer<typeof EncoderSchema>;

export const SplitSchema = z.object({
  kind: z.enum(['stratified', 'provided', 'leave-one-group-out']).default('stratified'),
  train: z.number().gt(0).lt(1).default(0.7),
  validation: z.number().min(0).lt(1).default(0.15),
  /** Group level held out as the test set for leave-one-group-out. */
  heldOutGroup: z.string().optional(),
});
export type SplitConfig = z.infer<typeof SplitSchema>;

export const TrainConfigSchema = z.object({
  method: z.enum(METHODS),
  fusion: z.enum(FUSIONS).default('intermediate'),
  /** Names of the modalities to include; empty/undefined = all. */
  modalities: z.array(z.string()).optional(),
  encoder: EncoderSchema.default({ kind: 'mlp', width: 64, depth: 1 }),
  /** Per-modality encoder overrides by modality name. */
  encoders: z.record(z.string(), EncoderSchema).optional(),
  /** Hidden width of the fusion head MLP (early fusion: the one MLP); 1–4096. */
  headWidth: z.number().int().min(LIMITS.width.min).max(LIMITS.width.max).default(64),

  /** DRO form for chi2 / mm-dro training objectives (METHOD.md §3). */
  objectiveForm: z.enum(['closed-form', 'exact']).default('closed-form'),
  /** Single radius for chi2 / kl, or default per-modality radius for mm-dro; 0–100. */
  rho: z.number().min(LIMITS.rho.min).max(LIMITS.rho.max).default(0.1),
  /** Per-modality radii (mm-dro), by modality name; overrides `rho` where given; each 0–100. */
  rhoByModality: z.record(z.string(), z.number().min(LIMITS.rho.min).max(LIMITS.rho.max)).optional(),
  rhoRule: z.enum(['manual', 'statistical', 'environments']).default('manual'),
  /** Confidence level α for the statistical rule ρ = χ²_{1,1−α}/n; in [1e-6, 1). */
  rhoAlpha: z.number().min(LIMITS.rhoAlpha.min).lt(LIMITS.rhoAlpha.max).default(0.05),
  gammaMode: z.enum(['estimated', 'independent', 'coupled', 'manual']).default('estimated'),
  /** K×K matrix (row-major, by included modality order) when gammaMode = manual. */
  gammaMatrix: z.array(z.array(z.number().min(-1).max(1))).optional(),
  /** Re-estimate γ every epoch (true) or keep it fixed after warm-up (false). */
  gammaRefresh: z.boolean().default(false),
  /** Epochs of ERM + auxiliary heads before the robust objective when γ is estimated; 0–10 000. */
  warmupEpochs: z.number().int().min(LIMITS.warmupEpochs.min).max(LIMITS.warmupEpochs.max).default(2),
  /** CVaR's tail fraction α; in [1e-4, 1]. */
  cvarAlpha: z.number().min(LIMITS.cvarAlpha.min).max(LIMITS.cvarAlpha.max).default(0.2),
  /** Group DRO's exponentiated-gradient step on the group weights; in [1e-6, 1]. */
  groupStep: z.number().min(LIMITS.groupStep.min).max(LIMITS.groupStep.max).default(0.01),
  /** Group DRO's size correction C/√n_g added to each group's loss; 0–10. */
  groupSizeAdjust: z.number().min(LIMITS.groupSizeAdjust.min).max(LIMITS.groupSizeAdjust.max).default(0),

  /** Epochs to train (1–10 000); raised to reach `minSteps` (see below); early stopping may end the run sooner. */
  epochs: z.number().int().min(LIMITS.epochs.min).max(LIMITS.epochs.max).default(30),
  /** Rows per optimiser step (1–1 000 000; a batch larger than the training split is the full split). */
  batchSize: z.number().int().min(LIMITS.batchSize.min).max(LIMITS.batchSize.max).default(256),
  /** Adam's learning rate; in [1e-8, 10]. */
  learningRate: z.number().min(LIMITS.learningRate.min).max(LIMITS.learningRate.max).default(1e-3),
  /** Decoupled weight decay; in [0, 1], with learningRate × weightDecay < 1. */
  weightDecay: z.number().min(LIMITS.weightDecay.min).max(LIMITS.weightDecay.max).default(0),
  selectionRule: z.enum(SELECTION_RULES).default('val-loss'),
  /**
   * Floor on optimiser steps (METHOD.md §6): the run gets max(epochs, ⌈minSteps / steps per epoch⌉)
   * epochs, so small data is not left near its initialisation (245 rows at full batch → 300 epochs).
   * 0 = off; at most 100 000 (≈ minutes per run on small models; a bound, not a target).
   */
  minSteps: z.number().int().min(LIMITS.minSteps.min).max(LIMITS.minSteps.max).default(300),
  /**
   * Early stopping (METHOD.md §6): stop once this many optimiser steps have passed since the best
   * epoch of the selection rule, checked at epoch ends (0 = never stop early). Steps, not epochs,
   * so that patience means the same amount of optimisation on every dataset size. The default 100
   * matches the old 10 epochs on mid-size data (~2 500 training rows at batch 256 = 10 steps per
   * epoch); on large data it is one epoch without improvement.
   * The pre-v2 `patience` (in epochs) of stored configs is deliberately not mapped (zod drops it):
   * an epoch is a different number of steps on every dataset, and a stored config re-run under the
   * v2 trainer (duals solved per batch, the step floor) does not reproduce its old numbers anyway.
   * At most 1 000 000.
   */
  patienceSteps: z.number().int().min(LIMITS.patienceSteps.min).max(LIMITS.patienceSteps.max).default(100),

  /**
   * Split: fractions for a stratified random split, the dataset's own split column/files, or
   * leave-one-group-out. Absent: the dataset's own split when it has one, else stratified 0.7/0.15/0.15
   * (see `resolveSplit`).
   */
  split: SplitSchema.optional(),
  missingIndicator: z.boolean().default(false),
  /** Seed of the split, the initial weights and the batch order; 0 – 2³² − 1. */
  seed: z.number().int().min(LIMITS.seed.min).max(LIMITS.seed.max).default(0),
  backend: z.enum(BACKENDS).default('auto'),
});
export type TrainConfig = z.infer<typeof TrainConfigSchema>;
export type TrainConfigInput = z.input<typeof TrainConfigSchema>;

/**
 * `logreg` — the logistic-regression reference (METHOD.md §4): ERM on one linear layer over the
 * concatenated inputs (early fusion, no encoder, no hidden layer) with L2 weight decay. Its defaults
 * differ from the networks': a larger step (a convex model with standardised inputs takes lr 0.01
 * without oscillating; at the networks' 0.001 it is still far from its optimum after 300 full-batch
 * steps — dermatology log-loss 0.29 against 0.09) and decay 1e-3. Values given explicitly are kept.
 */
export const LOGREG_DEFAULTS = { learningRate: 0.01, weightDecay: 1e-3 } as const;

/** Fills a method's own defaults into a raw config before the schema's generic ones apply. */
function withMethodDefaults(input: unknown): unknown {
  if (input === null || typeof input !== 'object' || (input as { method?: unknown }).method !== 'logreg') return input;
  // Keys present but undefined (unset CLI flags) must not hide the method's defaults.
  const given = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  return { ...LOGREG_DEFAULTS, ...given, fusion: 'early' };
}

/** A training configuration as it arrives (CLI, API, stored run): method defaults, then the schema's. */
export const TrainConfigRequestSchema = z.preprocess(withMethodDefaults, TrainConfigSchema);

export function parseTrainConfig(input: unknown): TrainConfig {
  return TrainConfigRequestSchema.parse(input);
}

/** The split a run uses: its own, else the dataset's provided split, else stratified 0.7/0.15/0.15. */
export function resolveSplit(config: Pick<TrainConfig, 'split'>, hasProvidedSplit: boolean): SplitConfig {
  if (config.split) return config.split;
  return hasProvidedSplit ? { kind: 'provided', train: 0.7, validation: 0.15 } : { kind: 'stratified', train: 0.7, validation: 0.15 };
}

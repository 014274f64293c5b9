/**
 * The training configuration: everything that defines a run, validated at the boundary
 * (CLI flags, API payloads, stored runs). Defaults are ones that work (METHOD.md §3).
 */
import { z } from 'zod';

export const METHODS = ['erm', 'chi2', 'cvar', 'kl', 'group-dro', 'mm-dro', 'logreg'] as const;
export type MethodName = (typeof METHODS)[number];

export const FUSIONS = ['early', 'intermediate', 'late'] as const;
export type Fusion = (typeof FUSIONS)[number];

export const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

export const SELECTION_RULES = ['val-loss', 'worst-group-accuracy', 'robust-objective'] as const;
export type SelectionRule = (typeof SELECTION_RULES)[number];

export const EncoderSchema = z.object({
  kind: z.enum(['linear', 'mlp']).default('mlp'),
  /** Embedding width (output of the encoder). */
  width: z.number().int().min(1).max(4096).default(64),
  /** Hidden layers for `mlp` (0 = a single dense layer + activation). */
  depth: z.number().int().min(0).max(8).default(1),
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
  /** Hidden width of the fusion head MLP (early fusion: the one MLP). */
  headWidth: z.number().int().min(1).max(4096).default(64),

  /** DRO form for chi2 / mm-dro training objectives (METHOD.md §3). */
  objectiveForm: z.enum(['closed-form', 'exact']).default('closed-form'),
  /** Single radius for chi2 / kl, or default per-modality radius for mm-dro. */
  rho: z.number().min(0).default(0.1),
  /** Per-modality radii (mm-dro), by modality name; overrides `rho` where given. */
  rhoByModality: z.record(z.string(), z.number().min(0)).optional(),
  rhoRule: z.enum(['manual', 'statistical', 'environments']).default('manual'),
  /** Confidence level α for the statistical rule ρ = χ²_{1,1−α}/n. */
  rhoAlpha: z.number().gt(0).lt(1).default(0.05),
  gammaMode: z.enum(['estimated', 'independent', 'coupled', 'manual']).default('estimated'),
  /** K×K matrix (row-major, by included modality order) when gammaMode = manual. */
  gammaMatrix: z.array(z.array(z.number().min(-1).max(1))).optional(),
  /** Re-estimate γ every epoch (true) or keep it fixed after warm-up (false). */
  gammaRefresh: z.boolean().default(false),
  warmupEpochs: z.number().int().min(0).default(2),
  cvarAlpha: z.number().gt(0).max(1).default(0.2),
  groupStep: z.number().positive().default(0.01),
  groupSizeAdjust: z.number().min(0).default(0),

  /** Epochs to train; raised to reach `minSteps` (see below); early stopping may end the run sooner. */
  epochs: z.number().int().min(1).max(10000).default(30),
  batchSize: z.number().int().min(1).default(256),
  learningRate: z.number().positive().default(1e-3),
  weightDecay: z.number().min(0).default(0),
  selectionRule: z.enum(SELECTION_RULES).default('val-loss'),
  /**
   * Floor on optimiser steps (METHOD.md §6): the run gets max(epochs, ⌈minSteps / steps per epoch⌉)
   * epochs, so small data is not left near its initialisation (245 rows at full batch → 300 epochs).
   * 0 = off; at most 100 000 (≈ minutes per run on small models; a bound, not a target).
   */
  minSteps: z.number().int().min(0).max(100_000).default(300),
  /**
   * Early stopping (METHOD.md §6): stop once this many optimiser steps have passed since the best
   * epoch of the selection rule, checked at epoch ends (0 = never stop early). Steps, not epochs,
   * so that patience means the same amount of optimisation on every dataset size. The default 100
   * matches the old 10 epochs on mid-size data (~2 500 training rows at batch 256 = 10 steps per
   * epoch); on large data it is one epoch without improvement.
   * The pre-v2 `patience` (in epochs) of stored configs is deliberately not mapped (zod drops it):
   * an epoch is a different number of steps on every dataset, and a stored config re-run under the
   * v2 trainer (duals solved per batch, the step floor) does not reproduce its old numbers anyway.
   */
  patienceSteps: z.number().int().min(0).max(1_000_000).default(100),

  /**
   * Split: fractions for a stratified random split, the dataset's own split column/files, or
   * leave-one-group-out. Absent: the dataset's own split when it has one, else stratified 0.7/0.15/0.15
   * (see `resolveSplit`).
   */
  split: SplitSchema.optional(),
  missingIndicator: z.boolean().default(false),
  seed: z.number().int().min(0).default(0),
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
